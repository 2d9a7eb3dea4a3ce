"""Property: nothing written under one namespace is ever returned for another."""

from __future__ import annotations

import uuid

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from graphmem import HashEmbedder, Memory

WORDS = st.sampled_from(
    "Alice Bob Paris Berlin cello dog marathon tea Acme Oslo jazz 2019 "
    "moved likes works visited bought the in at a".split()
)
SENTENCE = st.lists(WORDS, min_size=2, max_size=9).map(lambda ws: " ".join(ws) + ".")
NAMESPACES = st.sampled_from(["alice", "bob", "carol", "alice2", "ALICE"])


@settings(
    max_examples=25,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)
@given(
    writes=st.lists(st.tuples(NAMESPACES, SENTENCE), min_size=1, max_size=12),
    queries=st.lists(st.tuples(NAMESPACES, SENTENCE), min_size=1, max_size=4),
)
def test_search_never_crosses_namespaces(memory: Memory, writes, queries):
    """Each example writes under namespaces of its own (one store serves them all)."""
    run = uuid.uuid4().hex[:8]
    owner: dict[str, str] = {}
    for ns, text in writes:
        ep = memory.add(text, namespace=f"{run}-{ns}", speaker="Zed" if len(text) % 2 else None)
        owner[ep.id] = f"{run}-{ns}"
    for ns, query in queries:
        for hit in memory.search(query, namespace=f"{run}-{ns}", k=20):
            assert {owner.get(e) for e in hit.episode_ids} == {f"{run}-{ns}"}
        for unit_ns in (n for n in memory.namespaces() if n.startswith(run)):
            stats = memory.stats(unit_ns)
            assert stats.episodes == sum(1 for o in owner.values() if o == unit_ns)


def test_another_tenants_writes_do_not_move_a_ranking(tmp_path):
    """The same conversation ranks the same with or without another tenant's memory beside it,
    though the other tenant writes the very words it is searched for."""
    mine = [
        {"speaker": "Theo", "text": "I recommend the fantasy series, it has great battles."},
        {"speaker": "Ada", "text": "See you later Theo!"},
        {"speaker": "Theo", "text": "Ada, my ferrets love the new hutch."},
        {"speaker": "Ada", "text": "I finished my novel about a road trip."},
        {"speaker": "Theo", "text": "Bye Ada, good luck with the contest!"},
    ]
    theirs = [
        {"speaker": "Theo", "text": f"Theo thinks Ada recommends tea {i}."} for i in range(30)
    ]
    query = "What has Theo recommended to Ada?"
    rankings = []
    for path, before in ((tmp_path / "alone", []), (tmp_path / "shared", theirs)):
        with Memory(path=path, embedder=HashEmbedder()) as mem:
            if before:
                mem.add_messages(before, namespace="other")
            mem.add_messages(mine, namespace="mine")
            rankings.append([h.text for h in mem.search(query, "mine", k=5)])
    assert rankings[0] == rankings[1]
    assert "recommend the fantasy series" in rankings[0][0]
