"""Entity resolution: exact name or alias, then embedding similarity, else a new entity."""

from __future__ import annotations

from graphmem.agents.resolution import EntityResolver
from graphmem.decisions.base import MentionDraft
from graphmem.embed import HashEmbedder
from graphmem.models import entity_id
from graphmem.store.base import Batch
from graphmem.store.sqlite import SQLiteStore


class Synonyms(HashEmbedder):
    """A test double: names in one group get the same vector."""

    groups = ({"Robert", "Bob"}, {"NYC", "New York"})

    def embed(self, texts):
        out = super().embed(texts)
        for i, text in enumerate(texts):
            for group in self.groups:
                if text in group:
                    out[i] = super().embed([sorted(group)[0]])[0]
        return out


def resolve(store, names_types):
    resolver = EntityResolver(store, Synonyms(), "ns", alias_similarity=0.9)
    return resolver.resolve([MentionDraft(name=n, type=t) for n, t in names_types])


def test_new_names_become_entities_with_stable_ids(tmp_path):
    store = SQLiteStore(tmp_path)
    resolved, upserts = resolve(store, [("Robert", "person"), ("Robert", "person")])
    assert [e.name for e in upserts] == ["Robert"]
    assert resolved["robert"].id == entity_id("ns", "robert")
    assert resolved["robert"].embedding is not None


def test_similar_name_resolves_to_the_existing_entity_as_alias(tmp_path):
    store = SQLiteStore(tmp_path)
    _, upserts = resolve(store, [("Robert", "person"), ("New York", "name")])
    store.write(Batch("ns", entities=upserts))
    resolved, upserts = resolve(store, [("Bob", "person"), ("NYC", "name"), ("Carol", "person")])
    assert resolved["bob"].id == entity_id("ns", "robert")
    assert resolved["nyc"].id == entity_id("ns", "new york")
    assert resolved["carol"].id == entity_id("ns", "carol")
    store.write(Batch("ns", entities=upserts))
    # the alias is now an exact key: found without any embedding
    (robert,) = store.find_entities("ns", ["bob"])
    assert robert.name == "Robert" and robert.aliases == ["Bob"]


def test_concepts_and_dates_are_never_merged_by_similarity(tmp_path):
    store = SQLiteStore(tmp_path)
    _, upserts = resolve(store, [("Robert", "person")])
    store.write(Batch("ns", entities=upserts))
    resolved, _ = resolve(store, [("Bob", "concept"), ("2024-05", "date")])
    assert resolved["bob"].id == entity_id("ns", "bob")
    assert resolved["bob"].embedding is None and resolved["2024-05"].embedding is None
