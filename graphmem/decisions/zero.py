"""The zero-LLM extractor: deterministic rules that need no model and no network.

One unit per informative clause; its entities are the speaker, capitalised name spans, numbers,
dates (resolved against the episode time) and the clause's content words (concept nodes, as
HippoRAG's phrase nodes), so that the hypergraph links clauses that talk about the same things.
"""

from __future__ import annotations

import re
from collections import defaultdict
from datetime import datetime

from ..config import RulesConfig
from ..heuristics.slots import find_slot
from ..models import Episode, Hit, UnitKind
from ..temporal import MONTHS, WEEKDAYS, TimeMention, find_times
from ..text import STOP_WORDS, canonical, lemma, reads_as_code, sentences
from . import rules
from .base import (
    Assessment,
    Comparison,
    Extraction,
    MentionDraft,
    Reply,
    Route,
    UnitDraft,
    Verdict,
)

_NAME = re.compile(
    r"\b[A-Z][\w'’&.-]*(?:\s+(?:of|the|de|da|van|von|del|la|le|&)?\s*[A-Z][\w'’&-]*)*"
)
_NUMBER = re.compile(r"(?<![\w.])[$€£]?\d+(?:[.,]\d+)*%?(?![\w])")
_WORD = re.compile(r"[a-zA-Z][a-zA-Z'’-]{2,}")
_FIRST_PERSON = re.compile(r"\b(i|i'm|i've|i'd|i'll|me|my|mine|myself)\b", re.I)
_NOT_NAMES = frozenset(
    """i i'm i've i'd i'll hey hi hello wow oh ah yes yeah yep no nope ok okay thanks thank
    sure well so but and or the a an it its this that these those there here what when where
    why how who which my our your his her their we you he she they me us them lol haha hmm
    omg please congrats congratulations great good nice awesome cool glad sorry btw also
    just really""".split()
)
_FILLER = frozenset(
    """thanks thank really great good nice awesome cool glad sorry lol haha wow yeah yes okay
    going got get gets getting make made makes lot lots thing things something anything
    everything stuff kind sort way much many well also still even though feel feels felt
    know knew think thought sounds sound want wanted like liked see saw seen look looks hope
    hoped love amazing wonderful totally definitely actually went go goes gone come came did
    done say said tell told take took give gave keep kept""".split()
)
_KIND_RULES: list[tuple[UnitKind, re.Pattern[str]]] = [
    ("plan", re.compile(r"\b(will|going to|gonna|plan(?:ning)? to|next|tomorrow|intend)\b", re.I)),
    (
        "preference",
        re.compile(r"\b(like|love|prefer|favou?rite|enjoy|hate|dislike|fan of)\b", re.I),
    ),
]
_CALENDAR_WORDS = frozenset(MONTHS) | frozenset(WEEKDAYS)


def document_topic(ep: Episode) -> MentionDraft | None:
    """What a document chunk is about: the first name in its first sentence (a title, or the
    subject of an encyclopedic opening). Its later sentences ("She studied chemistry") are about
    it too, so every unit of the chunk involves it. Messages have their speaker instead."""
    clauses = sentences(ep.content) if ep.source == "document" else []
    if not clauses:
        return None
    first = clauses[0]
    names = [
        m
        for m in find_mentions(first, find_times(first, ep.occurred_at)).values()
        if m.type == "name"
    ]
    return MentionDraft(name=names[0].name, type="name", role="topic") if names else None


def _starts_sentence(text: str, position: int) -> bool:
    before = text[:position].rstrip()
    return not before or before[-1] in '.!?:;"“(\n'


def _drop_leading_function_words(name: str) -> str:
    """A capitalised sentence opener is not part of the name after it."""
    words = name.split()
    while len(words) > 1 and words[0].lower() in STOP_WORDS | _NOT_NAMES:
        words.pop(0)
    return " ".join(words)


def _inside(position: int, spans: list[tuple[int, int]]) -> bool:
    return any(start <= position < end for start, end in spans)


class ZeroLLM:
    """Every agent decision by deterministic rules: no model, no network, same answer each time."""

    def __init__(self, switches: RulesConfig | None = None, max_concepts: int = 8) -> None:
        self.switches = switches or RulesConfig()
        self.max_concepts = max_concepts

    def extract(self, episodes: list[Episode], summaries: dict[str, str]) -> Extraction:
        drafts: list[UnitDraft] = []
        sessions: dict[str, list[Episode]] = defaultdict(list)
        for ep in episodes:
            if ep.session:
                sessions[ep.session].append(ep)
            clauses = sentences(ep.content)
            if self.switches.prose_only:
                clauses = [c for c in clauses if not reads_as_code(c)]
            topic = document_topic(ep)
            for clause in clauses:
                draft = self._clause(ep, clause, topic)
                if draft is not None:
                    drafts.append(draft)
        digests = {s: rules.summarize(summaries.get(s), eps) for s, eps in sessions.items()}
        return Extraction(units=drafts, summaries={s: d for s, d in digests.items() if d})

    def compare(self, comparisons: list[Comparison]) -> list[Verdict]:
        return [rules.compare(c, self.switches) for c in comparisons]

    def disambiguate(self, name: str, candidates: list[tuple[str, str]]) -> str | None:
        return None  # without a model, a near-miss name stays its own entity

    def route(self, query: str, now: datetime) -> Route:
        return rules.route(query, now)

    def assess(self, query: str, hits: list[Hit]) -> Assessment:
        return rules.assess(query, hits)

    def answer(self, query: str, hits: list[Hit]) -> Reply:
        return rules.answer(query, hits, rules.assess(query, hits))

    def _clause(self, ep: Episode, clause: str, topic: MentionDraft | None) -> UnitDraft | None:
        times = find_times(clause, ep.occurred_at)
        mentions = find_mentions(clause, times, ep.speaker, self.max_concepts)
        if topic is not None:
            mentions.setdefault(canonical(topic.name), topic)
        first_person = bool(_FIRST_PERSON.search(clause))
        non_speaker = [m for m in mentions.values() if m.role not in ("speaker", "subject")]
        if len(mentions) < 2 or not non_speaker or len(clause.split()) < 3:
            return None
        subject = (
            ep.speaker
            if (ep.speaker and first_person)
            else next((m.name for m in mentions.values() if m.type in ("name", "person")), None)
        )
        slot = find_slot(clause, ep.speaker) if self.switches.slots else None
        if slot is not None and canonical(slot.subject) not in mentions:
            mentions[canonical(slot.subject)] = MentionDraft(
                name=slot.subject, type="person", role="subject"
            )
        return UnitDraft(
            text=f"{ep.speaker}: {clause}" if ep.speaker else clause,
            kind=self._kind(clause, times, ep.occurred_at),
            subject=slot.subject if slot else subject,
            predicate=slot.predicate if slot else None,
            object=slot.object if slot else None,
            mentions=list(mentions.values()),
            valid_from=times[0].when if times else ep.occurred_at,
            episode_ids=[ep.id],
        )

    @staticmethod
    def _kind(clause: str, times: list[TimeMention], said_at: datetime) -> UnitKind:
        """By cue words; else a plan when it names a later day than it was said on (a
        deadline, an appointment), an event when it names another, a fact when undated."""
        for kind, pattern in _KIND_RULES:
            if pattern.search(clause):
                return kind
        if any(t.when.date() > said_at.date() for t in times):
            return "plan"
        return "event" if times else "fact"


def find_mentions(
    clause: str, times: list[TimeMention], speaker: str | None = None, max_concepts: int = 8
) -> dict[str, MentionDraft]:
    """The entities a clause mentions, by canonical key: speaker, dates, names, numbers, concepts."""
    mentions: dict[str, MentionDraft] = {}

    def add(name: str, type_: str, role: str = "mention") -> None:
        key = canonical(name)
        if key and key not in mentions:
            mentions[key] = MentionDraft(name=name, type=type_, role=role)

    if speaker:
        add(speaker, "person", "subject" if _FIRST_PERSON.search(clause) else "speaker")
    for t in times:
        add(t.key, "date", "time")
    time_spans = [(t.start, t.end) for t in times]
    for m in _NAME.finditer(clause):
        name = m.group(0)
        if _starts_sentence(clause, m.start()):  # "If Gallu", "Are Christopher Nolan"
            name = _drop_leading_function_words(name)
        name = re.sub(r"^(The|A|An)\s+", "", name).rstrip(".'’-")
        words = [w.replace("’", "'").split("'")[0] for w in name.lower().split()]
        if not words or all(w in _NOT_NAMES or w in _CALENDAR_WORDS for w in words):
            continue
        if _inside(m.start(), time_spans):
            continue
        add(name, "name")
    for m in _NUMBER.finditer(clause):
        if not _inside(m.start(), time_spans):
            add(m.group(0), "number")
    named = {canonical(w) for mention in mentions.values() for w in mention.name.split()}
    concepts = [
        key
        for m in _WORD.finditer(clause)
        if (key := lemma(m.group(0))) not in STOP_WORDS | _FILLER
        and len(key) > 2
        and key not in named
        and not _inside(m.start(), time_spans)
    ]
    for concept in list(dict.fromkeys(concepts))[:max_concepts]:
        add(concept, "concept")
    return mentions
