"""The write planner both stores execute: numbering, session chains, the edges a batch brings."""

from datetime import UTC, datetime

import pytest

from graphmem.models import Edge, Episode, Involvement, Summary, Unit
from graphmem.store.base import Batch
from graphmem.store.planner import AdjacencyBuilder, plan_write, sessions_to_chain

T = datetime(2024, 3, 1, 12, 0, tzinfo=UTC)


def ep(text: str, session: str | None, ns: str = "a") -> Episode:
    return Episode(namespace=ns, content=text, session=session, occurred_at=T, recorded_at=T)


def test_episodes_are_numbered_and_chained_after_the_stored_ones():
    e1, e2, e3, e4 = ep("1", "s1"), ep("2", "s2"), ep("3", "s1"), ep("4", None)
    batch = Batch("a", episodes=[e1, e2, e3, e4])
    assert sessions_to_chain(batch) == ["s1", "s2"]
    plan = plan_write(batch, last_seq=7, last_in_session={"s1": "old", "s2": None})
    assert [e.seq for e in (e1, e2, e3, e4)] == [8, 9, 10, 11]
    assert [(e.src, e.dst) for e in plan.edges] == [("old", e1.id), (e1.id, e3.id)]


def test_units_and_summaries_bring_their_edges_before_the_batch_edges():
    e1 = ep("1", None)
    u = Unit(
        namespace="a",
        text="x",
        recorded_at=T,
        valid_from=T,
        entities=[Involvement(entity_id="p", role="subject"), Involvement(entity_id="q")],
        episode_ids=[e1.id],
    )
    s = Summary(namespace="a", text="digest", covers=[u.id])
    batch = Batch("a", units=[u], summaries=[s], edges=[Edge(type="SUPERSEDES", src=u.id, dst="v")])
    plan = plan_write(batch, 0, {})
    assert [(e.type, e.src, e.dst, e.props) for e in plan.edges] == [
        ("INVOLVES", u.id, "p", {"role": "subject"}),
        ("INVOLVES", u.id, "q", {"role": "mention"}),
        ("FROM", u.id, e1.id, {}),
        ("COVERS", s.id, u.id, {}),
        ("SUPERSEDES", u.id, "v", {}),
    ]
    assert list(plan.edges_by_type()) == ["INVOLVES", "FROM", "COVERS", "SUPERSEDES"]


def test_a_batch_is_refused_nodes_of_another_namespace_and_unwritable_edges():
    with pytest.raises(ValueError, match="holds nodes of \\['b'\\]"):
        plan_write(Batch("a", episodes=[ep("1", None, ns="b")]), 0, {})
    with pytest.raises(ValueError, match="INVOLVES edges are written with their nodes"):
        plan_write(Batch("a", edges=[Edge(type="INVOLVES", src="u", dst="e")]), 0, {})


def test_adjacency_grows_in_store_order_with_node_kinds():
    edges = AdjacencyBuilder()
    edges.add([("INVOLVES", "u", "e"), ("FROM", "u", "p")])
    first = edges.build(1)
    edges.add([("SUPERSEDES", "w", "u")])
    adj = edges.build(2)
    assert first.ids == ["u", "e", "p"] and first.src.tolist() == [0, 0]
    assert adj.ids == ["u", "e", "p", "w"]
    assert [adj.kind(n) for n in adj.ids] == ["unit", "entity", "episode", "unit"]
    assert adj.edges() == [("u", "e", "INVOLVES"), ("u", "p", "FROM"), ("w", "u", "SUPERSEDES")]
    assert adj.of_type("FROM").tolist() == [False, True, False]
    assert adj.of_kind("unit", "episode").tolist() == [True, False, True, True]
    assert adj.src.tolist() == [0, 0, 3] and adj.dst.tolist() == [1, 2, 0] and adj.version == 2
