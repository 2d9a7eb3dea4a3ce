"""`graphmem bench locomo` on a tiny conversation in LoCoMo's format."""

from __future__ import annotations

import json

import pytest

from graphmem import Memory
from graphmem.benchmarks.locomo import evidence
from graphmem.benchmarks.ranking import interval, paired_gain, recall
from graphmem.cli import main
from graphmem.embed import HashEmbedder

SAMPLE = [
    {
        "sample_id": "conv-x",
        "conversation": {
            "speaker_a": "Ana",
            "speaker_b": "Ben",
            "session_1_date_time": "1:56 pm on 8 May, 2023",
            "session_1": [
                {"speaker": "Ana", "dia_id": "D1:1", "text": "I adopted a greyhound called Dash."},
                {
                    "speaker": "Ben",
                    "dia_id": "D1:2",
                    "text": "Nice! I am training for the Boston marathon.",
                    "blip_caption": "a photo of running shoes",
                },
                {"speaker": "Ana", "dia_id": "D1:3", "text": "Dash loves the beach in Cascais."},
            ],
            "session_2_date_time": "10:00 am on 20 May, 2023",
            "session_2": [
                {"speaker": "Ben", "dia_id": "D2:1", "text": "I finished the marathon yesterday!"},
            ],
        },
        "qa": [
            {
                "question": "What is the name of Ana's greyhound?",
                "evidence": ["D1:1"],
                "category": 4,
            },
            {
                "question": "When did Ben run the marathon?",
                "evidence": ["D2:1; D1:2"],
                "category": 2,
            },
            {"question": "Adversarial", "evidence": ["D1:3"], "category": 5},
        ],
    }
]


def test_metric_helpers():
    assert evidence({"evidence": ["D8:6; D9:17", "D1:1"]}) == ["D8:6", "D9:17", "D1:1"]
    assert recall(["a", "b", "c"], ["c", "z"], 2) == 0.0
    assert recall(["a", "b", "c"], ["c", "z"], 3) == 0.5


def test_bench_locomo_reports_every_system_per_category(tmp_path, capsys):
    data = tmp_path / "locomo.json"
    data.write_text(json.dumps(SAMPLE))
    out = tmp_path / "report.json"
    code = main(
        [
            "--embedder",
            "hash",
            "-q",
            "bench",
            "locomo",
            "--data",
            str(data),
            "--k",
            "1,4",
            "--json",
            str(out),
        ]
    )
    assert code == 0
    report = json.loads(out.read_text())
    assert set(report["systems"]) == {"graphmem", "dense", "bm25"}
    for system in report["systems"].values():
        assert set(system) == {"recall@1", "recall@4"}
        assert set(system["recall@4"]) == {"2", "4", "overall"}  # category 5 is not scored
        assert system["recall@4"]["overall"] == 1.0  # 4 turns: everything is in the top 4
    assert report["systems"]["graphmem"]["recall@1"]["4"] == 1.0
    assert report["ingest_turns_per_s"] > 0 and report["query_ms_p95"] >= report["query_ms_p50"]
    tokens = report["context_tokens"]
    assert 0 < tokens["graphmem"] <= 1000 and tokens["full"] > 0
    assert (
        tokens["ratio"] == round(tokens["graphmem"] / tokens["full"], 4)
        or abs(tokens["ratio"] - tokens["graphmem"] / tokens["full"]) < 0.01
    )
    systems = report["systems"]
    for k in ("recall@1", "recall@4"):  # the lead, with how far it could move
        lead = report["gain_over_best"][k]
        best = max(("dense", "bm25"), key=lambda s: systems[s][k]["overall"])
        assert lead["over"] == best
        assert lead["gain"] == pytest.approx(
            systems["graphmem"][k]["overall"] - systems[best][k]["overall"], abs=0.002
        )
        assert lead["ci95"][0] <= lead["gain"] <= lead["ci95"][1]
    assert report["conversations"]["conv-x"]["graphmem"] == {
        k: systems["graphmem"][k]["overall"] for k in ("recall@1", "recall@4")
    }


def test_paired_gain_interval():
    assert paired_gain([1.0, 0.0, 1.0], [1.0, 0.0, 1.0]) == {"gain": 0.0, "ci95": [0.0, 0.0]}
    steady = paired_gain([0.6] * 50, [0.5] * 50)
    assert steady["gain"] == 0.1 and steady["ci95"] == [0.1, 0.1]
    mixed = paired_gain([1.0, 0.0] * 25, [0.5] * 50)
    assert mixed["gain"] == 0.0 and mixed["ci95"][0] < -0.05 and mixed["ci95"][1] > 0.05
    assert paired_gain([], []) == {"gain": None, "ci95": None}
    assert interval([]) == {"mean": None, "ci95": None}
    coin = interval([1.0, 0.0] * 5)  # 10 questions: a proportion of 0.5 could be 0.2 or 0.8
    assert coin["mean"] == 0.5 and coin["ci95"][0] <= 0.25 and coin["ci95"][1] >= 0.75


def test_bench_locomo_on_first_sessions_scores_only_what_they_answer(tmp_path):
    data = tmp_path / "locomo.json"
    data.write_text(json.dumps(SAMPLE))
    out = tmp_path / "report.json"
    args = ["--embedder", "hash", "-q", "bench", "locomo", "--data", str(data), "--k", "1"]
    assert main([*args, "--sessions", "1", "--json", str(out)]) == 0
    report = json.loads(out.read_text())
    assert report["ingest_s"] > 0 and report["model"]["calls_per_message"] == 0
    # the marathon question needs session 2: skipped; the greyhound one is scored
    assert report["skipped"] == 1
    assert set(report["systems"]["graphmem"]["recall@1"]) == {"4", "overall"}
    with pytest.raises(SystemExit) as refused:
        main([*args, "--sessions", "0"])
    assert refused.value.code == 2


@pytest.mark.neo4j
def test_bench_locomo_with_uri_reports_neo4j_beside_sqlite(tmp_path, neo4j_server, monkeypatch):
    uri, auth = neo4j_server
    monkeypatch.setenv("GRAPHMEM_NEO4J_PASSWORD", auth[1] if auth else "")
    data = tmp_path / "locomo.json"
    data.write_text(json.dumps(SAMPLE))
    out = tmp_path / "report.json"
    user = ["--user", auth[0]] if auth else []
    args = ["--embedder", "hash", "-q", "--uri", uri, *user, "bench", "locomo", "--data"]
    assert main([*args, str(data), "--k", "1,4", "--json", str(out)]) == 0
    report = json.loads(out.read_text())
    systems = report["systems"]
    assert set(systems) == {"graphmem", "graphmem-neo4j", "dense", "bm25"}
    assert systems["graphmem-neo4j"]["recall@4"]["overall"] == 1.0
    assert systems["graphmem-neo4j"]["recall@1"] == systems["graphmem"]["recall@1"]
    neo4j = report["neo4j"]
    assert neo4j["ingest_turns_per_s"] > 0 and neo4j["query_ms_p95"] >= neo4j["query_ms_p50"]
    assert 0 < neo4j["context_tokens"]["graphmem"] <= 1000


@pytest.mark.neo4j
def test_bench_scale_with_uri_reports_neo4j_beside_sqlite(tmp_path, neo4j_server, monkeypatch):
    uri, auth = neo4j_server
    monkeypatch.setenv("GRAPHMEM_NEO4J_PASSWORD", auth[1] if auth else "")
    out = tmp_path / "scale.json"
    user = ["--user", auth[0]] if auth else []
    args = ["--embedder", "hash", "-q", "--uri", uri, *user, "bench", "scale", "--units", "300"]
    assert main([*args, "--queries", "5", "--json", str(out)]) == 0
    row = json.loads(out.read_text())["sizes"]["300"]
    server = row["neo4j"]
    assert server["units"] == row["units"] and server["entities"] == row["entities"]
    assert server["search_ms_p95"] >= server["search_ms_p50"] > 0
    assert server["ingest_units_per_s"] > 0 and server["ppr_ms_p95"] >= server["ppr_ms_p50"] >= 0
    assert row["neo4j_search_p95_ratio"] == round(server["search_ms_p95"] / row["search_ms_p95"], 2)
    with Memory.from_uri(uri, auth=auth, embedder=HashEmbedder()) as mem:
        assert mem.stats("scale").units == 0  # the bench leaves nothing behind on the server
