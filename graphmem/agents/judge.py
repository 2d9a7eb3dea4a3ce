"""The Judge: consistency of new units against memory (write path) and of evidence (read path)."""

from __future__ import annotations

from dataclasses import dataclass
from itertools import combinations

from ..llm.base import Comparison, Decisions, Verdict
from ..llm.rules import same_slot, slot_key
from ..llm.slots import single_valued
from ..models import Unit
from ..store.base import GraphStore
from ..text import canonical

MAX_CANDIDATES = 5
"""Existing units shown per comparison: the most recent ones in the same slot."""


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
        """One review per new unit that shares a slot (subject + predicate) with an active unit,
        stored or earlier in the batch; a unit in no shared slot needs no verdict (and no call)."""
        slots = sorted({(u.subject or "", u.predicate) for u in units if u.predicate})
        seen: dict[tuple[str, str], list[Unit]] = {}
        for unit in self.store.units_in_slots(namespace, slots):
            seen.setdefault(slot_key(unit), []).append(unit)
        comparisons: list[Comparison] = []
        for unit in sorted(units, key=_when):
            if not unit.predicate:
                continue
            same = seen.setdefault(slot_key(unit), [])
            if same:
                comparisons.append(Comparison(new=unit, existing=same[-MAX_CANDIDATES:]))
            same.append(unit)
        verdicts = self.decisions.compare(comparisons)
        reviews = []
        for comparison, verdict in zip(comparisons, verdicts, strict=True):
            by_id = {u.id: u for u in comparison.existing}
            existing = by_id.get(verdict.existing_id or "")
            if verdict.relation != "compatible" and existing is not None:
                reviews.append(Review(comparison.new, verdict, existing))
        return reviews

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
