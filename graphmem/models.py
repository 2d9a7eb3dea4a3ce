"""The graph schema (DESIGN §2) as pydantic models. Every node has ``id`` and ``namespace``."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, computed_field

EpisodeStatus = Literal["pending", "processed", "failed"]
UnitKind = Literal["fact", "event", "preference", "plan", "summary"]
UnitStatus = Literal["active", "superseded", "conflicted", "retracted"]
HitKind = Literal["episode", "unit", "summary"]
EdgeType = Literal[
    "NEXT", "SAME_AS", "INVOLVES", "FROM", "COVERS", "SUPERSEDES", "CONFLICTS_WITH", "RETRACTS"
]

ENTITY_NAMESPACE = uuid.UUID("6f1c2b8e-2f0a-4c53-9d59-6a4d2d0c9e11")


def new_id() -> str:
    """A fresh random node id."""
    return str(uuid.uuid4())


def entity_id(namespace: str, canonical: str) -> str:
    """The id of the entity with this canonical name: the same in every process, so concurrent
    writers that both discover "Paris" create one node, not two."""
    return str(uuid.uuid5(ENTITY_NAMESPACE, f"{namespace}\x00{canonical}"))


class Node(BaseModel):
    """Fields every node shares."""

    model_config = ConfigDict(arbitrary_types_allowed=True, validate_assignment=False)

    id: str = Field(default_factory=new_id)
    namespace: str


class Episode(Node):
    """One raw input (a message or a document chunk): the source of truth."""

    content: str
    source: str = "message"
    speaker: str | None = None
    session: str | None = None
    source_id: str | None = None
    occurred_at: datetime
    recorded_at: datetime
    status: EpisodeStatus = "pending"
    error: str | None = None
    seq: int | None = None
    expires_at: datetime | None = None
    """When it is due to be erased (a LangGraph store value put with a ``ttl``); None: never."""
    embedding: Any = Field(default=None, repr=False, exclude=True)


class Entity(Node):
    """One real-world thing (a person, place, concept, date...)."""

    name: str
    canonical: str
    aliases: list[str] = Field(default_factory=list)
    type: str = "thing"
    summary: str | None = None
    embedding: Any = Field(default=None, repr=False, exclude=True)


class Involvement(BaseModel):
    """One arm of a unit's hyperedge: the entity and its role in the fact."""

    entity_id: str
    role: str = "mention"


class Unit(Node):
    """A memory unit: one fact or event, a hyperedge over the entities it links."""

    text: str
    kind: UnitKind = "fact"
    subject: str | None = None
    predicate: str | None = None
    object: str | None = None
    confidence: float = 1.0
    valid_from: datetime | None = None
    valid_to: datetime | None = None
    recorded_at: datetime
    expired_at: datetime | None = None
    status: UnitStatus = "active"
    version: int = 1
    reason: str | None = None
    """Why memory changed its belief in this unit (superseded, conflicted, retracted)."""
    entities: list[Involvement] = Field(min_length=2)
    episode_ids: list[str] = Field(min_length=1)
    embedding: Any = Field(default=None, repr=False, exclude=True)
    by_rules: bool = Field(default=False, repr=False, exclude=True)
    """Extracted by rules in model mode, so judged by rules on its write (not stored)."""


class Summary(Node):
    """A coarse digest of a session or topic, covering units and episodes."""

    text: str
    level: int = 1
    span_from: datetime | None = None
    span_to: datetime | None = None
    covers: list[str] = Field(default_factory=list)
    embedding: Any = Field(default=None, repr=False, exclude=True)


class Ingested(BaseModel):
    """What ``Memory.ingest`` stored: one episode per message, in order, where a message whose
    ``source_id`` the namespace already held gets the stored episode (it is not stored again);
    ``new`` holds the episodes this call stored."""

    episodes: list[Episode]
    new: list[Episode]

    @property
    def skipped(self) -> int:
        """Messages not stored again: their ``source_id`` was already held."""
        return len(self.episodes) - len(self.new)


class Erasure(BaseModel):
    """What ``forget`` or ``forget_namespace`` erased: ids by kind (episode, unit, entity,
    summary), the summaries written again from what remains, and whether the store's files were
    scrubbed of the erased bytes (None: the store cannot do it; see ``GraphStore.scrub``)."""

    namespace: str
    erased: dict[str, list[str]] = Field(default_factory=dict)
    rewritten: list[str] = Field(default_factory=list)
    scrubbed: bool | None = None


class Edge(BaseModel):
    """A relationship that is not part of a unit: NEXT, SAME_AS, COVERS, and the Refresher's
    SUPERSEDES (new unit -> old), CONFLICTS_WITH (unit -> unit) and RETRACTS (episode -> unit)."""

    type: EdgeType
    src: str
    dst: str
    props: dict[str, Any] = Field(default_factory=dict)


class Hit(BaseModel):
    """One search result, with its provenance."""

    id: str
    kind: HitKind
    text: str
    score: float
    episode_ids: list[str]
    source_ids: list[str]
    occurred_at: datetime | None = None
    valid_from: datetime | None = None
    valid_to: datetime | None = None
    status: str | None = None
    speaker: str | None = None

    @classmethod
    def of_episode(cls, ep: Episode, score: float) -> Hit:
        """A message as a search hit of its own."""
        return cls(
            id=ep.id,
            kind="episode",
            text=ep.content,
            score=score,
            episode_ids=[ep.id],
            source_ids=[ep.source_id] if ep.source_id is not None else [],
            occurred_at=ep.occurred_at,
            speaker=ep.speaker,
        )


class Stats(BaseModel):
    """What a namespace (or the whole store) holds."""

    episodes: int = 0
    pending: int = 0
    failed: int = 0
    entities: int = 0
    units: int = 0
    active_units: int = 0
    summaries: int = 0
    edges: int = 0


class Answer(BaseModel):
    """What ``Memory.ask`` returns: the answer, the ids it cites, and the evidence behind it."""

    text: str
    citations: list[str]
    sufficient: bool
    conflicted: bool = False
    evidence: list[Hit] = Field(default_factory=list)
    context: str = ""
    intent: str = "factual"
    rounds: int = 1

    @computed_field  # type: ignore[prop-decorator]
    @property
    def cited_sources(self) -> list[str]:
        """The user's source ids behind the citations, in citation order, each once."""
        sources = {h.id: h.source_ids for h in self.evidence}
        return list(dict.fromkeys(s for c in self.citations for s in sources.get(c, [])))
