"""Shared fixtures: Memory on each store with the hashing embedder, the real embedder, and
the Neo4j server that tools/neo4j/with-neo4j starts (GRAPHMEM_NEO4J_URI)."""

from __future__ import annotations

import importlib.util
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from types import ModuleType

import pytest

from graphmem import HashEmbedder, Memory
from graphmem.embed import Embedder, default_embedder

REPO = Path(__file__).resolve().parent.parent


def load_file(relative: str, name: str) -> ModuleType:
    """The module in a repository file outside any package (an example, a tool), as ``name``
    in ``sys.modules`` (LangGraph resolves a state's type hints through it)."""
    spec = importlib.util.spec_from_file_location(name, REPO / relative)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    spec.loader.exec_module(module)
    return module


STORES = ["sqlite", pytest.param("neo4j", marks=pytest.mark.neo4j)]
"""Parametrise a test with ``store_kind`` over these to run it on both stores."""


@pytest.fixture(scope="session")
def neo4j_server() -> tuple[str, tuple[str, str] | None]:
    """The Neo4j named by GRAPHMEM_NEO4J_URI (and _USER / _PASSWORD)."""
    uri = os.environ.get("GRAPHMEM_NEO4J_URI")
    if not uri:
        pytest.skip(
            "no Neo4j: run the tests through tools/neo4j/with-neo4j (or set GRAPHMEM_NEO4J_URI)"
        )
    password = os.environ.get("GRAPHMEM_NEO4J_PASSWORD")
    user = os.environ.get("GRAPHMEM_NEO4J_USER", "neo4j")
    return uri, (user, password) if password else None


def wipe_neo4j(uri: str, auth: tuple[str, str] | None) -> None:
    """Delete every node of the shared test server (its schema stays)."""
    import neo4j

    with neo4j.GraphDatabase.driver(uri, auth=auth) as driver:
        driver.execute_query("MATCH (n) DETACH DELETE n")


@pytest.fixture(params=STORES)
def store_kind(request: pytest.FixtureRequest) -> str:
    return request.param


@pytest.fixture
def open_memory(store_kind: str, tmp_path: Path, request: pytest.FixtureRequest):
    """Opens Memory on the test's store: an embedded folder, or the Neo4j server wiped clean
    for this test. Call it again for a second client on the same store."""
    if store_kind == "neo4j":
        uri, auth = request.getfixturevalue("neo4j_server")
        wipe_neo4j(uri, auth)

    def open_(**kwargs) -> Memory:
        kwargs.setdefault("embedder", HashEmbedder())
        if store_kind == "sqlite":
            return Memory(path=tmp_path / "mem", **kwargs)
        return Memory.from_uri(uri, auth=auth, **kwargs)

    return open_


@pytest.fixture
def memory(open_memory) -> Iterator[Memory]:
    """Memory on a fresh store of each kind, with the fast hashing embedder."""
    with open_memory() as mem:
        yield mem


@pytest.fixture(scope="session")
def minilm() -> Embedder:
    """The real default embedder (loaded once per test session)."""
    embedder = default_embedder()
    embedder.embed(["warm up"])
    return embedder


def run_cli(
    tmp_path: Path, *args: str, store: tuple[str, ...] = (), password: str | None = None
) -> subprocess.CompletedProcess:
    """The CLI on the embedded store in tmp_path, or on ``store`` (``--uri URI --user U``)."""
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    env = {k: v for k, v in env.items() if not k.endswith("NEO4J_PASSWORD")}
    if password:
        env["GRAPHMEM_NEO4J_PASSWORD"] = password
    return subprocess.run(
        [
            sys.executable,
            "-m",
            "graphmem",
            *(store or ("--path", str(tmp_path / "store"))),
            "--embedder",
            "hash",
            "-q",
            *args,
        ],
        capture_output=True,
        text=True,
        timeout=300,
        env=env,
    )


@pytest.fixture
def cli(store_kind: str, tmp_path: Path, request: pytest.FixtureRequest):
    """The CLI on a fresh store of each kind: the embedded folder, or ``--uri`` on Neo4j."""
    if store_kind == "sqlite":
        return lambda *args: run_cli(tmp_path, *args)
    uri, auth = request.getfixturevalue("neo4j_server")
    wipe_neo4j(uri, auth)
    store = ("--uri", uri, "--user", auth[0]) if auth else ("--uri", uri)
    return lambda *args: run_cli(tmp_path, *args, store=store, password=auth and auth[1])
