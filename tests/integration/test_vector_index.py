"""The embedded store's HNSW vector index kept in step with other writers and with erasures,
without being rebuilt: two stores on one folder stand for two processes (each has its own)."""

from __future__ import annotations

from graphmem import HashEmbedder, Memory
from graphmem.store.sqlite import SQLiteStore


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
