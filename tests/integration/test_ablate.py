"""bench/ablate.py: each rule switched off through `graphmem bench`, its gains on both splits."""

from __future__ import annotations

import json

import pytest

from tests.conftest import load_file
from tests.integration.test_benchmarks import CHAT, PROBES, _bench

ablate = load_file("bench/ablate.py", "bench_ablate")


@pytest.mark.parametrize(
    ("tune", "validate", "expected"),
    [
        (0.0, 0.004, "no effect"),
        (0.04, 0.02, "general"),
        (0.04, 0.019, "tuned"),
        (0.04, -0.01, "tuned"),
        (0.0, 0.03, "validate only"),
        (-0.02, 0.0, "a cost"),
        (0.002, -0.03, "a cost"),
    ],
)
def test_a_rule_is_general_when_validate_keeps_half_its_tune_gain(tune, validate, expected):
    assert ablate.verdict(tune, validate) == expected


def test_each_gain_is_the_bench_with_the_defaults_minus_the_bench_without_the_rule(tmp_path):
    data = tmp_path / "shared"
    for name in ("1", "2"):  # chat 1 is tune, chat 2 validate
        chat = data / "beam" / name
        chat.mkdir(parents=True)
        (chat / "chat.json").write_text(json.dumps(CHAT))
        (chat / "probing_questions.json").write_text(json.dumps(PROBES))
    out = tmp_path / "rows.json"
    setting = "rules.value_changes=false"
    args = ["--data", str(data), "--benches", "beam", "--only", setting, "--embedder", "hash"]
    assert ablate.main([*args, "--json", str(out)]) == 0
    rows = json.loads(out.read_text())
    expected: dict[str, dict[str, float]] = {}
    for split in ablate.SPLITS:
        run = ["beam", "--data", str(data / "beam"), "--split", split]
        on = ablate.measures("beam", _bench(run, tmp_path / f"{split}-on.json"))
        off = ablate.measures("beam", _bench([*run, "--set", setting], tmp_path / "off.json"))
        for name, figure in on.items():
            gain = None if figure is None else round(figure - off[name], 3)
            expected.setdefault(name, {})[split] = gain
    assert {row["measure"]: {s: row[s] for s in ablate.SPLITS} for row in rows} == expected
    # without the rule, "45 sources" → "52 sources" supersedes nothing: one update of two
    assert expected["original superseded"] == {"tune": 0.5, "validate": 0.5}
    assert {(row["rule"], row["bench"]) for row in rows} == {
        ("Judge: a new value supersedes the old", "beam")
    }
    assert "| +0.500 | +0.500 | general |" in ablate.table(rows)


def test_an_unknown_setting_is_one_line_and_a_non_zero_exit(tmp_path, capsys):
    with pytest.raises(SystemExit) as ended:
        ablate.main(["--data", str(tmp_path), "--only", "retrieval.nothing=0"])
    assert ended.value.code != 0
    assert "unknown bench or setting: retrieval.nothing=0" in capsys.readouterr().err
