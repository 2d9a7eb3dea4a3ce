"""Approximate nearest neighbours for the embedded store: faiss-cpu, usearch and hnswlib side by
side on the vectors the scale benchmark stores (its synthetic turns through an embedder), queried
with its questions, against exact numpy search measured in the same run.

For each library: build time (vectors added in ingest-sized batches, as the store adds them),
query latency p50 / p95 for the retriever's candidate count, and recall of the exact top 10 and
top k; then removal of 1% of the vectors (an erasure) and a query that must not return them.

    python bench/ann.py --vectors 150000 [--embedder hash] [--threads 2] [--m 32 --ef 1024]

``--store DIR`` measures on the vectors of a store ``graphmem bench scale --keep`` kept (e.g.
``/tmp/keep/1000000``; ``--label unit|episode``) with that run's questions; ``--ef`` takes
several values, each measured on the one build.
"""

from __future__ import annotations

import argparse
import json
import random
import sqlite3
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np

from graphmem.benchmarks import scale
from graphmem.embed import make_embedder, unit_rows

BATCH = 4096


def vectors(count: int, queries: int, embedder_name: str, seed: int = 7) -> np.ndarray:
    """``count`` stored texts (the scale bench's turns), then ``queries`` of its questions."""
    rng = random.Random(seed)
    population = scale.Population(max(count // 30, 50), rng)
    texts = [t["text"] for t in scale.turns(count, population, rng)]
    texts += [population.fill(rng.choice(scale.QUERIES)) for _ in range(queries)]
    embedder = make_embedder(embedder_name)
    out = np.vstack([embedder.embed(texts[i : i + BATCH]) for i in range(0, len(texts), BATCH)])
    return unit_rows(out)


def stored(folder: Path, label: str, queries: int, embedder_name: str) -> np.ndarray:
    """The vectors of a kept scale store (rows in store order), then the scale bench's
    ``queries`` questions for its size, embedded."""
    table = {"unit": "units", "episode": "episodes"}[label]
    db = sqlite3.connect(f"file:{folder / 'graphmem.db'}?mode=ro", uri=True)
    rows = db.execute(
        f"SELECT embedding FROM {table} WHERE namespace = ? AND embedding IS NOT NULL ORDER BY rid",
        (scale.NAMESPACE,),
    ).fetchall()
    db.close()
    data = np.frombuffer(b"".join(r[0] for r in rows), np.float32).reshape(len(rows), -1)
    asked = scale.workload(int(folder.name), queries + 1)[1][1:]
    return unit_rows(np.vstack([data, make_embedder(embedder_name).embed(asked)]))


class Exact:
    name = "exact (numpy)"

    def __init__(self, dim: int) -> None:
        self.matrix = np.zeros((0, dim), np.float32)

    def add(self, keys: np.ndarray, batch: np.ndarray) -> None:
        self.matrix = np.vstack([self.matrix, batch])

    def search(self, q: np.ndarray, k: int) -> np.ndarray:
        scores = self.matrix @ q
        top = np.argpartition(-scores, k - 1)[:k]
        return top[np.argsort(-scores[top])]

    def remove(self, keys: np.ndarray) -> None:
        self.matrix[keys] = 0.0

    def set_ef(self, ef: int) -> None:
        pass


class USearch:
    def __init__(self, dim: int, m: int, ef_add: int, ef: int, threads: int) -> None:
        from usearch.index import Index

        self.name = f"usearch M={m} ef_add={ef_add}"
        self.threads = threads
        self.index = Index(
            ndim=dim,
            metric="cos",
            dtype="f32",
            connectivity=m,
            expansion_add=ef_add,
            expansion_search=ef,
        )

    def add(self, keys: np.ndarray, batch: np.ndarray) -> None:
        self.index.add(keys, batch, threads=self.threads)

    def search(self, q: np.ndarray, k: int) -> np.ndarray:
        return np.asarray(self.index.search(q, k).keys)

    def set_ef(self, ef: int) -> None:
        self.index.expansion_search = ef

    def remove(self, keys: np.ndarray) -> None:
        self.index.remove(keys)


class HnswLib:
    def __init__(self, dim: int, m: int, ef_add: int, ef: int, threads: int) -> None:
        import hnswlib

        self.name = f"hnswlib M={m} ef_add={ef_add}"
        self.index = hnswlib.Index(space="ip", dim=dim)
        self.index.init_index(
            max_elements=1024, M=m, ef_construction=ef_add, allow_replace_deleted=True
        )
        self.index.set_ef(ef)
        self.index.set_num_threads(threads)

    def add(self, keys: np.ndarray, batch: np.ndarray) -> None:
        need = self.index.get_current_count() + len(keys)
        if need > self.index.get_max_elements():
            self.index.resize_index(max(need, 2 * self.index.get_max_elements()))
        self.index.add_items(batch, keys)

    def search(self, q: np.ndarray, k: int) -> np.ndarray:
        return self.index.knn_query(q, k)[0][0]

    def set_ef(self, ef: int) -> None:
        self.index.set_ef(ef)

    def remove(self, keys: np.ndarray) -> None:
        for key in keys:
            self.index.mark_deleted(int(key))


class Faiss:
    def __init__(self, dim: int, m: int, ef_add: int, ef: int, threads: int) -> None:
        import faiss

        faiss.omp_set_num_threads(threads)
        self.name = f"faiss HNSWFlat M={m} ef_add={ef_add}"
        inner = faiss.IndexHNSWFlat(dim, m, faiss.METRIC_INNER_PRODUCT)
        inner.hnsw.efConstruction = ef_add
        inner.hnsw.efSearch = ef
        self.index = faiss.IndexIDMap2(inner)  # HNSW cannot remove: the wrapper filters ids
        self.removed: set[int] = set()

    def add(self, keys: np.ndarray, batch: np.ndarray) -> None:
        self.index.add_with_ids(batch, keys.astype(np.int64))

    def search(self, q: np.ndarray, k: int) -> np.ndarray:
        found = self.index.search(q[None, :], k + len(self.removed))[1][0]
        return np.asarray([i for i in found if i >= 0 and i not in self.removed][:k])

    def remove(self, keys: np.ndarray) -> None:
        self.removed.update(int(k) for k in keys)

    def set_ef(self, ef: int) -> None:
        self.index.index.hnsw.efSearch = ef


def measure(
    make: Callable[[], Any],
    data: np.ndarray,
    queries: np.ndarray,
    truth: list,
    k: int,
    efs: list[int],
) -> list[dict[str, Any]]:
    """One build of the index, then its queries at each search ``ef``, then a removal."""
    index = make()
    keys = np.arange(len(data), dtype=np.uint64)
    start = time.perf_counter()
    for i in range(0, len(data), BATCH):
        index.add(keys[i : i + BATCH], data[i : i + BATCH])
    build_s = time.perf_counter() - start
    rows = []
    for ef in efs:
        index.set_ef(ef)
        times, hit10, hitk = [], 0.0, 0.0
        for q, (_, scores) in zip(queries, truth, strict=True):
            t = time.perf_counter()
            found = np.asarray(index.search(q, k), dtype=np.int64)
            times.append(time.perf_counter() - t)
            got = data[found] @ q  # ties count as found: equal vectors are equally near
            hit10 += float(np.sum(np.sort(got)[::-1][:10] >= scores[9] - 1e-6)) / 10
            hitk += float(np.sum(got >= scores[k - 1] - 1e-6)) / k
        rows.append(
            {
                "index": index.name,
                "ef": ef,
                "build_s": round(build_s, 1),
                "add_per_s": round(len(data) / build_s),
                "query_ms_p50": round(float(np.percentile(times, 50)) * 1000, 2),
                "query_ms_p95": round(float(np.percentile(times, 95)) * 1000, 2),
                "recall@10": round(hit10 / len(queries), 4),
                f"recall@{k}": round(hitk / len(queries), 4),
            }
        )
    gone = np.asarray(random.Random(1).sample(range(len(data)), len(data) // 100), np.uint64)
    index.remove(gone)
    leaked = sum(len(set(index.search(data[int(g)], 10).tolist()) & {int(g)}) for g in gone[:200])
    for row in rows:
        row["removed_returned"] = leaked
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--vectors", type=int, default=200_000)
    parser.add_argument("--queries", type=int, default=200)
    parser.add_argument("--k", type=int, default=50, help="candidates per query (the retriever's)")
    parser.add_argument("--embedder", default="hash")
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--libraries", default="usearch,hnswlib,faiss")
    parser.add_argument("--m", type=int, default=32)
    parser.add_argument("--ef-add", type=int, default=128)
    parser.add_argument("--ef", default="1024", help="search ef, or several: 512,1024,2048")
    parser.add_argument("--store", type=Path, help="a kept scale store's folder")
    parser.add_argument("--label", default="unit", choices=["unit", "episode"])
    args = parser.parse_args()
    efs = [int(e) for e in args.ef.split(",")]
    if args.store:
        data = stored(args.store, args.label, args.queries, args.embedder)
        args.vectors = len(data) - args.queries
    else:
        data = vectors(args.vectors, args.queries, args.embedder)
    data, queries = data[: args.vectors], data[args.vectors :]
    exact = Exact(data.shape[1])
    exact.add(np.arange(len(data)), data)
    truth = [(top, data[top] @ q) for q in queries for top in [exact.search(q, args.k)]]
    makers = {
        "exact": lambda: exact_copy(data),
        "usearch": lambda: USearch(data.shape[1], args.m, args.ef_add, efs[0], args.threads),
        "hnswlib": lambda: HnswLib(data.shape[1], args.m, args.ef_add, efs[0], args.threads),
        "faiss": lambda: Faiss(data.shape[1], args.m, args.ef_add, efs[0], args.threads),
    }
    rows = [
        row
        for name in ["exact", *args.libraries.split(",")]
        for row in measure(
            makers[name], data, queries, truth, args.k, [0] if name == "exact" else efs
        )
    ]
    print(json.dumps({"vectors": args.vectors, "dim": int(data.shape[1]), "rows": rows}, indent=1))


def exact_copy(data: np.ndarray) -> Exact:
    return Exact(data.shape[1])


if __name__ == "__main__":
    main()
