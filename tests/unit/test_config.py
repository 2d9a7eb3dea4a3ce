from __future__ import annotations

import pytest

from graphmem import Config, InvalidInputError
from graphmem.config import with_settings


def test_settings_change_one_field_each():
    config = with_settings(
        Config(),
        [
            "retrieval.next_hops=0",
            "retrieval.edge_weights.NEXT=0.5",
            "constructor.topics_per_batch=0",
            'retrieval.assistant_speakers=["bot"]',
            "constructor.rules_speakers=assistant",
        ],
    )
    assert config.retrieval.next_hops == 0 and config.retrieval.edge_weights["NEXT"] == 0.5
    assert config.constructor.topics_per_batch == 0
    assert config.retrieval.assistant_speakers == ("bot",)
    assert config.constructor.rules_speakers == ("assistant",)  # one item, not its letters
    assert Config().retrieval.next_hops == 2  # defaults untouched


@pytest.mark.parametrize(
    ("setting", "reason"),
    [
        ("retrieval.nope=1", "no setting 'nope'"),
        ("retrieval.edge_weights.NEXTT=1", "no setting 'retrieval.edge_weights.NEXTT'"),
        ("retrieval.next_hops", "section.field=value"),
        ("nowhere.x=1", "no setting 'nowhere'"),
    ],
)
def test_a_bad_setting_is_a_clear_error(setting, reason):
    with pytest.raises(InvalidInputError, match=reason):
        with_settings(Config(), [setting])
