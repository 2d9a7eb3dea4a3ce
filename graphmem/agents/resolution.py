"""Entity resolution: exact name or alias first, then embedding similarity for names, then the
model (when there is one) for the ambiguous band just below the alias threshold."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from ..decisions.base import MentionDraft
from ..embed import Embedder
from ..models import Entity, entity_id
from ..store.base import GraphStore
from ..text import canonical

NAMED_TYPES = frozenset({"person", "name", "place", "organization", "org", "thing"})


class EntityResolver:
    """Maps mentions to entities of one namespace, creating the entities memory lacks."""

    def __init__(
        self,
        store: GraphStore,
        embedder: Embedder,
        namespace: str,
        alias_similarity: float,
        ambiguous_similarity: float = 1.0,
        disambiguate: Callable[[str, list[tuple[str, str]]], str | None] | None = None,
    ) -> None:
        self.store = store
        self.embedder = embedder
        self.namespace = namespace
        self.alias_similarity = alias_similarity
        self.ambiguous_similarity = ambiguous_similarity
        self.disambiguate = disambiguate

    def resolve(self, mentions: list[MentionDraft]) -> tuple[dict[str, Entity], list[Entity]]:
        """Return (canonical key -> entity) for every mention, and the entities to upsert."""
        first: dict[str, MentionDraft] = {}
        for m in mentions:
            key = canonical(m.name)
            if key:
                first.setdefault(key, m)
        resolved: dict[str, Entity] = {}
        for ent in self.store.find_entities(self.namespace, list(first)):
            for key in (ent.canonical, *map(canonical, ent.aliases)):
                if key in first:
                    resolved.setdefault(key, ent)
        missing = [key for key in first if key not in resolved]
        # Only names are embedded: concepts, dates and numbers are found by their exact key.
        named = [key for key in missing if first[key].type in NAMED_TYPES]
        vectors = dict(zip(named, self.embedder.embed([first[k].name for k in named]), strict=True))
        upserts: list[Entity] = []
        for key in missing:
            mention = first[key]
            vector = vectors.get(key)
            match = self._similar(mention, vector) if vector is not None else None
            if match is not None:
                alias = match.model_copy(update={"aliases": [mention.name]})
                resolved[key] = alias
                upserts.append(alias)
            else:
                ent = Entity(
                    id=entity_id(self.namespace, key),
                    namespace=self.namespace,
                    name=mention.name,
                    canonical=key,
                    type=mention.type,
                    embedding=vector,
                )
                resolved[key] = ent
                upserts.append(ent)
        return resolved, upserts

    def _similar(self, mention: MentionDraft, vector: np.ndarray) -> Entity | None:
        hits = self.store.vector_search(self.namespace, "entity", vector, 3)
        near = [
            i for i, score in hits if score >= min(self.alias_similarity, self.ambiguous_similarity)
        ]
        sure = {i for i, score in hits if score >= self.alias_similarity}
        named = [e for e in self.store.get_entities(self.namespace, near) if e.type in NAMED_TYPES]
        for ent in named:
            if ent.id in sure:
                return ent
        if named and self.disambiguate is not None:
            choice = self.disambiguate(mention.name, [(e.id, e.name) for e in named])
            return next((e for e in named if e.id == choice), None)
        return None
