"""`graphmem bench multihop`, `bench beam` and `bench scale` on tiny inputs in the upstream formats."""

from __future__ import annotations

import itertools
import json
import os
import subprocess
import sys

import pytest

from graphmem import HashEmbedder
from graphmem.benchmarks import beam
from graphmem.benchmarks.beam import both_retrieved, flagged, messages, on_topic, update_scores
from graphmem.benchmarks.multihop import gold_titles, passages
from graphmem.cli import main
from graphmem.config import Config, with_settings
from graphmem.errors import InvalidInputError
from graphmem.models import Hit
from tests.scripted_llm import ScriptedLLM
from tests.unit.test_agents import script

CORPUS = {
    "Zorblax Industries": ["Zorblax Industries was founded by Mira Quell.", " It makes kettles."],
    "Mira Quell": ["Mira Quell was born in Tallinn.", " She studied chemistry."],
    "Tallinn": ["Tallinn is the capital of Estonia."],
    "Kettle": ["A kettle boils water."],
    "Chemistry": ["Chemistry studies matter."],
    "Estonia": ["Estonia is a country in Europe."],
}
HOTPOT = [
    {
        "question": "Where was the founder of Zorblax Industries born?",
        "supporting_facts": [["Zorblax Industries", 0], ["Mira Quell", 0]],
    },
    {"question": "What does a kettle do?", "supporting_facts": [["Kettle", 0]]},
]
MUSIQUE = [
    {
        "question": "Where was the founder of Zorblax Industries born?",
        "paragraphs": [
            {"title": "Zorblax Industries", "is_supporting": True},
            {"title": "Tallinn", "is_supporting": False},
            {"title": "Mira Quell", "is_supporting": True},
        ],
    },
]


def _bench(args: list[str], out) -> dict:
    assert main(["--embedder", "hash", "-q", "bench", *args, "--json", str(out)]) == 0
    return json.loads(out.read_text())


def test_multihop_formats():
    assert gold_titles(HOTPOT[0]) == ["Zorblax Industries", "Mira Quell"]
    assert gold_titles(MUSIQUE[0]) == ["Zorblax Industries", "Mira Quell"]
    listed = [{"title": t, "text": "".join(s)} for t, s in CORPUS.items()]
    assert passages(CORPUS) == passages(listed)
    assert passages(CORPUS)[0] == (
        "Zorblax Industries",
        "Zorblax Industries was founded by Mira Quell. It makes kettles.",
    )
    with pytest.raises(InvalidInputError):
        passages("not a corpus")


@pytest.mark.parametrize("style", ["hotpotqa", "musique"])
def test_bench_multihop_scores_every_system(tmp_path, style):
    questions = HOTPOT if style == "hotpotqa" else MUSIQUE
    corpus = (
        CORPUS
        if style == "hotpotqa"
        else [{"title": t, "text": " ".join(s)} for t, s in CORPUS.items()]
    )
    (tmp_path / "tiny_train.json").write_text(json.dumps(questions))
    (tmp_path / "tiny_train_corpus.json").write_text(json.dumps(corpus))
    report = _bench(["multihop", "--data", str(tmp_path), "--k", "1,6"], tmp_path / "out.json")
    assert set(report["systems"]) == {"graphmem", "dense", "bm25"}
    assert report["questions"] == len(questions) and report["passages"] == len(CORPUS)
    for system in report["systems"].values():
        assert system["recall@6"] == 1.0  # six passages: every gold one is in the top 6
    # the only passage about kettles answers the kettle question first
    if style == "hotpotqa":
        assert report["systems"]["graphmem"]["recall@1"] >= 0.5


def test_bench_multihop_missing_corpus(tmp_path, capsys):
    (tmp_path / "x_train.json").write_text("[]")
    assert main(["--embedder", "hash", "bench", "multihop", "--data", str(tmp_path)]) == 1
    assert "x_train_corpus.json is missing" in capsys.readouterr().err


def _message(i: int, role: str, text: str, anchor: str | None = None) -> dict:
    m = {"role": role, "id": i, "content": f"{text} ->-> 1,{i}"}
    if anchor:
        m["time_anchor"] = anchor
    return m


CHAT = [
    {
        "batch_number": 1,
        "time_anchor": None,
        "turns": [
            [
                _message(0, "user", "I live in Paris and I love the food here.", "January-10-2024"),
                _message(1, "assistant", "Paris has wonderful food."),
            ],
            [
                _message(2, "user", "My cat Miso likes tuna."),
                _message(3, "assistant", "Cats often like fish."),
            ],
            [
                _message(
                    4,
                    "user",
                    "I'm kinda struggling to keep all my sources organized, now that my Zotero "
                    "library has 45 sources, tagged by theme and date.",
                ),
                _message(5, "assistant", "Tags and saved searches help."),
            ],
        ],
    },
    {
        "batch_number": 2,
        "turns": [
            [
                _message(6, "user", "I moved to Berlin last week.", "March-02-2024"),
                _message(7, "assistant", "Welcome to Berlin!"),
            ],
            [
                _message(8, "user", "I've added 52 sources to my Zotero library, any tips?"),
                _message(9, "assistant", "Use collections for each chapter."),
            ],
        ],
    },
]
PROBES = {
    "knowledge_update": [
        {
            "question": "Which city do I live in?",
            "source_chat_ids": {"original_info": [0], "updated_info": [6]},
        },
        {
            "question": "How many sources are in my Zotero library?",
            "source_chat_ids": {"original_info": [4], "updated_info": [8]},
        },
    ],
    "contradiction_resolution": [
        {
            "question": "What does my cat Miso like?",
            "source_chat_ids": {"first_statement": [2], "second_statement": [3]},
        }
    ],
    "information_extraction": [{"question": "What is my cat called?", "source_chat_ids": [2]}],
}


def test_beam_messages_keep_order_time_and_ids():
    msgs = messages(CHAT, 100_000)
    assert [m["source_id"] for m in msgs] == [str(i) for i in range(10)]
    assert msgs[0]["text"] == "I live in Paris and I love the food here."  # index mark dropped
    assert [m["at"].month for m in msgs] == [1] * 6 + [3] * 4
    assert all(a["at"] < b["at"] for a, b in itertools.pairwise(msgs))
    assert msgs[6]["session"] == "batch-2" and msgs[1]["speaker"] == "assistant"


def test_beam_metrics():
    assert update_scores(["4", "0"], ["0"], ["4"], 2) == {
        "updated_in_top_k": 1.0,
        "updated_above_original": 1.0,
    }
    assert update_scores(["0", "4"], ["0"], ["4"], 2)["updated_above_original"] == 0.0
    assert update_scores(["0", "9"], ["0"], ["4"], 2)["updated_above_original"] == 0.0
    # the updated message is also the original one: only being retrieved counts
    assert update_scores(["7", "3"], ["3"], ["3"], 2)["updated_above_original"] == 1.0
    assert both_retrieved(["1", "2", "3"], ["1"], ["3"], 3) == 1.0
    assert both_retrieved(["1", "2", "3"], ["1"], ["3"], 2) == 0.0
    asked = "Have I ever repaired the garden fence?"
    assert on_topic(asked, ["The fence in the garden needs paint.", "Hello there."])
    assert not on_topic(asked, ["I painted the kitchen door.", "The garden is green."])

    def hit(source: str, status: str | None) -> Hit:
        return Hit(
            id=source,
            kind="unit",
            text="t",
            score=1,
            episode_ids=[],
            source_ids=[source],
            status=status,
        )

    assert flagged([hit("1", "conflicted"), hit("3", "conflicted")], ["1"], ["3"]) == 1.0
    assert flagged([hit("1", "conflicted"), hit("3", "active")], ["1"], ["3"]) == 0.0


def test_bench_beam_update_is_superseded(tmp_path):
    chat = tmp_path / "chats" / "1"
    chat.mkdir(parents=True)
    (chat / "chat.json").write_text(json.dumps(CHAT))
    (chat / "probing_questions.json").write_text(json.dumps(PROBES))
    report = _bench(["beam", "--data", str(tmp_path / "chats"), "--k", "3"], tmp_path / "o.json")
    assert report["questions"] == {
        "knowledge_update": 2,
        "contradiction_resolution": 1,
        "contradiction_resolution_on_topic": 1,
        "citing_messages": 4,
    }
    graphmem = report["systems"]["graphmem"]
    # Paris → Berlin (a slot), and 45 → 52 sources said in other words (a value)
    assert graphmem["knowledge_update"]["original_superseded"] == 1.0
    assert graphmem["knowledge_update"]["updated_above_original"] == 1.0
    assert graphmem["knowledge_update"]["updated_in_top_k"] == 1.0
    assert graphmem["contradiction_resolution"]["flagged"] == 0.0  # nothing conflicts here
    assert graphmem["evidence_recall@3"]["information_extraction"] == 1.0
    spread = report["intervals"]  # every question agrees: the interval is the point
    assert spread["updated_above_original"] == {"mean": 1.0, "ci95": [1.0, 1.0]}
    assert spread["flagged"] == {"mean": 0.0, "ci95": [0.0, 0.0]}
    for system in report["systems"].values():  # every cited message of every question
        assert set(system["evidence_recall@3"]) == {
            "knowledge_update",
            "contradiction_resolution",
            "information_extraction",
            "overall",
        }
    for name in ("dense", "bm25"):
        assert report["systems"][name]["knowledge_update"]["original_superseded"] is None
        assert set(report["systems"][name]["contradiction_resolution"]) == {
            "both_retrieved",
            "both_retrieved_on_topic",
            "flagged",
        }


def test_bench_beam_takes_a_slice_of_question_categories_and_reports_ingest_cost(tmp_path):
    chat = tmp_path / "chats" / "1"
    chat.mkdir(parents=True)
    (chat / "chat.json").write_text(json.dumps(CHAT))
    (chat / "probing_questions.json").write_text(json.dumps(PROBES))
    args = ["beam", "--data", str(tmp_path / "chats"), "--categories", "knowledge_update"]
    report = _bench(args, tmp_path / "o.json")
    assert report["questions"] == {
        "knowledge_update": 2,
        "contradiction_resolution": 0,
        "contradiction_resolution_on_topic": 0,
        "citing_messages": 2,
    }
    assert set(report["systems"]["graphmem"]["evidence_recall@10"]) == {
        "knowledge_update",
        "overall",
    }
    assert report["seconds_per_message"] > 0  # zero-LLM: no model calls
    with pytest.raises(InvalidInputError, match="knowledge_updates"):
        beam.run(tmp_path / "chats", 10, HashEmbedder(), categories={"knowledge_updates"})
    assert report["model"] == {"calls_per_message": 0, "tokens_per_message": 0, "operations": {}}


def test_bench_beam_takes_the_first_batches_and_skips_questions_beyond_them(tmp_path):
    chat = tmp_path / "chats" / "1"
    chat.mkdir(parents=True)
    (chat / "chat.json").write_text(json.dumps(CHAT))
    (chat / "probing_questions.json").write_text(json.dumps(PROBES))
    assert [m["source_id"] for m in messages(CHAT, 10_000, batches=1)] == [str(i) for i in range(6)]
    args = ["beam", "--data", str(tmp_path / "chats"), "--batches", "1", "--k", "3"]
    report = _bench(args, tmp_path / "o.json")
    # both updates cite batch 2 (messages 6 and 8): skipped and counted; the rest scored
    assert report["skipped"] == {"knowledge_update": 2}
    assert report["questions"] == {
        "knowledge_update": 0,
        "contradiction_resolution": 1,
        "contradiction_resolution_on_topic": 1,
        "citing_messages": 2,
    }


def test_bench_beam_in_model_mode_can_leave_the_replies_to_the_rules(tmp_path):
    chat = tmp_path / "chats" / "1"
    chat.mkdir(parents=True)
    (chat / "chat.json").write_text(json.dumps(CHAT))
    (chat / "probing_questions.json").write_text(json.dumps(PROBES))
    replies = ["assistant"]
    config = with_settings(Config(), [f"constructor.rules_speakers={json.dumps(replies)}"])
    llm = ScriptedLLM(script())
    report = beam.run(
        tmp_path / "chats", 10, HashEmbedder(), progress=False, llm=llm, config=config
    )
    read = {
        ep["speaker"] for op, _, data in llm.calls if op == "extract" for ep in data["episodes"]
    }
    assert read == {"user"} and report["questions"]["knowledge_update"] == 2


def test_bench_beam_counts_the_model_calls_and_tokens_of_ingest(tmp_path):
    chat = tmp_path / "chats" / "1"
    chat.mkdir(parents=True)
    (chat / "chat.json").write_text(json.dumps(CHAT))
    (chat / "probing_questions.json").write_text(json.dumps(PROBES))
    llm = ScriptedLLM(script())
    report = beam.run(tmp_path / "chats", 10, HashEmbedder(), progress=False, llm=llm)
    extract = report["model"]["operations"]["extract"]
    assert extract["calls"] >= 1 and extract["prompt_tokens"] > 0
    assert (
        0 < report["model"]["calls_per_message"] <= llm.usage.calls() / len(messages(CHAT, 10_000))
    )
    assert report["model"]["tokens_per_message"] > 0 and report["failed_messages"] == 0


def test_bench_beam_counts_the_messages_the_model_failed_on(tmp_path):
    chat = tmp_path / "chats" / "1"
    chat.mkdir(parents=True)
    (chat / "chat.json").write_text(json.dumps(CHAT))
    (chat / "probing_questions.json").write_text(json.dumps(PROBES))
    good = script()

    def reply(operation: str, data: dict):
        if operation == "extract" and any("Berlin" in ep["text"] for ep in data["episodes"]):
            return "no JSON here"
        return good(operation, data)

    config = with_settings(Config(), ["constructor.llm_batch_size=2"])
    llm = ScriptedLLM(reply)
    report = beam.run(
        tmp_path / "chats", 10, HashEmbedder(), progress=False, llm=llm, config=config
    )
    assert report["failed_messages"] == 2  # "I moved to Berlin" and the reply in its batch


def test_bench_scale_reports_each_size(tmp_path, capsys):
    report = _bench(["scale", "--units", "200,600", "--queries", "5"], tmp_path / "s.json")
    small, large = report["sizes"]["200"], report["sizes"]["600"]
    assert 150 <= small["units"] <= 250 and 450 <= large["units"] <= 750
    assert large["entities"] > small["entities"] and large["disk_mb"] >= small["disk_mb"]
    for row in (small, large):
        assert row["ingest_units_per_s"] > 0 and row["rss_mb"] > 0
        assert row["search_ms_p95"] >= row["search_ms_p50"] > 0
        assert row["ppr_ms_p95"] >= row["ppr_ms_p50"] >= 0
        assert row["search_ms_p95"] >= row["candidates_ms_p95"] >= row["candidates_ms_p50"] > 0
        assert row["ann"] is False and row["ann_recall@10"] == 1.0  # exact below 50k vectors
    assert "| 600 |" in capsys.readouterr().err  # the table


def test_bench_scale_keeps_its_store_and_searches_it_again(tmp_path):
    keep = tmp_path / "kept"
    args = ["scale", "--units", "300", "--queries", "5", "--keep", str(keep)]
    first = _bench(args, tmp_path / "1.json")["sizes"]["300"]
    again = _bench(args, tmp_path / "2.json")["sizes"]["300"]
    assert first["ingest_s"] > 0 and again["ingest_s"] is None  # searched, not ingested again
    assert again["units"] == first["units"] > 0 and again["entities"] == first["entities"]
    assert again["search_ms_p50"] > 0
    other = keep / "200"
    other.mkdir()
    (other / "notes.txt").write_text("not a store")
    args = ["--embedder", "hash", "-q", "bench", "scale", "--units", "200", "--keep", str(keep)]
    assert main(args) != 0  # refused, and nothing of theirs removed
    assert (other / "notes.txt").read_text() == "not a store"


def test_scale_population_is_zipf():
    import random
    from collections import Counter

    from graphmem.benchmarks.scale import Population, turns

    population = Population(200, random.Random(1))
    said = " ".join(t["text"] for t in turns(500, population, random.Random(2)))
    counts = Counter({name: said.count(name) for name in population.people})
    ranked = [n for n, _ in counts.most_common()]
    assert counts[ranked[0]] > 10 * max(counts[ranked[100]], 1)  # a head and a long tail
    assert "moved to" in said or "started working at" in said  # updates over time


def test_scale_workload_is_the_same_in_every_process():
    """A kept store is searched again by a later process: it must ask the same questions about
    the same population (string hashing, and so a set's order, changes per process)."""
    code = "from graphmem.benchmarks.scale import workload; print(repr(workload(400, 20)))"
    runs = [
        subprocess.run(
            [sys.executable, "-c", code],
            capture_output=True,
            text=True,
            check=True,
            env={**os.environ, "PYTHONHASHSEED": seed},
        ).stdout
        for seed in ("1", "2")
    ]
    assert runs[0] == runs[1] and "Who" in runs[0]


def test_bench_beam_splits_chats_and_counts_what_it_cannot_score(tmp_path):
    probes = {
        **PROBES,
        "knowledge_update": [
            *PROBES["knowledge_update"],
            {
                "question": "Where do I work now?",
                "source_chat_ids": {"original_info": [4], "updated_info": []},
            },
        ],
    }
    for name in ("1", "2", "10"):
        chat = tmp_path / "chats" / name
        chat.mkdir(parents=True)
        (chat / "chat.json").write_text(json.dumps(CHAT))
        (chat / "probing_questions.json").write_text(json.dumps(probes))
    data = str(tmp_path / "chats")
    tune = _bench(["beam", "--data", data, "--k", "3", "--split", "tune"], tmp_path / "t.json")
    valid = _bench(["beam", "--data", data, "--k", "3", "--split", "validate"], tmp_path / "v.json")
    assert (tune["chats"], valid["chats"]) == (["1", "2"], ["10"])
    assert tune["skipped"] == {"knowledge_update": 2} and valid["skipped"] == {
        "knowledge_update": 1
    }
    assert valid["questions"]["knowledge_update"] == 2 and valid["split"] == "validate"


def test_bench_runs_an_ablation_with_a_setting_changed(tmp_path):
    data = tmp_path / "hotpot"
    data.mkdir()
    (data / "hotpotqa_train.json").write_text(json.dumps(HOTPOT))
    (data / "hotpotqa_train_corpus.json").write_text(json.dumps(CORPUS))
    plain = _bench(["multihop", "--data", str(data)], tmp_path / "a.json")
    ablated = _bench(
        ["multihop", "--data", str(data), "--set", "retrieval.next_hops=0"], tmp_path / "b.json"
    )
    assert ablated["settings"] == ["retrieval.next_hops=0"] and "settings" not in plain
    assert set(ablated["systems"]) == set(plain["systems"])
