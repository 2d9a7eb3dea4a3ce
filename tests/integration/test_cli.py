"""The graphmem command line, run as a user runs it (a subprocess)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import networkx as nx

from tests.conftest import run_cli as graphmem


def test_ingest_search_history_stats_export(tmp_path, cli):
    chat = tmp_path / "chat.jsonl"
    rows = [
        {
            "namespace": "alice",
            "session": "s1",
            "speaker": "Alice",
            "at": "2024-01-10T10:00:00",
            "text": "I moved to Porto last week.",
            "source_id": "m1",
        },
        {
            "namespace": "alice",
            "session": "s1",
            "speaker": "Alice",
            "at": "2024-01-10T10:01:00",
            "text": "My cat Miso hates the rain.",
            "source_id": "m2",
        },
        {
            "namespace": "bob",
            "session": "s9",
            "speaker": "Bob",
            "at": "2024-01-11T08:00:00",
            "text": "Bob trains for the Porto marathon.",
            "source_id": "b1",
        },
    ]
    chat.write_text("\n".join(json.dumps(r) for r in rows) + "\n", "utf-8")
    out = cli("ingest", str(chat))
    assert out.returncode == 0, out.stderr
    report = {"ingested": 3, "skipped": 0, "failed": 0, "namespaces": ["alice", "bob"]}
    assert json.loads(out.stdout) == report

    out = cli("-n", "alice", "search", "cat Miso", "--json")
    hits = json.loads(out.stdout)
    assert hits[0]["source_ids"] == ["m2"] and all("Bob" not in h["text"] for h in hits)

    out = cli("-n", "alice", "ask", "What is the name of the cat?", "--json")
    answer = json.loads(out.stdout)
    assert answer["sufficient"] and "Miso" in answer["text"] and answer["citations"]

    out = cli("-n", "alice", "ask", "Which violin does Alice play?")
    assert out.returncode == 0 and out.stdout.strip() == "Not in memory."

    out = cli("-n", "alice", "history", "Porto")
    assert "2024-01-03" in out.stdout and "moved to Porto" in out.stdout  # "last week"

    stats = json.loads(cli("-n", "bob", "stats").stdout)
    assert stats["episodes"] == 1

    graph_file = tmp_path / "alice.graphml"
    assert cli("-n", "alice", "export", str(graph_file)).returncode == 0
    graph = nx.read_graphml(graph_file)
    labels = nx.get_node_attributes(graph, "label")
    assert sorted(set(labels.values())) == ["Entity", "Episode", "Summary", "Unit"]
    assert sum(1 for v in labels.values() if v == "Episode") == 2
    json_file = tmp_path / "alice.json"
    assert cli("-n", "alice", "export", str(json_file), "--format", "json").returncode == 0
    assert len(json.loads(json_file.read_text())["nodes"]) == len(graph)


def test_plain_text_ingest(tmp_path):
    notes = tmp_path / "notes.txt"
    notes.write_text("Rosa grows tomatoes in Seville.\n\nRosa sells them on Saturdays.\n")
    assert graphmem(tmp_path, "-n", "rosa", "ingest", str(notes)).returncode == 0
    out = graphmem(tmp_path, "-n", "rosa", "search", "tomatoes")
    assert out.stdout.startswith(" 1. [unit") and "tomatoes" in out.stdout
    # plain text has no speaker; ask must still answer from it, citing the line's source id
    answer = json.loads(
        graphmem(tmp_path, "-n", "rosa", "ask", "Where does Rosa grow tomatoes?", "--json").stdout
    )
    assert answer["sufficient"] and "Seville" in answer["text"], answer
    assert answer["cited_sources"][0].startswith("notes.txt:1:"), answer


def test_another_embedder_is_refused_in_one_readable_line(tmp_path):
    notes = tmp_path / "notes.txt"
    notes.write_text("Rosa grows tomatoes in Seville.\n")
    assert graphmem(tmp_path, "-n", "rosa", "ingest", str(notes)).returncode == 0
    out = graphmem(tmp_path, "-n", "rosa", "--embedder", "minilm", "search", "tomatoes")
    assert out.returncode == 1 and out.stderr.count("\n") == 1, out.stderr
    assert "holds vectors from the embedder 'hash-384', not 'all-MiniLM-L6-v2'" in out.stderr
    assert "tomatoes" in graphmem(tmp_path, "-n", "rosa", "search", "tomatoes").stdout


def test_bad_input_is_one_readable_line_and_nonzero(tmp_path):
    bad_utf8 = tmp_path / "bad.txt"
    bad_utf8.write_bytes(b"caf\xe9 \xff\xfe")
    bad_json = tmp_path / "bad.jsonl"
    bad_json.write_text('{"text": "fine"}\n{"text": broken\n')
    no_text = tmp_path / "notext.jsonl"
    no_text.write_text('{"speaker": "x"}\n')
    empty = tmp_path / "empty.jsonl"
    empty.write_text("\n")
    cases = [
        (("ingest", str(bad_utf8)), "not valid UTF-8"),
        (("ingest", str(bad_json)), "bad.jsonl:2: not valid JSON"),
        (("ingest", str(no_text)), 'expected an object with a "text" string'),
        (("ingest", str(empty)), "holds no messages"),
        (("ingest", str(tmp_path / "missing.jsonl")), "cannot read"),
        (("-n", "x", "history", "nobody"), "no entity"),
        (("search", "q", "--as-of", "someday"), "ISO-8601"),
        (("forget",), "forget takes an id, or --all"),
        (("forget", "no-such-id"), "no memory 'no-such-id'"),
    ]
    for args, message in cases:
        out = graphmem(tmp_path, *args)
        assert out.returncode == 1, args
        assert out.stderr.count("\n") == 1 and message in out.stderr, out.stderr
    # a bad line rejects the file before anything is stored from it
    assert json.loads(graphmem(tmp_path, "stats").stdout)["episodes"] == 0


def test_unreachable_neo4j_is_a_clear_error(tmp_path):
    out = graphmem(tmp_path, "--uri", "bolt://127.0.0.1:9", "stats")
    assert out.returncode == 1 and out.stderr.count("\n") == 1 and "does not answer" in out.stderr


def test_a_bad_line_stores_nothing_and_a_rerun_stores_each_line_once(tmp_path, cli):
    rows = [
        {"text": f"Kim watered fern {i} in the greenhouse.", "at": "2024-03-01T10:00:00"}
        for i in range(300)
    ]
    rows[270]["at"] = "last tuesday"
    chat = tmp_path / "chat.jsonl"
    chat.write_text("\n".join(json.dumps(r) for r in rows) + "\n", "utf-8")
    out = cli("ingest", str(chat), "--batch", "64")
    assert out.returncode == 1
    assert out.stderr == "graphmem: error: " + f"{chat}:271: not an ISO-8601 time: 'last tuesday'\n"
    assert json.loads(cli("stats").stdout)["episodes"] == 0
    rows[270]["at"] = "2024-03-02T09:00:00"
    chat.write_text("\n".join(json.dumps(r) for r in rows) + "\n", "utf-8")
    first = json.loads(cli("ingest", str(chat), "--batch", "64").stdout)
    again = json.loads(cli("ingest", str(chat), "--batch", "64").stdout)
    assert (first["ingested"], first["skipped"]) == (300, 0)
    assert (again["ingested"], again["skipped"]) == (0, 300)
    assert json.loads(cli("stats").stdout)["episodes"] == 300


def test_namespace_after_the_command_forget_and_odd_input(tmp_path, cli):
    notes = tmp_path / "notes.txt"
    notes.write_text("Rosa grows tomatoes in Seville.\n\n\nRosa sells them on Saturdays.\n")
    assert cli("ingest", str(notes), "-n", "rosa").returncode == 0  # as the README writes it
    hits = json.loads(cli("search", "tomatoes", "-n", "rosa", "--json").stdout)
    assert hits[0]["source_ids"] == [f"notes.txt:1:{hits[0]['source_ids'][0].split(':')[2]}"]
    answer = cli("ask", "Where does Rosa grow tomatoes?", "-n", "rosa")
    assert "cites notes.txt:1:" in answer.stdout
    seps = tmp_path / "seps.jsonl"
    seps.write_text(json.dumps({"text": "one\u2028two \u0085 three"}, ensure_ascii=False) + "\n")
    assert json.loads(cli("ingest", str(seps), "-n", "rosa").stdout)["ingested"] == 1
    long = tmp_path / "long.txt"
    long.write_text("word " * 25_000)
    out = cli("ingest", str(long), "-n", "rosa")
    assert out.returncode == 1 and "use ingest --document" in out.stderr
    assert json.loads(cli("ingest", str(long), "-n", "rosa", "--document").stdout)["chunks"] > 1
    for args in (("ingest", str(notes), "--batch", "0"), ("ask", "q", "-k", "0")):
        out = cli(*args)
        assert out.returncode == 2 and "must be 1 or more" in out.stderr.splitlines()[-1]
    episode = hits[0]["episode_ids"][0]
    erased = json.loads(cli("forget", episode, "-n", "rosa").stdout)
    assert erased["erased"]["episode"] == [episode]
    assert "tomatoes" not in cli("search", "tomatoes", "-n", "rosa").stdout
    assert json.loads(cli("forget", "--all", "-n", "rosa").stdout)["erased"]["episode"]
    assert json.loads(cli("stats", "-n", "rosa").stdout)["episodes"] == 0


def test_a_file_that_is_not_a_store_and_a_closed_pipe_are_one_line(tmp_path):
    store = tmp_path / "store"
    store.mkdir()
    (store / "graphmem.db").write_bytes(b"not a database at all" * 100)
    out = graphmem(tmp_path, "stats")
    assert out.returncode == 1 and out.stderr.count("\n") == 1
    assert "cannot use" in out.stderr and "file is not a database" in out.stderr
    (store / "graphmem.db").unlink()
    env = {**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parents[2])}
    piped = subprocess.run(
        f"{sys.executable} -m graphmem --path {tmp_path / 'fresh'} --embedder hash stats | head -1",
        shell=True,
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
    )
    assert piped.stdout == "{\n" and piped.stderr == ""
