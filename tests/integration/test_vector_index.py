"""The embedded store's HNSW vector index kept in step with other writers and with erasures,
without being rebuilt: two stores on one folder stand for two processes (each has its own)."""

from __future__ import annotations

import sqlite3
import threading

import numpy as np

from graphmem import HashEmbedder, Memory
from graphmem.store.sqlite import SQLiteStore
from graphmem.store.vectors import VectorIndex


def test_an_erasure_by_another_client_leaves_the_graph_at_once(tmp_path):
    embedder = HashEmbedder()
    writer = Memory(store=SQLiteStore(tmp_path, ann_min_rows=40), embedder=embedder)
    reader = Memory(store=SQLiteStore(tmp_path, ann_min_rows=40), embedder=embedder)
    texts = [
        f"Note {i}: the {w} crate holds {i * 7} bolts."
        for i, w in enumerate(["red", "blue", "green", "grey", "white"] * 12)
    ]
    episodes = writer.add_messages([{"text": t} for t in texts], namespace="n")
    doomed = episodes[7]
    vector = embedder.embed([doomed.content])[0]
    store = reader.store
    assert doomed.id in {i for i, _ in store.vector_search("n", "episode", vector, 5)}
    index = store._vectors[("n", "episode")].index
    index.wait()  # built in the background; search was exact meanwhile
    assert index.uses_ann and len(index) == 60

    writer.forget(doomed.id, namespace="n")
    writer.add("A late note about the black crate.", namespace="n")
    hits = store.vector_search("n", "episode", vector, 60)
    assert doomed.id not in {i for i, _ in hits} and len(hits) == 60
    assert store._vectors[("n", "episode")].index is index  # removed from it, not rebuilt
    assert index.vector(doomed.id) is None
    assert all(doomed.content not in h.text for h in reader.search(doomed.content, namespace="n"))

    writer.forget_namespace("n")
    assert store.vector_search("n", "episode", vector, 5) == []
    writer.close()
    reader.close()


def _crates(mem: Memory) -> list:
    texts = [
        f"Note {i}: the {w} crate holds {i * 7} bolts."
        for i, w in enumerate(["red", "blue", "green", "grey", "white"] * 12)
    ]
    return mem.add_messages([{"text": t} for t in texts], namespace="n")


def _graph_bytes(folder) -> list[bytes]:
    return [p.read_bytes() for p in sorted((folder / "vectors").glob("*"))]


def test_a_later_process_loads_the_saved_graph_instead_of_building_it(tmp_path, monkeypatch):
    embedder = HashEmbedder()
    first = Memory(store=SQLiteStore(tmp_path, ann_min_rows=40), embedder=embedder)
    _crates(first)
    probe = embedder.embed(["the grey crate holds bolts"])[0]
    first.store.vector_search("n", "episode", probe, 10)
    first.store.wait_for_vector_indexes()  # built, then saved by the builder
    assert len(_graph_bytes(tmp_path)) == 1  # the episodes graph, with its vectors (units: unread)
    late = first.add("A late note about the black crate.", namespace="n")

    def no_build(vectors, rows):
        raise AssertionError("the saved graph should have been loaded")

    monkeypatch.setattr(VectorIndex, "_new_graph", staticmethod(no_build))
    second = SQLiteStore(tmp_path, ann_min_rows=40)
    assert second.vector_search("n", "episode", probe, 10) == first.store.vector_search(
        "n", "episode", probe, 10
    )
    index = second._vectors[("n", "episode")].index
    assert index.uses_ann and len(index) == 61  # the saved 60, and the row written after
    black = embedder.embed([late.content])[0]
    assert second.vector_search("n", "episode", black, 1)[0][0] == late.id
    second.close()
    first.close()


def test_closing_a_reader_with_nothing_to_save_does_not_wait_for_a_writer(tmp_path):
    embedder = HashEmbedder()
    first = Memory(store=SQLiteStore(tmp_path, ann_min_rows=40), embedder=embedder)
    _crates(first)
    probe = embedder.embed(["the grey crate holds bolts"])[0]
    first.store.vector_search("n", "episode", probe, 10)
    first.store.wait_for_vector_indexes()  # saved by the builder
    first.close()
    reader = SQLiteStore(tmp_path, ann_min_rows=40, busy_timeout_s=60)
    reader.vector_search("n", "episode", probe, 10)  # the saved graph, loaded
    writer = sqlite3.connect(tmp_path / "graphmem.db", isolation_level=None)
    writer.execute("BEGIN IMMEDIATE")  # another process holds the write lock
    closing = threading.Thread(target=reader.close)
    closing.start()
    closing.join(timeout=20)
    done = not closing.is_alive()
    writer.execute("ROLLBACK")
    closing.join()
    assert done, "close waited for the write lock with nothing to save"


def test_an_erasure_shreds_the_saved_graphs_and_none_is_saved_with_the_erased_vector(tmp_path):
    embedder = HashEmbedder()
    writer = Memory(store=SQLiteStore(tmp_path, ann_min_rows=40), embedder=embedder)
    doomed = _crates(writer)[7]
    stored = writer.store.episode_vectors("n", [doomed.id])[doomed.id]
    vector = stored.astype(np.float32).tobytes()
    writer.store.wait_for_vector_indexes()
    assert any(vector in data for data in _graph_bytes(tmp_path))
    (tmp_path / "vectors" / "left-by-a-dead-save.hnsw").write_bytes(vector)
    reader = SQLiteStore(tmp_path, ann_min_rows=40)  # holds the graph with the vector in it
    assert doomed.id in {
        i for i, _ in reader.vector_search("n", "episode", np.frombuffer(vector, np.float32), 3)
    }

    writer.forget(doomed.id, namespace="n")
    assert _graph_bytes(tmp_path) == []  # shredded in the erasure's transaction
    reader.close()  # saves its graph again, after taking the erasure out of it
    writer.close()
    saved = _graph_bytes(tmp_path)
    assert len(saved) == 1 and not any(vector in data for data in saved)

    again = SQLiteStore(tmp_path, ann_min_rows=40)
    hits = again.vector_search("n", "episode", np.frombuffer(vector, np.float32), 59)
    assert doomed.id not in {i for i, _ in hits} and len(hits) == 59
    assert again._vectors[("n", "episode")].index.uses_ann  # from the saved graph
    Memory(store=again, embedder=embedder).forget_namespace("n")
    assert _graph_bytes(tmp_path) == []
    again.close()
    assert _graph_bytes(tmp_path) == []
