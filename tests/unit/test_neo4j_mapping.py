"""The Neo4j store's result mapping and query building, checked without a server."""

from datetime import UTC, datetime

import numpy as np
import pytest

from graphmem.models import Entity, Episode, Involvement, Unit
from graphmem.store import neo4j as n4

T = datetime(2024, 3, 1, 12, 0, tzinfo=UTC)


def test_cosine_score_conversion():
    assert n4.cosine_from_neo4j(1.0) == 1.0
    assert n4.cosine_from_neo4j(0.5) == 0.0
    assert n4.cosine_from_neo4j(0.0) == -1.0


def test_lucene_query_passes_no_syntax_through():
    assert n4.lucene_query("'}) DETACH DELETE n // AND *:* title:x~2") == (
        "detach OR delete OR n OR title OR x OR 2"
    )
    assert n4.lucene_query("the of and") == ""


def test_episode_round_trip():
    ep = Episode(
        namespace="a",
        content="hi there",
        speaker="Al",
        occurred_at=T,
        recorded_at=T,
        embedding=np.ones(3, np.float32),
    )
    row = n4.episode_row(ep)
    assert row["occurred_at"] == int(T.timestamp() * 1000) and row["embedding"] == [1.0] * 3
    assert "session" not in row  # Neo4j drops null properties: none are sent
    node = {k: v for k, v in row.items() if k != "embedding"}
    assert n4.episode_from(node) == ep.model_copy(update={"embedding": None})


def test_unit_round_trip():
    u = Unit(
        namespace="a",
        text="x",
        recorded_at=T,
        valid_from=T,
        entities=[Involvement(entity_id="e1", role="subject"), Involvement(entity_id="e2")],
        episode_ids=["ep1"],
    )
    row = n4.unit_row(u)
    assert "entities" not in row and "episode_ids" not in row  # edges, from the write plan
    node = {
        **{k: v for k, v in row.items() if k != "embedding"},
        "arms": [{"entity_id": "e1", "role": "subject"}, {"entity_id": "e2", "role": "mention"}],
        "episode_ids": ["ep1"],
        "valid_to": None,
        "expired_at": None,
    }
    back = n4.unit_from(node)
    assert back.valid_from == T and back.entities == u.entities and back.episode_ids == ["ep1"]
    assert back.text == "x" and back.status == "active"


def test_entity_keys_cover_aliases():
    row = n4.entity_row(
        Entity(id="1", namespace="a", name="Alice", canonical="alice", aliases=["Ally"])
    )
    assert row["keys"] == ["alice", "ally"]


def test_adjacency_from_rows():
    adj = n4.adjacency_from(
        [{"src": "u", "dst": "e", "type": "INVOLVES"}, {"src": "u", "dst": "p", "type": "FROM"}],
        version=7,
    )
    assert [adj.kind(n) for n in adj.ids] == ["unit", "entity", "episode"]
    assert adj.edges() == [("u", "e", "INVOLVES"), ("u", "p", "FROM")]
    assert adj.src.tolist() == [0, 0] and adj.dst.tolist() == [1, 2] and adj.version == 7


def test_unreachable_server_is_a_clear_error():
    from graphmem import StoreUnavailableError

    with pytest.raises(StoreUnavailableError, match="does not answer"):
        n4.Neo4jStore("bolt://127.0.0.1:9", auth=("neo4j", "x"), connection_timeout_s=2)
