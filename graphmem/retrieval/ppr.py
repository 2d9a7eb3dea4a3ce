"""Personalized PageRank by forward push over a cached, column-stochastic walk matrix."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field

import numpy as np
from scipy import sparse

from ..store.base import EDGE_TYPES, Adjacency


@dataclass
class PPRGraph:
    """A namespace graph ready for PPR: node ids, which are passages, and the column-stochastic
    walk matrix."""

    ids: list[str]
    is_passage: np.ndarray
    """Units and episodes: what a search ranks."""
    index: dict[str, int]
    walk: sparse.csc_matrix
    dangling: np.ndarray
    degree: np.ndarray
    version: int
    newer: dict[int, list[int]]
    """Stale passages → the units that replaced what they said: a superseded unit → its latest
    successor, an episode → the latest successors of its superseded units."""
    rivals: dict[int, list[int]] = field(default_factory=dict)
    """Disputed passages → the units that contradict them: a conflicted unit → the units on
    the other side, an episode → those of its conflicted units."""
    _spare: list[_Scratch] = field(default_factory=list, repr=False)
    _spare_lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    @contextmanager
    def scratch(self) -> Iterator[_Scratch]:
        """Zeroed arrays as long as the graph for one push, kept for the next one when the
        push leaves them zeroed (allocating them per search cost 4 ms at 1.5M nodes: freed
        heap memory is cleared by hand)."""
        with self._spare_lock:
            spare = self._spare.pop() if self._spare else None
        spare = spare or _Scratch.sized(len(self.ids))
        yield spare  # an exception leaves them dirty: they are dropped
        with self._spare_lock:
            self._spare.append(spare)

    @classmethod
    def from_adjacency(cls, adj: Adjacency, edge_weights: dict[str, float]) -> PPRGraph:
        n = len(adj.ids)
        by_type = np.array([edge_weights.get(t, 0.0) for t in EDGE_TYPES], dtype=np.float64)
        weights = by_type[adj.types]
        keep = weights > 0
        src, dst, w = adj.src[keep], adj.dst[keep], weights[keep]
        # Edges are walked both ways: a unit leads to its entities and an entity to its units.
        a = sparse.coo_matrix(
            (np.concatenate([w, w]), (np.concatenate([src, dst]), np.concatenate([dst, src]))),
            shape=(n, n),
        ).tocsr()
        out = np.asarray(a.sum(axis=1)).ravel()
        inv = np.divide(1.0, out, out=np.zeros_like(out), where=out > 0)
        walk = (sparse.diags(inv) @ a).T.tocsc()  # column j spreads node j's mass to its neighbours
        return cls(
            ids=adj.ids,
            is_passage=adj.of_kind("unit", "episode"),
            index=adj.index(),
            walk=walk,
            dangling=out == 0,
            degree=np.diff(a.indptr),
            version=adj.version,
            newer=_newer(adj),
            rivals=_rivals(adj),
        )


@dataclass
class _Scratch:
    residual: np.ndarray
    ranks: np.ndarray
    slot: np.ndarray
    """For ``_distinct``: written before it is read, so never cleared."""

    @classmethod
    def sized(cls, n: int) -> _Scratch:
        return cls(np.zeros(n), np.zeros(n), np.zeros(n, np.int64))


def _newer(adj: Adjacency) -> dict[int, list[int]]:
    supersedes = adj.of_type("SUPERSEDES")
    successor = dict(zip(adj.dst[supersedes].tolist(), adj.src[supersedes].tolist(), strict=True))
    if not successor:
        return {}

    def latest(unit: int) -> int:
        seen = {unit}
        while (unit := successor.get(unit, unit)) not in seen:
            seen.add(unit)
        return unit

    newer = {old: [latest(old)] for old in successor}
    sources = adj.of_type("FROM")
    for unit, episode in zip(adj.src[sources].tolist(), adj.dst[sources].tolist(), strict=True):
        if unit in successor:
            newer.setdefault(episode, []).append(newer[unit][0])
    return newer


def _rivals(adj: Adjacency) -> dict[int, list[int]]:
    conflicts = adj.of_type("CONFLICTS_WITH")
    rivals: dict[int, list[int]] = {}
    for a, b in zip(adj.src[conflicts].tolist(), adj.dst[conflicts].tolist(), strict=True):
        rivals.setdefault(a, []).append(b)
        rivals.setdefault(b, []).append(a)
    if not rivals:
        return {}
    sources = adj.of_type("FROM")
    for unit, episode in zip(adj.src[sources].tolist(), adj.dst[sources].tolist(), strict=True):
        for other in rivals.get(unit, ()):
            if other != episode:
                rivals.setdefault(episode, []).append(other)
    return rivals


def personalized_pagerank(
    graph: PPRGraph,
    seeds: np.ndarray,
    damping: float = 0.5,
    tol: float = 1e-6,
    max_iterations: int = 100,
) -> np.ndarray:
    """Stationary distribution of a walk that follows an edge with probability ``damping`` and
    jumps back to the (normalised) ``seeds`` otherwise; dangling mass jumps to the seeds too.
    Dense in and out; ``push`` is the same walk on the nodes it reaches only."""
    ranks = np.zeros(len(seeds), dtype=np.float64)
    nodes = np.flatnonzero(seeds > 0)
    reached, mass = push(graph, nodes, seeds[nodes], damping, tol, max_iterations)
    ranks[reached] = mass
    return ranks


SPARSE_MIN_NODES = 100_000
"""From this many nodes ``push`` follows only the nodes mass reaches; below it, sweeping every
node each round is cheaper (bench/ppr.py, p50: 1.5M nodes 10.7 vs 42.8 ms, 156k nodes 6.9 vs
10.1 ms, 6k nodes 9.4 vs 6.1 ms)."""


def push(
    graph: PPRGraph,
    nodes: np.ndarray,
    weights: np.ndarray,
    damping: float = 0.5,
    tol: float = 1e-6,
    max_iterations: int = 100,
) -> tuple[np.ndarray, np.ndarray]:
    """Personalized PageRank from distinct seed ``nodes`` with ``weights``: the nodes reached
    and their ranks (normalised to the seeds' total of one).

    Computed by forward push (Andersen, Chung & Lang 2006), all nodes of a round at once: only a
    node whose residual mass exceeds ``tol`` times its degree pushes it on, so the work stays
    near the seeds however large the graph; as ``tol`` → 0 the result is the exact distribution.
    """
    total = weights.sum()
    if total <= 0:
        return np.zeros(0, np.int64), np.zeros(0)
    if len(graph.ids) >= SPARSE_MIN_NODES:
        return _following(graph, nodes, weights / total, damping, tol, max_iterations)
    start = np.zeros(len(graph.ids))
    start[nodes] = weights / total
    ranks = _sweeping(graph, start, damping, tol, max_iterations)
    reached = np.flatnonzero(ranks)
    return reached, ranks[reached]


def _sweeping(
    graph: PPRGraph, start: np.ndarray, damping: float, tol: float, max_iterations: int
) -> np.ndarray:
    """Push rounds over dense vectors: every node is checked each round."""
    ranks = np.zeros_like(start)
    residual = start.copy()
    threshold = tol * np.maximum(graph.degree, 1)
    for _ in range(max_iterations):
        active = np.flatnonzero(residual > threshold)
        if not active.size:
            break
        mass = residual[active]
        residual[active] = 0.0
        ranks[active] += (1.0 - damping) * mass
        residual += damping * (graph.walk[:, active] @ mass)
        leaked = mass[graph.dangling[active]].sum()
        if leaked > 0:
            residual += damping * leaked * start
    return ranks


def _following(
    graph: PPRGraph,
    nodes: np.ndarray,
    start: np.ndarray,
    damping: float,
    tol: float,
    max_iterations: int,
) -> tuple[np.ndarray, np.ndarray]:
    """Push rounds that look only at the nodes whose residual changed."""
    with graph.scratch() as scratch:
        residual, ranks, slot = scratch.residual, scratch.ranks, scratch.slot
        residual[nodes] += start
        frontier, pushed = _distinct(nodes, slot), []
        touched = [frontier]  # every node whose residual may be non-zero
        for _ in range(max_iterations):
            active = frontier[residual[frontier] > tol * np.maximum(graph.degree[frontier], 1)]
            if not active.size:
                break
            pushed.append(active)
            mass = residual[active]
            residual[active] = 0.0
            ranks[active] += (1.0 - damping) * mass
            rows, spread = _spread(graph.walk, active, mass)
            np.add.at(residual, rows, damping * spread)
            leaked = mass[graph.dangling[active]].sum()
            if leaked > 0:
                residual[nodes] += damping * leaked * start
                rows = np.concatenate([rows, nodes])
            frontier = _distinct(rows, slot)
            touched.append(frontier)
        reached = _distinct(np.concatenate(pushed), slot) if pushed else np.zeros(0, np.int64)
        found = ranks[reached]
        ranks[reached] = 0.0
        residual[np.concatenate(touched)] = 0.0
    return reached, found


def _distinct(values: np.ndarray, slot: np.ndarray) -> np.ndarray:
    """``values`` without repeats, in linear time: each value keeps the position written last
    into ``slot`` (a scratch array as long as the graph)."""
    at = np.arange(len(values))
    slot[values] = at
    return values[slot[values] == at]


def _spread(walk: sparse.csc_matrix, columns: np.ndarray, mass: np.ndarray) -> tuple:
    """The rows of ``columns``' entries and each entry times its column's mass."""
    starts = walk.indptr[columns]
    counts = walk.indptr[columns + 1] - starts
    first = np.repeat(starts - np.cumsum(counts) + counts, counts)
    at = first + np.arange(counts.sum())
    return walk.indices[at], walk.data[at] * np.repeat(mass, counts)
