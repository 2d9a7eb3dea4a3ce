"""Slots: (subject, predicate, object) read from a clause by rules, for the zero-LLM Judge.

A single-valued predicate holds one object per subject at a time ("lives_in"), so a newer value
supersedes an older one; a multi-valued one ("likes") only ever duplicates an identical value.
A clause's verb is read in any tense ("I've lived in", "we're moving to", "Ann had been working
for") and matched by its dictionary form (``lemma``): the frames below name verbs, not forms.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass

from ..text import canonical, lemma

USER = "user"
"""The subject of first-person statements that have no speaker."""

SINGLE_VALUED = frozenset(
    {"lives_in", "works_at", "job", "name", "age", "married_to", "dating", "favorite", "owns_car"}
)

_FRAMES: dict[tuple[str, str], str] = {
    **{(verb, "in"): "lives_in" for verb in ("live", "reside", "base", "settle")},
    **{(verb, "to"): "lives_in" for verb in ("move", "relocate")},
    **{("work", prep): "works_at" for prep in ("at", "for")},
    **{(job, prep): "works_at" for job in ("job", "position") for prep in ("at", "with")},
    ("marry", "to"): "married_to",
}
"""(verb or noun lemma, preposition) -> the predicate a clause with them states."""
_STATES = frozenset({"live", "reside"})
"""Verbs of a state that a simple past ends ("I lived in Rome": no longer), unlike a move."""
_PERFECT = re.compile(r"'ve|\bha(?:ve|s)\b", re.I)
_JOINS = frozenset({"join"})
_LIKES = frozenset({"like", "love", "enjoy"})
_NEEDS_NAME = frozenset({"works_at"})
"""Predicates whose object must be a name ("I work at Acme", not "I work at home")."""

_SUBJECT = (
    r"(?P<subject>\b(?i:I|we)\b|\b(?!(?-i:He|She|It|They|You|This|That|There)\b)"
    r"(?-i:[A-Z][a-z][\w-]*(?: [A-Z][a-z][\w-]*)?))"
)
"""A first-person pronoun or a capitalised name (not another pronoun): case-sensitive, so
"have" is no subject."""
_AUXILIARY = (
    r"(?P<auxiliary>(?:\s*'(?:m|re|s|ve|d)\b|\s+(?:am|are|is|was|were|have|has|had|will|would"
    r"|be|been|being|now|still|currently|recently|just|finally|also|actually|got|get|getting"
    r"|started|start|starting|began|took|take|found|landed|a|an|new))*)"
)
"""What may stand between a subject and its verb: auxiliaries, adverbs, light verbs ("got
married", "started working", "took a new job")."""
_OBJECT = r"(?P<object>[^,.;!?]+?)"
_END = r"(?=\s+(?:and|but|because|since|so|with|for|last|this|next|now|again|too|permanently|in \d{4}|in (?:jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec)\w*|on|after|before|when|a few|about|\d)\b|[,.;!?]|$)"
_FRAME = re.compile(
    rf"{_SUBJECT}{_AUXILIARY}\s+(?P<verb>[a-z]+)\s+(?:back\s+)?(?P<prep>in|to|at|for|with)\s+"
    rf"(?:the\s+)?{_OBJECT}{_END}",
    re.I,
)
_JOIN = re.compile(
    rf"{_SUBJECT}{_AUXILIARY}\s+(?P<verb>[a-z]+)\s+(?:the\s+)?(?=(?-i:[A-Z])){_OBJECT}{_END}",
    re.I,
)
_LIKE = re.compile(rf"{_SUBJECT}{_AUXILIARY}\s+(?P<verb>[a-z]+)\s+{_OBJECT}{_END}", re.I)
_NAME_IS = re.compile(rf"\b(?P<subject>my) name is {_OBJECT}{_END}", re.I)
_AGE = re.compile(rf"{_SUBJECT}(?:'m| am| is| are)\s+(?P<object>\d{{1,3}}) years? old", re.I)
_FAVORITE = re.compile(
    rf"\b(?P<subject>my|[A-Z][\w'-]+'s) fav(?:ou?rite)? (?P<what>\w+) is(?: now)? {_OBJECT}{_END}",
    re.I,
)
_FIRST_PERSON = frozenset({"i", "we", "my"})


@dataclass(frozen=True)
class Slot:
    subject: str
    predicate: str
    object: str


def find_slot(clause: str, speaker: str | None) -> Slot | None:
    """The first (subject, predicate, object) the rules read in ``clause``, if any."""
    readings = (_slot(m, predicate, speaker) for m, predicate in _readings(clause) if predicate)
    return next((slot for slot in readings if slot), None)


def _readings(clause: str) -> Iterator[tuple[re.Match[str], str | None]]:
    """Each rule's matches in ``clause`` (rule by rule) with the predicate each states, if any."""
    for m in _FRAME.finditer(clause):
        verb = lemma(m.group("verb"))
        yield m, None if _ended(verb, m) else _FRAMES.get((verb, m.group("prep").lower()))
    for m in _JOIN.finditer(clause):
        yield m, "works_at" if lemma(m.group("verb")) in _JOINS else None
    for m in _NAME_IS.finditer(clause):
        yield m, "name"
    for m in _AGE.finditer(clause):
        yield m, "age"
    for m in _FAVORITE.finditer(clause):
        yield m, f"favorite_{m.group('what').lower()}"
    for m in _LIKE.finditer(clause):
        yield m, "likes" if lemma(m.group("verb")) in _LIKES else None


def _ended(verb: str, m: re.Match[str]) -> bool:
    """Whether a state verb is in a past that ended ("I lived in", "I had lived in"; not "I've
    lived in")."""
    said = m.group("verb").lower()
    return verb in _STATES and said.endswith("ed") and not _PERFECT.search(m.group("auxiliary"))


def _slot(m: re.Match[str], predicate: str, speaker: str | None) -> Slot | None:
    """The slot a match states, or None when its object is empty (or no name where one is
    needed)."""
    obj = " ".join(m.group("object").split()[:5]).strip(" '\"")
    obj = re.sub(r"^(?:the|a|an|my|our)\s+", "", obj, flags=re.I)
    if not canonical(obj) or (predicate in _NEEDS_NAME and not obj[0].isupper()):
        return None
    if predicate == "likes" and obj.lower().startswith("to "):
        return None  # "I'd like to ask": a wish, not a liking
    subject = m.group("subject")
    if subject.lower() in _FIRST_PERSON:
        subject = speaker or USER
    return Slot(re.sub(r"'s$", "", subject), predicate, obj)


def single_valued(predicate: str) -> bool:
    """Whether a new value of ``predicate`` replaces the old one (rather than adding to it)."""
    return predicate in SINGLE_VALUED or predicate.startswith("favorite_")
