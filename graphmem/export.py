"""Export a namespace's graph as GraphML (for Gephi, yEd, networkx) or JSON."""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import networkx as nx

from .models import Node
from .store.base import GraphStore, Label


def _plain(value: Any) -> Any:
    """GraphML attributes must be scalars: times become ISO text, lists JSON text."""
    if value is None:
        return ""
    if isinstance(value, list | dict):
        return json.dumps(value, default=str, ensure_ascii=False)
    if hasattr(value, "isoformat"):
        return value.isoformat()
    return value


def namespace_graph(store: GraphStore, namespace: str) -> nx.MultiDiGraph:
    """Every node and edge of a namespace, labels and properties included."""
    graph = nx.MultiDiGraph(namespace=namespace)
    loaders: dict[str, tuple[Callable[[str, list[str]], Sequence[Node]], Label]] = {
        "Episode": (store.get_episodes, "episode"),
        "Unit": (store.get_units, "unit"),
        "Entity": (store.get_entities, "entity"),
        "Summary": (store.get_summaries, "summary"),
    }
    for label, (load, key) in loaders.items():
        ids = store.node_ids(namespace, key)
        for start in range(0, len(ids), 500):
            for node in load(namespace, ids[start : start + 500]):
                fields = node.model_dump(exclude={"entities", "episode_ids", "covers"})
                graph.add_node(node.id, label=label, **{k: _plain(v) for k, v in fields.items()})
    adj = store.adjacency(namespace)
    for src, dst, typ in adj.edges():
        graph.add_edge(src, dst, type=typ)
    return graph


def export_graph(store: GraphStore, namespace: str, out: Path, fmt: str = "graphml") -> None:
    graph = namespace_graph(store, namespace)
    if fmt == "graphml":
        nx.write_graphml(graph, out)
    else:
        data = nx.node_link_data(graph, edges="edges")
        out.write_text(json.dumps(data, ensure_ascii=False, indent=1, default=str), "utf-8")
