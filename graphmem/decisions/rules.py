"""Deterministic rules for the decisions an LLM would otherwise take (zero-LLM mode)."""

from __future__ import annotations

import re
from datetime import datetime

from ..config import RulesConfig
from ..heuristics.denials import contradiction
from ..heuristics.slots import single_valued
from ..heuristics.values import PRESENT_TENSE, value_change
from ..models import Episode, Hit, Unit
from ..rules.changes import denial_of, measure_change
from ..temporal import find_times
from ..text import STOP_WORDS, canonical, lemma, query_terms, sentences
from .base import NOT_IN_MEMORY, Assessment, Comparison, Reply, Route, Verdict

_VERBATIM = re.compile(
    r"\b(exact(?:ly)?|verbatim|word for word|quote|wording|what did \w+ (?:say|write|tell))\b|\"[^\"]+\"",
    re.I,
)
_ABSTRACT = re.compile(
    r"\b(summar(?:y|ise|ize)|overview|recap|in general|overall|main (?:topics?|themes?|points?)|"
    r"what (?:have|did) (?:we|they|you|i) (?:talk|discuss|chat)\w*)\b",
    re.I,
)
_TEMPORAL = re.compile(
    r"\b(when|as of|before|after|since|until|how long|what (?:year|month|day|date|time)|"
    r"which (?:year|month|day)|back in|at the time)\b",
    re.I,
)
_AS_OF = re.compile(r"\b(?:as of|back in|at the time of|during)\s+(.+?)(?:[,?.!]|$)", re.I)
MAX_CONFLICTING = 3
"""Conflicting statements a zero-LLM answer quotes beside its best one."""
_NAME = re.compile(r"(?<!^)(?<![.?!]\s)\b[A-Z][\w'-]+")


def route(query: str, now: datetime) -> Route:
    """Intent by cue words: verbatim, abstract, temporal (with an ``as of`` time), multi-hop
    (two or more names), otherwise factual."""
    if _VERBATIM.search(query):
        return Route(intent="verbatim", reason="asks for wording")
    if _ABSTRACT.search(query):
        return Route(intent="abstract", reason="asks for an overview")
    if _TEMPORAL.search(query) or find_times(query, now):
        as_of = None
        if m := _AS_OF.search(query):
            times = find_times(m.group(1), now, past=True)  # memory as it stood then
            as_of = times[0].when if times else None
        return Route(intent="temporal", as_of=as_of, reason="asks about time")
    names = {canonical(n) for n in _NAME.findall(query)} - {"i"}
    if len(names) >= 2:
        return Route(intent="multihop", reason="links several named entities")
    return Route(intent="factual", reason="default")


def terms(text: str) -> set[str]:
    """Content words (``query_terms``) in their dictionary forms (``lemma``)."""
    return {lemma(w) for w in query_terms(text)}


def assess(query: str, hits: list[Hit]) -> Assessment:
    """Relevant: hits sharing a content word with the query. Sufficient: the relevant hits cover
    every name in the query and at least half its content words. Otherwise a rewrite that keeps
    the words no hit covered."""
    wanted = terms(query)
    names = {canonical(n) for n in _NAME.findall(query)}
    relevant = [h for h in hits if wanted & terms(h.text)]
    covered = set().union(*(terms(h.text) for h in relevant)) if relevant else set()
    text = " ".join(canonical(h.text) for h in relevant)
    missing_names = {n for n in names if n and n not in text}
    coverage = len(wanted & covered) / len(wanted) if wanted else 0.0
    sufficient = bool(relevant) and not missing_names and coverage >= 0.5
    missing = sorted(wanted - covered)
    rewrite = (
        " ".join(missing) if not sufficient and missing and missing != sorted(wanted) else None
    )
    return Assessment(
        relevant=[h.id for h in relevant],
        sufficient=sufficient,
        rewrite=rewrite,
        reason=f"coverage {coverage:.2f}, missing names {sorted(missing_names)}",
    )


def answer(query: str, hits: list[Hit], assessment: Assessment) -> Reply:
    """Extractive: the best relevant hit, cited with the episodes it comes from. When it is
    conflicted, the other relevant conflicted statements are quoted and cited beside it."""
    if not assessment.sufficient or not assessment.relevant:
        return Reply(text=NOT_IN_MEMORY, sufficient=False)
    by_id = {h.id: h for h in hits}
    best = by_id[assessment.relevant[0]]
    quoted = [best]
    if best.status == "conflicted":
        quoted += [
            h
            for i in assessment.relevant[1:]
            if (h := by_id.get(i)) is not None and h.status == "conflicted"
        ][:MAX_CONFLICTING]
    citations = list(dict.fromkeys(i for h in quoted for i in (h.id, *h.episode_ids)))
    if len(quoted) == 1:
        return Reply(text=best.text, citations=citations, sufficient=True)
    text = "Memory holds conflicting statements: " + " | ".join(h.text for h in quoted)
    return Reply(text=text, citations=citations, sufficient=True)


def compare(comparison: Comparison, switches: RulesConfig | None = None) -> Verdict:
    """Slot rules: same subject and predicate with the same object is a duplicate; a different
    object of a single-valued predicate is an update when the times differ, a contradiction
    when they do not. Outside a slot: the same statement (identical, or the same words and
    values) is a duplicate, a statement that changes a value the older one stated is an update.
    A denial of what the same speaker said they did is a contradiction (``denials``).
    Anything else is compatible. ``switches`` turns the denial and value rules off."""
    switches = switches or RulesConfig()
    new = comparison.new
    for old in comparison.existing:
        if canonical(old.text) == canonical(new.text):
            return Verdict(relation="duplicate", existing_id=old.id, reason="same statement")
        if switches.denials and (verdict := _denial(new, old, switches.parse)):
            return verdict
        if not (new.predicate and same_slot(new, old)):
            if verdict := _reworded(new, old, switches):
                return verdict
            continue
        if canonical(old.object or "") == canonical(new.object or ""):
            return Verdict(
                relation="duplicate", existing_id=old.id, reason=f"{new.predicate}: same value"
            )
        if not single_valued(new.predicate):
            continue
        change = f"{new.predicate}: {old.object} -> {new.object}"
        if (
            old.valid_from is not None
            and new.valid_from is not None
            and old.valid_from == new.valid_from
        ):
            return Verdict(relation="contradiction", existing_id=old.id, reason=change)
        return Verdict(relation="update", existing_id=old.id, reason=change)
    return Verdict(relation="compatible")


def denied(comparison: Comparison, parse: bool = True) -> Verdict | None:
    """The contradiction of a new unit that denies what an existing one says the same speaker
    did, or None."""
    for old in comparison.existing:
        if verdict := _denial(comparison.new, old, parse):
            return verdict
    return None


def _denial(new: Unit, old: Unit, parse: bool) -> Verdict | None:
    """``new`` contradicting ``old`` by denying a deed ``old`` states (read from the parse, or
    by the hand rules of ``heuristics.denials``), or None."""
    reason = denial_of(new, old) if parse else contradiction(new, old)
    return Verdict(relation="contradiction", existing_id=old.id, reason=reason) if reason else None


def _reworded(new: Unit, old: Unit, switches: RulesConfig) -> Verdict | None:
    """Duplicate when two units say the same words and numbers in the same order (case,
    plurals and stop words aside); update when two facts in the present tense differ only in
    their numbers ("the library has 45 sources", then "the library has 52 sources"; not "I ran
    5 km", then "I ran 10 km", which are two runs), or when the newer states a new value of a
    measure the older states ("I've added 52 sources to my library": ``measure_change``, or
    ``value_change`` without the parse)."""
    new_words, old_words = _words(new.text), _words(old.text)
    if new_words == old_words:
        return Verdict(relation="duplicate", existing_id=old.id, reason="same statement, reworded")
    if not switches.value_changes:
        return None
    if switches.parse:
        change = (measure_change(new, old) or (0, ""))[1]
    else:
        changed = (value_change(new, old) or (0, ""))[1]
        change = changed or _numbers_changed(new, old, new_words, old_words)
    if change:
        return Verdict(relation="update", existing_id=old.id, reason=f"value changed: {change}")
    return None


def _numbers_changed(new: Unit, old: Unit, new_words: list[str], old_words: list[str]) -> str:
    """Two facts in the present tense that differ only in their numbers (``new_words`` and
    ``old_words``: their ``_words``; the hand rule the parse's measures replace): the changes,
    else empty."""
    facts = [u for u in (new, old) if u.kind == "fact" and PRESENT_TENSE.search(u.text)]
    if len(facts) < 2 or len(new_words) != len(old_words):
        return ""
    changed = [(a, b) for a, b in zip(old_words, new_words, strict=True) if a != b]
    if not all(a[0].isdigit() and b[0].isdigit() for a, b in changed):
        return ""
    return ", ".join(f"{a} -> {b}" for a, b in changed)


def _words(text: str) -> list[str]:
    """Content words in order, in their dictionary forms (``lemma``); numbers kept whole ("1,200")."""
    return [
        w if w[0].isdigit() else lemma(w)
        for w in re.findall(r"\d+(?:[,.:]\d+)*\w*|\w+", text.lower())
        if w not in STOP_WORDS
    ]


def slot_key(unit: Unit) -> tuple[str, str]:
    """(subject, predicate) as the Judge compares them."""
    return canonical(unit.subject or ""), unit.predicate or ""


def same_slot(a: Unit, b: Unit) -> bool:
    return a.predicate is not None and slot_key(a) == slot_key(b)


def summarize(previous: str | None, episodes: list[Episode], max_chars: int = 1500) -> str:
    """An extractive session digest: the previous one, then the first informative sentence of
    each new turn, up to ``max_chars``."""
    points = []
    for ep in episodes:
        first = next((s for s in sentences(ep.content) if len(s.split()) >= 5), None)
        if first:
            points.append(f"{ep.speaker}: {first}" if ep.speaker else first)
    text = " ".join(filter(None, [previous, *points]))
    return text[:max_chars].rsplit(" ", 1)[0] if len(text) > max_chars else text
