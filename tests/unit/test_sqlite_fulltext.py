"""SQLite full-text search skips terms so common that scoring their rows would dominate a search."""

from __future__ import annotations

from datetime import UTC, datetime

from graphmem.models import Episode
from graphmem.store import sqlite
from graphmem.store.base import Batch
from graphmem.store.sqlite import SQLiteStore


def test_common_terms_are_skipped_like_stop_words(tmp_path, monkeypatch):
    monkeypatch.setattr(sqlite, "COMMON_TERM_ROWS", 3)
    now = datetime(2024, 1, 1, tzinfo=UTC)
    texts = [f"project update number {i}" for i in range(5)] + ["project zephyr kickoff"]
    store = SQLiteStore(tmp_path / "s")
    store.write(
        Batch(
            episodes=[
                Episode(namespace="n", content=t, occurred_at=now, recorded_at=now) for t in texts
            ]
        )
    )
    ids = {e.content: e.id for e in store.episodes_by_status("n", ["pending"])}
    # "project" is in 6 rows (> 3): only "zephyr" decides
    hits = store.text_search("n", "episode", "project zephyr", 10)
    assert [h for h, _ in hits] == [ids["project zephyr kickoff"]]
    assert store.text_search("n", "episode", "project", 10) == []
    store.close()
    monkeypatch.setattr(sqlite, "COMMON_TERM_ROWS", 100)
    store = SQLiteStore(tmp_path / "s")
    assert len(store.text_search("n", "episode", "project", 10)) == 6
    store.close()


def test_a_term_that_grows_common_is_skipped_after_the_write(tmp_path, monkeypatch):
    monkeypatch.setattr(sqlite, "COMMON_TERM_ROWS", 3)
    now = datetime(2024, 1, 1, tzinfo=UTC)

    def add(*texts: str) -> None:
        episodes = [
            Episode(namespace="n", content=t, occurred_at=now, recorded_at=now) for t in texts
        ]
        store.write(Batch(episodes=episodes))

    store = SQLiteStore(tmp_path / "s")
    add("alpha one", "alpha two")
    assert len(store.text_search("n", "episode", "alpha", 10)) == 2
    add("alpha three", "alpha four")
    assert store.text_search("n", "episode", "alpha", 10) == []
    store.close()


def test_a_term_is_common_per_namespace(tmp_path, monkeypatch):
    """One tenant writing a word many times does not hide it from another tenant's search."""
    monkeypatch.setattr(sqlite, "COMMON_TERM_ROWS", 3)
    now = datetime(2024, 1, 1, tzinfo=UTC)
    store = SQLiteStore(tmp_path / "s")
    busy = [f"alpha note {i}" for i in range(6)]
    store.write(
        Batch(
            episodes=[
                Episode(namespace=ns, content=t, occurred_at=now, recorded_at=now)
                for ns, t in [("busy", t) for t in busy] + [("quiet", "alpha once")]
            ]
        )
    )
    assert store.text_search("busy", "episode", "alpha", 10) == []
    assert len(store.text_search("quiet", "episode", "alpha", 10)) == 1
    store.close()
