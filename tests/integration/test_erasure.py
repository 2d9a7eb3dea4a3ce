"""Forgetting is erasure: after ``forget`` returns, the forgotten text is nowhere, on both stores
(summaries rebuilt from what remains, full-text indexes purged, SQLite's files scrubbed)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from graphmem import HashEmbedder, Memory, NotFoundError
from graphmem.export import export_graph
from graphmem.store.sqlite import SQLiteStore

from .test_memory import _neo4j_copies

SECRET = "Quokkavault"
TURNS = [
    ("Alice", "Atlas is the project Alice and Bob have run since spring with Carol."),
    ("Bob", "Atlas ships its first release to Dana next Monday in Lisbon."),
    ("Alice", f"The Atlas admin password for Carol is {SECRET} until Friday, Bob."),
    ("Bob", "Alice, Atlas still needs a logo from Carol before the Lisbon launch."),
    ("Alice", "Carol told Alice that Atlas will move to Berlin after the launch."),
    ("Bob", "Dana thinks Atlas and Carol will do well in Berlin, Alice."),
]


@pytest.fixture
def chat(request, open_memory) -> tuple[Memory, str]:
    """A session whose summaries (session and topics) hold the secret; returns its episode id."""
    mem = open_memory()
    request.addfinalizer(mem.close)
    episodes = mem.add_messages(
        [
            {"text": text, "speaker": who, "at": f"2024-05-0{i + 1}T10:00:00", "session": "s1"}
            for i, (who, text) in enumerate(TURNS)
        ],
        namespace="team",
    )
    return mem, episodes[2].id


def _everything(mem: Memory, namespace: str, tmp_path: Path) -> str:
    """All a user can read back of a namespace, as one text."""
    parts = []
    for query in (f"{SECRET} password", "Summarize everything about Atlas", "About Alice"):
        parts += [hit.text for hit in mem.search(query, namespace=namespace, k=50)]
        answer = mem.ask(query, namespace=namespace)
        parts += [answer.text, answer.context]
    for name in ("Atlas", "Alice", "Bob", "Carol"):
        parts += [u.text for u in mem.history(name, namespace=namespace)]
    summaries = mem.store.node_ids(namespace, "summary")
    parts += [s.text for s in mem.store.get_summaries(namespace, summaries)]
    for fmt in ("graphml", "json"):
        out = tmp_path / f"export.{fmt}"
        export_graph(mem.store, namespace, out, fmt)
        parts.append(out.read_text("utf-8"))
    return "\n".join(parts)


def _files_holding(folder: Path, word: str) -> list[str]:
    """The files of an embedded store whose raw bytes still hold ``word`` (any case)."""
    needle = word.lower().encode()
    return [p.name for p in folder.iterdir() if p.is_file() and needle in p.read_bytes().lower()]


def test_forgetting_an_episode_leaves_no_copy_anywhere(chat, tmp_path, request):
    mem, secret_id = chat
    assert SECRET in _everything(mem, "team", tmp_path)  # summaries and units held it
    report = mem.forget(secret_id, namespace="team")
    assert secret_id in report.erased["episode"]
    assert report.rewritten, "the session and topic summaries that held it are rewritten"
    seen = _everything(mem, "team", tmp_path)
    assert SECRET.lower() not in seen.lower()
    assert "Lisbon" in seen and "Berlin" in seen  # the rest is still remembered
    if isinstance(mem.store, SQLiteStore):
        assert _files_holding(mem.store.path, SECRET) == []
        mem.close()
        assert _files_holding(mem.store.path, SECRET) == []
    else:
        vector = mem.embedder.embed([f"Alice: {TURNS[2][1]}"])[0]
        found = _neo4j_copies(request.getfixturevalue("neo4j_server"), SECRET.lower(), vector)
        assert secret_id not in found and SECRET.lower() not in str(found).lower()


def test_forgetting_a_namespace_erases_it_and_nothing_else(chat, tmp_path):
    mem, _ = chat
    kept = mem.add("Erin keeps bees in Porto.", namespace="other")
    report = mem.forget_namespace("team")
    assert report.erased["episode"] and report.erased["unit"] and report.erased["summary"]
    assert mem.stats("team").episodes == 0 and mem.stats("team").summaries == 0
    assert "team" not in mem.namespaces()
    assert mem.search("Atlas Lisbon launch", namespace="team", k=5) == []
    assert mem.get(kept.id, namespace="other").content == "Erin keeps bees in Porto."
    assert "Porto" in mem.search("bees", namespace="other", k=1)[0].text
    if isinstance(mem.store, SQLiteStore):
        assert _files_holding(mem.store.path, SECRET) == []
    with pytest.raises(NotFoundError):
        mem.forget_namespace("team")
    again = mem.add("Atlas starts over.", namespace="team")
    hits = mem.search("Atlas starts over", namespace="team", k=5)
    assert hits and all(set(h.episode_ids) <= {again.id} for h in hits)
    assert json.dumps(report.model_dump(), default=str)  # the report is plain data


@pytest.mark.slow
def test_many_erasures_keep_the_full_text_indexes_whole(tmp_path):
    """A writer that keeps the newest 300 messages and forgets the rest (FTS5's 'optimize'
    merge corrupted the episode index here after about 1,300 messages; the rebuild does not)."""
    import sqlite3

    with Memory(path=tmp_path / "m", embedder=HashEmbedder()) as mem:
        held: list[str] = []
        for n in range(1500):
            held += [e.id for e in mem.add_messages([{"text": f"Quinn sold crate {n}."}], "w")]
            if len(held) > 300:
                mem.forget(held.pop(0), namespace="w")
        db = sqlite3.connect(mem.store.path / "graphmem.db")
        for label in ("episode", "unit", "entity", "summary"):
            db.execute(f"INSERT INTO fts_{label} (fts_{label}, rank) VALUES ('integrity-check', 1)")
        assert db.execute("PRAGMA integrity_check").fetchall() == [("ok",)]
        db.close()
        assert mem.stats("w").episodes == 300
