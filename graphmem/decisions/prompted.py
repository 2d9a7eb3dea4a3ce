"""Every agent decision taken by prompting an ``LLM`` (prompts from ``agents/*.md``).

Indices, not ids, go to the model (small numbers are what small models copy reliably); a reply that
cites an index that does not exist fails ``check`` and gets the LLM's repair round. The read-path
decisions (route, assess) fall back to the zero-LLM rules when the model fails, so search still
answers; write-path decisions raise, so the episodes are kept as failed and rebuilt later.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable, Iterator
from datetime import datetime
from functools import lru_cache, partial
from typing import Any, TypeVar

from pydantic import BaseModel, Field, create_model

from ..errors import InvalidReplyError, LLMError, ReplyTooLongError
from ..llm.base import LLM
from ..models import Episode, Hit, UnitKind
from ..resources import prompts
from ..timeutil import to_datetime
from . import rules
from .base import (
    NOT_IN_MEMORY,
    Assessment,
    Comparison,
    Extraction,
    Intent,
    MentionDraft,
    Relation,
    Reply,
    Route,
    UnitDraft,
    Verdict,
)

log = logging.getLogger("graphmem.llm")
X = TypeVar("X")
R = TypeVar("R")


class _Entity(BaseModel):
    name: str
    type: str
    role: str


UNIT_TEXT_CHARS = 300
"""The most characters a unit's text may have in the reply schema. A grammar-constrained server
(llama.cpp) enforces it, so a small model cannot copy a whole message into each unit and run to
the token limit; a longer text from a server that does not enforce it is still accepted."""


class _Unit(BaseModel):
    """Every field is required, so grammar-constrained servers make the model fill each one."""

    text: str = Field(json_schema_extra={"maxLength": UNIT_TEXT_CHARS})
    kind: UnitKind
    subject: str | None
    predicate: str | None
    object: str | None
    entities: list[_Entity] = Field(min_length=2)
    valid_from: str | None
    valid_to: str | None
    episodes: list[int] = Field(min_length=1)


class _Summary(BaseModel):
    session: str
    text: str


class _Extraction(BaseModel):
    units: list[_Unit] = Field(default_factory=list)
    summaries: list[_Summary] = Field(default_factory=list)


UNITS_PER_EPISODE = 6
"""The most units a reply schema allows per episode read. A grammar-constrained server enforces
it, so a small model caught repeating one unit (greedy decoding loops) stops there instead of at
the token limit, which fails the message; more units from a server that does not enforce it are
still accepted."""


@lru_cache(maxsize=64)
def _extraction_for(episodes: int) -> type[_Extraction]:
    """The reply schema for a call that reads ``episodes`` episodes."""
    cap: list[_Unit] = Field(
        default_factory=list, json_schema_extra={"maxItems": UNITS_PER_EPISODE * episodes}
    )
    return create_model("_Extraction", __base__=_Extraction, units=(list[_Unit], cap))


class _Verdict(BaseModel):
    item: int
    relation: Relation
    existing: int | None = None
    reason: str = ""


class _Verdicts(BaseModel):
    verdicts: list[_Verdict]


class _Choice(BaseModel):
    choice: int | None = None


class _Route(BaseModel):
    intent: Intent
    as_of: str | None = None
    reason: str = ""


class _Assessment(BaseModel):
    relevant: list[int] = Field(default_factory=list)
    sufficient: bool = False
    rewrite: str | None = None
    reason: str = ""


class _Answer(BaseModel):
    answer: str
    citations: list[int] = Field(default_factory=list)
    sufficient: bool = True


def _data(payload: dict[str, Any]) -> str:
    return json.dumps(payload, ensure_ascii=False, default=str)


def _time(value: str | None) -> datetime | None:
    try:
        return to_datetime(value) if value else None
    except ValueError:
        return None


def _in_range(numbers: list[int | None], size: int, what: str) -> None:
    bad = [n for n in numbers if n is not None and not 0 <= n < size]
    if bad:
        raise ValueError(f"{what} {bad} do not exist (valid: 0..{size - 1})")


def _evidence(hits: list[Hit]) -> list[dict[str, Any]]:
    return [
        {
            "n": i,
            "text": h.text,
            "time": (h.valid_from or h.occurred_at or "").__str__(),
            "status": h.status or "active",
        }
        for i, h in enumerate(hits)
    ]


class PromptedDecisions:
    """``Decisions`` by an LLM, one structured call per decision (one per batch for extraction)."""

    def __init__(self, llm: LLM, batch_size: int = 16, denials: bool = True) -> None:
        self.llm = llm
        self.batch_size = batch_size
        self.denials = denials
        """Settle a denial of what the same speaker said they did by the rules (``compare``)."""
        self.prompt_versions = {a: prompts(a)[0] for a in ("constructor", "retriever", "judge")}

    def _ask(self, agent: str, name: str, payload: dict[str, Any], schema: type, check=None):
        return self.llm.complete(name, prompts(agent)[1][name], _data(payload), schema, check)

    # -- write path ---------------------------------------------------------------------------
    def extract(self, episodes: list[Episode], summaries: dict[str, str]) -> Extraction:
        """One call per ``batch_size`` episodes; each call sees the summaries so far."""
        so_far = dict(summaries)
        units: list[UnitDraft] = []
        for part in _in_parts(episodes, self.batch_size, partial(self._extract, summaries=so_far)):
            units += part.units
            so_far.update(part.summaries)  # the next part's call reads them
        sessions = {ep.session for ep in episodes if ep.session}
        return Extraction(units=units, summaries={s: so_far[s] for s in sessions if s in so_far})

    def _extract(self, episodes: list[Episode], summaries: dict[str, str]) -> Extraction:
        sessions = {ep.session for ep in episodes if ep.session}
        payload = {
            "episodes": [
                {
                    "n": i,
                    "speaker": ep.speaker,
                    "session": ep.session,
                    "time": ep.occurred_at.isoformat(),
                    "text": ep.content,
                }
                for i, ep in enumerate(episodes)
            ],
            "summaries": {s: t for s, t in summaries.items() if s in sessions},
        }

        def check(out: _Extraction) -> None:
            _in_range([n for u in out.units for n in u.episodes], len(episodes), "episodes")

        schema = _extraction_for(len(episodes))
        out: _Extraction = self._ask("constructor", "extract", payload, schema, check)
        drafts: dict[tuple[str, ...], UnitDraft] = {}  # a unit the reply repeats counts once
        for unit in out.units:
            if (draft := _draft(unit, episodes)) is not None:
                drafts.setdefault((draft.text, *draft.episode_ids), draft)
        return Extraction(
            units=list(drafts.values()),
            summaries={
                s.session: s.text for s in out.summaries if s.session in sessions and s.text
            },
        )

    def compare(self, comparisons: list[Comparison]) -> list[Verdict]:
        """A new unit denying what the same speaker said they did contradicts it by the rules
        (a small model never called one a contradiction: bench/judge_pairs.py); the others go to
        the model, one call per ``batch_size`` comparisons (a reply names a verdict for each).
        With ``denials`` off the model decides every comparison."""
        ruled = enumerate(comparisons if self.denials else [])
        denied = {i: v for i, c in ruled if (v := rules.denied(c))}
        asked = [c for i, c in enumerate(comparisons) if i not in denied]
        parts = _in_parts(asked, self.batch_size, self._compare_or_rules)
        told = iter([verdict for part in parts for verdict in part])
        return [denied[i] if i in denied else next(told) for i in range(len(comparisons))]

    def _compare_or_rules(self, comparisons: list[Comparison]) -> list[Verdict]:
        """``_compare``; one comparison whose reply stays unusable (a small model naming an
        item that is not there) gets the rules' verdict, so the statements it compares are
        still stored rather than failed with their whole batch."""
        try:
            return self._compare(comparisons)
        except (ReplyTooLongError, InvalidReplyError) as exc:
            if len(comparisons) > 1:
                raise
            log.warning("comparing by rules: %s", exc)
            return [rules.compare(c) for c in comparisons]

    def _compare(self, comparisons: list[Comparison]) -> list[Verdict]:
        items = [
            {
                "item": i,
                "new": _unit_view(c.new),
                "existing": [{"n": j, **_unit_view(u)} for j, u in enumerate(c.existing)],
            }
            for i, c in enumerate(comparisons)
        ]

        def check(out: _Verdicts) -> None:
            _in_range([v.item for v in out.verdicts], len(comparisons), "items")
            for v in out.verdicts:
                _in_range([v.existing], len(comparisons[v.item].existing), "existing units")

        out: _Verdicts = self._ask("judge", "compare", {"items": items}, _Verdicts, check)
        verdicts = [Verdict(relation="compatible") for _ in comparisons]
        for v in out.verdicts:
            existing = comparisons[v.item].existing
            if v.relation == "compatible" or v.existing is None:
                continue
            verdicts[v.item] = Verdict(
                relation=v.relation, existing_id=existing[v.existing].id, reason=v.reason
            )
        return verdicts

    def disambiguate(self, name: str, candidates: list[tuple[str, str]]) -> str | None:
        payload = {
            "name": name,
            "candidates": [{"n": i, "name": n} for i, (_, n) in enumerate(candidates)],
        }
        out: _Choice = self._ask(
            "constructor",
            "disambiguate",
            payload,
            _Choice,
            lambda o: _in_range([o.choice], len(candidates), "candidates"),
        )
        return None if out.choice is None else candidates[out.choice][0]

    # -- read path ----------------------------------------------------------------------------
    def route(self, query: str, now: datetime) -> Route:
        try:
            out: _Route = self._ask("retriever", "route", {"query": query, "now": now}, _Route)
        except LLMError as exc:
            log.warning("routing by rules: %s", exc)
            return rules.route(query, now)
        return Route(intent=out.intent, as_of=_time(out.as_of), reason=out.reason)

    def assess(self, query: str, hits: list[Hit]) -> Assessment:
        if not hits:
            return Assessment(sufficient=False, reason="no evidence")

        def check(out: _Assessment) -> None:
            _in_range(list(out.relevant), len(hits), "evidence items")

        payload = {"query": query, "evidence": _evidence(hits)}
        try:
            out: _Assessment = self._ask("judge", "assess", payload, _Assessment, check)
        except LLMError as exc:
            log.warning("assessing evidence by rules: %s", exc)
            return rules.assess(query, hits)
        return Assessment(
            relevant=[hits[i].id for i in dict.fromkeys(out.relevant)],
            sufficient=out.sufficient and bool(out.relevant),
            rewrite=out.rewrite,
            reason=out.reason,
        )

    def answer(self, query: str, hits: list[Hit]) -> Reply:
        if not hits:
            return Reply(text=NOT_IN_MEMORY, sufficient=False)

        def check(out: _Answer) -> None:
            _in_range(list(out.citations), len(hits), "citations")

        payload = {"query": query, "evidence": _evidence(hits)}
        out: _Answer = self._ask("judge", "answer", payload, _Answer, check)
        if not out.sufficient:
            return Reply(text=NOT_IN_MEMORY, sufficient=False)
        cited = [hits[i] for i in dict.fromkeys(out.citations)]
        ids = list(dict.fromkeys(i for h in cited for i in (h.id, *h.episode_ids)))
        return Reply(text=out.answer, citations=ids, sufficient=True)


def _in_parts(items: list[X], size: int, ask: Callable[[list[X]], R]) -> Iterator[R]:
    """``ask`` on ``items``, ``size`` at a time and in order. A part whose reply outgrows the
    model's token limit, or stays invalid after a repair (a small model citing an episode that
    is not there), is asked for again in two halves (a single item's error is raised)."""
    pending = [items[i : i + size] for i in range(0, len(items), size)]
    while pending:
        part = pending.pop(0)
        try:
            answer = ask(part)
        except (ReplyTooLongError, InvalidReplyError) as exc:
            if len(part) == 1:
                raise
            log.info("asking for %d items in halves: %s", len(part), exc)
            pending[:0] = [part[: len(part) // 2], part[len(part) // 2 :]]
            continue
        yield answer


def _unit_view(unit) -> dict[str, Any]:
    return {
        "text": unit.text,
        "subject": unit.subject,
        "predicate": unit.predicate,
        "object": unit.object,
        "valid_from": unit.valid_from.isoformat() if unit.valid_from else None,
    }


def _draft(unit: _Unit, episodes: list[Episode]) -> UnitDraft | None:
    """A unit draft from the model's unit; None when it links fewer than two entities."""
    sources = [episodes[n] for n in dict.fromkeys(unit.episodes)]
    mentions = {
        e.name.strip().lower(): MentionDraft(name=e.name.strip(), type=e.type, role=e.role)
        for e in unit.entities
        if e.name.strip()
    }
    if unit.subject and unit.subject.strip().lower() not in mentions:
        mentions[unit.subject.strip().lower()] = MentionDraft(
            name=unit.subject.strip(), role="subject"
        )
    if len(mentions) < 2 or not sources or not unit.text.strip():
        return None
    return UnitDraft(
        text=unit.text.strip(),
        kind=unit.kind,
        subject=unit.subject,
        predicate=(unit.predicate or "").strip().lower().replace(" ", "_") or None,
        object=unit.object,
        mentions=list(mentions.values()),
        valid_from=_time(unit.valid_from) or sources[0].occurred_at,
        valid_to=_time(unit.valid_to),
        episode_ids=[ep.id for ep in sources],
    )
