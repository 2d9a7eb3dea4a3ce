"""Measured values in a statement, to tell when a newer statement changes an older one's value.

"My Zotero library has 45 sources" and, later, "I've added 52 sources to my Zotero library"
state two values of one measure: the same kind of value (a count of sources), about the same
things (the statements share several content words), and different. So do "a Zoom call with the
creative director on April 21 at 3 PM" and "moving the Zoom call with the creative director to
April 22 at 11 AM" for a scheduled time. Two runs ("I ran 5 km on Monday", "I ran 10 km on
Tuesday") are two events, not a change.
"""

from __future__ import annotations

import re
from bisect import bisect_left
from dataclasses import dataclass
from datetime import datetime
from functools import lru_cache
from itertools import pairwise

from ..models import Unit
from ..temporal import clock_times, find_times
from ..text import STOP_WORDS, canonical, stem

MIN_SHARED_WORDS = 3
"""Content words two statements must share to be about the same thing."""

_AMOUNT = re.compile(
    r"(?<![\w.,/:$€£-])(?P<currency>[$€£])?(?P<number>\d+(?:,\d{3})*(?:\.\d+)?)"
    r"(?P<unit>%|\s*(?:ms|km|kg|cm|mm|gb|mb|k)\b)?(?![\w.,/:-]*\d)(?![\w/-])",
    re.I,
)
_HEAD = re.compile(r"\s*([a-z][a-z'-]*)", re.I)
_WORD = re.compile(r"[a-z][a-z'-]+", re.I)
_DIGIT = re.compile(r"\d")
_NUMBER_TOKEN = re.compile(r"[$€£]?\d+(?:[.,:]\d+)*%?")
_LIST_GAP = re.compile(r"\s*(?:[a-z]{1,3}\b\s*)?(?:,|\band\b|\bor\b)\s*(?:and\s+)?", re.I)
_FIRST_PERSON = re.compile(r"\b(?:i|i'm|i've|i'd|my|mine|we|we're|we've|our)\b", re.I)
PRESENT_TENSE = re.compile(r"\b(?:is|are|am|has|have|now|currently)\b|'(?:re|m|ve)\b", re.I)
"""A statement of how things are, not of something that happened ("I ran 5 km")."""
_REFERENCE = datetime(2000, 1, 1)
"""Any reference will do: dates are compared by month and day."""
_DIFFERENCE = re.compile(r"\bby\s+$", re.I)
"""An amount after this is a difference, not a level ("improved by 20%")."""
_FORMER = re.compile(r"\bfrom\s+$", re.I)
"""A value after this is a former level ("from 70% to 90%"), not one the statement holds."""
_TO = re.compile(r"\s*to\s+", re.I)
_ROLES = (
    (
        "end",
        re.compile(r"\b(?:by|until|till|before|due(?:\s+(?:on|by))?|deadline(?:\s+is)?)\s+$", re.I),
    ),
    ("start", re.compile(r"\b(?:start\w*|since|begin\w*)(?:\s+on)?\s+$", re.I)),
    ("at", re.compile(r"\b(?:on|at)\s+$", re.I)),
)
"""What a date or clock time is the time of: an end ("by May 13"), a start ("starting April 6")
or the time something happens ("on May 5"); a value of one role never replaces one of another
("to April 22" replaces any)."""
_SPAN_BEFORE = re.compile(
    r"\b(?:over|within|in|for|during|every|each|after)\s+(?:the\s+)?(?:first\s+|last\s+|past\s+|"
    r"next\s+)?$",
    re.I,
)
_PERIODS = frozenset({"minut", "hour", "day", "week", "month", "year"})
_RATE = re.compile(r"\s*(?:per|a|an|each|every)\s+(minute|hour|day|week|month|year)\b", re.I)
_NOT_HEADS = STOP_WORDS | {"per", "percent", "times", "more", "less", "extra", "total"}
_CUE = re.compile(
    r"^(?:now|new|newly|increas\w*|improv\w*|reach\w*|updat\w*|chang\w*|mov(?:e|ed|ing)|"
    r"reschedul\w*|postpon\w*|push(?:ed)?|adjust\w*|extend\w*|total|add(?:ed|ing)?|gr[eo]wn?|"
    r"drop\w*|decreas\w*|rais\w*|lower\w*|currently|recently|instead|switch\w*|revis\w*)$"
)
"""Words that say a value is new: "has increased to 7", "rescheduled to 4:30 PM"."""
_LABEL = re.compile(
    r"(?:(?<![.!?]\s)(?<!^)\b(?-i:[A-Z])[\w-]*|\b(?:version|v|step|day|task|example|article|chapter|"
    r"page|part|phase|level|round|scene|sprint|session|week|module|lesson|item|number|no|"
    r"port|room|option|case|problem|question|exercise|line|row|column)\b)\s*[#:]?\s*$",
    re.I,
)
"""What makes a following number a label or a version ("Day 5", "Python 3.11"), not an
amount."""
MAX_VALUES = 5
"""A statement with more values is a digest or a worked example, not the statement of a measure."""
MAX_NUMBERS = 4 * MAX_VALUES
"""A text with more numbers is a table, a log or a worked example: it states no measure (and
reading it would cost time quadratic in its numbers)."""
MIN_CLOSENESS = 2
"""Context words two values must share to measure the same thing."""
WINDOW = 5
"""Content words on each side of a value that say what it measures."""


@dataclass(frozen=True)
class Value:
    """One value a statement states: its kind ("count", "percent", "money", "date", "time"),
    its normalised amount, the words right after an amount (what it counts: "52 sources"), and
    the content words around it (what it measures: "my Zotero library has 45 sources")."""

    kind: str
    amount: str
    heads: frozenset[str] = frozenset()
    context: frozenset[str] = frozenset()
    cued: bool = False
    """Whether an update cue stands among the words around it."""
    named: frozenset[str] = frozenset()
    """Words a statement must use to speak of the same measure: the first word after the
    amount and the period of a rate ("10 classification problems", "1,200 words per week")."""
    former: str = ""
    """The amount it replaced, when the statement says so ("from 70% to 90%": "70")."""
    role: str = ""
    """For a date or clock time: "end", "start", "at" or "" (see ``_ROLES``)."""

    def closeness(self, other: Value) -> int:
        """How many words say that two values measure the same thing: their common context
        words, if they are of the same kind, count the same thing and play the same role
        (else 0)."""
        heads = not self.heads or not other.heads or bool(self.heads & other.heads)
        roles = not self.role or not other.role or self.role == other.role
        same = self.kind == other.kind and heads and roles
        return len(self.context & other.context) if same else 0


@dataclass(frozen=True)
class _Span:
    """Where a value stands in a text (``kind`` empty: a time mention that is no value)."""

    start: int
    end: int
    kind: str = ""
    amount: str = ""
    heads: frozenset[str] = frozenset()
    named: frozenset[str] = frozenset()


def stated_values(text: str) -> list[Value]:
    """The amounts, dates and clock times ``text`` states in digits (none in a text of more than
    ``MAX_NUMBERS`` numbers); years, versions, labels, relative days ("tomorrow"), differences
    ("by 20%"), former levels ("from 70%": the next value's ``former``), spans ("over 2 weeks")
    and members of lists of numbers ("sides 7, 24 and 25": a worked example) aside."""
    if not _DIGIT.search(text) or len(_NUMBER_TOKEN.findall(text)) > MAX_NUMBERS:
        return []
    spans = _spans(text)
    words = [
        (m.start(), w)
        for m in _WORD.finditer(text)
        if stem(w := m.group(0).lower()) not in STOP_WORDS
        and not any(s.start <= m.start() < s.end for s in spans)
    ]
    values = []
    former: _Span | None = None
    for span in sorted(spans, key=lambda s: s.start):
        if not span.kind:
            continue
        if _FORMER.search(text, 0, span.start):
            former = span
            continue
        replaced = (
            former.amount
            if former and former.kind == span.kind and _TO.fullmatch(text, former.end, span.start)
            else ""
        )
        around = _around(words, span.start, span.end)
        values.append(
            Value(
                kind=span.kind,
                amount=span.amount,
                heads=span.heads,
                context=frozenset(map(stem, around)),
                cued=any(_CUE.match(w) for w in around),
                named=span.named,
                former=replaced,
                role=_role(text, span.start) if span.kind in ("date", "time") else "",
            )
        )
    return values


def _spans(text: str) -> list[_Span]:
    """Every date, clock time and amount in ``text`` that may be a value, and the time mentions
    that are none (their words say when, not what)."""
    spans: list[_Span] = []
    for t in find_times(text, _REFERENCE):
        if t.granularity == "day" and _DIGIT.search(t.text):
            spans.append(
                _Span(t.start, t.end, "date", t.when.strftime("%m-%d"), *_after(text, t.end))
            )
        else:
            spans.append(_Span(t.start, t.end))
    for start, end, clock in clock_times(text):
        spans.append(_Span(start, end, "time", clock))
    listed = _listed(text)
    for m in _AMOUNT.finditer(text):
        if (
            m.start() in listed
            or _LABEL.search(text, 0, m.start())
            or _DIFFERENCE.search(text, 0, m.start())
            or any(s.start <= m.start() < s.end for s in spans)
        ):
            continue
        number = m.group("number").replace(",", "")
        unit = (m.group("unit") or "").strip().lower()
        heads, named = _after(text, m.end())
        if unit not in ("", "%"):
            heads = named = frozenset({unit})
        if heads & _PERIODS and _SPAN_BEFORE.search(text, 0, m.start()):
            continue  # "over 2 weeks": when, not how much
        if m.group("currency"):
            kind, number = "money", m.group("currency") + number
        elif unit == "%":
            kind = "percent"
        elif len(number) == 4 and number.startswith(("19", "20")):
            continue  # a year
        else:
            kind = "count"
        spans.append(_Span(m.start(), m.end(), kind, number, heads, named))
    return spans


def new_value_words(unit: Unit) -> str:
    """The words around the values ``unit`` states with an update cue beside them ("has
    increased to 7"): what those values measure. Empty when it states no new value."""
    values = _statement(said_text(unit)).values
    return " ".join(sorted({w for v in values if v.cued for w in v.context}))


def states_values(unit: Unit) -> bool:
    """Whether ``unit`` states a value ``value_change`` could compare."""
    return bool(_statement(said_text(unit)).values)


def value_change(new: Unit, old: Unit) -> tuple[int, str] | None:
    """How closely ``new`` changes a value ``old`` states, and the change (``"45 -> 52"``):
    a value beside an update cue in ``new`` and a different one of the same kind in ``old``,
    counting the same thing (each statement uses the words that name the other's measure),
    among common words (the more, the closer). Both statements are the same subject's, in the
    first person, with at least ``MIN_SHARED_WORDS`` content words in common and at most
    ``MAX_VALUES`` values; a statement that tells a change from a former value ("from 70% to
    90%") changes only one that states or tells that value; dates and clock times change only
    between plans (a rescheduling); two occurrences (events, or statements in the past tense)
    on different days are two occurrences, whatever their amounts ("I ran 5 km", then "I ran
    10 km"). None when it changes nothing."""
    if not new.subject or canonical(new.subject) != canonical(old.subject or ""):
        return None
    new_said, old_said = _statement(said_text(new)), _statement(said_text(old))
    if not (new_said.first_person and old_said.first_person):
        return None
    if not 0 < len(new_said.values) <= MAX_VALUES or not 0 < len(old_said.values) <= MAX_VALUES:
        return None
    if len(new_said.words & old_said.words) < MIN_SHARED_WORDS:
        return None
    if _occurrence(new) and _occurrence(old) and new.valid_from != old.valid_from:
        return None
    formers = {(v.kind, v.former) for v in new_said.values if v.former}
    if formers and not formers & {
        (v.kind, a) for v in old_said.values for a in (v.amount, v.former)
    }:
        return None  # it tells a change from a value ``old`` neither states nor tells
    plans = new.kind == "plan" and old.kind == "plan"
    pairs = [
        (value.closeness(before), f"{before.amount} -> {value.amount}")
        for value in new_said.values
        if value.cued and (plans or value.kind not in ("date", "time"))
        for before in old_said.values
        if before.amount != value.amount
        and value.former in ("", before.amount)
        and value.named <= old_said.words
        and before.named <= new_said.words
    ]
    best = max(pairs, default=(0, ""))
    return best if best[0] >= MIN_CLOSENESS else None


@dataclass(frozen=True)
class _Statement:
    first_person: bool
    words: frozenset[str]
    values: tuple[Value, ...]


@lru_cache(maxsize=8192)
def _statement(text: str) -> _Statement:
    """What ``value_change`` reads in a text, read once per text (a batch compares each new
    value with every earlier statement)."""
    values = tuple(stated_values(text))
    if not values:
        return _Statement(False, frozenset(), ())
    return _Statement(bool(_FIRST_PERSON.search(text)), frozenset(content_words(text)), values)


def said_text(unit: Unit) -> str:
    """A unit's text without the speaker's name in front (``"Ann: I moved"``)."""
    prefix = f"{unit.subject}: "
    return unit.text[len(prefix) :] if unit.text.startswith(prefix) else unit.text


def _occurrence(unit: Unit) -> bool:
    return unit.kind == "event" or not PRESENT_TENSE.search(unit.text)


def content_words(text: str) -> set[str]:
    """Lower-cased words as stems (``stem``), stop words aside."""
    return {w for w in map(stem, _WORD.findall(text.lower())) if w not in STOP_WORDS}


def _after(text: str, end: int) -> tuple[frozenset[str], frozenset[str]]:
    """What an amount ending at ``end`` counts: the content words right after it, up to the
    next function word ("52 sources", "12 conditional probability problems"), and the words
    another statement must use to speak of it (``Value.named``)."""
    heads: list[str] = []
    for _ in range(3):
        m = _HEAD.match(text, end)
        if m is None or m.group(1).lower() in _NOT_HEADS:
            break
        heads.append(stem(m.group(1).lower()))
        end = m.end()
    named = set(heads[:1])
    if rate := _RATE.match(text, end):
        named.add(stem(rate.group(1).lower()))
    return frozenset(heads), frozenset(named)


def _role(text: str, start: int) -> str:
    """The role (``_ROLES``) of the date or clock time at ``start``, from the words before it."""
    return next((role for role, cue in _ROLES if cue.search(text, 0, start)), "")


def _around(words: list[tuple[int, str]], start: int, end: int) -> list[str]:
    """The ``WINDOW`` content words on each side of ``start:end`` (``words``: content words
    with their offsets, in order)."""
    first = bisect_left(words, (start, ""))
    after = bisect_left(words, (end, ""))
    return [w for _, w in words[max(0, first - WINDOW) : first]] + [
        w for _, w in words[after : after + WINDOW]
    ]


def _listed(text: str) -> set[int]:
    """Where the numbers listed together ("7 cm, 24 cm, 25 cm", "2, 4 and 6") start; versions
    ("5.3.0") are no list members."""
    numbers = [m for m in _NUMBER_TOKEN.finditer(text) if m.group(0).count(".") < 2]
    listed: set[int] = set()
    for a, b in pairwise(numbers):
        if _LIST_GAP.fullmatch(text, a.end(), b.start()):
            listed |= {a.start(), b.start()}
    return listed
