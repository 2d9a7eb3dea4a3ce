"""The narrow store protocol every backend implements (DESIGN §3)."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Literal, Protocol, TypeVar, runtime_checkable

import numpy as np

from ..models import Edge, Entity, Episode, EpisodeStatus, Stats, Summary, Unit, UnitStatus

Label = Literal["episode", "unit", "entity", "summary"]
_N = TypeVar("_N", Episode, Unit, Entity, Summary)
EDGE_ENDPOINTS: dict[str, tuple[str, str | None]] = {
    "INVOLVES": ("unit", "entity"),
    "FROM": ("unit", "episode"),
    "NEXT": ("episode", "episode"),
    "SAME_AS": ("entity", "entity"),
    "SUPERSEDES": ("unit", "unit"),
    "CONFLICTS_WITH": ("unit", "unit"),
    "RETRACTS": ("episode", "unit"),
    "COVERS": ("summary", None),  # a unit or an episode
}
"""The node kinds at either end of each edge type (None: known from the node itself)."""
EDGE_TYPES = tuple(EDGE_ENDPOINTS)
"""Edge types in the order ``Adjacency.types`` codes them."""
NODE_KINDS = ("entity", "unit", "episode", "summary")
"""Node kinds in the order ``Adjacency.kinds`` codes them."""


def has_direction(vector: np.ndarray) -> bool:
    """Whether a query vector can be compared by cosine: finite, and not all zeros (the hash
    embedder gives zeros for a text with no words). Nothing is near a vector without one."""
    norm = float(np.linalg.norm(vector))
    return norm > 0 and np.isfinite(norm)


def ordered_like(ids: list[str], items: list[_N]) -> list[_N]:
    """``items`` in the order of ``ids`` (first occurrence), missing ones left out."""
    by_id = {item.id: item for item in items}
    return [by_id[i] for i in dict.fromkeys(ids) if i in by_id]


@dataclass(frozen=True)
class UnitSketch:
    """A unit as the Judge first looks at it: id, text and the entities it involves."""

    id: str
    text: str
    entity_ids: frozenset[str]


@dataclass
class UnitUpdate:
    """A temporal rewrite of one unit (the Refresher's tool): never deletes it."""

    id: str
    status: UnitStatus | None = None
    valid_to_ms: int | None = None
    expired_at_ms: int | None = None
    reason: str | None = None


@dataclass
class Batch:
    """Everything one transaction writes, all inside one namespace. Entities are upserted by id
    (aliases merged)."""

    namespace: str
    episodes: list[Episode] = field(default_factory=list)
    entities: list[Entity] = field(default_factory=list)
    units: list[Unit] = field(default_factory=list)
    summaries: list[Summary] = field(default_factory=list)
    """Upserted whole: text, vector and what they cover are replaced."""
    edges: list[Edge] = field(default_factory=list)
    updates: list[UnitUpdate] = field(default_factory=list)
    """Rewrites of stored units of the namespace (the Refresher's), in the same transaction."""
    processed: dict[str, np.ndarray | None] = field(default_factory=dict)
    """Episode id -> its embedding: those episodes become ``processed`` in the same transaction."""

    def is_empty(self) -> bool:
        return not (
            self.episodes
            or self.entities
            or self.units
            or self.summaries
            or self.edges
            or self.updates
            or self.processed
        )


@dataclass
class Erased:
    """What one erasure removed (ids by label: the node, the units built from an episode, the
    entities left without units, the summaries that covered any of them) and what is left to
    rebuild from what remains: sessions that lost an episode, entities that lost a unit."""

    ids: dict[str, list[str]]
    sessions: set[str] = field(default_factory=set)
    entities: set[str] = field(default_factory=set)


@dataclass
class Adjacency:
    """The PPR graph of a namespace: nodes (entities, units, episodes) and typed edges as
    indices; node kinds and edge types as codes (``NODE_KINDS[kinds[i]]``,
    ``EDGE_TYPES[types[j]]``), so a graph of many edges is read without a string per edge."""

    ids: list[str]
    kinds: np.ndarray
    src: np.ndarray
    dst: np.ndarray
    types: np.ndarray
    version: int

    def index(self) -> dict[str, int]:
        return {node_id: i for i, node_id in enumerate(self.ids)}

    def edges(self) -> list[tuple[str, str, str]]:
        """Every edge as (source id, target id, type), in store order."""
        return [
            (self.ids[s], self.ids[d], EDGE_TYPES[t])
            for s, d, t in zip(
                self.src.tolist(), self.dst.tolist(), self.types.tolist(), strict=True
            )
        ]

    def kind(self, node_id: str) -> str:
        """The kind of node ``node_id`` (ValueError when the graph does not hold it)."""
        return NODE_KINDS[self.kinds[self.ids.index(node_id)]]

    def of_type(self, name: str) -> np.ndarray:
        """Which edges have type ``name`` (a boolean mask)."""
        return self.types == EDGE_TYPES.index(name)

    def of_kind(self, *names: str) -> np.ndarray:
        """Which nodes are of one of the kinds ``names`` (a boolean mask)."""
        return np.isin(self.kinds, [NODE_KINDS.index(n) for n in names])


@runtime_checkable
class GraphStore(Protocol):
    """What memory needs from a database. All methods are scoped to one namespace."""

    def write(self, batch: Batch) -> dict[str, str]:
        """Write the whole batch in one transaction; episodes get ``seq`` and ``NEXT`` edges. An
        episode whose ``source_id`` the namespace holds (or an earlier one of the batch) is left
        out: the result maps each one left out to the id of the episode holding its source."""

    def get_episodes(self, namespace: str, ids: list[str]) -> list[Episode]: ...

    def get_units(self, namespace: str, ids: list[str]) -> list[Unit]: ...

    def get_entities(self, namespace: str, ids: list[str]) -> list[Entity]: ...

    def get_summaries(self, namespace: str, ids: list[str]) -> list[Summary]: ...

    def episodes_by_status(
        self, namespace: str, statuses: list[EpisodeStatus], limit: int = 1000
    ) -> list[Episode]: ...

    def set_episode_status(
        self, namespace: str, ids: list[str], status: EpisodeStatus, error: str | None = None
    ) -> None: ...

    def find_entities(self, namespace: str, keys: list[str]) -> list[Entity]:
        """Entities whose canonical name or an alias is one of ``keys``."""

    def vector_search(
        self, namespace: str, label: Label, vector: np.ndarray, k: int
    ) -> list[tuple[str, float]]:
        """Ids and cosine similarities of the ``k`` nearest nodes of ``label``."""

    def text_search(
        self, namespace: str, label: Label, text: str, k: int
    ) -> list[tuple[str, float]]:
        """Ids and BM25-style scores (higher is better) of full-text matches of ``label``."""

    def adjacency(self, namespace: str) -> Adjacency: ...

    def units_of_entity(self, namespace: str, entity_id: str) -> list[Unit]:
        """Every unit, of any status, that involves the entity."""

    def units_in_slots(self, namespace: str, slots: list[tuple[str, str]]) -> list[Unit]:
        """Active and conflicted units in any of these (subject, predicate) slots, subjects
        compared case-insensitively, oldest first (the Judge's slot lookup). May return a few
        more (another listed subject with another listed predicate): callers match exactly."""

    def recent_units_of_entities(
        self, namespace: str, entity_ids: list[str], per_entity: int
    ) -> list[UnitSketch]:
        """Active and conflicted units involving any of these entities: the ``per_entity`` most
        recently written for each, sketched (the Judge's lookup of units that share a new unit's
        entities; it reads whole units only for the few it compares)."""

    def episode_vectors(self, namespace: str, ids: list[str]) -> dict[str, np.ndarray]:
        """The stored embeddings of these episodes (processed ones only), by id."""

    def previous_episode(self, namespace: str, seq: int, speaker: str | None) -> Episode | None:
        """The latest episode before ``seq`` from the same speaker (or with no speaker)."""

    def units_from_episodes(self, namespace: str, episode_ids: list[str]) -> list[Unit]:
        """Units, of any status, built from (or merged with) any of these episodes."""

    def episodes_by_source(self, namespace: str, source_ids: list[str]) -> list[Episode]:
        """Episodes with one of these ``source_id`` values, oldest first."""

    def holds_source(self, namespace: str, prefix: str) -> bool:
        """Whether the namespace holds an episode whose ``source`` starts with ``prefix``."""

    def holds_speaker(self, namespace: str, speakers: Sequence[str]) -> bool:
        """Whether one of ``speakers`` (ASCII letter case aside) said any of the namespace's
        episodes."""

    def speakers(self, namespace: str, ids: list[str]) -> dict[str, set[str | None]]:
        """Who said each of these passages: an episode's speaker, the speakers of the episodes a
        unit was built from. Ids of neither are left out."""

    def replies(self, namespace: str, ids: list[str]) -> dict[str, set[str]]:
        """The reply to each of these passages: the next episode in the session of an episode (or
        of the episodes a unit was built from), when another speaker (ASCII letter case aside) said
        it. Passages without one, and episodes without a speaker, are left out."""

    def update_units(self, namespace: str, updates: list[UnitUpdate]) -> None: ...

    def set_expiry(self, namespace: str, ids: list[str], expires_at: datetime | None) -> None:
        """When these episodes are due to be erased (None: never)."""

    def expired_episodes(self, namespace: str, now: datetime, limit: int = 1000) -> list[str]:
        """Ids of the namespace's episodes due to be erased by ``now``, soonest first."""

    def session_episodes(self, namespace: str, session: str) -> list[Episode]:
        """The session's episodes, oldest first."""

    def erase(self, namespace: str, node_id: str) -> Erased | None:
        """Remove a node and what was built from it for good (None: no such node), keeping an
        audit record of ids only; units that pointed at an erased unit lose their reason."""

    def erase_namespace(self, namespace: str) -> dict[str, list[str]]:
        """Remove every node of the namespace (ids by label; empty if it held none)."""

    def scrub(self, labels: Iterable[str]) -> bool | None:
        """Overwrite what erased nodes of ``labels`` left in the store's files (free pages,
        full-text segments, logs): True when done, False when a reader kept it from finishing,
        None where the store cannot."""

    def stats(self, namespace: str | None = None) -> Stats: ...

    def node_ids(self, namespace: str, label: Label) -> list[str]:
        """Every id of ``label`` in the namespace, oldest first (for export)."""

    def namespaces(self) -> list[str]: ...

    def embedder_of(self, namespace: str) -> str | None:
        """The name of the embedder whose vectors the namespace holds; None before any."""

    def claim_embedder(self, namespace: str, name: str) -> str:
        """Record ``name`` as the namespace's embedder unless one is recorded (atomically);
        return the one recorded."""

    def close(self) -> None: ...
