"""Denials: "I've never submitted my cover letter to Greg" said after "I've submitted my cover
letter to Greg for review on April 10". The two cannot both hold, and memory cannot tell which
is right, so the Judge flags them as conflicting (both stay believed, each cites the other).

A denial is a first-person statement with "never" before a verb; what it denies is the verb and
the content words after it, up to the end of the clause. An older statement contradicts it when
the same speaker says, in the first person and without a negation or an intention before it
("I want to submit", "I didn't submit"), that they did that verb, about most of the same words,
at a time not after the denial. "I've never tried sushi", then "I tried sushi last week" is a
first time, not a contradiction.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime
from functools import lru_cache

from ..models import Unit
from ..text import STOP_WORDS, canonical, stem
from .values import said_text

MIN_SHARED = 0.6
"""Share of the denied words (the verb aside) an older statement must use to state the same."""

_DENIAL = re.compile(
    r"\b(?:i|we)(?:['’](?:ve|d)|\s+(?:have|had))?\s+(?:[a-z]+\s+){0,2}?never\s+(?P<scope>[^.;!?]*)",
    re.I,
)
_CLAUSE_END = re.compile(
    r",|\b(?:but|so|because|which|though|although|since|until|before|yet|and\s+i(?:['’]m)?)\b",
    re.I,
)
_WORD = re.compile(r"[a-z][a-z'’-]+|\d+", re.I)
_NOT_DENIED = frozenset("any ever actually really anything one again even".split())
_SUBJECT = re.compile(
    r"\b(?:i|we)(?:['’](?:m|ve|d|re)|\s+(?:am|have|had|was|were))?\s+(?:[a-z'’]+\s+){0,2}$", re.I
)
""""I", "I've", "I just", "we have finally": the statement's own subject right before a verb."""
_NOT_DONE = re.compile(
    r"(?:\b(?:to|will|shall|should|would|could|can|might|must|may|gonna|wanna|how|if|whether|"
    r"never|not)|n['’]t|['’]ll)\s+(?:[a-z]+\s+)?$",
    re.I,
)
"""Before a verb, what makes it no statement of a deed: an intention, a question, a negation."""
_BEFORE = 80
"""Characters before a verb read for its subject and what stands before it (a long text costs
time linear in its length)."""


@dataclass(frozen=True)
class Denial:
    """What a statement says never happened: a verb (its ``stem``), the content words after it
    (stems), and the words as said."""

    verb: str
    words: frozenset[str]
    phrase: str


@lru_cache(maxsize=8192)
def denial(text: str) -> Denial | None:
    """The denial ``text`` states ("I've never attended any workshops on resume standards":
    ``attend`` and {workshop, resum, standard}), or None."""
    m = _DENIAL.search(text)
    if m is None:
        return None
    phrase = _CLAUSE_END.split(m.group("scope"))[0].strip()
    said = [w for w in map(str.lower, _WORD.findall(phrase)) if w not in _NOT_DENIED]
    if not said or not _content(said[0]):
        return None  # "never been to Japan": no verb that says the deed
    words = frozenset(_words(" ".join(said[1:])))
    return Denial(stem(said[0]), words, phrase) if words else None


def denied_words(unit: Unit) -> str:
    """The words of what ``unit`` denies (a full-text query for what it contradicts); empty when
    it denies nothing."""
    found = denial(said_text(unit))
    return " ".join([found.verb, *sorted(found.words)]) if found else ""


def contradiction(new: Unit, old: Unit) -> str | None:
    """Why ``new``, a denial, contradicts ``old``: the same subject's earlier (or same-time)
    first-person statement of the denied deed, with at least ``MIN_SHARED`` of its words.
    None when it does not (or ``new`` denies nothing)."""
    found = denial(said_text(new))
    if found is None or not new.subject or canonical(new.subject) != canonical(old.subject or ""):
        return None
    text = said_text(old)
    if denial(text) is not None or not _states_deed(text, found.verb):
        return None
    shared = found.words & set(_words(text))
    if len(shared) < max(1, MIN_SHARED * len(found.words)):
        return None
    if _time(old) > _time(new):
        return None  # done after it was denied: a first time
    return f"never {found.phrase}"


def _states_deed(text: str, verb: str) -> bool:
    """Whether ``text`` says its subject did ``verb`` ("I've just completed", "I'm preparing")."""
    for m in _WORD.finditer(text):
        if stem(m.group(0)) == verb:
            before = text[max(0, m.start() - _BEFORE) : m.start()]
            if _SUBJECT.search(before) and not _NOT_DONE.search(before):
                return True
    return False


def _words(text: str) -> list[str]:
    """Content words in order, as stems, once each."""
    words = (w.lower() for w in _WORD.findall(text))
    return list(dict.fromkeys(stem(w) for w in words if _content(w)))


def _content(word: str) -> bool:
    """Whether a lower-cased word says what is denied ("any", "ever", "the" do not)."""
    return word not in _NOT_DENIED and stem(word) not in STOP_WORDS


def _time(unit: Unit) -> datetime:
    return unit.valid_from or unit.recorded_at
