"""The stores every contract test runs against: SQLite always, Neo4j where one can be reached."""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

from graphmem.store.base import GraphStore
from graphmem.store.sqlite import SQLiteStore

_neo4j_skip_reason: str | None = None


def _neo4j_uri() -> tuple[str, tuple[str, str] | None, object | None]:
    """A reachable Neo4j: GRAPHMEM_NEO4J_URI if set, else a testcontainers one."""
    uri = os.environ.get("GRAPHMEM_NEO4J_URI")
    if uri:
        user = os.environ.get("GRAPHMEM_NEO4J_USER", "neo4j")
        password = os.environ.get("GRAPHMEM_NEO4J_PASSWORD")
        return uri, (user, password) if password else None, None
    try:
        from testcontainers.community.neo4j import Neo4jContainer
    except ImportError as exc:
        pytest.skip(f"Neo4j contract tests: testcontainers not installed ({exc})")
    try:
        container = Neo4jContainer("neo4j:5.26-community")
        container.start()
    except Exception as exc:  # DockerException where no engine runs
        pytest.skip(
            "Neo4j contract tests need GRAPHMEM_NEO4J_URI or a Docker engine for testcontainers; "
            f"neither is available here ({type(exc).__name__}: {str(exc)[:120]})"
        )
    return container.get_connection_url(), (container.username, container.password), container


@pytest.fixture(scope="session")
def neo4j_server() -> Iterator[tuple[str, tuple[str, str] | None]]:
    uri, auth, container = _neo4j_uri()
    yield uri, auth
    if container is not None:
        container.stop()


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
