"""Decisions split by speaker: some speakers' messages extracted and judged by the rules, the rest
by the model.

In a user-assistant chat the assistant's replies are most of the text (in BEAM's chats 95% of the
characters) and mostly restate what the user said; a model that reads them all spends most of its
time there. With ``constructor.rules_speakers`` set, their messages get the zero-LLM clause units,
and the Judge compares those units by rules too; everything else goes to the model.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from ..models import Episode, Hit
from .base import Assessment, Comparison, Decisions, Extraction, Reply, Route, Verdict


def speakers_set(speakers: Iterable[str]) -> frozenset[str]:
    """Speaker names as ``spoken_by`` compares them (case folded)."""
    return frozenset(s.casefold() for s in speakers)


def spoken_by(ep: Episode, speakers: frozenset[str]) -> bool:
    """Whether ``ep``'s speaker is one of ``speakers`` (a ``speakers_set``: no case)."""
    return (ep.speaker or "").casefold() in speakers


class BySpeaker:
    """``Decisions`` that send the episodes of ``speakers`` (compared without case) to ``rules``
    and every other decision to ``model``."""

    def __init__(self, model: Decisions, rules: Decisions, speakers: tuple[str, ...]) -> None:
        self.model = model
        self.rules = rules
        self.speakers = speakers_set(speakers)

    def extract(self, episodes: list[Episode], summaries: dict[str, str]) -> Extraction:
        """The model's units and session summaries for the other speakers' episodes, the rules'
        units (marked ``by_rules``) for those of ``speakers``; a session only they spoke in gets
        the rules' summary."""
        ruled = [ep for ep in episodes if spoken_by(ep, self.speakers)]
        modelled = [ep for ep in episodes if not spoken_by(ep, self.speakers)]
        told = self.model.extract(modelled, summaries) if modelled else Extraction()
        if not ruled:
            return told
        plain = self.rules.extract(ruled, summaries)
        for draft in plain.units:
            draft.by_rules = True
        return Extraction(
            units=told.units + plain.units, summaries={**plain.summaries, **told.summaries}
        )

    def compare(self, comparisons: list[Comparison]) -> list[Verdict]:
        """A new unit the rules extracted is judged by the rules, any other by the model; the
        verdicts come back in the comparisons' order."""
        ruled = [i for i, c in enumerate(comparisons) if c.new.by_rules]
        modelled = [i for i, c in enumerate(comparisons) if not c.new.by_rules]
        verdicts: dict[int, Verdict] = {}
        for indices, decide in ((ruled, self.rules), (modelled, self.model)):
            if indices:
                found = decide.compare([comparisons[i] for i in indices])
                verdicts.update(zip(indices, found, strict=True))
        return [verdicts[i] for i in range(len(comparisons))]

    def disambiguate(self, name: str, candidates: list[tuple[str, str]]) -> str | None:
        return self.model.disambiguate(name, candidates)

    def route(self, query: str, now: datetime) -> Route:
        return self.model.route(query, now)

    def assess(self, query: str, hits: list[Hit]) -> Assessment:
        return self.model.assess(query, hits)

    def answer(self, query: str, hits: list[Hit]) -> Reply:
        return self.model.answer(query, hits)
