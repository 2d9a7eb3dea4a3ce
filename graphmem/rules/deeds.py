"""Deeds: who did what to what, and whether it is denied, read from a dependency parse.

"I've never spoken to my landlord Tomas" denies a deed (speak, to the landlord Tomas); "I called
my landlord Tomas on Friday" states one with the same object. A negation ("never", "not",
"n't") on the verb makes a denial; a modal or an infinitive ("I will call", "I want to call")
makes an intention, which states no deed.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from ..temporal import MONTHS, WEEKDAYS

if TYPE_CHECKING:
    from spacy.tokens import Doc, Token

_NOUNS = ("NOUN", "PROPN")
_OBJECTS = ("dobj", "pobj", "attr", "oprd", "dative", "appos", "conj", "compound", "nsubjpass")
_NAMED = frozenset(
    {"PERSON", "ORG", "GPE", "LOC", "PRODUCT", "EVENT", "WORK_OF_ART", "FAC", "NORP"}
)
_CALENDAR = frozenset(MONTHS) | frozenset(WEEKDAYS)
"""Days and months say when a deed was done, not what it was done to."""
_FIRST_PERSON = frozenset({"i", "we"})
_PERSONS = frozenset({"i", "we", "you", "he", "she", "they", "it", "this", "that", "who", "which"})
_OBJECT_DEPTH = 3
"""How far below the verb an object may stand ("spoken to my landlord Tomas": to, landlord,
Tomas)."""


@dataclass(frozen=True)
class Deed:
    """A verb (its lemma) said of a subject, the lemmas of what it was done to or with, the
    named things among those, whether its subject is the speaker ("I", "we"), whether it is
    negated, and whether it is only intended (a modal, an infinitive, a question)."""

    verb: str
    objects: frozenset[str]
    names: frozenset[str] = frozenset()
    first_person: bool = False
    negated: bool = False
    intended: bool = False
    phrase: str = ""
    """The words that say it, from a negation on ("never submitted my letter to Greg")."""

    @property
    def stated(self) -> bool:
        """A deed the speaker says they did: affirmed, not only intended."""
        return self.first_person and not self.negated and not self.intended

    @property
    def denied(self) -> bool:
        """A deed the speaker says they did not do."""
        return self.first_person and self.negated and not self.intended and bool(self.objects)

    def denies(self, other: Deed) -> bool:
        """Whether this denial is of ``other``, a stated deed: any verb done to the same named
        thing, or the same verb done to at least half of the same things."""
        if not (self.denied and other.stated):
            return False
        shared = self.objects & other.objects
        if self.names & shared:
            return True  # the same named thing: "never spoke to Tomas", "called Tomas"
        # The same verb on at least half of the same things ("never solved problems on
        # medians" does not deny "solved 10 classification problems").
        return self.verb == other.verb and bool(shared) and len(shared) >= len(self.objects) / 2


def deeds(doc: Doc) -> list[Deed]:
    """Every deed ``doc`` says of a subject, one per verb."""
    return [deed for token in doc if (deed := _deed(token)) is not None]


def _deed(verb: Token) -> Deed | None:
    if verb.pos_ != "VERB" or verb.dep_ in ("aux", "auxpass", "amod", "compound"):
        return None
    objects: set[str] = set()
    names: set[str] = set()
    _collect(verb, objects, names, _OBJECT_DEPTH)
    subject = _subject(verb)
    first_person = subject is not None and subject.lower_ in _FIRST_PERSON
    if subject is None and (done := _participle_of(verb)) is not None:
        _add(done, objects, names)  # "my API key obtained on March 10": the key, obtained
        _collect(done, objects, names, 1)
        first_person = any(c.dep_ == "poss" and c.lower_ in ("my", "our") for c in done.children)
    negations = [c for c in verb.children if c.dep_ == "neg"]
    return Deed(
        verb=verb.lemma_.lower(),
        objects=frozenset(objects),
        names=frozenset(names),
        first_person=first_person,
        negated=bool(negations),
        intended=_intended(verb, subject),
        phrase=_phrase(verb, negations[0] if negations else verb),
    )


def _phrase(verb: Token, start: Token) -> str:
    """The words from ``start`` to the end of the verb's objects."""
    ends = [c.right_edge.i for c in verb.children if c.dep_ in ("dobj", "prep", "dative", "attr")]
    return verb.doc[start.i : max([verb.i, *ends]) + 1].text


def _participle_of(verb: Token) -> Token | None:
    """The noun a past participle says was done to ("the key obtained on March 10")."""
    head = verb.head
    if verb.dep_ == "acl" and verb.tag_ == "VBN" and head.pos_ in _NOUNS:
        return head
    return None


def _collect(token: Token, objects: set[str], names: set[str], depth: int) -> None:
    """The nouns and names under ``token`` along object and preposition links; dates and
    numbers are when and how much, not what."""
    if depth == 0:
        return
    for child in token.children:
        if child.dep_ == "prep" or (child.dep_ in _OBJECTS and child.pos_ in _NOUNS):
            if child.pos_ in _NOUNS:
                _add(child, objects, names)
            _collect(child, objects, names, depth - 1)


def _add(noun: Token, objects: set[str], names: set[str]) -> None:
    """``noun`` among a deed's objects (and names), unless it says when, how much, or who."""
    if noun.like_num or noun.lower_ in _PERSONS or noun.lower_ in _CALENDAR:
        return
    objects.add(noun.lemma_.lower())
    if noun.pos_ == "PROPN":
        names.add(noun.lemma_.lower())


def _subject(verb: Token) -> Token | None:
    """The verb's subject, or that of the verb it is joined to ("I wrote and sent it")."""
    token = verb
    for _ in range(3):
        for child in token.children:
            if child.dep_ in ("nsubj", "nsubjpass", "expl"):
                return child
        if token.dep_ not in ("conj", "xcomp", "advcl") or token.head.i == token.i:
            return None
        token = token.head
    return None


def _intended(verb: Token, subject: Token | None) -> bool:
    """A deed only meant, asked or wished: under a modal ("will", "should"), an infinitive
    ("to call"), or asked (an auxiliary before its subject: "have I called?")."""
    auxiliaries = [c for c in verb.children if c.dep_ in ("aux", "auxpass")]
    if verb.dep_ == "xcomp" or any(c.tag_ == "MD" or c.lower_ == "to" for c in auxiliaries):
        return True
    return subject is not None and any(c.i < subject.i for c in auxiliaries)
