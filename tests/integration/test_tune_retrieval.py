"""bench/tune_retrieval.py: every grid point measured as `graphmem bench locomo` measures it,
and cross-validation over the tune conversations."""

from __future__ import annotations

import json

from graphmem.cli import main as graphmem
from graphmem.config import Config
from tests.conftest import load_file
from tests.integration.test_bench_locomo import SAMPLE
from tests.locomo_data import conversation

tune_retrieval = load_file("bench/tune_retrieval.py", "bench_tune_retrieval")


def test_cross_validation_chooses_on_the_other_conversations_and_scores_the_held_out_one():
    points = [{"w": 1.0}, {"w": 2.0}]  # the defaults first
    scored = [
        [("a", "4", 0.5), ("b", "4", 0.5), ("c", "4", 0.5)],
        [("a", "4", 1.0), ("b", "4", 1.0), ("c", "4", 0.2)],
    ]
    report = tune_retrieval.cross_validate(points, scored)
    chosen = {fold["held_out"]: fold["chosen"] for fold in report["folds"]}
    assert chosen == {"a": {"w": 2.0}, "b": {"w": 2.0}, "c": {"w": 2.0}}
    # held out, "a" and "b" gain 0.5 each, "c" loses 0.3
    assert [(fold["recall"], fold["defaults"]) for fold in report["folds"]] == [
        (1.0, 0.5),
        (1.0, 0.5),
        (0.2, 0.5),
    ]
    assert report["recall"] == 0.733 and report["defaults"] == 0.5


def test_a_tie_on_the_other_conversations_keeps_the_defaults():
    scored = [[("a", "4", 1.0), ("b", "4", 0.0)], [("a", "4", 1.0), ("b", "4", 1.0)]]
    report = tune_retrieval.cross_validate([{"w": 1.0}, {"w": 2.0}], scored)
    assert report["folds"][1]["chosen"] == {"w": 1.0}  # held out "b": on "a" they tie


def _conversation(sample_id: str) -> dict:
    """A question whose answer was said on the day it names, worded least like it: at recall@1
    only a high weight on that day finds it."""
    cinema = [("Ben", "Where did I go with Ana? I went to the cinema with Ana."), ("Ana", "Yes.")]
    sessions = [
        ("1:56 pm on 8 May, 2023", cinema),
        ("10:00 am on 20 May, 2023", [("Ben", "I had dinner by the river.")]),
    ]
    question = {"question": "Where did Ben go with Ana on 20 May 2023?", "category": 2}
    return conversation(sample_id, sessions, [question | {"evidence": ["D2:1"]}])


def _bench_recall(data, tmp_path, *settings: str) -> float:
    out = tmp_path / "bench.json"
    args = ["--data", str(data), "--split", "tune", "--k", "1", "--json", str(out)]
    assert graphmem(["--embedder", "hash", "-q", "bench", "locomo", *args, *settings]) == 0
    return json.loads(out.read_text())["systems"]["graphmem"]["recall@1"]["overall"]


def test_each_point_scores_what_bench_locomo_reports_with_that_setting(tmp_path, capsys):
    data = tmp_path / "locomo.json"  # conv-x is tune, conv-y validate
    data.write_text(json.dumps([_conversation("conv-x"), _conversation("conv-y")]))
    out = tmp_path / "grid.json"
    grid = ["--grid", "said_on_weight=1,10", "--k", "1", "--embedder", "hash"]
    assert tune_retrieval.main(["--data", str(data), *grid, "--json", str(out)]) == 0
    report = json.loads(out.read_text())
    default = Config().retrieval.said_on_weight
    assert [row["settings"]["said_on_weight"] for row in report["points"]] == [default, 1, 10]
    found = {}
    for row in report["points"]:
        weight = row["settings"]["said_on_weight"]
        found[weight] = row["tune"]["overall"]
        setting = f"retrieval.said_on_weight={weight}"
        assert found[weight] == _bench_recall(data, tmp_path, "--set", setting)
    assert found == {default: 0.0, 1: 0.0, 10: 1.0}  # the settings reach the ranking
    assert report["chosen_on_tune"]["settings"] == {"said_on_weight": 10}
    assert report["chosen_on_tune"]["validate"]["overall"] == 1.0
    folds = report["cross_validation_on_tune"]["folds"]
    assert [fold["held_out"] for fold in folds] == ["conv-x"]


def test_an_unknown_setting_is_one_line_and_a_non_zero_exit(tmp_path, capsys):
    data = tmp_path / "locomo.json"
    data.write_text(json.dumps(SAMPLE))
    try:
        tune_retrieval.main(["--data", str(data), "--grid", "lexical_wait=0.1"])
    except SystemExit as exit_:
        assert exit_.code == 2
    else:
        raise AssertionError("an unknown setting must exit")
    assert "no retrieval setting lexical_wait" in capsys.readouterr().err
