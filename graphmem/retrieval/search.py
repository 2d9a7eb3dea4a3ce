"""The Retriever's search: hybrid candidates seed a personalized PageRank over the hypergraph."""

from __future__ import annotations

import contextvars
import heapq
import threading
import time
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import partial
from typing import Any

import numpy as np

from ..config import RetrievalConfig
from ..decisions.base import Route
from ..decisions.zero import find_mentions
from ..embed import Embedder
from ..embedder_guard import EmbedderGuard
from ..models import Episode, Hit, Unit
from ..store.base import GraphStore, Label
from ..temporal import find_times
from ..text import asks_about_past, is_question
from .filters import SearchFilter
from .ppr import PPRGraph, push

PASSAGE_LABELS: tuple[Label, ...] = ("unit", "episode")
_QUESTIONS_READ = 25
"""The strongest seeds read to find the questions among them. A weaker seed moves too little
weight to matter, and reading every candidate's text cost 15 ms a query (bench/README, "A
question's reply")."""
_TOPIC_UNITS = 8
"""Units read per entity the best hit names, to find the documents about it."""


@dataclass
class Candidates:
    """What the query matched before any graph walk: passages and entities with their scores."""

    passages: dict[str, float]
    entities: dict[str, float]


def fuse(
    dense: list[tuple[str, float]], lexical: list[tuple[str, float]], lexical_weight: float
) -> dict[str, float]:
    """Combine dense and full-text scores, each scaled to [0, 1] by its best hit."""
    fused: dict[str, float] = {}
    for hits, weight in ((dense, 1.0 - lexical_weight), (lexical, lexical_weight)):
        best = max((score for _, score in hits), default=0.0)
        if best <= 0:
            continue
        for node_id, score in hits:
            fused[node_id] = fused.get(node_id, 0.0) + weight * max(score, 0.0) / best
    return fused


class Retriever:
    """Ranks a namespace's units and episodes for a query."""

    def __init__(self, store: GraphStore, embedder: Embedder, config: RetrievalConfig) -> None:
        self.store = store
        self.embedder = embedder
        self.config = config
        self.guard = EmbedderGuard(store, embedder)
        self._graphs: dict[str, PPRGraph] = {}
        self._local = threading.local()
        self._pool: ThreadPoolExecutor | None = None
        self._pool_lock = threading.Lock()

    @property
    def timings(self) -> dict[str, float]:
        """Seconds the calling thread's last ``rank`` spent on its stages: candidates (with
        the query's embedding), graph, ppr (per thread: searches running at once do not
        overwrite each other's)."""
        return dict(getattr(self._local, "timings", {}))

    def candidates(self, namespace: str, query: str, vector: Future[np.ndarray]) -> Candidates:
        """What the query matches. The full-text reads run while ``vector`` is still being
        embedded; the vector searches, once it is, run beside them."""
        cfg, store = self.config, self.store
        self.guard.check(namespace)
        times = find_times(query, datetime.now(UTC), past=asks_about_past(query))
        keys = list(find_mentions(query, times))
        k = cfg.candidates
        # On any store: in process they are native code outside the GIL (hnswlib, numpy), on a
        # server round trips.
        dense_futures = [
            self._submit(partial(_vector_search, store, namespace, label, vector, k))
            for label in PASSAGE_LABELS
        ]
        reads = [partial(store.text_search, namespace, label, query, k) for label in PASSAGE_LABELS]
        *lexical, matched = self._gather([*reads, partial(store.find_entities, namespace, keys)])
        passages: dict[str, float] = {}
        for future, hits in zip(dense_futures, lexical, strict=True):
            passages |= fuse(future.result(), hits, cfg.lexical_weight)
        entities = {ent.id: 1.0 for ent in matched}
        passages = self._weigh_said_on(namespace, [t.period for t in times], passages)
        passages = self._seed_answers(namespace, passages)
        return Candidates(self._weigh_replies(namespace, passages), entities)

    def _gather(self, calls: list[Callable[[], Any]]) -> list[Any]:
        """The results of independent store reads, in order: one after another, or at once on
        a store whose reads are round trips to a server (``concurrent_reads``)."""
        if not getattr(self.store, "concurrent_reads", False):
            return [call() for call in calls]
        futures = [self._submit(call) for call in calls]
        return [future.result() for future in futures]

    def _submit(self, call: Callable[[], Any]) -> Future[Any]:
        """``call`` started on the Retriever's threads, in the caller's context."""
        with self._pool_lock:
            if self._pool is None:
                self._pool = ThreadPoolExecutor(8, thread_name_prefix="graphmem-read")
        return self._pool.submit(contextvars.copy_context().run, call)

    def _weigh_said_on(
        self, namespace: str, periods: list[tuple[datetime, datetime]], passages: dict[str, float]
    ) -> dict[str, float]:
        """``passages`` with those said on a day, in a month or in a year the query names (an
        episode said then, or a unit from one) weighted by ``said_on_weight``: "what did I
        finish on 23 January" and "what did I buy in March 2024" ask about what was said then."""
        weight = self.config.said_on_weight
        if weight == 1.0 or not periods or not passages:
            return passages
        sources = {u.id: u.episode_ids for u in self.store.get_units(namespace, list(passages))}
        behind = {node_id: sources.get(node_id, [node_id]) for node_id in passages}
        wanted = [e for episode_ids in behind.values() for e in episode_ids]
        said = {
            e.id
            for e in self.store.get_episodes(namespace, wanted)
            if any(start <= e.occurred_at < end for start, end in periods)
        }
        return {
            node_id: score * weight if said.intersection(behind[node_id]) else score
            for node_id, score in passages.items()
        }

    def _seed_answers(self, namespace: str, passages: dict[str, float]) -> dict[str, float]:
        """``passages`` with all but ``question_weight`` of each strong question's weight moved
        to the reply that answers it, when people talk. A question nobody answered keeps its
        weight, and so does one asked of or by an assistant: the user's question states the
        user's facts, the assistant's reply is advice, and its question an offer of more."""
        keep = self.config.question_weight
        if keep == 1.0 or not passages:
            return passages
        ids = heapq.nlargest(_QUESTIONS_READ, passages, key=passages.__getitem__)
        said = {u.id: u.text for u in self.store.get_units(namespace, ids)}
        rest = [i for i in ids if i not in said]
        said |= {e.id: e.content for e in self.store.get_episodes(namespace, rest)}
        asked = [node_id for node_id, text in said.items() if is_question(text)]
        answers = self.store.replies(namespace, asked)
        if not answers:
            return passages
        by = self.store.speakers(namespace, [*answers, *(r for a in answers.values() for r in a)])
        assistant, seeds = self._assistant(), dict(passages)
        for node_id, replies in answers.items():
            people = [r for r in replies if not assistant(by.get(r, set()))]
            if not people or assistant(by.get(node_id, set())):
                continue
            moved = passages[node_id] * (1.0 - keep)
            seeds[node_id] -= moved
            for reply in people:
                seeds[reply] = seeds.get(reply, 0.0) + moved / len(people)
        return seeds

    def _assistant(self) -> Callable[[set[str | None]], bool]:
        """A test of whether every one of a passage's speakers is an assistant (the names are
        folded once, not per passage)."""
        names = {s.lower() for s in self.config.assistant_speakers}
        return lambda said: bool(said) and all(s is not None and s.lower() in names for s in said)

    def _weigh_replies(self, namespace: str, passages: dict[str, float]) -> dict[str, float]:
        """``passages`` with an assistant's replies (every speaker behind the passage is one)
        weighted by ``assistant_weight``."""
        cfg = self.config
        if (
            cfg.assistant_weight == 1.0
            or not passages
            or not self.store.holds_speaker(namespace, cfg.assistant_speakers)
        ):
            return passages
        said, assistant = self.store.speakers(namespace, list(passages)), self._assistant()
        return {
            node_id: score * cfg.assistant_weight if assistant(said.get(node_id, set())) else score
            for node_id, score in passages.items()
        }

    def graph(self, namespace: str) -> PPRGraph:
        """The namespace's PPR graph, rebuilt only when the store's adjacency changed."""
        adj = self.store.adjacency(namespace)
        cached = self._graphs.get(namespace)
        if cached is None or cached.version != adj.version or len(cached.ids) != len(adj.ids):
            cached = self._graphs[namespace] = PPRGraph.from_adjacency(
                adj, self.config.edge_weights
            )
        return cached

    def rank(
        self, namespace: str, query: str, vector: np.ndarray | None = None
    ) -> list[tuple[str, float]]:
        """Passage ids (units and episodes) with their PPR scores, best first."""
        if vector is None:
            return self._rank(namespace, query, self._embedding(query))
        given: Future[np.ndarray] = Future()
        given.set_result(vector)
        return self._rank(namespace, query, given)

    def _embedding(self, query: str) -> Future[np.ndarray]:
        """The query's vector, embedded on the Retriever's threads."""
        return self._submit(lambda: self.embedder.embed([query])[0])

    def _rank(
        self, namespace: str, query: str, vector: Future[np.ndarray]
    ) -> list[tuple[str, float]]:
        started = time.perf_counter()
        cand = self.candidates(namespace, query, vector)
        timings = {"candidates": time.perf_counter() - started, "graph": 0.0, "ppr": 0.0}
        self._local.timings = timings
        if not cand.passages and not cand.entities:
            return []
        started = time.perf_counter()
        graph = self.graph(namespace)
        timings["graph"] = time.perf_counter() - started
        entity_seeds: dict[int, float] = {}
        for ent_id, score in cand.entities.items():
            i = graph.index.get(ent_id)
            if i is not None:
                weight = score / max(graph.degree[i], 1) ** self.config.specificity
                entity_seeds[i] = entity_seeds.get(i, 0.0) + weight
        passage_seeds: dict[int, float] = {}
        outside: dict[str, float] = {}
        for node_id, score in cand.passages.items():
            i = graph.index.get(node_id)
            if i is None:
                outside[node_id] = score
            else:
                passage_seeds[i] = passage_seeds.get(i, 0.0) + score
        entity_total = sum(entity_seeds.values())
        passage_total = sum(passage_seeds.values()) + sum(outside.values())
        if entity_total <= 0 and passage_total <= 0:
            return []
        # Entities get a fixed share of the walk's restarts, whatever their number and degrees.
        share = self.config.entity_share if passage_total > 0 else 1.0
        share = share if entity_total > 0 else 0.0
        seeds = {i: share * w / max(entity_total, 1e-12) for i, w in entity_seeds.items()}
        for i, w in passage_seeds.items():
            seeds[i] = seeds.get(i, 0.0) + (1.0 - share) * w / max(passage_total, 1e-12)
        outside = {n: (1.0 - share) * w / passage_total for n, w in outside.items()}
        nodes = np.fromiter(seeds, np.int64, len(seeds))
        weights = np.fromiter(seeds.values(), np.float64, len(seeds))
        started = time.perf_counter()
        reached, ranks = push(
            graph,
            nodes,
            weights,
            self.config.damping,
            self.config.tolerance,
            self.config.max_iterations,
        )
        ranks *= weights.sum()
        timings["ppr"] = time.perf_counter() - started
        teleport = 1.0 - self.config.damping
        scores = {node_id: teleport * w for node_id, w in outside.items()}
        keep = graph.is_passage[reached]  # every node push reached has a positive rank
        reached, ranks = reached[keep], ranks[keep]
        for j in np.argsort(-ranks)[: 10 * self.config.candidates]:
            scores[graph.ids[reached[j]]] = float(ranks[j])
        return sorted(scores.items(), key=lambda kv: -kv[1])

    def search(
        self,
        namespace: str,
        query: str,
        k: int,
        as_of: datetime | None = None,
        route: Route | None = None,
        filters: SearchFilter | None = None,
    ) -> list[Hit]:
        """The ``k`` best hits valid at ``as_of`` (default: what memory believes now), shaped by
        the route: verbatim questions get the raw episodes, abstract ones session summaries
        first, temporal ones the route's ``as of`` time."""
        intent = route.intent if route else "factual"
        if intent == "temporal" and as_of is None and route is not None:
            as_of = route.as_of
        vector = self._embedding(query)
        ranked = self._rank(namespace, query, vector)
        if as_of is None:
            ranked = self._current_first(namespace, ranked)
        if self.config.rivals:
            ranked = self._with_rivals(namespace, ranked)
        first = self._hits(namespace, ranked, k, as_of, filters)
        hits = self._next_hops(namespace, first, ranked, as_of)
        if intent == "verbatim":
            hits = self._episodes_of(namespace, hits)
        elif intent == "abstract":
            hits = self._summary_hits(namespace, query, vector.result(), min(3, k)) + hits
        return self._admitted(namespace, hits, filters)[:k]

    def _admitted(self, namespace: str, hits: list[Hit], filters: SearchFilter | None) -> list[Hit]:
        """The hits ``filters`` admits (all without one)."""
        if filters is None:
            return hits
        ids = list(dict.fromkeys(e for h in hits for e in h.episode_ids))
        episodes = {e.id: e for e in self.store.get_episodes(namespace, ids)}
        return [h for h in hits if filters.admits(h, episodes)]

    def _current_first(
        self, namespace: str, ranked: list[tuple[str, float]]
    ) -> list[tuple[str, float]]:
        """Whatever replaced a stale passage ranks right above it: the successor of a superseded
        unit, and of the superseded units of an episode, takes the stale passage's score."""
        graph = self.graph(namespace)
        return _beside(ranked, graph, graph.newer, above=True)

    def _with_rivals(
        self, namespace: str, ranked: list[tuple[str, float]]
    ) -> list[tuple[str, float]]:
        """Either side of a contradiction brings the other right below it: a disputed
        statement is never shown without what disputes it."""
        graph = self.graph(namespace)
        return _beside(ranked, graph, graph.rivals, above=False)

    def _next_hops(
        self,
        namespace: str,
        hits: list[Hit],
        ranked: list[tuple[str, float]],
        as_of: datetime | None,
    ) -> list[Hit]:
        """``hits`` with up to ``next_hops`` documents moved right after the best hit: those
        whose topic the best hit's document names, best ranked first. Only when the best hit
        comes from a document (its units have a topic); conversations are left as they are."""
        if not hits or self.config.next_hops <= 0:
            return hits
        store, top = self.store, hits[0]
        units = store.units_from_episodes(namespace, top.episode_ids)
        if not any(a.role == "topic" for u in units for a in u.entities):
            return hits
        mentioned = list(
            dict.fromkeys(a.entity_id for u in units for a in u.entities if a.role != "topic")
        )
        names = [e.id for e in store.get_entities(namespace, mentioned) if e.type == "name"]
        sketches = store.recent_units_of_entities(namespace, names, _TOPIC_UNITS)
        about = [
            u
            for u in store.get_units(namespace, [s.id for s in sketches])
            if _valid(u, as_of)
            and not set(u.episode_ids) & set(top.episode_ids)
            and any(a.role == "topic" and a.entity_id in names for a in u.entities)
        ]
        if not about:
            return hits
        score = dict(ranked)
        best: dict[str, Unit] = {}  # per document, its best-ranked unit about the named topic
        for unit in sorted(about, key=lambda u: -score.get(u.id, 0.0)):  # ties: store order
            best.setdefault(unit.episode_ids[0], unit)
        shown = {e: h for h in reversed(hits) for e in h.episode_ids}
        chosen = sorted(best, key=lambda e: (e not in shown, -score.get(best[e].id, 0.0)))[
            : self.config.next_hops
        ]
        episodes = {e.id: e for e in store.get_episodes(namespace, chosen)}
        hops = [shown.get(e) or _unit_hit(best[e], top.score, episodes) for e in chosen]
        moved = {h.id for h in hops}
        return ([top, *hops] + [h for h in hits[1:] if h.id not in moved])[: len(hits)]

    def _episodes_of(self, namespace: str, hits: list[Hit]) -> list[Hit]:
        """Each hit replaced by the episodes it comes from, in rank order, once each."""
        order = list(dict.fromkeys(e for h in hits for e in h.episode_ids))
        episodes = {e.id: e for e in self.store.get_episodes(namespace, order)}
        score: dict[str, float] = {}
        for h in hits:
            for e in h.episode_ids:
                score.setdefault(e, h.score)
        return [Hit.of_episode(episodes[e], score[e]) for e in order if e in episodes]

    def _summary_hits(self, namespace: str, query: str, vector: np.ndarray, k: int) -> list[Hit]:
        fused = fuse(
            self.store.vector_search(namespace, "summary", vector, k),
            self.store.text_search(namespace, "summary", query, k),
            self.config.lexical_weight,
        )
        best = sorted(fused.items(), key=lambda kv: -kv[1])[:k]
        summaries = self.store.get_summaries(namespace, [i for i, _ in best])
        covered = [e for s in summaries for e in s.covers]
        episodes = {e.id: e for e in self.store.get_episodes(namespace, covered)}
        return [
            Hit(
                id=s.id,
                kind="summary",
                text=s.text,
                score=fused[s.id],
                episode_ids=[e for e in s.covers if e in episodes],
                source_ids=[
                    sid for e in s.covers if e in episodes and (sid := episodes[e].source_id)
                ],
                occurred_at=s.span_from,
                valid_from=s.span_from,
                valid_to=s.span_to,
            )
            for s in summaries
        ]

    def _hits(
        self,
        namespace: str,
        ranked: list[tuple[str, float]],
        k: int,
        as_of: datetime | None,
        filters: SearchFilter | None = None,
    ) -> list[Hit]:
        """The first ``k`` ranked passages that hold (at ``as_of``) and pass ``filters``."""
        history = filters is not None and filters.include_superseded
        hits: list[Hit] = []
        cited: set[str] = set()
        shown: dict[
            str, int
        ] = {}  # hits so far per episode: one long episode must not crowd out others
        cap = self.config.hits_per_episode
        # Passages are read a page at a time and most first pages fill k (at 1M units, pages of
        # 40 cost 1.6 ms more a search at p50 than pages of 20).
        window = max(2 * k, 10)
        for start in range(0, len(ranked), window):
            page = ranked[start : start + window]
            ids = [node_id for node_id, _ in page]
            units = {u.id: u for u in self.store.get_units(namespace, ids)}
            episode_ids = [i for i in ids if i not in units]
            episode_ids += [e for u in units.values() for e in u.episode_ids]
            episodes = {e.id: e for e in self.store.get_episodes(namespace, episode_ids)}
            for node_id, score in page:
                if node_id in units:
                    unit = units[node_id]
                    held = _valid(unit, as_of) or (history and unit.status == "superseded")
                    hit = _unit_hit(unit, score, episodes)
                    if filters is not None and not filters.admits(hit, episodes):
                        continue
                    if held and any(shown.get(e, 0) < cap for e in unit.episode_ids):
                        hits.append(hit)
                        cited.update(unit.episode_ids)
                        for e in unit.episode_ids:
                            shown[e] = shown.get(e, 0) + 1
                elif node_id in episodes and node_id not in cited:
                    ep = episodes[node_id]
                    hit = Hit.of_episode(ep, score)
                    if filters is not None and not filters.admits(hit, episodes):
                        continue
                    if as_of is None or ep.occurred_at <= as_of:
                        hits.append(hit)
                        cited.add(node_id)
                        shown[node_id] = shown.get(node_id, 0) + 1
                if len(hits) >= k:
                    return hits
        return hits


def _vector_search(
    store: GraphStore, namespace: str, label: Label, vector: Future[np.ndarray], k: int
) -> list[tuple[str, float]]:
    return store.vector_search(namespace, label, vector.result(), k)


def _valid(unit: Unit, as_of: datetime | None) -> bool:
    """Whether memory holds the unit true now (``as_of`` None) or held it true at ``as_of``."""
    if as_of is None:
        return unit.status in ("active", "conflicted")
    if unit.status == "retracted":
        return False
    started = unit.valid_from is None or unit.valid_from <= as_of
    return started and (unit.valid_to is None or as_of < unit.valid_to)


def _unit_hit(unit: Unit, score: float, episodes: dict[str, Episode]) -> Hit:
    sources = [episodes[e] for e in unit.episode_ids if e in episodes]
    return Hit(
        id=unit.id,
        kind="unit",
        text=unit.text,
        score=score,
        episode_ids=unit.episode_ids,
        source_ids=[ep.source_id for ep in sources if ep.source_id is not None],
        occurred_at=sources[0].occurred_at if sources else None,
        valid_from=unit.valid_from,
        valid_to=unit.valid_to,
        status=unit.status,
        speaker=sources[0].speaker if sources else None,
    )


def _beside(
    ranked: list[tuple[str, float]],
    graph: PPRGraph,
    linked: dict[int, list[int]],
    above: bool,
) -> list[tuple[str, float]]:
    """``ranked`` with the passages ``linked`` ties to each passage (by ``graph``'s node
    indices) placed right above or below it, at its score; each passage once, where it comes
    first."""
    if not linked:
        return ranked
    out: dict[str, float] = {}
    for node_id, score in ranked:
        if not above:
            out.setdefault(node_id, score)
        for i in linked.get(graph.index.get(node_id, -1), ()):
            out.setdefault(graph.ids[i], score)
        out.setdefault(node_id, score)
    return list(out.items())
