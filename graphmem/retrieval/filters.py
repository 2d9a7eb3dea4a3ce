"""Search filters: one definition for the Python API, the CLI, MCP and both stores. Filters
choose among ranked memory; they never change the ranking."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from pydantic import BaseModel, ConfigDict, ValidationError, field_validator

from ..errors import InvalidInputError
from ..models import Episode, Hit, HitKind
from ..timeutil import to_datetime


class SearchFilter(BaseModel):
    """Which memories a search may return. Every field left out admits everything.

    ``speakers``, ``sessions`` and ``source_ids``: a unit passes when one of the messages it was
    built from does. ``said_after``/``said_before``: when it was said. ``valid_after``/
    ``valid_before``: a unit's validity overlaps that range (a message's is when it was said).
    ``include_superseded``: also units that newer ones replaced (history); ``include_conflicted``
    (default True): units in conflict with another. Summaries pass only filters on ``kinds``.
    """

    model_config = ConfigDict(extra="forbid")

    speakers: list[str] | None = None
    sessions: list[str] | None = None
    source_ids: list[str] | None = None
    kinds: list[HitKind] | None = None
    said_after: datetime | None = None
    said_before: datetime | None = None
    valid_after: datetime | None = None
    valid_before: datetime | None = None
    include_superseded: bool = False
    include_conflicted: bool = True

    @field_validator("said_after", "said_before", "valid_after", "valid_before", mode="before")
    @classmethod
    def _time(cls, value: Any) -> datetime | None:
        return to_datetime(value)

    @classmethod
    def of(cls, value: SearchFilter | Mapping[str, Any] | None) -> SearchFilter | None:
        """A filter from a mapping (``InvalidInputError`` naming what is wrong)."""
        if value is None or isinstance(value, SearchFilter):
            return value
        try:
            return cls.model_validate(dict(value))
        except (ValidationError, TypeError, ValueError) as exc:
            raise InvalidInputError(f"bad search filter: {_reason(exc)}") from None

    def on_sources(self) -> bool:
        """Whether it looks at the messages behind a memory (summaries then never pass)."""
        return any(
            v is not None
            for v in (
                self.speakers,
                self.sessions,
                self.source_ids,
                self.said_after,
                self.said_before,
            )
        )

    def admits(self, hit: Hit, episodes: Mapping[str, Episode]) -> bool:
        """Whether ``hit`` passes; ``episodes`` holds (at least) the hit's source messages."""
        if self.kinds is not None and hit.kind not in self.kinds:
            return False
        if hit.status == "conflicted" and not self.include_conflicted:
            return False
        if hit.kind == "summary":
            return not self.on_sources() and self.valid_after is None and self.valid_before is None
        sources = [episodes[e] for e in hit.episode_ids if e in episodes]
        if self.on_sources() and not any(self._source(ep) for ep in sources):
            return False
        start = hit.valid_from or hit.occurred_at
        end = hit.valid_to if hit.kind == "unit" else hit.occurred_at
        if self.valid_before is not None and start is not None and start >= self.valid_before:
            return False
        return not (self.valid_after is not None and end is not None and end <= self.valid_after)

    def admits_episode(self, ep: Episode) -> bool:
        """Whether a message, as a search hit of its own, passes."""
        return self.admits(Hit.of_episode(ep, 0.0), {ep.id: ep})

    def _source(self, ep: Episode) -> bool:
        return (
            (self.speakers is None or ep.speaker in self.speakers)
            and (self.sessions is None or ep.session in self.sessions)
            and (self.source_ids is None or ep.source_id in self.source_ids)
            and (self.said_after is None or ep.occurred_at >= self.said_after)
            and (self.said_before is None or ep.occurred_at < self.said_before)
        )


def _reason(exc: Exception) -> str:
    if isinstance(exc, ValidationError):
        first = exc.errors()[0]
        return f"{'.'.join(str(p) for p in first['loc'])}: {first['msg']}"
    return str(exc)
