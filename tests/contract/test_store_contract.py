"""The GraphStore contract: every store must pass every test here."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import numpy as np
import pytest

from graphmem.models import Edge, Entity, Episode, Involvement, Summary, Unit, entity_id
from graphmem.store.base import Batch, GraphStore, UnitUpdate

T0 = datetime(2024, 1, 10, 9, 0, tzinfo=UTC)


def vec(seed: int, dim: int = 384) -> np.ndarray:
    v = np.random.default_rng(seed).standard_normal(dim).astype(np.float32)
    return v / np.linalg.norm(v)


def episode(ns: str, text: str, session: str | None = "s1", minutes: int = 0, **kw) -> Episode:
    at = T0 + timedelta(minutes=minutes)
    return Episode(
        namespace=ns, content=text, session=session, occurred_at=at, recorded_at=at, **kw
    )


def entity(ns: str, name: str, seed: int, type_: str = "name", aliases=()) -> Entity:
    key = name.lower()
    return Entity(
        id=entity_id(ns, key),
        namespace=ns,
        name=name,
        canonical=key,
        type=type_,
        aliases=list(aliases),
        embedding=vec(seed),
    )


def unit(ns: str, text: str, ents: list[Entity], eps: list[Episode], seed: int, **kw) -> Unit:
    return Unit(
        namespace=ns,
        text=text,
        recorded_at=T0,
        valid_from=T0,
        embedding=vec(seed),
        entities=[Involvement(entity_id=e.id, role="mention") for e in ents],
        episode_ids=[e.id for e in eps],
        **kw,
    )


@pytest.fixture
def world(store: GraphStore, ns: str) -> dict:
    """Two episodes in a session, three entities and two units over them."""
    e1 = episode(ns, "Alice moved to Paris.", minutes=0, speaker="Alice", source_id="m1")
    e2 = episode(ns, "Alice works at Acme in Paris.", minutes=1, speaker="Alice", source_id="m2")
    store.write(Batch(ns, episodes=[e1, e2]))
    alice, paris, acme = entity(ns, "Alice", 1), entity(ns, "Paris", 2), entity(ns, "Acme", 3)
    u1 = unit(ns, "Alice moved to Paris", [alice, paris], [e1], 10)
    u2 = unit(ns, "Alice works at Acme", [alice, acme, paris], [e2], 11, kind="event")
    store.write(
        Batch(
            ns,
            entities=[alice, paris, acme],
            units=[u1, u2],
            processed={e1.id: vec(20), e2.id: vec(21)},
        )
    )
    return {"e1": e1, "e2": e2, "alice": alice, "paris": paris, "acme": acme, "u1": u1, "u2": u2}


def test_episodes_round_trip_with_order_and_session_chain(store, ns, world):
    e1, e2 = world["e1"], world["e2"]
    got = store.get_episodes(ns, [e2.id, e1.id])
    assert [g.id for g in got] == [e2.id, e1.id]
    assert got[1].content == "Alice moved to Paris." and got[1].source_id == "m1"
    assert got[1].occurred_at == e1.occurred_at and got[1].status == "processed"
    assert got[0].seq == got[1].seq + 1
    adj = store.adjacency(ns)
    nexts = {(src, dst) for src, dst, typ in adj.edges() if typ == "NEXT"}
    assert nexts == {(e1.id, e2.id)}
    assert adj.kind(e1.id) == "episode"


def test_units_carry_their_hyperedge_and_provenance(store, ns, world):
    (u2,) = store.get_units(ns, [world["u2"].id])
    assert {a.entity_id for a in u2.entities} == {world[k].id for k in ("alice", "acme", "paris")}
    assert u2.episode_ids == [world["e2"].id]
    assert u2.kind == "event" and u2.status == "active" and u2.valid_from == T0


def test_reads_take_more_ids_than_a_statement_can_bind(store, ns, world):
    unknown = [f"missing-{i}" for i in range(40_000)]
    (u2,) = store.get_units(ns, [*unknown, world["u2"].id])
    assert u2.id == world["u2"].id and len(u2.entities) == 3
    got = store.get_episodes(ns, [*unknown, world["e2"].id, world["e1"].id])
    assert [e.id for e in got] == [world["e2"].id, world["e1"].id]


def test_entities_upsert_merges_aliases_and_finds_by_alias(store, ns, world):
    alias = world["alice"].model_copy(update={"aliases": ["Ally"], "embedding": None})
    store.write(Batch(ns, entities=[alias]))
    store.write(Batch(ns, entities=[alias.model_copy(update={"aliases": ["Al", "Ally"]})]))
    (got,) = store.get_entities(ns, [world["alice"].id])
    assert sorted(got.aliases) == ["Al", "Ally"]
    assert [e.id for e in store.find_entities(ns, ["ally"])] == [world["alice"].id]
    assert [e.id for e in store.find_entities(ns, ["paris"])] == [world["paris"].id]
    assert store.find_entities(ns, ["nobody"]) == []


def test_vector_search_ranks_by_cosine(store, ns, world):
    hits = store.vector_search(ns, "unit", world["u2"].embedding, 2)
    assert hits[0][0] == world["u2"].id
    assert hits[0][1] == pytest.approx(1.0, abs=1e-3)
    assert hits[1][1] < hits[0][1]
    ents = store.vector_search(ns, "entity", vec(2), 1)
    assert ents[0][0] == world["paris"].id
    for nowhere in (np.zeros(384, np.float32), np.full(384, np.nan, np.float32)):
        assert store.vector_search(ns, "unit", nowhere, 5) == []  # nothing is near no direction


def test_text_search_is_lexical_and_takes_any_text_literally(store, ns, world):
    hits = store.text_search(ns, "episode", "Where does Alice work? Acme?", 5)
    assert hits and hits[0][0] == world["e2"].id
    for nasty in ["'}) DETACH DELETE n //", 'x" OR 1=1 --', "AND OR NOT *:* ~ ^", "(((", ""]:
        store.text_search(ns, "unit", nasty, 5)  # must not raise or alter anything
    assert len(store.get_units(ns, [world["u1"].id, world["u2"].id])) == 2


def test_every_read_is_scoped_to_its_namespace(store, ns, world):
    other = ns + "-other"
    ep = episode(other, "Alice moved to Paris.", speaker="Alice")
    store.write(Batch(other, episodes=[ep], processed={ep.id: world["u1"].embedding}))
    assert store.get_episodes(ns, [ep.id]) == []
    assert store.get_units(other, [world["u1"].id]) == []
    assert all(h[0] != ep.id for h in store.vector_search(ns, "episode", vec(20), 10))
    assert [h[0] for h in store.text_search(other, "episode", "Alice Paris", 10)] == [ep.id]
    assert store.find_entities(other, ["alice"]) == []
    assert store.adjacency(other).ids == [] or ep.id not in store.adjacency(ns).ids
    assert store.stats(other).episodes == 1 and store.stats(ns).episodes == 2


def test_status_and_temporal_updates(store, ns, world):
    e3 = episode(ns, "pending one", minutes=5)
    store.write(Batch(ns, episodes=[e3]))
    assert [e.id for e in store.episodes_by_status(ns, ["pending"])] == [e3.id]
    store.set_episode_status(ns, [e3.id], "failed", "LLM down")
    (failed,) = store.episodes_by_status(ns, ["failed"])
    assert failed.error == "LLM down"
    end = int((T0 + timedelta(days=30)).timestamp() * 1000)
    store.update_units(
        ns, [UnitUpdate(id=world["u1"].id, status="superseded", valid_to_ms=end, expired_at_ms=end)]
    )
    (u1,) = store.get_units(ns, [world["u1"].id])
    assert u1.status == "superseded" and u1.valid_to == T0 + timedelta(days=30)
    assert store.stats(ns).active_units == 1


def test_edges_and_summaries(store, ns, world):
    store.write(
        Batch(
            ns,
            edges=[
                Edge(
                    type="SUPERSEDES",
                    src=world["u2"].id,
                    dst=world["u1"].id,
                    props={"reason": "update"},
                )
            ],
        )
    )
    summary = Summary(
        namespace=ns,
        text="Alice lives and works in Paris.",
        span_from=T0,
        covers=[world["u1"].id, world["e2"].id],
        embedding=vec(30),
    )
    store.write(Batch(ns, summaries=[summary]))
    (got,) = store.get_summaries(ns, [summary.id])
    assert got.text == summary.text and got.span_from == T0
    adj = store.adjacency(ns)
    typed = set(adj.edges())
    assert (world["u2"].id, world["u1"].id, "SUPERSEDES") in typed
    assert (summary.id, world["e2"].id, "COVERS") in typed
    assert store.node_ids(ns, "summary") == [summary.id]


def test_a_namespace_crowded_out_by_another_still_finds_its_own(store, ns, world):
    """Indexes may span tenants: another namespace's 40 nearer, wordier matches change nothing."""
    other = ns + "-crowd"
    target = world["u1"].embedding
    eps = [episode(other, f"moved {i}", minutes=i) for i in range(40)]
    store.write(Batch(other, episodes=eps))
    near = [target + 0.01 * vec(100 + i) for i in range(40)]
    store.write(
        Batch(
            other, processed={e.id: v / np.linalg.norm(v) for e, v in zip(eps, near, strict=True)}
        )
    )
    mine = store.vector_search(ns, "episode", target, 2)
    assert sorted(h[0] for h in mine) == sorted([world["e1"].id, world["e2"].id])
    assert [h[0] for h in store.text_search(ns, "episode", "moved", 1)] == [world["e1"].id]


def test_a_batch_of_only_updates_and_edges_is_applied(store, ns, world):
    """What the read graph's refresh writes: rewrites of stored units and their edges, no node."""
    u1, u2 = world["u1"].id, world["u2"].id
    before = store.adjacency(ns)
    end = int((T0 + timedelta(days=3)).timestamp() * 1000)
    store.write(
        Batch(
            ns,
            updates=[UnitUpdate(id=u1, status="superseded", valid_to_ms=end, reason="moved")],
            edges=[Edge(type="SUPERSEDES", src=u2, dst=u1, props={"reason": "update"})],
        )
    )
    (old,) = store.get_units(ns, [u1])
    assert old.status == "superseded" and old.valid_to == T0 + timedelta(days=3)
    after = store.adjacency(ns)
    assert after.version != before.version
    typed = set(after.edges())
    assert (u2, u1, "SUPERSEDES") in typed


def test_a_batch_stays_inside_its_namespace(store, ns, world):
    other = ns + "-other"
    stranger = episode(other, "Bob moved to Rome.")
    store.write(Batch(other, episodes=[stranger]))
    with pytest.raises(ValueError, match="namespace"):
        store.write(Batch(ns, episodes=[episode(other, "misfiled")]))
    # updates and edges name ids: those of another namespace are left alone
    store.write(
        Batch(
            other,
            updates=[UnitUpdate(id=world["u1"].id, status="retracted")],
            edges=[Edge(type="RETRACTS", src=stranger.id, dst=world["u1"].id)],
        )
    )
    (u1,) = store.get_units(ns, [world["u1"].id])
    assert u1.status == "active"
    assert "RETRACTS" not in {typ for _, _, typ in store.adjacency(other).edges()}
    assert store.stats(other).episodes == 1


def test_erase_removes_content_and_derived_units(store, ns, world):
    covering = Summary(
        namespace=ns, text="Alice moved.", covers=[world["u1"].id], embedding=vec(30)
    )
    apart = Summary(namespace=ns, text="Acme.", covers=[world["e2"].id], embedding=vec(31))
    store.write(Batch(ns, summaries=[covering, apart]))
    erased = store.erase(ns, world["e1"].id)
    assert erased.ids == {
        "episode": [world["e1"].id],
        "unit": [world["u1"].id],
        "summary": [covering.id],  # it covered an erased unit
    }
    assert erased.sessions == {"s1"}
    assert erased.entities == {world["alice"].id, world["paris"].id}  # still involved by u2
    assert store.get_episodes(ns, [world["e1"].id]) == []
    assert store.get_units(ns, [world["u1"].id]) == []  # built from the erased episode
    assert [s.id for s in store.get_summaries(ns, [covering.id, apart.id])] == [apart.id]
    assert store.text_search(ns, "episode", "moved", 5) == []
    assert store.text_search(ns, "unit", "moved", 5) == []
    assert all(h[0] != world["e1"].id for h in store.vector_search(ns, "episode", vec(20), 5))
    assert world["e1"].id not in store.adjacency(ns).ids
    assert store.get_units(ns, [world["u2"].id])  # untouched
    assert store.erase(ns, world["e1"].id) is None
    assert store.erase(ns + "-other", world["e2"].id) is None  # another tenant's id


def test_a_summary_covering_an_erased_node_is_not_written_back(store, ns, world):
    """A writer that read a summary before an erasure must not bring the erased text back."""
    store.erase(ns, world["e1"].id)
    stale = Summary(
        namespace=ns,
        text="Alice moved to Paris; works at Acme.",
        covers=[world["e1"].id, world["e2"].id],
        embedding=vec(32),
    )
    fresh = Summary(
        namespace=ns, text="Alice works at Acme.", covers=[world["e2"].id], embedding=vec(33)
    )
    store.write(Batch(ns, summaries=[stale, fresh]))
    assert [s.id for s in store.get_summaries(ns, [stale.id, fresh.id])] == [fresh.id]


def test_erasing_a_unit_drops_orphan_entities_and_the_reasons_that_named_it(store, ns, world):
    store.write(
        Batch(
            ns,
            edges=[Edge(type="SUPERSEDES", src=world["u2"].id, dst=world["u1"].id)],
            updates=[UnitUpdate(id=world["u1"].id, status="superseded", reason="Acme, per u2")],
        )
    )
    erased = store.erase(ns, world["u2"].id)
    assert erased.ids == {"unit": [world["u2"].id], "entity": [world["acme"].id]}
    assert erased.sessions == set() and erased.entities == {world["alice"].id, world["paris"].id}
    (u1,) = store.get_units(ns, [world["u1"].id])
    assert u1.status == "superseded" and u1.reason is None
    assert store.get_entities(ns, [world["acme"].id]) == []


@pytest.mark.parametrize("chunk", [5000, 2])  # Neo4j erases a big tenant a chunk at a time
def test_erase_namespace_takes_everything_of_it_and_nothing_else(
    store, ns, world, chunk, monkeypatch
):
    monkeypatch.setattr("graphmem.store.neo4j.ERASE_CHUNK", chunk)
    other = ns + "-kept"
    kept = episode(other, "Bob stays.", source_id="b1")
    store.write(Batch(other, episodes=[kept]))
    erased = store.erase_namespace(ns)
    assert sorted(erased["episode"]) == sorted([world["e1"].id, world["e2"].id])
    assert len(erased["unit"]) == 2 and len(erased["entity"]) == 3
    assert store.stats(ns).episodes == store.stats(ns).edges == 0
    assert ns not in store.namespaces() and other in store.namespaces()
    assert store.embedder_of(ns) is None
    assert store.text_search(ns, "episode", "Alice", 5) == []
    assert store.vector_search(ns, "unit", vec(10), 5) == []
    assert store.adjacency(ns).ids == []
    assert store.get_episodes(other, [kept.id])[0].content == "Bob stays."
    assert store.erase_namespace(ns) == {}
    again = episode(ns, "Alice is back.", source_id="m9")
    store.write(Batch(ns, episodes=[again], processed={again.id: vec(40)}))
    assert [h[0] for h in store.vector_search(ns, "episode", vec(40), 5)] == [again.id]


def test_session_episodes_in_order(store, ns, world):
    store.write(Batch(ns, episodes=[episode(ns, "Elsewhere.", session="s2", minutes=5)]))
    got = store.session_episodes(ns, "s1")
    assert [e.id for e in got] == [world["e1"].id, world["e2"].id]
    assert store.session_episodes(ns + "-other", "s1") == []


def test_namespaces_and_stats(store, ns, world):
    assert ns in store.namespaces()
    s = store.stats(ns)
    assert (s.episodes, s.units, s.entities, s.pending) == (2, 2, 3, 0)
    assert s.edges >= 2 + 3 + 2 + 1  # INVOLVES + FROM + NEXT


def test_the_first_embedder_claimed_stays_the_namespaces(store, ns, world):
    assert store.embedder_of(ns) is None  # written without a claim (a store from before it)
    assert store.claim_embedder(ns, "model-a") == "model-a"
    assert store.claim_embedder(ns, "model-b") == "model-a"
    assert store.embedder_of(ns) == "model-a"
    assert store.embedder_of(ns + "-other") is None
    assert store.claim_embedder(ns + "-other", "model-b") == "model-b"
    assert store.embedder_of(ns) == "model-a"


def test_slot_lookup_and_source_lookup(store, ns, world):
    e3 = episode(ns, "I live in Rome.", minutes=3, source_id="m3")
    store.write(Batch(ns, episodes=[e3]))
    slot = unit(
        ns,
        "user lives in Rome",
        [world["alice"], world["paris"]],
        [e3],
        12,
        subject="user",
        predicate="lives_in",
        object="Rome",
    )
    retired = unit(
        ns,
        "user lives in Oslo",
        [world["alice"], world["acme"]],
        [e3],
        13,
        predicate="lives_in",
        status="superseded",
    )
    store.write(Batch(ns, units=[slot, retired]))
    (got,) = store.units_in_slots(ns, [("User", "lives_in"), ("user", "works_at")])
    assert got.id == slot.id and (got.subject, got.predicate, got.object) == (
        "user",
        "lives_in",
        "Rome",
    )
    assert store.units_in_slots(ns, [("bob", "lives_in")]) == []
    assert store.units_in_slots(ns + "-other", [("user", "lives_in")]) == []
    assert [e.id for e in store.episodes_by_source(ns, ["m3", "m1"])] == [world["e1"].id, e3.id]
    assert store.episodes_by_source(ns + "-other", ["m1"]) == []


def test_recent_units_of_entities(store, ns, world):
    """The Judge's neighbour lookup: believed units of each entity, the most recent first."""
    e3 = episode(ns, "Alice is in Paris again.", minutes=3)
    store.write(Batch(ns, episodes=[e3]))
    latest = unit(ns, "Alice is in Paris again", [world["alice"], world["paris"]], [e3], 12)
    retired = unit(ns, "Alice left Acme", [world["alice"], world["acme"]], [e3], 13)
    latest.recorded_at = retired.recorded_at = T0 + timedelta(minutes=5)
    retired.status = "superseded"
    store.write(Batch(ns, units=[latest, retired]))
    assert [u.id for u in store.recent_units_of_entities(ns, [world["paris"].id], 1)] == [latest.id]
    found = store.recent_units_of_entities(ns, [world["acme"].id, world["paris"].id], 5)
    got = {u.id: u for u in found}
    assert set(got) == {world["u1"].id, world["u2"].id, latest.id}
    assert got[latest.id].text == "Alice is in Paris again"
    assert got[world["u2"].id].entity_ids == {world[k].id for k in ("alice", "acme", "paris")}
    assert store.recent_units_of_entities(ns + "-other", [world["paris"].id], 5) == []
    assert store.recent_units_of_entities(ns, [], 5) == []


def test_previous_episode_and_units_from_episodes(store, ns, world):
    e3 = episode(ns, "Bob says hi.", minutes=2, speaker="Bob")
    e4 = episode(ns, "No speaker here.", minutes=3)
    store.write(Batch(ns, episodes=[e3, e4]))
    assert store.previous_episode(ns, e3.seq, "Alice").id == world["e2"].id
    assert store.previous_episode(ns, world["e1"].seq, "Alice") is None
    assert store.previous_episode(ns, e4.seq + 1, None).id == e4.id
    assert store.previous_episode(ns + "-other", e3.seq, "Alice") is None
    got = store.units_from_episodes(ns, [world["e1"].id, world["e2"].id])
    assert sorted(u.id for u in got) == sorted([world["u1"].id, world["u2"].id])
    assert store.units_from_episodes(ns + "-other", [world["e1"].id]) == []


def test_speakers_of_episodes_and_units(store, ns, world):
    e3 = episode(ns, "Sure, Paris it is.", minutes=2, speaker="assistant")
    e4 = episode(ns, "No speaker here.", minutes=3)
    store.write(Batch(ns, episodes=[e3, e4]))
    both = unit(ns, "Paris it is", [world["alice"], world["paris"]], [world["e1"], e3], 12)
    store.write(Batch(ns, units=[both], processed={e3.id: vec(22), e4.id: vec(23)}))
    ids = [e3.id, e4.id, world["u1"].id, both.id, world["alice"].id, "missing"]
    assert store.speakers(ns, ids) == {
        e3.id: {"assistant"},
        e4.id: {None},
        world["u1"].id: {"Alice"},
        both.id: {"Alice", "assistant"},
    }
    assert store.speakers(ns + "-other", ids) == {}
    assert store.speakers(ns, []) == {}


def test_replies_are_the_next_episode_in_the_session_by_another_speaker(store, ns, world):
    e3 = episode(ns, "Where do you work?", minutes=2, speaker="Bob")
    e4 = episode(ns, "At Acme.", minutes=3, speaker="ALICE")
    e5 = episode(ns, "Which floor?", minutes=4, speaker="alice")  # the same speaker as e4
    e6 = episode(ns, "Another session.", session="s2", minutes=5, speaker="Bob")
    e7 = episode(ns, "A chunk asks?", session="doc", minutes=6)
    e8 = episode(ns, "Its next chunk.", session="doc", minutes=7)
    store.write(Batch(ns, episodes=[e3, e4, e5, e6, e7, e8]))
    asked = unit(ns, "Bob asks where Alice works", [world["alice"], world["acme"]], [e3], 12)
    store.write(Batch(ns, units=[asked], processed={e3.id: vec(22)}))
    ids = [e3.id, e4.id, e5.id, e6.id, e7.id, asked.id, world["u1"].id, world["e2"].id]
    assert store.replies(ns, ids) == {
        world["e2"].id: {e3.id},  # Alice, then Bob
        e3.id: {e4.id},
        asked.id: {e4.id},  # a unit's reply is its episode's
    }  # e4 -> e5: one speaker (letter case aside); e5 and e6: another session; e7: no speaker
    assert store.replies(ns + "-other", ids) == {}
    assert store.replies(ns, []) == {}


def test_holds_speaker_in_its_namespace_letter_case_aside(store, ns, world):
    assert store.holds_speaker(ns, ["alice"]) and store.holds_speaker(ns, ["Bob", "ALICE"])
    assert not store.holds_speaker(ns, ["assistant", "ai"])
    assert not store.holds_speaker(ns + "-other", ["Alice"])
    store.write(Batch(ns, episodes=[episode(ns, "Sure.", minutes=2, speaker="Assistant")]))
    assert store.holds_speaker(ns, ["assistant", "ai"])
    assert not store.holds_speaker(ns + "-other", ["assistant"])


def test_episode_vectors(store, ns, world):
    got = store.episode_vectors(ns, [world["e2"].id, world["e1"].id, "missing"])
    assert set(got) == {world["e1"].id, world["e2"].id}
    assert np.allclose(got[world["e1"].id], vec(20), atol=1e-6)
    assert np.allclose(got[world["e2"].id], vec(21), atol=1e-6)
    assert store.episode_vectors(ns + "-other", [world["e1"].id]) == {}
    assert store.episode_vectors(ns, []) == {}


def test_batch_rewrites_commit_with_their_edges(store, ns, world):
    """The Refresher's batch: new unit, update of an old one, SUPERSEDES and FROM edges, at once."""
    e3 = episode(ns, "Alice moved to Berlin.", minutes=3)
    store.write(Batch(ns, episodes=[e3]))
    berlin = entity(ns, "Berlin", 4)
    new = unit(ns, "Alice moved to Berlin", [world["alice"], berlin], [e3], 14)
    end = int((T0 + timedelta(days=60)).timestamp() * 1000)
    store.write(
        Batch(
            ns,
            entities=[berlin],
            units=[new],
            updates=[
                UnitUpdate(
                    id=world["u1"].id,
                    status="superseded",
                    valid_to_ms=end,
                    expired_at_ms=end,
                    reason=f"superseded by {new.id}",
                )
            ],
            edges=[
                Edge(type="SUPERSEDES", src=new.id, dst=world["u1"].id, props={"reason": "moved"}),
                Edge(type="FROM", src=world["u2"].id, dst=e3.id),
            ],
            processed={e3.id: vec(22)},
        )
    )
    old, u2 = store.get_units(ns, [world["u1"].id, world["u2"].id])
    assert old.status == "superseded" and old.reason == f"superseded by {new.id}"
    assert old.valid_to == T0 + timedelta(days=60)
    assert set(u2.episode_ids) == {world["e2"].id, e3.id}  # merged provenance
    assert store.stats(ns).active_units == 2


def test_summary_rewrite_replaces_text_vector_and_cover(store, ns, world):
    first = Summary(namespace=ns, text="Alice moved.", covers=[world["e1"].id], embedding=vec(40))
    store.write(Batch(ns, summaries=[first]))
    assert store.vector_search(ns, "summary", vec(40), 1)[0][0] == first.id  # cached now
    second = first.model_copy(
        update={"text": "Alice moved and found work.", "covers": [world["e1"].id, world["e2"].id]}
    )
    second.embedding = vec(41)
    store.write(Batch(ns, summaries=[second]))
    (got,) = store.get_summaries(ns, [first.id])
    assert got.text == "Alice moved and found work."
    assert set(got.covers) == {world["e1"].id, world["e2"].id}
    hits = store.vector_search(ns, "summary", vec(41), 5)
    assert [h[0] for h in hits] == [first.id] and hits[0][1] == pytest.approx(1.0, abs=1e-3)
    assert [h[0] for h in store.text_search(ns, "summary", "work", 5)] == [first.id]
    assert store.stats(ns).summaries == 1
    store.write(Batch(ns, summaries=[second.model_copy(update={"covers": [world["e2"].id]})]))
    assert store.get_summaries(ns, [first.id])[0].covers == [world["e2"].id]


def test_holds_source_by_prefix(store, ns, world):
    store.write(Batch(ns, episodes=[episode(ns, "A stored value.", source="store:text")]))
    assert store.holds_source(ns, "store:") and store.holds_source(ns, "message")
    assert not store.holds_source(ns, "store-unindexed:")
    assert not store.holds_source(ns + "-other", "store:")


def test_reads_racing_an_erase_see_each_node_whole_or_not_at_all(store, ns):
    import threading

    eps = [episode(ns, f"Note {i} on the kiln.", minutes=i, source_id=f"k{i}") for i in range(120)]
    kiln, clay = entity(ns, "Kiln", 1), entity(ns, "Clay", 2)
    units = [unit(ns, f"Note {i}: kiln, clay", [kiln, clay], [e], 9 + i) for i, e in enumerate(eps)]
    store.write(Batch(ns, episodes=eps))
    store.write(Batch(ns, entities=[kiln, clay], units=units))
    ids, sources = [e.id for e in eps], [e.source_id for e in eps]
    unit_ids = [u.id for u in units]
    done, failures = threading.Event(), []

    def said() -> None:
        got = [
            *store.get_episodes(ns, ids),
            *store.episodes_by_source(ns, sources),
            *store.session_episodes(ns, "s1"),
        ]
        assert all(e.id in ids and e.content.startswith("Note") for e in got)

    def built() -> None:
        got = [*store.get_units(ns, unit_ids), *store.units_from_episodes(ns, ids)]
        assert all(u.id in unit_ids and u.text.startswith("Note") for u in got)
        assert None not in store.adjacency(ns).ids

    def keep_reading(read) -> None:
        while not done.is_set():
            try:
                read()
            except Exception as exc:  # the reader reports whatever it met
                failures.append(exc)
                return

    readers = [threading.Thread(target=keep_reading, args=(r,)) for r in (said, built)]
    for reader in readers:
        reader.start()
    for i in ids:
        store.erase(ns, i)
    done.set()
    for reader in readers:
        reader.join()
    assert failures == []
    assert store.get_episodes(ns, ids) == [] and store.get_units(ns, unit_ids) == []
