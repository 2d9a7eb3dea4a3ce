"""The write planner both stores execute. Pure: it reads nothing and writes nothing, so what a
batch means (its namespace, episode order, session chains, the edges its nodes bring) is decided
once, and SQLite and Neo4j cannot drift apart."""

from __future__ import annotations

from collections.abc import Collection, Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from ..models import Episode, Summary
from .base import EDGE_ENDPOINTS, EDGE_TYPES, NODE_KINDS, Adjacency, Batch

WRITABLE_EDGES = frozenset({"SAME_AS", "SUPERSEDES", "CONFLICTS_WITH", "RETRACTS", "FROM", "NEXT"})
"""Edge types a batch may carry as edges; INVOLVES and COVERS come with their unit or summary."""


@dataclass(frozen=True)
class EdgeRow:
    """One relationship to write, inside the batch's namespace."""

    type: str
    src: str
    dst: str
    props: dict[str, Any] = field(default_factory=dict)


@dataclass
class WritePlan:
    """The episodes to insert (numbered in place; a repeat of a stored ``source_id`` is left
    out) and the edges a batch brings, all inside its namespace."""

    namespace: str
    edges: list[EdgeRow]
    episodes: list[Episode] = field(default_factory=list)
    repeats: dict[str, str] = field(default_factory=dict)
    """Id of each episode left out -> id of the episode that holds its ``source_id``."""
    summaries: list[Summary] = field(default_factory=list)
    """The batch's summaries but those covering an erased node (written from a read made
    before an erasure, they would bring the erased text back)."""

    def edges_by_type(self) -> dict[str, list[EdgeRow]]:
        grouped: dict[str, list[EdgeRow]] = {}
        for edge in self.edges:
            grouped.setdefault(edge.type, []).append(edge)
        return grouped


def check_batch(batch: Batch) -> None:
    """Every node of a batch lies in its namespace; its edges are of a type a batch may write."""
    nodes = [*batch.episodes, *batch.entities, *batch.units, *batch.summaries]
    strays = sorted({n.namespace for n in nodes} - {batch.namespace})
    if strays:
        raise ValueError(f"a batch for namespace {batch.namespace!r} holds nodes of {strays}")
    for edge in batch.edges:
        if edge.type not in WRITABLE_EDGES:
            raise ValueError(f"{edge.type} edges are written with their nodes, not as edges")


def sessions_to_chain(batch: Batch) -> list[str]:
    """The sessions whose latest stored episode the plan needs (to link new ones by NEXT)."""
    return list(dict.fromkeys(ep.session for ep in batch.episodes if ep.session is not None))


def covered_ids(batch: Batch) -> list[str]:
    """The ids the batch's summaries cover (the plan leaves out a summary covering an erased one)."""
    return list(dict.fromkeys(i for s in batch.summaries for i in s.covers))


def sources_to_check(batch: Batch) -> list[str]:
    """The ``source_id`` values whose stored episodes the plan needs (to leave repeats out)."""
    return list(dict.fromkeys(ep.source_id for ep in batch.episodes if ep.source_id is not None))


def plan_write(
    batch: Batch,
    last_seq: int,
    last_in_session: Mapping[str, str | None],
    stored_sources: Mapping[str, str] | None = None,
    erased: Collection[str] = (),
) -> WritePlan:
    """Leave out episodes whose ``source_id`` is stored (``stored_sources``: source id -> episode
    id) or came earlier in the batch, number the others after ``last_seq``, chain each session's
    episodes after its latest stored one, and list every edge the batch brings (NEXT, INVOLVES,
    FROM, COVERS, then its own edges), leaving out summaries that cover an ``erased`` id.
    Episodes get their ``seq`` set in place."""
    check_batch(batch)
    known = dict(stored_sources or {})
    repeats: dict[str, str] = {}
    episodes = []
    for ep in batch.episodes:
        if ep.source_id is not None and ep.source_id in known:
            repeats[ep.id] = known[ep.source_id]
            continue
        if ep.source_id is not None:
            known[ep.source_id] = ep.id
        episodes.append(ep)
    last = dict(last_in_session)
    edges: list[EdgeRow] = []
    for offset, ep in enumerate(episodes, 1):
        ep.seq = last_seq + offset
        if ep.session is None:
            continue
        if (previous := last.get(ep.session)) is not None:
            edges.append(EdgeRow("NEXT", previous, ep.id))
        last[ep.session] = ep.id
    for u in batch.units:
        edges += [EdgeRow("INVOLVES", u.id, a.entity_id, {"role": a.role}) for a in u.entities]
        edges += [EdgeRow("FROM", u.id, episode_id) for episode_id in u.episode_ids]
    gone = set(erased)
    summaries = [s for s in batch.summaries if gone.isdisjoint(s.covers)]
    for s in summaries:
        edges += [EdgeRow("COVERS", s.id, node_id) for node_id in s.covers]
    edges += [EdgeRow(e.type, e.src, e.dst, e.props) for e in batch.edges]
    return WritePlan(batch.namespace, edges, episodes, repeats, summaries)


@dataclass
class AdjacencyBuilder:
    """A namespace's PPR graph, grown edge by edge from (type, src, dst) rows in store order."""

    ids: list[str] = field(default_factory=list)
    index: dict[str, int] = field(default_factory=dict)
    kinds: list[int] = field(default_factory=list)
    src: list[int] = field(default_factory=list)
    dst: list[int] = field(default_factory=list)
    types: list[int] = field(default_factory=list)

    def add(self, rows: list[tuple[str, str, str]]) -> None:
        for typ, src, dst in rows:
            src_kind, dst_kind = EDGE_ENDPOINTS[typ]
            self.src.append(self._node(src, src_kind))
            self.dst.append(self._node(dst, dst_kind))
            self.types.append(_TYPE_CODES[typ])

    def _node(self, node_id: str, kind: str | None) -> int:
        i = self.index.get(node_id)
        if i is None:
            i = self.index[node_id] = len(self.ids)
            self.ids.append(node_id)
            self.kinds.append(_KIND_CODES[kind or "unit"])
        return i

    def build(self, version: int) -> Adjacency:
        return Adjacency(
            ids=list(self.ids),
            kinds=np.asarray(self.kinds, dtype=np.int8),
            src=np.asarray(self.src, dtype=np.int64),
            dst=np.asarray(self.dst, dtype=np.int64),
            types=np.asarray(self.types, dtype=np.int8),
            version=version,
        )


_TYPE_CODES = {name: code for code, name in enumerate(EDGE_TYPES)}
_KIND_CODES = {name: code for code, name in enumerate(NODE_KINDS)}
