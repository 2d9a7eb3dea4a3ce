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
            "n",
            episodes=[
                Episode(namespace="n", content=t, occurred_at=now, recorded_at=now) for t in texts
            ],
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
        store.write(Batch("n", episodes=episodes))

    store = SQLiteStore(tmp_path / "s")
    add("alpha one", "alpha two")
    assert len(store.text_search("n", "episode", "alpha", 10)) == 2
    add("alpha three", "alpha four")
    assert store.text_search("n", "episode", "alpha", 10) == []
    store.close()


def test_a_term_another_process_made_common_is_skipped(tmp_path, monkeypatch):
    """The count of a word is read again after any write to the folder, not only this store's."""
    monkeypatch.setattr(sqlite, "COMMON_TERM_ROWS", 3)
    now = datetime(2024, 1, 1, tzinfo=UTC)
    reader, writer = SQLiteStore(tmp_path / "s"), SQLiteStore(tmp_path / "s")

    def add(*texts: str) -> None:
        episodes = [
            Episode(namespace="n", content=t, occurred_at=now, recorded_at=now) for t in texts
        ]
        writer.write(Batch("n", episodes=episodes))

    add("alpha one", "alpha two")
    assert len(reader.text_search("n", "episode", "alpha", 10)) == 2
    add("alpha three", "alpha four")
    assert reader.text_search("n", "episode", "alpha", 10) == []
    reader.close()
    writer.close()


def test_a_term_is_common_per_namespace(tmp_path, monkeypatch):
    """One tenant writing a word many times does not hide it from another tenant's search."""
    monkeypatch.setattr(sqlite, "COMMON_TERM_ROWS", 3)
    store = SQLiteStore(tmp_path / "s")
    busy = [f"alpha note {i}" for i in range(6)]
    for ns, texts in (("busy", busy), ("quiet", ["alpha once"])):
        store.write(_episodes(ns, texts))
    assert store.text_search("busy", "episode", "alpha", 10) == []
    assert len(store.text_search("quiet", "episode", "alpha", 10)) == 1
    store.close()


def _episodes(namespace: str, texts: list[str]) -> Batch:
    now = datetime(2024, 1, 1, tzinfo=UTC)
    return Batch(
        namespace,
        episodes=[
            Episode(namespace=namespace, content=t, occurred_at=now, recorded_at=now) for t in texts
        ],
    )


def test_a_namespace_ranks_by_its_own_word_counts(tmp_path):
    """In "a", "cello" is rarer than "oslo", so the cello lesson ranks first, however often
    another tenant writes "cello" in however long rows (FTS5 alone would weigh words, and a
    row's length, by the whole table): the scores are those of a store holding "a" alone."""
    mine = ["cello lesson", "oslo trip", "oslo museum", *(f"note {i}" for i in range(7))]
    alone = SQLiteStore(tmp_path / "alone")
    alone.write(_episodes("a", mine))
    shared = SQLiteStore(tmp_path / "shared")
    shared.write(_episodes("b", [f"cello {'long ' * i}p{i}" for i in range(40)]))
    shared.write(_episodes("a", mine))
    scores = []
    for store in (alone, shared):
        texts = {e.id: e.content for e in store.episodes_by_status("a", ["pending"])}
        hits = store.text_search("a", "episode", "cello oslo", 10)
        assert texts[hits[0][0]] == "cello lesson"
        scores.append({texts[h]: score for h, score in hits})
    assert scores[0].keys() == scores[1].keys()
    for text, score in scores[0].items():
        assert abs(scores[1][text] - score) < 1e-9 * score
    alone.close()
    shared.close()


def test_counts_follow_writes(tmp_path):
    """A word that grows common in the namespace weighs less after the write."""
    store = SQLiteStore(tmp_path / "s")
    store.write(_episodes("a", ["kiwi tart", "lime pie", *(f"note {i}" for i in range(8))]))
    before = dict(store.text_search("a", "episode", "kiwi", 5))
    store.write(_episodes("a", [f"kiwi {i}" for i in range(4)]))
    after = dict(store.text_search("a", "episode", "kiwi", 5))
    tart = next(iter(before))
    assert after[tart] < before[tart]
    store.close()


def test_a_namespace_alone_in_its_table_gets_the_same_scores_from_one_query(tmp_path):
    """Where the namespace holds every row, FTS5 sums the words' bm25 in one query; the
    scores are those of the word-by-word search of a store shared with another tenant."""
    import random

    rng = random.Random(4)
    words = [f"w{i}" for i in range(30)]
    mine = [" ".join(rng.sample(words, 3)) for _ in range(120)]
    alone = SQLiteStore(tmp_path / "alone")
    alone.write(_episodes("a", mine))
    shared = SQLiteStore(tmp_path / "shared")
    shared.write(_episodes("b", [f"other{i} {'filler ' * (i % 12)}w1" for i in range(50)]))
    shared.write(_episodes("a", mine))
    for query in ("w1 w2 w3", "w4 w29", "w7 w7 w8 w9 w10"):
        found = []
        for store in (alone, shared):
            texts = {e.id: e.content for e in store.episodes_by_status("a", ["pending"])}
            found.append({texts[h]: s for h, s in store.text_search("a", "episode", query, 500)})
        assert found[0].keys() == found[1].keys() and found[0]
        for text, score in found[0].items():
            assert abs(found[1][text] - score) < 1e-6 * score
        best = alone.text_search("a", "episode", query, 5)
        assert [s for _, s in best] == sorted(found[0].values(), reverse=True)[:5]
    alone.close()
    shared.close()


def test_row_counts_follow_writes_and_erasures_without_counting_again(tmp_path):
    """The counts behind a namespace's idf: rows added since are added to them; after an
    erasure they are counted again. Either way they equal a fresh count."""
    store = SQLiteStore(tmp_path / "s")
    store.write(_episodes("a", ["alpha one", "alpha two"]))
    store.write(_episodes("b", ["beta one"]))
    assert len(store.text_search("a", "episode", "alpha", 10)) == 2
    asked, query = [], store._query
    store._query = lambda sql, params=(): asked.append(sql) or query(sql, params)  # type: ignore[method-assign]
    store.write(_episodes("a", ["alpha three"]))
    store.write(_episodes("b", ["alpha four", "beta two"]))
    store.write(_episodes("c", ["gamma"]))
    assert len(store.text_search("a", "episode", "alpha", 10)) == 3
    counts = store._fts_counts("episode")
    assert (counts.rows, counts.namespace_rows["a"]) == (7, 3)
    assert not any("count(*) FROM episodes WHERE namespace" in sql for sql in asked)
    assert not any(sql.startswith("SELECT count(*), coalesce") for sql in asked)
    doomed = store.text_search("b", "episode", "alpha", 10)[0][0]
    store.erase("b", doomed)
    assert len(store.text_search("b", "episode", "alpha beta", 10)) == 2
    counts = store._fts_counts("episode")
    fresh = SQLiteStore(tmp_path / "s")._fts_counts("episode")
    assert counts.rows == fresh.rows == 6
    assert store._rows_in(counts, "episodes", "b") == 2
    store.close()


def test_token_counts_follow_writes_and_erasures(tmp_path):
    """The tokens behind a namespace's average row length: another namespace's writes leave
    them be; the namespace's own added rows are added to them, without reading its other rows;
    after an erasure they are counted again. Either way they equal FTS5's own count in a store
    holding that namespace alone."""
    texts = {"a": ["alpha one", "alpha two three"], "b": ["beta one"]}
    store = SQLiteStore(tmp_path / "s")
    for namespace, written in texts.items():
        store.write(_episodes(namespace, written))
    assert len(store.text_search("a", "episode", "alpha", 10)) == 2
    asked, query = [], store._query
    store._query = lambda sql, params=(): asked.append((sql, params)) or query(sql, params)  # type: ignore[method-assign]

    def sizes_read() -> list[tuple]:
        return [params for sql, params in asked if sql.startswith("SELECT t.rid, d.sz")]

    store.write(_episodes("b", ["alpha beta"]))
    assert len(store.text_search("a", "episode", "alpha", 10)) == 2
    assert sizes_read() == []
    texts["a"].append("alpha four five six")
    store.write(_episodes("a", texts["a"][-1:]))
    assert len(store.text_search("a", "episode", "alpha", 10)) == 3
    assert store._part("episode", "a").tokens == 9
    assert [since > 0 for _, since in sizes_read()] == [True]  # the added row only
    texts["b"].append("alpha beta")
    doomed = [h for h, _ in store.text_search("a", "episode", "one", 10)]
    store.erase("a", doomed[0])
    texts["a"].remove("alpha one")
    assert len(store.text_search("a", "episode", "alpha", 10)) == 2
    for namespace, written in texts.items():
        alone = SQLiteStore(tmp_path / f"alone-{namespace}")
        alone.write(_episodes(namespace, written))
        whole = alone._table_corpus(alone._fts_counts("episode"), "fts_episode")
        assert store._part("episode", namespace) == whole
        counts = store._fts_counts("episode")
        assert store._rows_in(counts, "episodes", namespace) == whole.rows
        alone.close()
    store.close()
