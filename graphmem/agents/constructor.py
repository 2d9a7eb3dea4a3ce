"""The Constructor: episodes in, units and entities out, as one batch for one transaction."""

from __future__ import annotations

from datetime import UTC, datetime

from ..config import ConstructorConfig
from ..embed import Embedder
from ..llm.base import Extractor, UnitDraft
from ..models import Episode, Involvement, Unit
from ..store.base import Batch, GraphStore
from ..text import canonical
from .resolution import EntityResolver


class Constructor:
    """Extracts, resolves and embeds; the caller writes the batch it returns."""

    def __init__(
        self, store: GraphStore, embedder: Embedder, extractor: Extractor, config: ConstructorConfig
    ) -> None:
        self.store = store
        self.embedder = embedder
        self.extractor = extractor
        self.config = config

    def build(self, namespace: str, episodes: list[Episode]) -> Batch:
        """The batch that turns ``episodes`` (all of ``namespace``) into processed memory."""
        known = {ep.id for ep in episodes}
        drafts = [d for d in self.extractor.extract(episodes) if set(d.episode_ids) <= known]
        resolver = EntityResolver(
            self.store, self.embedder, namespace, self.config.alias_similarity
        )
        entities, upserts = resolver.resolve([m for d in drafts for m in d.mentions])
        vectors = self.embedder.embed([ep.content for ep in episodes] + [d.text for d in drafts])
        recorded = datetime.now(UTC)
        units = []
        for draft, vector in zip(drafts, vectors[len(episodes) :], strict=True):
            unit = self._unit(namespace, draft, entities, recorded)
            if unit is not None:
                unit.embedding = vector
                units.append(unit)
        return Batch(
            entities=upserts,
            units=units,
            processed={ep.id: vec for ep, vec in zip(episodes, vectors, strict=False)},
        )

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
            valid_from=draft.valid_from,
            valid_to=draft.valid_to,
            recorded_at=recorded,
            entities=list(arms.values()),
            episode_ids=draft.episode_ids,
        )
