"""The Judge: consistency of new units against memory (write path) and of evidence (read path)."""

from __future__ import annotations

from collections import deque
from collections.abc import Callable
from dataclasses import dataclass
from itertools import combinations
from operator import itemgetter

from ..config import RulesConfig
from ..decisions.base import Comparison, Decisions, Verdict
from ..decisions.rules import same_slot, slot_key, terms
from ..heuristics import denials, values
from ..heuristics.slots import single_valued
from ..models import Unit
from ..rules import changes, read_all
from ..store.base import GraphStore, UnitSketch
from ..text import canonical

BELIEVED = ("active", "conflicted")
"""Statuses of units memory still holds true: a conflicted unit is disputed, not replaced."""
MAX_CANDIDATES = 5
"""Existing units shown per comparison when they share the new unit's slot: the most recent."""
NEIGHBOURS = 3
"""Existing units shown per comparison otherwise: those sharing most words with the new unit
among those sharing two of its entities."""
PER_ENTITY = 8
"""Most recently written active units read per entity of the batch (speakers aside)."""
MIN_OVERLAP = 0.4
"""Share of content words (Jaccard) a unit outside the slot must have in common with a new unit
to be compared with it: below that they are about different things and cost no model time."""
VALUE_NEIGHBOURS = 3
"""Existing units shown first for a unit that states a new value ("has increased to 7"): those
stating a value it changes (``value_change``), closest first; for a denial ("I've never
submitted it"), those stating what it denies (``denials``). Both are found by full-text and
vector search and among the batch's units. A long statement can change one value, or state one
deed, while sharing little else with the newer one, so word overlap alone misses it."""
VALUE_SEARCH = 20
"""Full-text and vector hits read per such unit to pick those from."""


@dataclass(frozen=True)
class _Reader:
    """How the Judge reads changes: what to search for a unit's values and denials, and how to
    tell that one unit changes or denies another."""

    measure_words: Callable[[Unit], str]
    gives_values: Callable[[Unit], bool]
    change: Callable[[Unit, Unit], tuple[int, str] | None]
    denial_words: Callable[[Unit], str]
    denial: Callable[[Unit, Unit], str | None]
    prepare: Callable[[list[str], bool], object] = lambda texts, every: None
    """Reads texts ahead, together (the parser is faster on a batch than text by text)."""


PARSED = _Reader(
    changes.measure_words,
    changes.gives_values,
    changes.measure_change,
    changes.denial_words,
    changes.denial_of,
    read_all,
)
"""From the parse (``graphmem.rules``): any value of a measure, any denial of a deed."""
HAND = _Reader(
    values.new_value_words,
    values.states_values,
    values.value_change,
    denials.denied_words,
    denials.contradiction,
)
"""From the older hand rules (``heuristics``): values beside an update cue, "never" denials."""


def reader(switches: RulesConfig) -> _Reader:
    return PARSED if switches.parse else HAND


@dataclass
class Review:
    """A new unit, the Judge's verdict on it, and the existing unit the verdict is about."""

    unit: Unit
    verdict: Verdict
    existing: Unit | None = None


class Judge:
    def __init__(
        self,
        store: GraphStore,
        decisions: Decisions,
        switches: RulesConfig | None = None,
        replies: tuple[str, ...] = (),
    ) -> None:
        self.store = store
        self.decisions = decisions
        self.reader = reader(switches or RulesConfig())
        self.replies = {s.lower() for s in replies}
        """Speakers whose messages are an assistant's replies: they explain and give examples,
        and a value in them changes no value of the user's."""

    def review(self, namespace: str, units: list[Unit]) -> list[Review]:
        """One review per new unit that relates to an active unit, stored or earlier in the
        batch: one in the same slot (subject + predicate), or else one sharing at least two of
        its entities and ``MIN_OVERLAP`` of its words. A unit with neither needs no verdict (and
        no call)."""
        slots = sorted({(u.subject or "", u.predicate) for u in units if u.predicate})
        seen: dict[tuple[str, str], list[Unit]] = {}
        for unit in self.store.units_in_slots(namespace, slots):
            seen.setdefault(slot_key(unit), []).append(unit)
        known = {u.id: u for u in units} | {u.id: u for us in seen.values() for u in us}
        entity_ids = [e for u in units for e in _indexed(u)]
        neighbours = _Neighbours(
            self.store.recent_units_of_entities(namespace, entity_ids, PER_ENTITY)
        )
        read = self.reader
        read.prepare([u.text for u in units], False)
        measured = self._found(namespace, units, read.measure_words)
        denying = self._found(namespace, units, read.denial_words)
        known |= {u.id: u for found in (measured, denying) for us in found.values() for u in us}
        read.prepare([u.text for us in measured.values() for u in us], False)
        candidates: list[tuple[Unit, list[str]]] = []
        # Only a batch with new values needs the order things were said (one episode read).
        stated = [u for found in measured.values() for u in found]
        said, replied = self._said_order(namespace, units + stated) if measured else ({}, set())
        valued = [u for u in units if read.gives_values(u)] if measured else []
        for unit in sorted(units, key=_when):
            same = seen.setdefault(slot_key(unit), []) if unit.predicate else []
            ids = [u.id for u in same[-MAX_CANDIDATES:]] or neighbours.related(unit)
            if unit.id in measured and unit.id not in replied:  # the closest measures first
                earlier = [u for u in valued if said[u.id] < said[unit.id]]
                told = [u for u in measured[unit.id] + earlier if u.id not in replied]
                closest = _same_measure(unit, told, said, read.change)
                ids = list(dict.fromkeys(closest + ids))
            if unit.id in denying:  # what it denies having done, said before
                denied = _contradicted(unit, denying[unit.id] + units, read.denial)
                ids = list(dict.fromkeys(denied + ids))
            candidates.append((unit, ids))
            same.append(unit)
            neighbours.add(_sketch(unit))
        missing = {i for _, ids in candidates for i in ids} - set(known)
        known |= {u.id: u for u in self.store.get_units(namespace, list(missing))}
        comparisons = [
            Comparison(new=unit, existing=[known[i] for i in ids if i in known])
            for unit, ids in candidates
            if ids
        ]
        verdicts = self.decisions.compare(comparisons)
        reviews = []
        for comparison, verdict in zip(comparisons, verdicts, strict=True):
            by_id = {u.id: u for u in comparison.existing}
            existing = by_id.get(verdict.existing_id or "")
            if verdict.relation != "compatible" and existing is not None:
                reviews.append(Review(comparison.new, verdict, existing))
        return reviews

    def _said_order(self, namespace: str, units: list[Unit]) -> tuple[dict[str, tuple], set[str]]:
        """When each unit was said: its first episode's time and place in the log (a plan's
        valid time is the day it is for, so "done by May 15", said first, would sort after
        "done by May 13"); and the units said only in an assistant's replies."""
        episode_ids = list({e for u in units for e in u.episode_ids})
        episodes = self.store.get_episodes(namespace, episode_ids)
        said = {e.id: (e.occurred_at, e.seq or 0) for e in episodes}
        replies = {e.id for e in episodes if (e.speaker or "").lower() in self.replies}
        order = {
            u.id: min((said[e] for e in u.episode_ids if e in said), default=(u.recorded_at, 0))
            for u in units
        }
        return order, {u.id for u in units if set(u.episode_ids) <= replies}

    def _found(
        self, namespace: str, units: list[Unit], words: Callable[[Unit], str]
    ) -> dict[str, list[Unit]]:
        """For each unit with ``words`` to look for (what a new value measures, what a denial
        denies): the believed stored units (``BELIEVED``: a conflicted one is still held, and
        a later value can replace it) that full-text search finds for those words, or vector
        search for the unit."""
        found: dict[str, list[str]] = {}
        for unit in units:
            if query := words(unit):
                hits = self.store.text_search(namespace, "unit", query, VALUE_SEARCH)
                if unit.embedding is not None:
                    hits += self.store.vector_search(
                        namespace, "unit", unit.embedding, VALUE_SEARCH
                    )
                found[unit.id] = list(dict.fromkeys(i for i, _ in hits))
        wanted = {i for ids in found.values() for i in ids}
        stored = {u.id: u for u in self.store.get_units(namespace, sorted(wanted))}
        return {
            unit_id: [stored[i] for i in ids if i in stored and stored[i].status in BELIEVED]
            for unit_id, ids in found.items()
        }

    @staticmethod
    def conflicts(units: list[Unit]) -> list[tuple[Unit, Unit]]:
        """Pairs of believed units (active or conflicted) that cannot both hold: the same
        single-valued slot with different values."""
        believed = [u for u in units if u.status in BELIEVED and u.predicate]
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
    """Unit sketches indexed by entity (the ``PER_ENTITY`` latest per entity, so a hub costs no
    more than a rare name), to find the ones a new unit shares entities and words with."""

    def __init__(self, sketches: list[UnitSketch]) -> None:
        self.sketches: dict[str, UnitSketch] = {}
        self.words: dict[str, set[str]] = {}
        """Content words, computed for the sketches a new unit is actually scored against."""
        self.by_entity: dict[str, deque[str]] = {}
        for sketch in sketches:
            self.add(sketch)

    def add(self, sketch: UnitSketch) -> None:
        self.sketches[sketch.id] = sketch
        for entity_id in sketch.entity_ids:
            self.by_entity.setdefault(entity_id, deque(maxlen=PER_ENTITY)).append(sketch.id)

    def related(self, unit: Unit) -> list[str]:
        """Ids of up to ``NEIGHBOURS`` units sharing two or more of ``unit``'s entities and
        at least ``MIN_OVERLAP`` of its words, most similar first (ties by text: ids are random,
        and the choice must not depend on them)."""
        entities, words = {a.entity_id for a in unit.entities}, terms(unit.text)
        candidates = {o for e in _indexed(unit) for o in self.by_entity.get(e, ())} - {unit.id}
        scored = []
        for other in candidates:
            if len(entities & self.sketches[other].entity_ids) >= 2:
                if other not in self.words:
                    self.words[other] = terms(self.sketches[other].text)
                overlap = _jaccard(words, self.words[other])
                if overlap >= MIN_OVERLAP:
                    scored.append((overlap, other))
        scored.sort(key=lambda pair: (-pair[0], self.sketches[pair[1]].text))
        return [other for _, other in scored[:NEIGHBOURS]]


def _same_measure(
    unit: Unit,
    others: list[Unit],
    said: dict[str, tuple],
    change_of: Callable[[Unit, Unit], tuple[int, str] | None],
) -> list[str]:
    """Ids of up to ``VALUE_NEIGHBOURS`` of ``others`` stating a value ``unit`` changes, the
    closest measure first; among equally close ones the last said first, since an update
    replaces the value that held until it (ties after that in the order given)."""
    scored = [
        (-change[0], other.id)
        for other in others
        if other.id != unit.id and (change := change_of(unit, other))
    ]
    scored.sort(key=lambda pair: said[pair[1]], reverse=True)
    scored.sort(key=itemgetter(0))
    return [other_id for _, other_id in scored[:VALUE_NEIGHBOURS]]


def _contradicted(
    unit: Unit, others: list[Unit], denial: Callable[[Unit, Unit], str | None]
) -> list[str]:
    """Ids of up to ``VALUE_NEIGHBOURS`` of ``others`` stating what ``unit`` denies."""
    found = [o.id for o in others if o.id != unit.id and denial(unit, o)]
    return found[:VALUE_NEIGHBOURS]


def _sketch(unit: Unit) -> UnitSketch:
    return UnitSketch(unit.id, unit.text, frozenset(a.entity_id for a in unit.entities))


def _indexed(unit: Unit) -> set[str]:
    """The entities a unit is looked up by: all but its speaker, who is in everything said."""
    return {a.entity_id for a in unit.entities if a.role != "speaker"}


def _jaccard(a: set[str], b: set[str]) -> float:
    return len(a & b) / len(a | b) if a and b else 0.0
