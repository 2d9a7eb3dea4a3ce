"""The embedded store's in-memory vector index: unit-normalised embeddings searched by cosine,
exactly (numpy) while small and through an HNSW graph (usearch) from ``ann_min_rows`` on. Rows
are added and replaced as writers add them and removed when erased, so the graph never has to be
rebuilt from scratch while the process lives. Candidates from the graph are rescored exactly, so
both paths rank with the same scores."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np

from ..embed import unit_rows

if TYPE_CHECKING:
    from usearch.index import Index

ANN_MIN_ROWS = 50_000
"""Below this many rows exact search is fast enough (about 4 ms at 50k × 384 here) and exact."""
ANN_CONNECTIVITY = 16
ANN_EXPANSION_ADD = 128
ANN_EXPANSION_SEARCH = 256
"""HNSW settings chosen with bench/ann.py (recall of the exact top 10 ≥ 0.99)."""


class VectorIndex:
    """Ids and their unit vectors; ``search`` gives the nearest live rows by cosine."""

    def __init__(self, ann_min_rows: int = ANN_MIN_ROWS) -> None:
        self.ann_min_rows = ann_min_rows
        self.ids: list[str | None] = []  # by row; None once erased
        self.position: dict[str, int] = {}
        self._matrix = np.zeros((0, 0), np.float32)  # capacity rows; the first len(ids) used
        self._alive = np.zeros(0, bool)
        self._ann: Index | None = None

    def __len__(self) -> int:
        return len(self.position)

    @property
    def uses_ann(self) -> bool:
        return self._ann is not None

    def vector(self, node_id: str) -> np.ndarray | None:
        at = self.position.get(node_id)
        return None if at is None else self._matrix[at]

    def upsert(self, ids: list[str], vectors: np.ndarray) -> None:
        """Add rows, or overwrite those whose id is held (a summary rewritten in place)."""
        if not ids:
            return
        vectors = unit_rows(np.asarray(vectors, np.float32).reshape(len(ids), -1))
        fresh = []
        for j, node_id in enumerate(ids):
            at = self.position.get(node_id)
            if at is None:
                fresh.append(j)
            else:
                self._matrix[at] = vectors[j]
                if self._ann is not None:
                    self._ann.remove(at)
                    self._ann.add(at, vectors[j])
        if fresh:
            self._append([ids[j] for j in fresh], vectors[fresh])

    def _append(self, ids: list[str], vectors: np.ndarray) -> None:
        start, end = len(self.ids), len(self.ids) + len(ids)
        if self._matrix.shape[0] < end:
            capacity = max(end, 2 * self._matrix.shape[0], 1024)
            grown = np.zeros((capacity, vectors.shape[1]), np.float32)
            if start:
                grown[:start] = self._matrix[:start]
            self._matrix = grown
            self._alive = np.concatenate([self._alive, np.zeros(capacity - len(self._alive), bool)])
        self._matrix[start:end] = vectors
        self._alive[start:end] = True
        for offset, node_id in enumerate(ids):
            self.position[node_id] = start + offset
        self.ids.extend(ids)
        if self._ann is not None:
            self._ann.add(np.arange(start, end, dtype=np.uint64), vectors)
        elif len(self) >= self.ann_min_rows:
            self._build_ann()

    def remove(self, ids: list[str]) -> None:
        """Forget rows for good: the vector is zeroed and leaves the graph."""
        for node_id in ids:
            at = self.position.pop(node_id, None)
            if at is None:
                continue
            self.ids[at] = None
            self._matrix[at] = 0.0
            self._alive[at] = False
            if self._ann is not None:
                self._ann.remove(at)

    def search(self, query: np.ndarray, k: int, exact: bool = False) -> list[tuple[str, float]]:
        """The ``k`` nearest live rows with their cosine similarity, best first (``exact``: by
        scanning every row even when the graph is built, to measure the graph's recall)."""
        k = min(k, len(self))
        if k <= 0:
            return []
        q = np.asarray(query, np.float32)
        q = q / (np.linalg.norm(q) or 1.0)
        if self._ann is not None and not exact:
            rows = np.asarray(self._ann.search(q, k).keys, dtype=np.int64)
            scores = self._matrix[rows] @ q
        else:
            used = len(self.ids)
            scores = self._matrix[:used] @ q
            scores[~self._alive[:used]] = -np.inf
            rows = np.argpartition(-scores, k - 1)[:k]
            scores = scores[rows]
        order = np.argsort(-scores, kind="stable")
        return [(self.ids[rows[i]], float(scores[i])) for i in order]  # type: ignore[misc]

    def recall(self, queries: np.ndarray, k: int = 10) -> float | None:
        """The share of the exact top ``k`` that the graph finds, over ``queries`` (None while
        search is exact)."""
        if self._ann is None or not len(queries):
            return None
        found = 0
        for q in queries:
            exact = {i for i, _ in self.search(q, k, exact=True)}
            found += len(exact & {i for i, _ in self.search(q, k)})
        return found / (min(k, len(self)) * len(queries))

    def _build_ann(self) -> None:
        from usearch.index import Index

        dim = self._matrix.shape[1]
        ann: Any = Index(
            ndim=dim,
            metric="cos",
            dtype="f32",
            connectivity=ANN_CONNECTIVITY,
            expansion_add=ANN_EXPANSION_ADD,
            expansion_search=ANN_EXPANSION_SEARCH,
        )
        live = np.flatnonzero(self._alive[: len(self.ids)])
        ann.add(live.astype(np.uint64), self._matrix[live])
        self._ann = ann
