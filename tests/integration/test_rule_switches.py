"""Each zero-LLM text rule can be switched off (``rules.*``), as the ablation benches do, and
then memory behaves as if the rule did not exist."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from graphmem import HashEmbedder, Memory
from graphmem.config import Config, with_settings

T0 = datetime(2024, 1, 5, tzinfo=UTC)
CASES = {
    "slots": ["I live in Paris with my cat.", "I moved to Berlin with my cat."],
    "value_changes": [
        "My Zotero library has 45 sources on urban heat.",
        "My Zotero library has 52 sources on urban heat.",
    ],
    "denials": [
        "I submitted my cover letter to Greg for review.",
        "I never submitted my cover letter to Greg for review.",
    ],
}


def _statuses(tmp_path, rule: str, on: bool) -> list[str]:
    config = with_settings(Config(), [f"rules.{rule}={'true' if on else 'false'}"])
    path = tmp_path / f"{rule}-{on}"
    with Memory(path=path, embedder=HashEmbedder(), config=config, progress=False) as mem:
        for day, text in enumerate(CASES[rule]):
            mem.add(text, speaker="Ana", at=T0 + timedelta(days=30 * day))
        units = mem.store.get_units("default", mem.store.node_ids("default", "unit"))
        return sorted(u.status for u in units)


@pytest.mark.parametrize("rule", sorted(CASES))
def test_a_rule_switched_off_changes_nothing_it_would_have_changed(tmp_path, rule):
    with_rule = _statuses(tmp_path, rule, True)
    without = _statuses(tmp_path, rule, False)
    assert with_rule != without
    assert set(with_rule) & {"superseded", "conflicted"}  # the rule rewrote the older statement
    assert set(without) == {"active"}
