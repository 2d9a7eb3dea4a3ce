"""Measures: which noun phrase a number, amount, percentage, date or clock time measures, read
from a dependency parse rather than from the words around it.

In "my 300-euro monthly limit" and "any ideas for using the raised limit of 350?" two values
(300, 350) measure one thing, a limit; in "the platform takes 10% on orders" and "what does the
8% fee on orders do", two percentages are of the same orders. The number's place in the parse
says what it measures: the noun it modifies ("8 cards"), the noun an "of" links it to ("a
deadline of April 5"), or the subject of the verb it completes ("the response time, which has
improved to 250ms").
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
from datetime import datetime
from typing import TYPE_CHECKING

from ..temporal import MONTHS, WEEKDAYS, clock_times, find_times

if TYPE_CHECKING:
    from spacy.tokens import Doc, Span, Token

_NOUNS = ("NOUN", "PROPN")
_CALENDAR = frozenset(MONTHS) | frozenset(WEEKDAYS)
_REFERENCE = datetime(2000, 1, 1)
"""Any reference will do: dates are compared by month and day."""
_NUMBER = re.compile(r"^[$€£]?(\d+(?:,\d{3})*(?:\.\d+)?)([a-z%]*)$", re.I)
_WORD_NUMBERS = {
    w: str(i)
    for i, w in enumerate(
        "zero one two three four five six seven eight nine ten eleven twelve thirteen fourteen "
        "fifteen sixteen seventeen eighteen nineteen twenty".split()
    )
}
_CURRENCIES = {"$": "dollar", "€": "euro", "£": "pound"}
_PERIODS = {
    "daily": "day",
    "weekly": "week",
    "monthly": "month",
    "yearly": "year",
    "annual": "year",
    "hourly": "hour",
}
_PERIOD_NOUNS = frozenset({"second", "minute", "hour", "day", "week", "month", "year"})
_GENERIC = frozenset(
    "total number amount count lot couple bunch dozen hundred thousand million percent % "
    "value level figure".split()
)
"""Nouns that say how much, not of what ("a total of 10 cards": cards)."""
_PERSONAL = frozenset({"i", "we", "you", "he", "she", "it", "they", "this", "that", "which"})
_RELATIVE = frozenset({"which", "that", "who"})
MAX_NUMBERS = 20
"""A text with more numbers is a table, a log or a worked example: it states no measure."""


@dataclass(frozen=True)
class Measure:
    """One value a statement gives something: its kind (``count``, ``percent``, ``money``,
    ``quantity``, ``date``, ``time``), its normalised amount and unit, the nouns that name what
    it measures (lemmas), those nouns' modifiers, the period of a rate ("per day", "monthly"),
    whether a verb in the past tense governs it, and whether it is the amount of a deed (both
    say an occurrence: "I ran 5 km")."""

    kind: str
    amount: str
    unit: str = ""
    nouns: frozenset[str] = frozenset()
    modifiers: frozenset[str] = frozenset()
    period: str = ""
    past: bool = False
    scope: frozenset[str] = frozenset()
    """The nouns of the phrases that narrow what is measured ("problems on triangles")."""
    done: bool = False
    """It says how much was done, as the object of a verb other than "be" or "have" ("I
    solved 5 problems", "I ran 5 km"), not the level of something ("my library has 45
    sources", "a limit of 350")."""

    def same_measure(self, other: Measure) -> bool:
        """Whether two values measure the same thing: a noun in common (``_GENERIC`` aside),
        modifiers and phrases that do not name two different things ("response time" and
        "page load time" do, so do "problems on triangles" and "problems on medians"), the
        same period, and the same kind of value (a bare count may omit the unit
        of a quantity or an amount of money)."""
        if not self.nouns & other.nouns:
            return False
        if self.modifiers and other.modifiers and not self.modifiers & other.modifiers:
            return False
        if self.period != other.period and (
            (self.period and other.period) or self.nouns <= _PERIOD_NOUNS
        ):
            return False  # "3 days a week" is a rate, "it's been 30 days" a duration
        if self.scope and other.scope and not self.scope & other.scope:
            return False
        return _kinds_agree(self, other)


def _kinds_agree(a: Measure, b: Measure) -> bool:
    units = a.unit == b.unit or not a.unit or not b.unit
    if a.kind == b.kind:
        return units
    amounts = {"count", "money", "quantity"}  # a count may omit its unit, a quantity be money
    return a.kind in amounts and b.kind in amounts and units


def measures(doc: Doc) -> list[Measure]:
    """The values ``doc`` gives to things, with what each measures; a value whose measure the
    parse cannot name takes that of another value of its kind in the same sentence ("I aimed
    at 100% test coverage and reached 65%"). Labels ("sprint 2", "Python 3.11"), versions,
    years, differences ("by 20%"), former levels ("from 70%") and texts of more than
    ``MAX_NUMBERS`` numbers give none."""
    if sum(t.like_num for t in doc) > MAX_NUMBERS:
        return []
    found: list[Measure] = []
    taken: set[int] = set()
    for span, kind, amount in _times(doc):
        taken.update(t.i for t in span)
        if kind and not _naming(span) and (value := _measure(span.root, kind, amount, "")):
            found.append(value)
    for token in doc:
        if token.i in taken or (value := _amount(token)) is None:
            continue
        found.append(value)
    named = {m.kind: m for m in found if m.nouns}
    out = []
    for value in found:
        if not value.nouns and value.kind in named:
            shared = named[value.kind]
            value = replace(
                value,
                nouns=shared.nouns,
                modifiers=shared.modifiers,
                period=value.period or shared.period,
                scope=value.scope or shared.scope,
            )
        if value.nouns:
            out.append(value)
    return out


def _times(doc: Doc) -> list[tuple[Span, str, str]]:
    """The dates and clock times ``doc`` names (by the time grammar of ``graphmem.temporal``),
    as token spans with their kind and value ("date", "04-05"; "time", "16:30"); a month, a
    year or a relative day is when, not a value (kind "")."""
    found = []
    for t in find_times(doc.text, _REFERENCE):
        day = t.granularity == "day" and any(c.isdigit() for c in t.text)
        span = doc.char_span(t.start, t.end, alignment_mode="expand")
        if span is not None:
            found.append((span, "date" if day else "", t.when.strftime("%m-%d")))
    for start, end, clock in clock_times(doc.text):
        span = doc.char_span(start, end, alignment_mode="expand")
        if span is not None:
            found.append((span, "time", clock))
    return found


def _amount(token: Token) -> Measure | None:
    """The value a number token states, or None for a label, a version, a year, a member of
    a list of numbers (a worked example: "sides of 7, 24 and 25 cm"), a difference ("by 20%",
    "5 more problems") or a former level ("from 70%")."""
    m = _NUMBER.match(token.text)
    if m:
        number, suffix = m.group(1).replace(",", ""), m.group(2).lower()
    elif token.lower_ in _WORD_NUMBERS and token.pos_ == "NUM":
        number, suffix = _WORD_NUMBERS[token.lower_], ""
    else:
        return None
    if token.text.count(".") > 1 or _label(token) or _listed(token) or _relative(token):
        return None
    if _span_of_time(token):
        return None
    if len(number) == 4 and number.startswith(("19", "20")) and not suffix:
        return None  # a year
    before = token.nbor(-1) if token.i > 0 else None
    if before is not None and before.lower_ in ("by", "from"):
        return None  # a difference, or the level it changed from
    after = token.nbor(1) if token.i + 1 < len(token.doc) else None
    number = number.rstrip("0").rstrip(".") if "." in number else number
    if suffix == "%" or (after is not None and after.lower_ in ("%", "percent")):
        return _measure(_unit_head(token, after), "percent", number, "%")
    currency = _CURRENCIES.get(token.text[0]) or (
        _CURRENCIES.get(before.text) if before is not None else None
    )
    if currency:
        return _measure(token, "money", number, currency)
    if suffix:
        return _measure(token, "quantity", number, suffix)
    unit = token.head
    if token.dep_ == "nummod" and unit.pos_ == "NOUN" and unit.i > token.i:
        if unit.dep_ in ("compound", "nmod", "amod") and unit.head.pos_ in _NOUNS:
            return _measure(unit, "quantity", number, _lemma(unit))  # "a 300-euro limit"
        if unit.dep_ == "attr" and _subject(unit.head) is not None:
            return _measure(unit, "quantity", number, _lemma(unit))  # "the limit is 350 euros"
    return _measure(token, "count", number, "")


def _naming(span: Span) -> bool:
    """Whether a date names which thing it is ("the June 20 meeting"), not a value of it."""
    return span.root.dep_ in ("compound", "nmod", "amod") and span.root.head.pos_ in _NOUNS


def _span_of_time(token: Token) -> bool:
    """Whether a count of days, weeks or months says over how long ("within 3 months", "for
    the next 60 days"): when, not how much."""
    counted = token.head if token.dep_ == "nummod" else token
    return _lemma(counted) in _PERIOD_NOUNS and counted.dep_ == "pobj"


def _listed(token: Token) -> bool:
    """Whether the number is coordinated with another number ("7, 24 and 25", "15 m, 20 m
    and 25 m")."""
    value = token.head if token.dep_ == "nummod" else token
    linked = [value.head] if value.dep_ in ("conj", "appos") else []
    linked += [c for c in value.children if c.dep_ in ("conj", "appos")]
    return any(_numeric(t) for t in linked)


def _numeric(token: Token) -> bool:
    """A number, or a noun counted by one ("20 m")."""
    return token.like_num or any(c.dep_ == "nummod" for c in token.children)


def _relative(token: Token) -> bool:
    """Whether the number is a difference told by a comparative ("5 more problems", "two
    fewer meetings"): how much it changed, not the level."""
    words = [*token.children, *token.head.children] if token.dep_ == "nummod" else token.children
    return any(w.tag_ in ("JJR", "RBR") for w in words)


def _unit_head(token: Token, after: Token | None) -> Token:
    """The token that stands for a value in the parse: its "%" when it has one."""
    return after if after is not None and token.head == after else token


def _label(token: Token) -> bool:
    """A number after the noun it belongs to names that thing ("sprint 2", "Python 3.11",
    "room 204"), it does not measure it."""
    head = token.head
    return (
        head.i < token.i and head.pos_ in _NOUNS and token.dep_ in ("nummod", "appos", "npadvmod")
    )


def _measure(anchor: Token, kind: str, amount: str, unit: str) -> Measure | None:
    """The value at ``anchor`` with what it measures; None under a modal."""
    if _hypothetical(anchor):
        return None
    head = _measured(anchor)
    nouns: set[str] = set()
    modifiers: frozenset[str] = frozenset()
    period = _period(anchor)
    if head is not None:
        nouns.add(_lemma(head))
        modifiers = _modifiers(head, anchor)
        period = period or _period(head)
        if (outer := _of_parent(head)) is not None:
            nouns.add(_lemma(outer))
            modifiers = modifiers | _modifiers(outer, anchor)
            period = period or _period(outer)
    nouns -= _GENERIC | {unit}
    scope = _scope(head, anchor) if head is not None else frozenset()
    return Measure(
        kind=kind,
        amount=amount,
        unit=unit,
        nouns=frozenset(nouns),
        modifiers=modifiers,
        period=period,
        past=_past(anchor),
        scope=scope - nouns,
        done=_done(anchor),
    )


def _measured(anchor: Token) -> Token | None:
    """The noun ``anchor`` (a value) measures, from its place in the parse."""
    head = anchor.head
    if anchor.dep_ in ("nummod", "compound", "nmod", "amod", "quantmod") and head.pos_ in _NOUNS:
        return head if head.i != anchor.i else None
    if anchor.dep_ == "pobj" and head.dep_ in ("prep", "agent"):
        governor = head.head
        if governor.pos_ in _NOUNS and governor.i != head.i:
            return governor
        return _subject(governor) or _object(governor)
    if anchor.dep_ in ("dobj", "attr", "oprd", "acomp", "npadvmod", "appos", "conj", "nsubj"):
        if anchor.dep_ == "appos" and head.pos_ in _NOUNS:
            return head
        return _subject(head) if head.pos_ in ("VERB", "AUX") else None
    return None


def _subject(verb: Token) -> Token | None:
    """What a verb says something of: its subject, the noun a relative clause ("which has
    improved") belongs to, or, when the subject is a person ("I've reached"), nothing."""
    for child in verb.children:
        if child.dep_ in ("nsubj", "nsubjpass"):
            if child.lower_ in _RELATIVE and verb.dep_ == "relcl" and verb.head.pos_ in _NOUNS:
                return verb.head
            if child.pos_ in _NOUNS and child.lower_ not in _PERSONAL:
                return child
            return None
    if verb.dep_ in ("relcl", "acl") and verb.head.pos_ in _NOUNS:
        return verb.head
    return None


def _scope(noun: Token, anchor: Token) -> frozenset[str]:
    """The nouns of the prepositional phrases on ``noun`` and on the verb it belongs to,
    times and values aside ("5 problems on triangles", "solved 5 problems on triangles")."""
    owners = [noun, noun.head] if noun.head.pos_ in ("VERB", "AUX") else [noun]
    return frozenset(
        _lemma(g)
        for owner in owners
        for c in owner.children
        if c.dep_ == "prep" and c.i != anchor.i
        for g in c.children
        if g.dep_ == "pobj" and g.pos_ in _NOUNS and g.i != anchor.i and not _when(g)
    )


def _when(token: Token) -> bool:
    """A number, a day or a month: when or how much, not what."""
    return token.like_num or token.lower_ in _CALENDAR


def _object(verb: Token) -> Token | None:
    """What a verb moves to the value a preposition gives ("moved the call to 4 PM")."""
    return next((c for c in verb.children if c.dep_ == "dobj" and c.pos_ in _NOUNS), None)


def _done(anchor: Token) -> bool:
    """Whether the value at ``anchor`` is the object of a deed ("solved 5 problems")."""
    token = anchor.head if anchor.dep_ in ("nummod", "compound", "quantmod") else anchor
    verb = token.head
    return (
        token.dep_ in ("dobj", "npadvmod")
        and verb.pos_ == "VERB"
        and verb.lemma_.lower() not in ("be", "have")
    )


def _of_parent(noun: Token) -> Token | None:
    """The noun an "of", "for" or "on" phrase attaches ``noun`` to ("the growth of commits",
    "coverage for my module")."""
    prep = noun.head
    if (
        noun.dep_ == "pobj"
        and prep.lower_ in ("of", "for", "on", "in")
        and prep.head.pos_ in _NOUNS
    ):
        return prep.head
    return None


def _modifiers(noun: Token, anchor: Token) -> frozenset[str]:
    """The nouns and names that narrow ``noun`` ("response" in "API response time")."""
    return frozenset(
        _lemma(c)
        for c in noun.children
        if c.dep_ in ("compound", "nmod") and c.pos_ in _NOUNS and c.i != anchor.i and c.is_alpha
    )


def _period(token: Token) -> str:
    """The period of a rate: "daily", "per day", "a month"."""
    for child in token.children:
        if child.lower_ in _PERIODS:
            return _PERIODS[child.lower_]
        if child.dep_ == "prep" and child.lower_ in ("per", "a", "an", "each", "every"):
            objects = [g for g in child.children if g.dep_ == "pobj"]
            if objects and _lemma(objects[0]) in _PERIOD_NOUNS:
                return _lemma(objects[0])
        if child.dep_ == "npadvmod" and _lemma(child) in _PERIOD_NOUNS:
            return _lemma(child)
    return ""


def _hypothetical(anchor: Token) -> bool:
    """Whether ``anchor`` is said under a modal ("I'd need to solve 5 problems", "it should
    take 3 weeks"): what would be, not what is. A value in the subject ("the limit of 350
    won't last") is said to be, whatever the verb."""
    token = anchor
    for _ in range(6):
        if token.head.i == token.i:
            return False
        if token.dep_ in ("nsubj", "nsubjpass", "csubj"):
            return False
        token = token.head
        if token.pos_ in ("VERB", "AUX"):
            verbs = [token, token.head] if token.dep_ == "xcomp" else [token]
            return any(c.tag_ == "MD" for v in verbs for c in v.children)
    return False


def _past(anchor: Token) -> bool:
    """Whether the verb governing ``anchor`` is in the simple past ("I ran", not "I've run")."""
    token = anchor
    for _ in range(4):
        if token.pos_ in ("VERB", "AUX") and token.dep_ != "aux":
            return token.tag_ == "VBD"
        if token.head.i == token.i:
            return False
        token = token.head
    return False


def _lemma(token: Token) -> str:
    return token.lemma_.lower()
