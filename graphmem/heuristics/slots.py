"""Slots: (subject, predicate, object) read from a clause by rules, for the zero-LLM Judge.

A single-valued predicate holds one object per subject at a time ("lives_in"), so a newer value
supersedes an older one; a multi-valued one ("likes") only ever duplicates an identical value.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from ..text import canonical

USER = "user"
"""The subject of first-person statements that have no speaker."""

SINGLE_VALUED = frozenset(
    {"lives_in", "works_at", "job", "name", "age", "married_to", "dating", "favorite", "owns_car"}
)

_SUBJECT = r"(?P<subject>I|we|[A-Z][\w'-]+(?: [A-Z][\w'-]+)?)"
_ADVERB = r"(?:(?:now|still|currently|recently|just|finally|also|actually)\s+)?"
_OBJECT = r"(?P<object>[^,.;!?]+?)"
_END = r"(?=\s+(?:and|but|because|since|so|with|for|last|this|next|now|again|too|permanently|in \d{4}|in (?:jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec)\w*|on|after|before|when|a few|about|\d)\b|[,.;!?]|$)"
_RULES: list[tuple[str, re.Pattern[str]]] = [
    (
        "lives_in",
        re.compile(
            rf"\b{_SUBJECT}(?:'m| am| are| is|'re)?\s+{_ADVERB}(?:live|lives|living|reside|resides|"
            rf"residing|based|moved|move|moving|relocated|relocating)\s+(?:back\s+)?(?:in|to)\s+"
            rf"{_OBJECT}{_END}",
            re.I,
        ),
    ),
    (
        "works_at",
        re.compile(
            rf"\b{_SUBJECT}(?:'m| am| are| is|'re)?\s+{_ADVERB}(?:(?:work|works|working|worked|"
            rf"started working|got a job|took a job)\s+(?:at|for)|joined)\s+(?:the\s+)?"
            rf"(?=(?-i:[A-Z])){_OBJECT}{_END}",
            re.I,
        ),
    ),
    ("name", re.compile(rf"\b(?P<subject>my) name is {_OBJECT}{_END}", re.I)),
    (
        "age",
        re.compile(rf"\b{_SUBJECT}(?:'m| am| is| are)\s+(?P<object>\d{{1,3}}) years? old", re.I),
    ),
    (
        "married_to",
        re.compile(rf"\b{_SUBJECT}(?:'m| am| is| are| got)\s+married to {_OBJECT}{_END}", re.I),
    ),
    (
        "favorite",
        re.compile(
            rf"\b(?P<subject>my|[A-Z][\w'-]+'s) fav(?:ou?rite)? (?P<what>\w+) is(?: now)? {_OBJECT}{_END}",
            re.I,
        ),
    ),
    (
        "likes",
        re.compile(
            rf"\b{_SUBJECT}\s+{_ADVERB}(?:like|likes|love|loves|enjoy|enjoys)\s+{_OBJECT}{_END}",
            re.I,
        ),
    ),
]
_FIRST_PERSON = frozenset({"i", "we", "my"})


@dataclass(frozen=True)
class Slot:
    subject: str
    predicate: str
    object: str


def find_slot(clause: str, speaker: str | None) -> Slot | None:
    """The first (subject, predicate, object) the rules read in ``clause``, if any."""
    for predicate, pattern in _RULES:
        m = pattern.search(clause)
        if m is None:
            continue
        obj = " ".join(m.group("object").split()[:5]).strip(" '\"")
        obj = re.sub(r"^(?:the|a|an|my|our)\s+", "", obj, flags=re.I)
        if not canonical(obj):
            continue
        subject = m.group("subject")
        if subject.lower() in _FIRST_PERSON:
            subject = speaker or USER
        subject = re.sub(r"'s$", "", subject)
        if "what" in pattern.groupindex:
            predicate = f"favorite_{m.group('what').lower()}"
        return Slot(subject, predicate, obj)
    return None


def single_valued(predicate: str) -> bool:
    """Whether a new value of ``predicate`` replaces the old one (rather than adding to it)."""
    return predicate in SINGLE_VALUED or predicate.startswith("favorite_")
