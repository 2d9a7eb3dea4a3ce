"""Property: nothing written under one namespace is ever returned for another."""

from __future__ import annotations

from pathlib import Path
from tempfile import TemporaryDirectory

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from graphmem import HashEmbedder, Memory

WORDS = st.sampled_from(
    "Alice Bob Paris Berlin cello dog marathon tea Acme Oslo jazz 2019 "
    "moved likes works visited bought the in at a".split()
)
SENTENCE = st.lists(WORDS, min_size=2, max_size=9).map(lambda ws: " ".join(ws) + ".")
NAMESPACES = st.sampled_from(["alice", "bob", "carol", "alice2", "ALICE"])


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    writes=st.lists(st.tuples(NAMESPACES, SENTENCE), min_size=1, max_size=12),
    queries=st.lists(st.tuples(NAMESPACES, SENTENCE), min_size=1, max_size=4),
)
def test_search_never_crosses_namespaces(writes, queries):
    with TemporaryDirectory() as tmp, Memory(path=Path(tmp), embedder=HashEmbedder()) as mem:
        owner: dict[str, str] = {}
        for ns, text in writes:
            ep = mem.add(text, namespace=ns, speaker="Zed" if len(text) % 2 else None)
            owner[ep.id] = ns
        for ns, query in queries:
            for hit in mem.search(query, namespace=ns, k=20):
                assert {owner[e] for e in hit.episode_ids} == {ns}
            for unit_ns in mem.namespaces():
                stats = mem.stats(unit_ns)
                assert stats.episodes == sum(1 for o in owner.values() if o == unit_ns)
