"""Tunable settings. Defaults are what ``Memory()`` uses; every field can be overridden."""

from __future__ import annotations

import json
import os
from dataclasses import dataclass, field, fields
from pathlib import Path

from .errors import InvalidInputError


@dataclass
class RetrievalConfig:
    """Candidate generation and personalized PageRank (DESIGN §5)."""

    candidates: int = 50
    """How many nodes each candidate source (vector / full-text, per label) contributes."""
    damping: float = 0.5
    """Probability that the walk follows an edge rather than jumping back to a seed."""
    entity_share: float = 0.1
    """Share of the walk's restarts that go to the entities the query names (the rest go to the
    matched units and episodes), however many entities match and whatever their degrees."""
    specificity: float = 1.0
    """Seed entities are divided by (number of neighbours) ** specificity: rare entities count more."""
    lexical_weight: float = 0.5
    """Share of the full-text (BM25) score in a candidate's fused score; the rest is dense."""
    edge_weights: dict[str, float] = field(
        default_factory=lambda: {
            "INVOLVES": 1.0,
            "FROM": 1.0,
            "SAME_AS": 1.0,
            "NEXT": 0.0,  # off: tuned, not general (bench/README, "Ablations")
            "COVERS": 0.0,
            "SUPERSEDES": 0.0,
            "CONFLICTS_WITH": 1.0,
        }
    )
    assistant_speakers: tuple[str, ...] = ("assistant", "ai")
    """Speakers whose messages are an assistant's replies (the OpenAI and LangChain role names)."""
    assistant_weight: float = 0.5
    """A reply's weight as a search seed, against 1 for anything else. In a user–assistant chat
    the user's messages state the facts memory is asked about; the replies echo them at length
    and would otherwise outnumber them among the matches."""
    question_weight: float = 0.25
    """A question's weight as a search seed, against 1 for anything else; the rest of its weight
    goes to the reply that answers it (the next message in its session, by another speaker; not
    an assistant's). A question in the conversation matches a question about it ("How often do
    you work out?"), while the reply holds the answer ("Three times a week"). 1 turns it off."""
    said_on_weight: float = 3.0
    """Weight of a match said on a day, in a month or in a year the query names ("What did we
    cook on 9 November?", "What did I buy in March 2024?"), against 1 for any other:
    a question naming a time asks what was said or done then. 3 is the middle of the best
    values on LoCoMo's tune split (2.5 to 4; bench/tune_retrieval.py)."""
    hits_per_episode: int = 3
    """At most this many hits (units or the episode itself) from one episode, so one long
    message or chunk cannot crowd every other source out of the results."""
    next_hops: int = 2
    """Documents placed right after the best hit because it names what they are about (their
    topic): the next hop of a multi-hop question ("the author of the story behind X" -> X's
    page names Dale Brown -> Dale Brown's page). 0 turns it off."""
    rivals: bool = True
    """Either side of a contradiction brings the other right below it in search, flagged: a
    disputed statement is never shown without what disputes it."""
    tolerance: float = 1e-6
    """PPR stops pushing mass from a node once its residual is below this times its degree."""
    max_iterations: int = 100
    """At most this many push rounds."""


@dataclass
class ConstructorConfig:
    """The zero-LLM constructor and entity resolution."""

    batch_size: int = 256
    """Episodes extracted, embedded and written per transaction (larger batches pad less: the
    encoder groups texts of similar length)."""
    alias_similarity: float = 0.9
    """Cosine above which a new name is taken as an alias of an existing named entity."""
    ambiguous_similarity: float = 0.8
    """Between this and ``alias_similarity`` the model (if any) decides whether two names are one
    entity; the zero-LLM mode keeps them apart."""
    llm_batch_size: int = 16
    """Episodes per extraction call when a model extracts (one call for this many turns)."""
    rules_speakers: tuple[str, ...] = ()
    """When a model extracts: the speakers whose messages the zero-LLM rules extract and judge
    instead (e.g. ``("assistant",)``: an assistant's long replies are most of a chat's text and
    mostly restate the user). Empty: the model reads every message."""
    topic_min_units: int = 3
    """A batch that tells this many facts about a person or named thing rewrites its topic
    summary."""
    topics_per_batch: int = 8
    """At most this many topic summaries rewritten per batch (the most-told entities), so one
    batch cannot rewrite every digest in memory."""
    summary_chars: int = 1500
    """Longest topic summary; the oldest facts make room for the newest."""
    max_episode_chars: int = 100_000
    """``add`` refuses longer text; ``add_document`` chunks it."""
    document_chunk_chars: int = 2_000


@dataclass
class RulesConfig:
    """The zero-LLM mode's text rules, each one switchable to measure what it does (bench/README,
    "Ablations")."""

    slots: bool = True
    """Read (subject, predicate, object) slots from clauses ("I moved to Berlin": lives_in), so a
    new value of a single-valued predicate supersedes the old one (``heuristics.slots``)."""
    value_changes: bool = True
    """A statement that restates a measure with a new number supersedes the older one ("the
    library has 45 sources", then "52 sources": ``heuristics.values``)."""
    denials: bool = True
    """A speaker denying what they said they did contradicts it (``heuristics.denials``); with a
    model too, whose comparisons it settles before the model is asked."""
    parse: bool = False
    """Values and denials read from spaCy's parse (``graphmem.rules``): any statement that gives
    a measure a new value supersedes the same speaker's earlier one, whatever its mood, and a
    denied deed contradicts the same speaker's statement of it. Off (the default until it
    measures better: bench/README, "Updates and denials from the parse"): the word rules of
    ``heuristics.values`` and ``heuristics.denials`` (values beside an update cue, "never")."""
    prose_only: bool = True
    """Only prose makes units: a clause that reads as code (``text.reads_as_code``) makes none,
    since a line of a program is not a fact; the message stays searchable whole."""


@dataclass
class AgentConfig:
    """The read graph's loop."""

    max_rounds: int = 2
    """Retrieval rounds per question: the Judge may ask for this many minus one more."""
    context_tokens: int = 1000
    """Budget of the context string handed to a model."""


@dataclass
class Config:
    """Where memory lives and how it behaves."""

    path: Path = field(default_factory=lambda: Path(os.environ.get("GRAPHMEM_PATH", ".graphmem")))
    retrieval: RetrievalConfig = field(default_factory=RetrievalConfig)
    constructor: ConstructorConfig = field(default_factory=ConstructorConfig)
    rules: RulesConfig = field(default_factory=RulesConfig)
    agents: AgentConfig = field(default_factory=AgentConfig)


def with_settings(config: Config, settings: list[str]) -> Config:
    """``config`` with ``section.field=value`` settings applied (``value`` read as JSON when it
    parses, else as text; ``retrieval.edge_weights.NEXT=0`` sets one key of a dict field, and a
    tuple field takes a JSON list or one item): how a benchmark runs without a rule, to measure
    what the rule does."""
    for setting in settings:
        path, sep, raw = setting.partition("=")
        if not sep:
            raise InvalidInputError(f"a setting is section.field=value, got {setting!r}")
        try:
            value = json.loads(raw)
        except json.JSONDecodeError:
            value = raw
        *parents, last = path.split(".")
        target: object = config
        for name in parents:
            target = _field(target, name, setting)
        if isinstance(target, dict):
            if last not in target:
                raise InvalidInputError(f"no setting {path!r} (have {sorted(target)})")
            target[last] = value
        else:
            if isinstance(_field(target, last, setting), tuple):  # a list, or one item
                value = tuple(value) if isinstance(value, list) else (value,)
            setattr(target, last, value)
    return config


def _field(target: object, name: str, setting: str) -> object:
    if isinstance(target, dict):
        if name in target:
            return target[name]
    elif name in {f.name for f in fields(target)}:  # type: ignore[arg-type]
        return getattr(target, name)
    raise InvalidInputError(f"no setting {name!r} in {setting!r}")
