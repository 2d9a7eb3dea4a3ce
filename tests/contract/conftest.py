"""The stores every contract test runs against: SQLite always, Neo4j where one runs."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

from graphmem.store.base import GraphStore
from graphmem.store.sqlite import SQLiteStore


@pytest.fixture(params=["sqlite", pytest.param("neo4j", marks=pytest.mark.neo4j)])
def store(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[GraphStore]:
    if request.param == "sqlite":
        s: GraphStore = SQLiteStore(tmp_path / "store")
    else:
        from graphmem.store.neo4j import Neo4jStore

        uri, auth = request.getfixturevalue("neo4j_server")
        s = Neo4jStore(uri, auth=auth)
    yield s
    s.close()


@pytest.fixture
def ns() -> str:
    """A namespace no other test uses (the Neo4j server is shared)."""
    return f"t-{uuid.uuid4().hex[:12]}"
