"""The Constructor: episodes in; units, entities, session and topic summaries out, as one batch."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

import numpy as np

from ..config import ConstructorConfig
from ..decisions.base import Decisions, UnitDraft
from ..decisions.zero import document_topic
from ..embed import Embedder, Span, embed_passages, unit_rows
from ..embedder_guard import EmbedderGuard
from ..models import ENTITY_NAMESPACE, Episode, Involvement, Summary, Unit
from ..store.base import Batch, GraphStore
from ..text import canonical, clean
from .resolution import EntityResolver
from .topics import topic_summaries


def passage(ep: Episode) -> str:
    """The text embedded for an episode: its cleaned content, after its speaker."""
    return f"{ep.speaker}: {clean(ep.content)}" if ep.speaker else clean(ep.content)


def locate(text: str, unit_text: str) -> Span | None:
    """Where a unit's text lies in its episode's passage: the speaker prefix they share (if any)
    and the clause; None when the unit does not quote the episode."""
    colon = unit_text.find(": ")
    prefix = unit_text[: colon + 2] if colon > 0 and text.startswith(unit_text[: colon + 2]) else ""
    clause = unit_text[len(prefix) :]
    start = text.find(clause, len(prefix))
    if not clause or start < 0:
        return None
    clause_range = (start, start + len(clause))
    return ((0, len(prefix)), clause_range) if prefix else (clause_range,)


def summary_id(namespace: str, session: str) -> str:
    """The id of a session's summary: one node per session, rewritten as the session grows."""
    return str(uuid.uuid5(ENTITY_NAMESPACE, f"{namespace}\x00session\x00{session}"))


class Constructor:
    """Extracts, resolves and embeds; the Judge and Refresher finish the batch it returns."""

    def __init__(
        self, store: GraphStore, embedder: Embedder, decisions: Decisions, config: ConstructorConfig
    ) -> None:
        self.store = store
        self.embedder = embedder
        self.decisions = decisions
        self.config = config
        self.guard = EmbedderGuard(store, embedder)

    def build(self, namespace: str, episodes: list[Episode]) -> Batch:
        """The batch that turns ``episodes`` (all of ``namespace``) into processed memory."""
        self.guard.claim(namespace)
        known = {ep.id for ep in episodes}
        ids = {
            s: summary_id(namespace, s) for s in dict.fromkeys(ep.session for ep in episodes) if s
        }
        previous = {s.id: s for s in self.store.get_summaries(namespace, list(ids.values()))}
        extraction = self.decisions.extract(
            episodes, {s: previous[i].text for s, i in ids.items() if i in previous}
        )
        drafts = [d for d in extraction.units if set(d.episode_ids) <= known]
        _add_topics(episodes, drafts)
        resolver = EntityResolver(
            self.store,
            self.embedder,
            namespace,
            self.config.alias_similarity,
            self.config.ambiguous_similarity,
            self.decisions.disambiguate,
        )
        entities, upserts = resolver.resolve([m for d in drafts for m in d.mentions])
        episode_vectors, unit_vectors = self._embed(episodes, drafts)
        recorded = datetime.now(UTC)
        units = []
        for draft, vector in zip(drafts, unit_vectors, strict=True):
            unit = self._unit(namespace, draft, entities, recorded)
            if unit is not None:
                unit.embedding = vector
                units.append(unit)
        summaries = self._summaries(namespace, episodes, extraction.summaries, previous)
        by_id = {e.id: e for e in entities.values()}
        summaries += topic_summaries(self.store, namespace, units, by_id, self.config)
        processed = {ep.id: vec for ep, vec in zip(episodes, episode_vectors, strict=True)}
        self.embed_summaries(namespace, summaries, processed)
        return Batch(
            namespace, entities=upserts, units=units, summaries=summaries, processed=processed
        )

    def embed_summaries(
        self, namespace: str, summaries: list[Summary], batch: dict[str, np.ndarray]
    ) -> None:
        """A summary's vector is the mean of the vectors of the turns it covers (this batch's,
        and stored ones): no encoder pass over a long digest, whose newest lines a 256-token
        window would cut off anyway. A summary covering no embedded turn gets its text's."""
        stored = self.store.episode_vectors(
            namespace, list({e for s in summaries for e in s.covers if e not in batch})
        )
        vectors = batch | stored
        alone = []
        for summary in summaries:
            covered = [vectors[e] for e in summary.covers if e in vectors]
            if covered:
                summary.embedding = unit_rows(np.mean(covered, axis=0, keepdims=True))[0]
            else:
                alone.append(summary)
        for summary, vector in zip(
            alone, self.embedder.embed([s.text for s in alone]), strict=True
        ):
            summary.embedding = vector

    def _summaries(
        self,
        namespace: str,
        episodes: list[Episode],
        texts: dict[str, str],
        previous: dict[str, Summary],
    ) -> list[Summary]:
        summaries = []
        for session, text in texts.items():
            sid = summary_id(namespace, session)
            old = previous.get(sid)
            eps = [ep for ep in episodes if ep.session == session]
            times = [ep.occurred_at for ep in eps] + (
                [t for t in (old.span_from, old.span_to) if t] if old else []
            )
            summaries.append(
                Summary(
                    id=sid,
                    namespace=namespace,
                    text=text,
                    span_from=min(times),
                    span_to=max(times),
                    covers=list(dict.fromkeys((old.covers if old else []) + [e.id for e in eps])),
                )
            )
        return summaries

    def _embed(
        self, episodes: list[Episode], drafts: list[UnitDraft]
    ) -> tuple[np.ndarray, list[np.ndarray]]:
        """Vectors for the episodes (speaker included) and the units. A unit whose text is a span
        of its one episode is pooled from that episode's encoder pass; others are embedded alone."""
        passages = [passage(ep) for ep in episodes]
        position = {ep.id: i for i, ep in enumerate(episodes)}
        spans: list[list[Span]] = [[] for _ in episodes]
        located: dict[int, tuple[int, int]] = {}
        alone: list[int] = []
        for d, draft in enumerate(drafts):
            i = position[draft.episode_ids[0]] if len(draft.episode_ids) == 1 else None
            span = None if i is None else locate(passages[i], draft.text)
            if i is None or span is None:
                alone.append(d)
            else:
                located[d] = (i, len(spans[i]))
                spans[i].append(span)
        episode_vectors, span_vectors = embed_passages(self.embedder, passages, spans)
        own = dict(zip(alone, self.embedder.embed([drafts[d].text for d in alone]), strict=True))
        unit_vectors = [
            own[d] if d in own else span_vectors[located[d][0]][located[d][1]]
            for d in range(len(drafts))
        ]
        return episode_vectors, unit_vectors

    @staticmethod
    def _unit(namespace: str, draft: UnitDraft, entities: dict, recorded: datetime) -> Unit | None:
        arms: dict[str, Involvement] = {}
        for m in draft.mentions:
            ent = entities.get(canonical(m.name))
            if ent is not None and ent.id not in arms:
                arms[ent.id] = Involvement(entity_id=ent.id, role=m.role)
        if len(arms) < 2:
            return None
        return Unit(
            namespace=namespace,
            text=draft.text,
            kind=draft.kind,
            subject=draft.subject,
            predicate=draft.predicate,
            object=draft.object,
            valid_from=draft.valid_from,
            valid_to=draft.valid_to,
            recorded_at=recorded,
            entities=list(arms.values()),
            episode_ids=draft.episode_ids,
            by_rules=draft.by_rules,
        )


def _add_topics(episodes: list[Episode], drafts: list[UnitDraft]) -> None:
    """Every unit of a document chunk involves the chunk's topic (``document_topic``), whoever
    extracted it: the model's units name what a sentence says, not what the page is about, and
    the Retriever's next hop follows topics."""
    topics = {ep.id: topic for ep in episodes if (topic := document_topic(ep)) is not None}
    for draft in drafts:
        for episode_id in draft.episode_ids:
            topic = topics.get(episode_id)
            if topic and all(canonical(m.name) != canonical(topic.name) for m in draft.mentions):
                draft.mentions.append(topic)
