"""Forgetting: erase a node and all that was derived from it, write the summaries that held it
again from what remains, and scrub the store's files."""

from __future__ import annotations

from .agents.constructor import Constructor, summary_id
from .agents.topics import TOPIC_TYPES, rebuilt_topic, topic_id
from .decisions import rules
from .errors import NotFoundError
from .models import Erasure, Summary
from .store.base import Batch, Erased, GraphStore


class Eraser:
    """Erasure with no model call: summaries are rebuilt extractively."""

    def __init__(self, store: GraphStore, constructor: Constructor) -> None:
        self.store = store
        self.constructor = constructor

    def forget(self, namespace: str, node_id: str) -> Erasure:
        erased = self.store.erase(namespace, node_id)
        if erased is None:
            raise NotFoundError(f"no memory {node_id!r} in namespace {namespace!r}")
        ids = {k: list(v) for k, v in erased.ids.items()}
        for entity_id in erased.ids.get("entity", []):  # an erased entity's digest goes too
            gone = self.store.erase(namespace, topic_id(namespace, entity_id))
            for label, group in (gone.ids if gone else {}).items():
                ids.setdefault(label, []).extend(group)
        summaries = self._rebuilt(namespace, erased)
        if summaries:
            self.constructor.embed_summaries(namespace, summaries, {})
            self.store.write(Batch(namespace, summaries=summaries))
        rewritten = [s.id for s in summaries]
        touched = {*ids, "summary"} if rewritten else set(ids)
        scrubbed = self.store.scrub(touched)
        return Erasure(namespace=namespace, erased=ids, rewritten=rewritten, scrubbed=scrubbed)

    def forget_namespace(self, namespace: str) -> Erasure:
        ids = self.store.erase_namespace(namespace)
        if not ids:
            raise NotFoundError(f"namespace {namespace!r} holds no memory")
        return Erasure(namespace=namespace, erased=ids, scrubbed=self.store.scrub(ids))

    def _rebuilt(self, namespace: str, erased: Erased) -> list[Summary]:
        """The summaries of the sessions and the topics that lost content, from what is left."""
        out = []
        for session in sorted(erased.sessions):
            episodes = [
                ep
                for ep in self.store.session_episodes(namespace, session)
                if ep.status == "processed"
            ]
            text = rules.summarize(None, episodes) if episodes else ""
            if text:
                out.append(
                    Summary(
                        id=summary_id(namespace, session),
                        namespace=namespace,
                        text=text,
                        span_from=min(ep.occurred_at for ep in episodes),
                        span_to=max(ep.occurred_at for ep in episodes),
                        covers=[ep.id for ep in episodes],
                    )
                )
        had = set(erased.ids.get("summary", []))
        config = self.constructor.config
        for entity in self.store.get_entities(namespace, sorted(erased.entities)):
            sid = topic_id(namespace, entity.id)
            if entity.type not in TOPIC_TYPES:
                continue
            if sid not in had and not self.store.get_summaries(namespace, [sid]):
                continue
            units = self.store.units_of_entity(namespace, entity.id)
            topic = rebuilt_topic(namespace, entity, units, config)
            if topic is not None:
                out.append(topic)
            else:
                self.store.erase(namespace, sid)
        return out
