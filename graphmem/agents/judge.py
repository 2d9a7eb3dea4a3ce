"""The Judge: consistency of new units against memory (write path) and of evidence (read path)."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from itertools import combinations

from ..llm.base import Comparison, Decisions, Verdict
from ..llm.rules import same_slot, slot_key, terms
from ..llm.slots import single_valued
from ..models import Unit
from ..store.base import GraphStore
from ..text import canonical

MAX_CANDIDATES = 5
"""Existing units shown per comparison: the most recent ones in the same slot, or else the ones
that share most words with the new unit among those sharing its entities."""
PER_ENTITY = 20
"""Most recently written active units read per entity of the batch (speakers aside)."""
MIN_OVERLAP = 0.3
"""Share of content words (Jaccard) a unit outside the slot must have in common with a new unit
to be compared with it: below that they are about different things and cost no model time."""


@dataclass
class Review:
    """A new unit, the Judge's verdict on it, and the existing unit the verdict is about."""

    unit: Unit
    verdict: Verdict
    existing: Unit | None = None


class Judge:
    def __init__(self, store: GraphStore, decisions: Decisions) -> None:
        self.store = store
        self.decisions = decisions

    def review(self, namespace: str, units: list[Unit]) -> list[Review]:
        """One review per new unit that relates to an active unit, stored or earlier in the
        batch: one in the same slot (subject + predicate), or else one sharing at least two of
        its entities and ``MIN_OVERLAP`` of its words. A unit with neither needs no verdict (and
        no call)."""
        slots = sorted({(u.subject or "", u.predicate) for u in units if u.predicate})
        seen: dict[tuple[str, str], list[Unit]] = {}
        for unit in self.store.units_in_slots(namespace, slots):
            seen.setdefault(slot_key(unit), []).append(unit)
        neighbours = _Neighbours(self._stored_neighbours(namespace, units))
        comparisons: list[Comparison] = []
        for unit in sorted(units, key=_when):
            same = seen.setdefault(slot_key(unit), []) if unit.predicate else []
            existing = same[-MAX_CANDIDATES:] or neighbours.related(unit)
            if existing:
                comparisons.append(Comparison(new=unit, existing=existing))
            same.append(unit)
            neighbours.add(unit)
        verdicts = self.decisions.compare(comparisons)
        reviews = []
        for comparison, verdict in zip(comparisons, verdicts, strict=True):
            by_id = {u.id: u for u in comparison.existing}
            existing = by_id.get(verdict.existing_id or "")
            if verdict.relation != "compatible" and existing is not None:
                reviews.append(Review(comparison.new, verdict, existing))
        return reviews

    def _stored_neighbours(self, namespace: str, units: list[Unit]) -> list[Unit]:
        """Active units that share an entity (other than a speaker) with the new units."""
        batch = {u.id for u in units}
        entity_ids = [a.entity_id for u in units for a in u.entities if a.role != "speaker"]
        found = self.store.recent_units_of_entities(namespace, entity_ids, PER_ENTITY)
        return [u for u in found if u.id not in batch]

    @staticmethod
    def conflicts(units: list[Unit]) -> list[tuple[Unit, Unit]]:
        """Pairs of believed units (active or conflicted) that cannot both hold: the same
        single-valued slot with different values."""
        believed = [u for u in units if u.status in ("active", "conflicted") and u.predicate]
        return [
            (a, b)
            for a, b in combinations(believed, 2)
            if same_slot(a, b)
            and single_valued(a.predicate or "")
            and canonical(a.object or "") != canonical(b.object or "")
        ]


def _when(unit: Unit) -> tuple:
    return (unit.valid_from is None, unit.valid_from or unit.recorded_at, unit.recorded_at)


class _Neighbours:
    """Units indexed by entity, to find the ones a new unit shares entities and words with."""

    def __init__(self, units: list[Unit]) -> None:
        self.units: dict[str, Unit] = {}
        self.words: dict[str, set[str]] = {}
        self.by_entity: dict[str, list[str]] = {}
        for unit in units:
            self.add(unit)

    def add(self, unit: Unit) -> None:
        self.units[unit.id] = unit
        self.words[unit.id] = terms(unit.text)
        for entity_id in {a.entity_id for a in unit.entities}:
            self.by_entity.setdefault(entity_id, []).append(unit.id)

    def related(self, unit: Unit) -> list[Unit]:
        """Up to ``MAX_CANDIDATES`` units sharing two or more of ``unit``'s entities and at
        least ``MIN_OVERLAP`` of its words, most similar first."""
        shared = Counter(
            other
            for entity_id in {a.entity_id for a in unit.entities}
            for other in self.by_entity.get(entity_id, ())
        )
        words = terms(unit.text)
        scored = []
        for other, count in shared.items():
            if count >= 2 and other != unit.id:
                overlap = _jaccard(words, self.words[other])
                if overlap >= MIN_OVERLAP:
                    scored.append((overlap, other))
        scored.sort(key=lambda pair: -pair[0])
        return [self.units[other] for _, other in scored[:MAX_CANDIDATES]]


def _jaccard(a: set[str], b: set[str]) -> float:
    return len(a & b) / len(a | b) if a and b else 0.0
