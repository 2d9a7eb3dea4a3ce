"""The embedded store's vector index: exact while small, HNSW from a size on, the same answers."""

from __future__ import annotations

import numpy as np
import pytest

from graphmem.store.vectors import VectorIndex


def _data(n: int, dim: int = 48, seed: int = 3) -> np.ndarray:
    v = np.random.default_rng(seed).standard_normal((n, dim)).astype(np.float32)
    return v / np.linalg.norm(v, axis=1, keepdims=True)


def _exact(data: np.ndarray, ids: list[str], q: np.ndarray, k: int) -> list[str]:
    return [ids[i] for i in np.argsort(-(data @ q), kind="stable")[:k]]


def test_the_graph_finds_the_exact_neighbours_and_scores():
    data, queries = _data(3000), _data(40, seed=9)
    ids = [f"n{i}" for i in range(len(data))]
    index = VectorIndex(ann_min_rows=1000, background=False)
    for start in range(0, len(data), 256):  # as writers add them
        index.upsert(ids[start : start + 256], data[start : start + 256] * 3.0)
    assert index.uses_ann and len(index) == 3000
    found = 0
    for q in queries:
        hits = index.search(q, 10)
        scores = [s for _, s in hits]
        assert scores == sorted(scores, reverse=True)
        for node_id, score in hits:  # exact cosine, not the graph's distance
            assert abs(score - float(data[int(node_id[1:])] @ q)) < 1e-5
        found += len({i for i, _ in hits} & set(_exact(data, ids, q, 10)))
    assert found / (10 * len(queries)) >= 0.99


def test_removed_rows_are_never_found_and_replaced_rows_move():
    data = _data(1500)
    ids = [f"n{i}" for i in range(len(data))]
    for threshold in (10_000, 500):  # exact, then through the graph
        index = VectorIndex(ann_min_rows=threshold, background=False)
        index.upsert(ids, data)
        gone = ids[:300]
        index.remove(gone)
        assert len(index) == 1200 and index.vector("n0") is None
        for node_id in gone[:50]:
            assert node_id not in {i for i, _ in index.search(data[int(node_id[1:])], 20)}
        index.upsert(["n400"], data[1000:1001])  # a summary rewritten under its id
        best, score = index.search(data[1000], 2)[0]
        assert best in ("n400", "n1000") and score > 0.999
        assert {i for i, _ in index.search(data[1000], 2)} == {"n400", "n1000"}
        assert (
            index.search(data[5], 5000)[-1][0] is not None
            and len(index.search(data[5], 5000)) == 1200
        )


def test_an_erased_vector_leaves_no_copy_in_the_graph():
    data = _data(1200)
    index = VectorIndex(ann_min_rows=500, background=False)
    index.upsert([f"n{i}" for i in range(len(data))], data)
    index.remove(["n7"])
    graph = index._ann
    graph.unmark_deleted(7)  # to read what the graph still holds for that row
    assert not np.any(graph.get_items([7]))


def test_below_the_threshold_search_is_exact():
    data, q = _data(800), _data(1, seed=5)[0]
    ids = [f"n{i}" for i in range(len(data))]
    index = VectorIndex(ann_min_rows=10_000)
    index.upsert(ids, data)
    assert not index.uses_ann
    assert [i for i, _ in index.search(q, 25)] == _exact(data, ids, q, 25)


def test_recall_is_measured_against_an_exact_scan():
    data, queries = _data(2000), _data(30, seed=11)
    index = VectorIndex(ann_min_rows=100_000)
    index.upsert([f"n{i}" for i in range(len(data))], data)
    assert index.recall(queries) is None  # exact: nothing to measure
    index = VectorIndex(ann_min_rows=500, background=False)
    index.upsert([f"n{i}" for i in range(len(data))], data)
    assert 0.99 <= index.recall(queries) <= 1.0


def test_a_graph_built_in_the_background_catches_up_with_writes_and_erasures(monkeypatch):
    data = _data(3000)
    ids = [f"n{i}" for i in range(len(data))]
    index = VectorIndex(ann_min_rows=1000)
    build = VectorIndex._new_graph

    def meanwhile(vectors, rows):  # writers and erasures land while the graph is being built
        graph = build(vectors, rows)
        assert not index.uses_ann
        index.remove(ids[:100])
        index.upsert(["n200"], data[2999:3000])
        index.upsert(ids[1500:2999], data[1500:2999])
        assert [i for i, _ in index.search(data[50], 1)] != ["n50"]  # exact meanwhile
        return graph

    monkeypatch.setattr(VectorIndex, "_new_graph", staticmethod(meanwhile))
    index.upsert(ids[:1500], data[:1500])
    index.wait()
    assert index.uses_ann and len(index) == 2899
    assert all(i not in {"n0", "n50", "n99"} for i, _ in index.search(data[50], 50))
    best, score = index.search(data[2999], 1)[0]
    assert best == "n200" and score > 0.999  # moved there; n2999 was never held
    assert index.search(data[2500], 1)[0][0] == "n2500"  # added after the build began
    assert index.recall(_data(30, seed=2)) >= 0.99


def test_once_built_the_graph_holds_the_only_copy_and_exact_scans_read_it(tmp_path):
    data, q = _data(1500), _data(1, seed=5)[0]
    ids = [f"n{i}" for i in range(len(data))]
    index = VectorIndex(ann_min_rows=500, background=False)
    index.upsert(ids[:1000], data[:1000])
    index.upsert(ids[1000:], data[1000:])  # added to the graph alone
    assert index.uses_ann and index._matrix.nbytes == 0  # no second copy of the vectors
    assert np.allclose(index.vector("n1200"), data[1200], atol=1e-6)
    index.remove(["n3"])
    exact = [i for i, _ in index.search(q, 25, exact=True)]
    rest = np.delete(data, 3, axis=0)
    assert exact == _exact(rest, [i for i in ids if i != "n3"], q, 25)
    index.save(tmp_path / "g.hnsw")
    again = VectorIndex.load(tmp_path / "g.hnsw", index.ids, data.shape[1])
    assert again.search(q, 10) == index.search(q, 10)
    with pytest.raises(RuntimeError, match="does not hold vectors of 24"):
        VectorIndex.load(tmp_path / "g.hnsw", index.ids, 24)  # hnswlib would read it wrong
