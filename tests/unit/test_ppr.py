import networkx as nx
import numpy as np
import pytest

from graphmem.retrieval import ppr
from graphmem.retrieval.ppr import PPRGraph, personalized_pagerank, push
from graphmem.store.base import EDGE_TYPES, NODE_KINDS, Adjacency

WEIGHTS = {"INVOLVES": 1.0, "FROM": 1.0, "NEXT": 0.25, "SUPERSEDES": 0.0}


def adjacency(edges: list[tuple[str, str, str]]) -> Adjacency:
    ids: list[str] = []
    for s, d, _ in edges:
        for n in (s, d):
            if n not in ids:
                ids.append(n)
    return Adjacency(
        ids=ids,
        kinds=np.array([NODE_KINDS.index("unit" if n.startswith("u") else "entity") for n in ids]),
        src=np.array([ids.index(s) for s, _, _ in edges]),
        dst=np.array([ids.index(d) for _, d, _ in edges]),
        types=np.array([EDGE_TYPES.index(t) for _, _, t in edges]),
        version=1,
    )


EDGES = [
    ("u1", "alice", "INVOLVES"),
    ("u1", "paris", "INVOLVES"),
    ("u2", "alice", "INVOLVES"),
    ("u2", "acme", "INVOLVES"),
    ("u3", "bob", "INVOLVES"),
    ("u3", "acme", "INVOLVES"),
    ("u2", "u3", "NEXT"),
    ("u3", "u1", "SUPERSEDES"),
    ("u4", "zed", "INVOLVES"),
]


@pytest.fixture(params=["sweeping", "following"])
def mode(request, monkeypatch):
    """Both ways of pushing: over every node (small graphs) and over reached nodes only."""
    if request.param == "following":
        monkeypatch.setattr(ppr, "SPARSE_MIN_NODES", 0)
    return request.param


def test_matches_networkx_personalized_pagerank(mode):
    adj = adjacency(EDGES)
    graph = PPRGraph.from_adjacency(adj, WEIGHTS)
    seeds = np.zeros(len(adj.ids))
    seeds[adj.ids.index("paris")] = 1.0
    seeds[adj.ids.index("u3")] = 0.3
    ours = personalized_pagerank(graph, seeds, damping=0.5, tol=1e-12)
    g = nx.Graph()
    for s, d, t in EDGES:
        if WEIGHTS[t] > 0:
            g.add_edge(s, d, weight=WEIGHTS[t])
    expected = nx.pagerank(
        g,
        alpha=0.5,
        personalization={"paris": 1.0, "u3": 0.3},
        tol=1e-14,
        weight="weight",
        dangling={"paris": 1.0, "u3": 0.3},
    )
    for node, score in expected.items():
        assert ours[adj.ids.index(node)] == pytest.approx(score, abs=1e-8)
    assert ours.sum() == pytest.approx(1.0)
    assert ours[adj.ids.index("zed")] == 0.0  # unreachable from the seeds


def test_mass_flows_through_shared_entities(mode):
    adj = adjacency(EDGES)
    graph = PPRGraph.from_adjacency(adj, WEIGHTS)
    seeds = np.zeros(len(adj.ids))
    seeds[adj.ids.index("bob")] = 1.0
    r = personalized_pagerank(graph, seeds)
    # bob -> u3 -> acme -> u2: u2 is reached through the hyperedge, u4 never.
    assert r[adj.ids.index("u2")] > r[adj.ids.index("u1")] > 0
    assert r[adj.ids.index("u4")] == 0


def test_no_seed_mass_gives_zero(mode):
    graph = PPRGraph.from_adjacency(adjacency(EDGES), WEIGHTS)
    assert not personalized_pagerank(graph, np.zeros(len(graph.ids))).any()


def test_both_ways_of_pushing_agree_on_a_random_graph(monkeypatch):
    rng = np.random.default_rng(4)
    edges = [
        (f"u{rng.integers(400)}", f"e{int(rng.zipf(1.6)) % 150}", "INVOLVES") for _ in range(2000)
    ]
    graph = PPRGraph.from_adjacency(adjacency(edges), WEIGHTS)
    nodes = rng.choice(len(graph.ids), 12, replace=False)
    weights = rng.random(12)
    swept_nodes, swept = push(graph, nodes, weights, tol=1e-7)
    monkeypatch.setattr(ppr, "SPARSE_MIN_NODES", 0)
    followed_nodes, followed = push(graph, nodes, weights, tol=1e-7)
    assert np.array_equal(np.sort(swept_nodes), np.sort(followed_nodes))
    order = np.argsort(followed_nodes)
    assert np.allclose(swept[np.argsort(swept_nodes)], followed[order], atol=1e-12)
    assert swept.sum() == pytest.approx(followed.sum())


def test_pushes_on_one_graph_do_not_leak_into_each_other(monkeypatch):
    """The following push reuses its graph's arrays: each push must leave them as it found them."""
    monkeypatch.setattr(ppr, "SPARSE_MIN_NODES", 0)
    rng = np.random.default_rng(7)
    edges = [(f"u{rng.integers(300)}", f"e{rng.integers(60)}", "INVOLVES") for _ in range(1200)]
    adj = adjacency(edges)
    shared = PPRGraph.from_adjacency(adj, WEIGHTS)
    queries = [(rng.choice(len(adj.ids), 5, replace=False), rng.random(5)) for _ in range(3)]
    for nodes, weights in [*queries, *queries]:
        fresh_nodes, fresh = push(PPRGraph.from_adjacency(adj, WEIGHTS), nodes, weights, tol=1e-6)
        got_nodes, got = push(shared, nodes, weights, tol=1e-6)
        assert np.array_equal(got_nodes, fresh_nodes) and np.array_equal(got, fresh)
