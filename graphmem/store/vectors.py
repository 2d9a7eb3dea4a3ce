"""The embedded store's in-memory vector index: unit-normalised embeddings searched by cosine,
exactly (numpy) while small and through an HNSW graph (hnswlib) from ``ann_min_rows`` on. Rows are
added and replaced as writers add them and removed when erased, so the graph is built once per
process, in a background thread (search stays exact until it is ready). Once built, the graph
holds the only copy of the vectors (at 1M units a second copy took 2.3 GB that the database's
page cache is better off with), and its inner products are the scores, as exact as numpy's."""

from __future__ import annotations

import os
import struct
import threading
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

import numpy as np

from ..embed import unit_rows

ANN_MIN_ROWS = 50_000
"""Below this many rows exact search is fast enough (about 3 ms at 50k × 384 here) and exact."""
ANN_M = 32
ANN_EF_CONSTRUCTION = 256
ANN_EF_SEARCH = 1024
"""HNSW settings. Recall of the exact top 10 on the 1M-unit scale store (MiniLM vectors, the
bench's 200 questions), graphs built with ef_construction 256: units 0.991 / 0.993 / 0.997 and
episodes 0.9925 / 0.9955 / 0.9975 at search ef 768 / 1024 / 1536. Built with 128, units /
episodes: 0.9925 / 0.993 at ef 1024, 0.9965 / 0.9945 at 1536 (the previous default). 256 takes
twice as long to build; ef 1024 on it searches about 5 ms faster at 1M than ef 1536 did.
Hash-embedded clauses (low, tied similarities) are a much harder case: 0.81 at 1024."""
SCAN_ROWS = 65_536
"""Rows read from the graph at a time by an exact scan (``exact=True``, ``recall``)."""
BUILD_THREADS = max(1, (os.cpu_count() or 2) - 1)
"""Threads a background build uses: all cores but one, which searches keep."""


class VectorIndex:
    """Ids and their unit vectors; ``search`` gives the nearest live rows by cosine. Safe for
    many threads."""

    def __init__(
        self,
        ann_min_rows: int = ANN_MIN_ROWS,
        background: bool = True,
        on_built: Callable[[], None] | None = None,
    ) -> None:
        """``on_built``: called (in the builder's thread) once the graph is ready."""
        self.ann_min_rows = ann_min_rows
        self.background = background
        self.on_built = on_built
        self.ids: list[str | None] = []  # by row; None once erased
        self.position: dict[str, int] = {}
        self._matrix = np.zeros((0, 0), np.float32)  # capacity rows, until the graph holds them
        self._alive = np.zeros(0, bool)
        self._ann: Any = None
        self._builder: threading.Thread | None = None
        self._changed: set[int] = set()  # rows replaced or removed while the graph is built
        self._lock = threading.RLock()

    def __len__(self) -> int:
        return len(self.position)

    @property
    def uses_ann(self) -> bool:
        return self._ann is not None

    def save(self, graph_file: Path) -> list[str | None] | None:
        """Write the graph (which holds the vectors); the id of each row (None where erased),
        or None while there is no graph."""
        with self._lock:
            if self._ann is None:
                return None
            self._ann.save_index(str(graph_file))
            return list(self.ids)

    @classmethod
    def load(
        cls, graph_file: Path, ids: list[str | None], dim: int, ann_min_rows: int = ANN_MIN_ROWS
    ) -> VectorIndex:
        """The index ``save`` wrote with these ``ids`` (vectors of ``dim`` numbers): no build.
        RuntimeError or OSError if the file is gone or is not such a graph."""
        import hnswlib

        if _graph_dim(graph_file) != dim:
            raise RuntimeError(f"{graph_file} does not hold vectors of {dim} numbers")
        graph = hnswlib.Index(space="ip", dim=dim)
        graph.load_index(str(graph_file))
        if graph.get_current_count() > len(ids):
            raise RuntimeError(f"{graph_file} holds more rows than its {len(ids)} ids")
        graph.set_ef(ANN_EF_SEARCH)
        _drop_cached(graph_file)
        index = cls(ann_min_rows)
        index.ids = list(ids)
        index.position = {node_id: at for at, node_id in enumerate(ids) if node_id is not None}
        index._alive = np.array([i is not None for i in ids], bool)
        index._ann = graph
        return index

    def wait(self) -> None:
        """Until a graph being built in the background is ready."""
        builder = self._builder
        if builder is not None and builder.is_alive():
            builder.join()

    def vector(self, node_id: str) -> np.ndarray | None:
        with self._lock:
            at = self.position.get(node_id)
            if at is None:
                return None
            return (
                self._ann.get_items([at])[0] if self._ann is not None else self._matrix[at].copy()
            )

    def upsert(self, ids: list[str], vectors: np.ndarray) -> None:
        """Add rows, or overwrite those whose id is held (a summary rewritten in place)."""
        if not ids:
            return
        vectors = unit_rows(np.asarray(vectors, np.float32).reshape(len(ids), -1))
        with self._lock:
            fresh = []
            for j, node_id in enumerate(ids):
                at = self.position.get(node_id)
                if at is None:
                    fresh.append(j)
                elif self._ann is not None:
                    self._ann.add_items(vectors[j : j + 1], [at])
                else:
                    self._matrix[at] = vectors[j]
                    self._note_change(at)
            if fresh:
                self._append([ids[j] for j in fresh], vectors[fresh])

    def _append(self, ids: list[str], vectors: np.ndarray) -> None:
        start, end = len(self.ids), len(self.ids) + len(ids)
        if len(self._alive) < end:
            extra = max(end, 2 * len(self._alive), 1024) - len(self._alive)
            self._alive = np.concatenate([self._alive, np.zeros(extra, bool)])
        self._alive[start:end] = True
        for offset, node_id in enumerate(ids):
            self.position[node_id] = start + offset
        self.ids.extend(ids)
        if self._ann is not None:
            self._grow(end)
            self._ann.add_items(vectors, np.arange(start, end))
            return
        if self._matrix.shape[0] < end:
            grown = np.zeros((len(self._alive), vectors.shape[1]), np.float32)
            if start:
                grown[:start] = self._matrix[:start]
            self._matrix = grown
        self._matrix[start:end] = vectors
        if self._builder is None and len(self) >= self.ann_min_rows:
            self._builder = threading.Thread(target=self._build, name="graphmem-hnsw", daemon=True)
            if self.background:
                self._builder.start()
            else:
                self._build()

    def remove(self, ids: list[str]) -> None:
        """Forget rows for good: the vector is zeroed and leaves the graph."""
        with self._lock:
            for node_id in ids:
                at = self.position.pop(node_id, None)
                if at is None:
                    continue
                self.ids[at] = None
                self._alive[at] = False
                if self._ann is not None:
                    _erase(self._ann, at)
                else:
                    self._matrix[at] = 0.0
                    self._note_change(at)

    def search(self, query: np.ndarray, k: int, exact: bool = False) -> list[tuple[str, float]]:
        """The ``k`` nearest live rows with their cosine similarity, best first (``exact``: by
        scanning every row even when the graph is built, to measure the graph's recall)."""
        q = np.asarray(query, np.float32)
        q = q / (np.linalg.norm(q) or 1.0)
        with self._lock:
            k = min(k, len(self))
            if k <= 0:
                return []
            found = self._nearest(q, k) if self._ann is not None and not exact else None
            rows, scores = found if found is not None else self._scan(q[None, :], k)[0]
            order = np.argsort(-scores, kind="stable")
            return [(self.ids[rows[i]], float(scores[i])) for i in order]  # type: ignore[misc]

    def _nearest(self, q: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray] | None:
        """Rows from the graph and their inner products with ``q``, or None when it cannot give
        k (too few live rows near)."""
        try:
            rows, distances = self._ann.knn_query(q, k=k)
        except RuntimeError:
            return None
        return rows[0].astype(np.int64), 1.0 - distances[0]

    def _scan(self, queries: np.ndarray, k: int) -> list[tuple[np.ndarray, np.ndarray]]:
        """Each query's exact ``k`` nearest live rows and scores (unordered), by reading every
        row: from the matrix, or from the graph a chunk at a time."""
        used = len(self.ids)
        chunks: Iterable[tuple[np.ndarray, np.ndarray]]
        if self._ann is None:
            chunks = [(np.arange(used), self._matrix[:used])]
        else:
            live = np.flatnonzero(self._alive[:used])
            chunks = (
                (part, self._ann.get_items(part))
                for part in np.array_split(live, max(1, len(live) // SCAN_ROWS))
            )
        best_rows = np.zeros((len(queries), 0), np.int64)
        best = np.zeros((len(queries), 0), np.float32)
        for rows, vectors in chunks:
            scores = queries @ vectors.T
            scores[:, ~self._alive[rows]] = -np.inf
            held = np.broadcast_to(rows, scores.shape)
            best = np.concatenate([best, scores], axis=1) if best.size else scores
            best_rows = np.concatenate([best_rows, held], axis=1) if best_rows.size else held
            if best.shape[1] > k:
                keep = np.argpartition(-best, k - 1, axis=1)[:, :k]
                best = np.take_along_axis(best, keep, axis=1)
                best_rows = np.take_along_axis(best_rows, keep, axis=1)
        return list(zip(best_rows, best, strict=True))

    def recall(self, queries: np.ndarray, k: int = 10) -> float | None:
        """The share of the exact top ``k`` that the graph finds, over ``queries`` (None while
        search is exact). Ties count as found: a hit scoring at least the exact k-th score is
        as near as the row it displaced (texts sharing their words have equal vectors)."""
        if self._ann is None or not len(queries):
            return None
        queries = unit_rows(np.asarray(queries, np.float32))
        with self._lock:
            exact = self._scan(queries, min(k, len(self)))
        found = 0
        for q, (_, scores) in zip(queries, exact, strict=True):
            kth = scores.min()
            found += sum(1 for _, score in self.search(q, k) if score >= kth - 1e-6)
        return found / (min(k, len(self)) * len(queries))

    def _note_change(self, at: int) -> None:
        if self._builder is not None and self._ann is None:  # the build will catch up
            self._changed.add(at)

    def _grow(self, rows: int) -> None:
        if rows > self._ann.get_max_elements():
            self._ann.resize_index(max(rows, 2 * self._ann.get_max_elements()))

    @staticmethod
    def _new_graph(vectors: np.ndarray, rows: np.ndarray) -> Any:
        import hnswlib

        graph = hnswlib.Index(space="ip", dim=vectors.shape[1])
        graph.init_index(
            max_elements=max(2 * len(rows), 1024), M=ANN_M, ef_construction=ANN_EF_CONSTRUCTION
        )
        graph.set_ef(ANN_EF_SEARCH)
        graph.add_items(vectors, rows, num_threads=BUILD_THREADS)
        return graph

    def _build(self) -> None:
        """Build the graph from the rows held now, without holding the lock; then, under it,
        catch up with what writers and erasures did meanwhile, and let the matrix go."""
        with self._lock:
            built = len(self.ids)
            in_graph = self._alive[:built].copy()
            rows = np.flatnonzero(in_graph)
            vectors = self._matrix[rows].copy()
            self._changed.clear()
        graph = self._new_graph(vectors, rows)
        del vectors
        with self._lock:
            for at in self._changed:  # replaced or removed during the build
                if at >= built:
                    continue
                if self._alive[at]:
                    graph.add_items(self._matrix[at : at + 1], [at])
                elif in_graph[at]:
                    _erase(graph, at)
            self._ann = graph
            end = len(self.ids)
            if end > built:
                self._grow(end)
                new = np.arange(built, end)[self._alive[built:end]]
                if len(new):
                    graph.add_items(self._matrix[new], new)
            self._changed.clear()
            self._matrix = np.zeros((0, 0), np.float32)
        if self.on_built is not None:
            self.on_built()


def _erase(graph: Any, at: int) -> None:
    """Take row ``at`` out of the graph, overwriting its vector first: marking it deleted alone
    would keep a copy of the erased vector in the graph's memory."""
    graph.add_items(np.zeros((1, graph.dim), np.float32), [at])
    graph.mark_deleted(at)


def _graph_dim(path: Path) -> int:
    """The length of the vectors in an hnswlib graph file, from its header (six sizes, of which
    the fifth and sixth are where a row's label and vector start): hnswlib loads a file under any
    dimension it is given and would read its rows wrong."""
    with open(path, "rb") as f:
        header = f.read(48)
    if len(header) < 48:
        raise RuntimeError(f"{path} is not an hnswlib graph")
    label_at, vector_at = struct.unpack("<6Q", header)[4:]
    return (label_at - vector_at) // 4


def _drop_cached(path: Path) -> None:
    """Ask the kernel to drop ``path``'s pages from its cache: the process holds its own copy
    now, and the cache is better spent on the database (at 1M units the saved graphs take 5 GB
    of it)."""
    if hasattr(os, "posix_fadvise"):
        fd = os.open(path, os.O_RDONLY)
        try:
            os.posix_fadvise(fd, 0, 0, os.POSIX_FADV_DONTNEED)
        finally:
            os.close(fd)
