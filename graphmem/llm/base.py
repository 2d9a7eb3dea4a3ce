"""What the Constructor extracts from episodes: the structured output every extractor returns."""

from __future__ import annotations

from datetime import datetime
from typing import Protocol

from pydantic import BaseModel, Field

from ..models import Episode, UnitKind


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
    mentions: list[MentionDraft] = Field(min_length=2)
    valid_from: datetime | None = None
    valid_to: datetime | None = None
    episode_ids: list[str] = Field(min_length=1)


class Extractor(Protocol):
    """Turns a batch of episodes into unit drafts (the Constructor's extraction step)."""

    def extract(self, episodes: list[Episode]) -> list[UnitDraft]: ...
