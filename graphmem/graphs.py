"""The agents wired as two LangGraph graphs (DESIGN §4), each usable as a subgraph.

write graph: store_episodes -> construct -> judge -> refresh -> commit
read graph:  retrieve -> judge -> (retrieve with a rewritten query | refresh | answer)
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import UTC, datetime
from itertools import pairwise
from typing import TYPE_CHECKING, Any

from pydantic import BaseModel, ConfigDict, Field

from .agents.judge import Review
from .decisions.base import NOT_IN_MEMORY, Assessment, Comparison, Reply, Route
from .errors import EmbedderMismatchError, LLMError, StoreUnavailableError
from .models import Answer, Episode, Hit
from .retrieval.context import build_context
from .store.base import Batch
from .tracing import Node, traced_node

if TYPE_CHECKING:
    from .memory import Memory

log = logging.getLogger("graphmem")


class WriteState(BaseModel):
    """Input: ``namespace`` and either ``messages`` (dicts as ``Memory.add_messages`` takes;
    stored first) or ``episodes`` already stored. Output: ``episodes`` with their status,
    ``unit_ids`` written, ``outcomes`` (the Judge's verdict counts) and ``error`` (None if the
    batch was processed; otherwise the episodes are kept as failed with this reason)."""

    model_config = ConfigDict(arbitrary_types_allowed=True)

    namespace: str = "default"
    messages: list[dict[str, Any]] = Field(default_factory=list)
    episodes: list[Episode] = Field(default_factory=list)
    batch: Batch | None = None
    reviews: list[Review] = Field(default_factory=list)
    unit_ids: list[str] = Field(default_factory=list)
    outcomes: dict[str, int] = Field(default_factory=dict)
    error: str | None = None


class ReadState(BaseModel):
    """Input: ``query``, ``namespace``, optional ``k`` and ``as_of``. Output: ``answer`` (text,
    citations, evidence, context), with the ``hits``, the ``assessment`` and the number of
    retrieval ``rounds`` on the way."""

    model_config = ConfigDict(arbitrary_types_allowed=True)

    query: str
    namespace: str = "default"
    k: int = 10
    as_of: datetime | None = None
    route: Route | None = None
    search_query: str | None = None
    rounds: int = 0
    hits: list[Hit] = Field(default_factory=list)
    assessment: Assessment | None = None
    conflicts: list[tuple[str, str]] = Field(default_factory=list)
    answer: Answer | None = None


PROCESSING_FAILURES = (LLMError, StoreUnavailableError, EmbedderMismatchError, OSError)
"""What may stop a batch while memory works as it should (a model or service down or answering
nonsense, the database away): the episodes stay, marked failed, for ``rebuild()``. Anything
else is a bug, and raises."""


WriteNode = Node[WriteState]


def _guarded(mem: Memory, node: WriteNode) -> WriteNode:
    """Run a write node; on an expected failure keep the episodes, marked failed with why."""

    def run(state: WriteState) -> dict:
        try:
            return node(state)
        except PROCESSING_FAILURES as exc:
            reason = f"{type(exc).__name__}: {exc}"[:500]
            log.warning("processing %d episodes failed: %s", len(state.episodes), reason)
            ids = [ep.id for ep in state.episodes]
            mem.store.set_episode_status(state.namespace, ids, "failed", reason)
            for ep in state.episodes:
                ep.status, ep.error = "failed", reason
            return {"error": reason, "episodes": state.episodes}

    run.__name__ = node.__name__
    return run


def build_write_graph(mem: Memory):
    from langgraph.graph import END, START, StateGraph

    def store_episodes(state: WriteState) -> dict:
        if not state.messages:
            return {}
        stored = mem.store_messages(state.messages, state.namespace)
        return {"episodes": stored.new, "messages": []}

    def construct(state: WriteState) -> dict:
        return {"batch": mem.constructor.build(state.namespace, state.episodes)}

    def judge(state: WriteState) -> dict:
        assert state.batch is not None
        return {"reviews": mem.judge.review(state.namespace, state.batch.units)}

    def refresh(state: WriteState) -> dict:
        batch = state.batch
        assert batch is not None
        mem.refresher.retract(state.namespace, batch, state.episodes)
        kept = {u.id for u in batch.units if u.status == "active"}
        mem.refresher.apply(state.namespace, batch, [r for r in state.reviews if r.unit.id in kept])
        return {"batch": batch}

    def commit(state: WriteState) -> dict:
        batch = state.batch
        assert batch is not None
        mem.store.write(batch)
        for ep in state.episodes:
            ep.status, ep.error = "processed", None
        outcomes: dict[str, int] = {}
        for r in state.reviews:
            outcomes[r.verdict.relation] = outcomes.get(r.verdict.relation, 0) + 1
        return {
            "episodes": state.episodes,
            "unit_ids": [u.id for u in batch.units],
            "outcomes": outcomes,
            "batch": None,
        }

    def next_step(target: str) -> Callable[[WriteState], str]:
        return lambda state: END if state.error else target

    graph: StateGraph[WriteState] = StateGraph(WriteState)
    graph.add_node("store_episodes", store_episodes)
    steps = [("construct", construct), ("judge", judge), ("refresh", refresh), ("commit", commit)]
    for name, node in steps:
        graph.add_node(
            name, traced_node("write", name, _guarded(mem, node), lambda: mem.usage.totals())
        )
    graph.add_edge(START, "store_episodes")
    graph.add_conditional_edges("store_episodes", lambda s: "construct" if s.episodes else END)
    for (name, _), (after, _) in pairwise(steps):
        graph.add_conditional_edges(name, next_step(after))
    graph.add_edge("commit", END)
    return graph.compile(name="graphmem_write")


def build_read_graph(mem: Memory):
    from langgraph.graph import END, START, StateGraph

    max_rounds = mem.config.agents.max_rounds

    def retrieve(state: ReadState) -> dict:
        """Route the question once; later rounds search with the Judge's rewrite."""
        route = state.route or mem.decisions.route(state.query, datetime.now(UTC))
        query = state.search_query or state.query
        hits = mem.retriever.search(state.namespace, query, state.k, state.as_of, route)
        seen = {h.id for h in state.hits}
        merged = state.hits + [h for h in hits if h.id not in seen]
        return {"hits": merged, "route": route, "rounds": state.rounds + 1}

    def judge(state: ReadState) -> dict:
        assessment = mem.decisions.assess(state.query, state.hits)
        unit_ids = [h.id for h in state.hits if h.kind == "unit"]
        pairs = mem.judge.conflicts(mem.store.get_units(state.namespace, unit_ids))
        return {
            "assessment": assessment,
            "conflicts": [(a.id, b.id) for a, b in pairs],
            "search_query": assessment.rewrite,
        }

    def after_judge(state: ReadState) -> str:
        assert state.assessment is not None
        if any(_active(state, a) or _active(state, b) for a, b in state.conflicts):
            return "refresh"
        if not state.assessment.sufficient and state.search_query and state.rounds < max_rounds:
            return "retrieve"
        return "answer"

    def refresh(state: ReadState) -> dict:
        """Two believed units that cannot both hold, found while reading: the Judge classifies
        the pair and the Refresher rewrites exactly those two."""
        ids = list(dict.fromkeys(i for pair in state.conflicts for i in pair))
        units = {u.id: u for u in mem.store.get_units(state.namespace, ids)}
        pairs = [(units[a], units[b]) for a, b in state.conflicts if a in units and b in units]
        verdicts = mem.decisions.compare([Comparison(new=b, existing=[a]) for a, b in pairs])
        reviews = [Review(b, v, a) for (a, b), v in zip(pairs, verdicts, strict=True)]
        batch = Batch(state.namespace)
        mem.refresher.apply(state.namespace, batch, reviews)
        mem.store.write(batch)  # the rewrites and their edges in one transaction
        status = {u.id: u.status for u in units.values()}
        hits = [h.model_copy(update={"status": status.get(h.id, h.status)}) for h in state.hits]
        hits = [h for h in hits if h.status != "superseded" or state.as_of is not None]
        return {"hits": hits}

    def answer(state: ReadState) -> dict:
        assessment = state.assessment
        relevant = set(assessment.relevant if assessment else [])
        evidence = [h for h in state.hits if h.id in relevant][: state.k]
        if assessment is None or not assessment.sufficient or not evidence:
            reply = Reply(text=NOT_IN_MEMORY, sufficient=False)
        else:
            reply = mem.decisions.answer(state.query, evidence)
        cited = set(reply.citations)
        intent = state.route.intent if state.route else "factual"
        return {
            "answer": Answer(
                text=reply.text,
                citations=reply.citations,
                sufficient=reply.sufficient,
                conflicted=any(h.status == "conflicted" and h.id in cited for h in evidence),
                evidence=evidence,
                context=build_context(
                    evidence, mem.config.agents.context_tokens, intent == "temporal"
                ),
                intent=intent,
                rounds=state.rounds,
            )
        }

    graph: StateGraph[ReadState] = StateGraph(ReadState)
    for name, node in (
        ("retrieve", retrieve),
        ("judge", judge),
        ("refresh", refresh),
        ("answer", answer),
    ):
        graph.add_node(name, traced_node("read", name, node, lambda: mem.usage.totals()))
    graph.add_edge(START, "retrieve")
    graph.add_edge("retrieve", "judge")
    graph.add_conditional_edges("judge", after_judge, ["retrieve", "refresh", "answer"])
    graph.add_edge("refresh", "answer")
    graph.add_edge("answer", END)
    return graph.compile(name="graphmem_read")


def _active(state: ReadState, unit_id: str) -> bool:
    return any(h.id == unit_id and h.status == "active" for h in state.hits)
