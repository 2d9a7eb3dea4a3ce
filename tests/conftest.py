"""Shared fixtures: a temporary embedded Memory with the hashing embedder, and the real one."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from graphmem import HashEmbedder, Memory
from graphmem.embed import Embedder, default_embedder

REPO = Path(__file__).resolve().parent.parent


@pytest.fixture
def memory(tmp_path: Path) -> Iterator[Memory]:
    """Memory on a fresh embedded store, with the fast hashing embedder."""
    with Memory(path=tmp_path / "mem", embedder=HashEmbedder()) as mem:
        yield mem


@pytest.fixture(scope="session")
def minilm() -> Embedder:
    """The real default embedder (loaded once per test session)."""
    embedder = default_embedder()
    embedder.embed(["warm up"])
    return embedder
