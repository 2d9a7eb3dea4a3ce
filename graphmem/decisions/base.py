"""The decisions the four agents take, as structured output, and the protocol that takes them:
``Decisions``, made either by prompting a model (``PromptedDecisions``) or by deterministic
rules (``ZeroLLM``)."""

from __future__ import annotations

from datetime import datetime
from typing import Literal, Protocol

from pydantic import BaseModel, Field

from ..models import Episode, Hit, Unit, UnitKind

Relation = Literal["duplicate", "update", "contradiction", "compatible"]
Intent = Literal["verbatim", "factual", "abstract", "multihop", "temporal"]


class MentionDraft(BaseModel):
    """An entity as an extractor saw it in the text."""

    name: str
    type: str = "thing"
    role: str = "mention"


class UnitDraft(BaseModel):
    """A memory unit before entity resolution: one fact or event from one or more episodes."""

    text: str
    kind: UnitKind = "fact"
    subject: str | None = None
    predicate: str | None = None
    object: str | None = None
    mentions: list[MentionDraft] = Field(min_length=2)
    valid_from: datetime | None = None
    valid_to: datetime | None = None
    episode_ids: list[str] = Field(min_length=1)
    by_rules: bool = False
    """Extracted by the zero-LLM rules while a model takes the other decisions (``BySpeaker``)."""


class Extraction(BaseModel):
    """What the Constructor gets from one batch: units, and the sessions' updated summaries."""

    units: list[UnitDraft] = Field(default_factory=list)
    summaries: dict[str, str] = Field(default_factory=dict)


class Comparison(BaseModel):
    """A new unit and the active units memory already holds about the same subject or entities."""

    new: Unit
    existing: list[Unit]


class Verdict(BaseModel):
    """How one new unit relates to memory (the Judge on the write path)."""

    relation: Relation
    existing_id: str | None = None
    reason: str = ""


class Route(BaseModel):
    """Where the Retriever looks for a query (AMA-style routing)."""

    intent: Intent
    as_of: datetime | None = None
    reason: str = ""


class Assessment(BaseModel):
    """The Judge's view of retrieved evidence on the read path."""

    relevant: list[str] = Field(default_factory=list)
    sufficient: bool = False
    rewrite: str | None = None
    reason: str = ""


class Reply(BaseModel):
    """An answer from memory, citing the unit/episode/summary ids it rests on."""

    text: str
    citations: list[str] = Field(default_factory=list)
    sufficient: bool = True


NOT_IN_MEMORY = "Not in memory."


class Decisions(Protocol):
    """Every decision the agents delegate, one method per decision."""

    def extract(self, episodes: list[Episode], summaries: dict[str, str]) -> Extraction:
        """Constructor: the memory units in a batch of episodes, and each session's summary
        (``summaries`` holds the summaries so far of the sessions in the batch)."""

    def compare(self, comparisons: list[Comparison]) -> list[Verdict]:
        """Judge (write path): one verdict per comparison, in order."""

    def disambiguate(self, name: str, candidates: list[tuple[str, str]]) -> str | None:
        """Resolution: the id of the (id, name) candidate that ``name`` means, or None."""

    def route(self, query: str, now: datetime) -> Route:
        """Retriever: the intent of a query."""

    def assess(self, query: str, hits: list[Hit]) -> Assessment:
        """Judge (read path): relevance, sufficiency and consistency of the evidence."""

    def answer(self, query: str, hits: list[Hit]) -> Reply:
        """The answer to ``query`` from ``hits`` alone."""
