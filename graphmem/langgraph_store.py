"""graphmem as a LangGraph ``BaseStore``: ``graph.compile(store=mem.as_store())``.

A namespace tuple ``("users", "alice")`` is the graphmem namespace ``"users.alice"`` (LangGraph
forbids dots in labels, so the mapping is reversible). ``put`` stores the value as an episode whose
``source_id`` is the key, so it is extracted, linked and ranked like any memory; ``put`` on an
existing key replaces it (the old episode and what was built from it are erased first, as a
key-value store promises; a key's puts and deletes run one at a time), ``delete`` erases. ``search`` with a query runs graphmem's retrieval and returns
the items behind the best hits with their scores.
"""

from __future__ import annotations

import asyncio
import json
import operator
import threading
from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

from langgraph.store.base import (
    BaseStore,
    GetOp,
    Item,
    ListNamespacesOp,
    MatchCondition,
    Op,
    PutOp,
    Result,
    SearchItem,
    SearchOp,
)

from .models import Episode

if TYPE_CHECKING:
    from .memory import Memory

SOURCE = "store:"
"""Episodes written through the store have source ``store:<field>`` (one text field kept as plain
text, so it is searched as prose) or ``store:json`` (any other value, kept as JSON)."""
_TEXT_FIELDS = ("text", "content", "memory", "data")
_COMPARE = {
    "$eq": operator.eq,
    "$ne": operator.ne,
    "$gt": operator.gt,
    "$gte": operator.ge,
    "$lt": operator.lt,
    "$lte": operator.le,
}


def to_namespace(labels: tuple[str, ...]) -> str:
    return ".".join(labels)


def from_namespace(namespace: str) -> tuple[str, ...]:
    return tuple(namespace.split("."))


def encode(value: dict[str, Any]) -> tuple[str, str]:
    """(episode content, source) for a stored value."""
    if len(value) == 1:
        ((field, text),) = value.items()
        if field in _TEXT_FIELDS and isinstance(text, str):
            return text, SOURCE + field
    return json.dumps(value, ensure_ascii=False, sort_keys=True, default=str), SOURCE + "json"


def decode(ep: Episode) -> dict[str, Any]:
    field = (ep.source or "").removeprefix(SOURCE)
    return json.loads(ep.content) if field == "json" else {field: ep.content}


def matches(value: Any, conditions: dict[str, Any] | None) -> bool:
    """LangGraph's filter: per field (a dotted path reaches into nested values), equality, a
    ``{"$gt": x}``-style comparison, or a nested filter for a nested value."""
    for path, wanted in (conditions or {}).items():
        have = _at(value, path)
        if isinstance(wanted, dict) and wanted and not all(op in _COMPARE for op in wanted):
            if not matches(have, wanted):
                return False
            continue
        tests = wanted.items() if isinstance(wanted, dict) else [("$eq", wanted)]
        for op, target in tests:
            try:
                if not _COMPARE[op](have, target):
                    return False
            except (KeyError, TypeError):
                return False
    return True


def _at(value: Any, path: str) -> Any:
    """The value at ``path`` ("user.access-level"): a key holding the dots wins over descent."""
    if not isinstance(value, dict):
        return None
    if path in value:
        return value[path]
    head, _, rest = path.partition(".")
    return _at(value.get(head), rest) if rest else None


class GraphmemStore(BaseStore):
    """A ``BaseStore`` over a :class:`graphmem.Memory`."""

    def __init__(self, memory: Memory) -> None:
        self.memory = memory
        self._locks: dict[tuple[str, str], threading.Lock] = {}
        self._guard = threading.Lock()

    def _lock(self, namespace: str, key: str) -> threading.Lock:
        """One lock per key: puts and deletes of a key run one at a time."""
        with self._guard:
            return self._locks.setdefault((namespace, key), threading.Lock())

    def batch(self, ops: Iterable[Op]) -> list[Result]:
        results: list[Result] = []
        for op in ops:
            if isinstance(op, GetOp):
                results.append(self._get(op))
            elif isinstance(op, PutOp):
                self._put(op)
                results.append(None)
            elif isinstance(op, SearchOp):
                results.append(self._search(op))
            elif isinstance(op, ListNamespacesOp):
                results.append(self._list_namespaces(op))
            else:
                raise TypeError(f"unsupported store operation {type(op).__name__}")
        return results

    async def abatch(self, ops: Iterable[Op]) -> list[Result]:
        return await asyncio.to_thread(self.batch, list(ops))

    # -- operations -----------------------------------------------------------------------------
    def _episodes(self, namespace: str, key: str) -> list[Episode]:
        found = self.memory.store.episodes_by_source(namespace, [key])
        return [ep for ep in found if (ep.source or "").startswith(SOURCE)]

    def _item(
        self,
        namespace: str,
        episodes: list[Episode],
        search: bool = False,
        score: float | None = None,
    ) -> Item:
        latest = episodes[-1]
        fields = {
            "namespace": from_namespace(namespace),
            "key": latest.source_id or "",
            "value": decode(latest),
            "created_at": latest.occurred_at,  # a replaced value keeps the key's first time
            "updated_at": latest.recorded_at,
        }
        return SearchItem(**fields, score=score) if search else Item(**fields)

    def _get(self, op: GetOp) -> Item | None:
        namespace = to_namespace(op.namespace)
        episodes = self._episodes(namespace, op.key)
        return self._item(namespace, episodes) if episodes else None

    def _put(self, op: PutOp) -> None:
        """A key holds one episode: a new value erases the old one (and what was built from
        it), then is stored with the key's first time as when it was said."""
        namespace = to_namespace(op.namespace)
        message = None
        if op.value is not None:
            content, source = encode(dict(op.value))
            message = {"text": content, "source": source, "source_id": op.key}
            self.memory.check_messages([message], namespace)  # bad input loses nothing
        with self._lock(namespace, op.key):
            old = self._episodes(namespace, op.key)
            for ep in old:
                self.memory.forget(ep.id, namespace=namespace)
            if message is not None:
                message["at"] = old[0].occurred_at if old else None
                self.memory.add_messages([message], namespace=namespace)

    def _search(self, op: SearchOp) -> list[SearchItem]:
        items: list[SearchItem] = []
        want = op.offset + op.limit
        for namespace in self._namespaces_under(op.namespace_prefix):
            items += self._search_one(namespace, op, want)
        items.sort(key=lambda it: -(it.score or 0.0))
        return items[op.offset : op.offset + op.limit]

    def _search_one(self, namespace: str, op: SearchOp, want: int) -> list[SearchItem]:
        mem = self.memory
        if op.query:
            ranked: dict[str, float] = {}
            for hit in mem.search(op.query, namespace=namespace, k=max(3 * want, 10)):
                for ep_id in hit.episode_ids:
                    ranked.setdefault(ep_id, hit.score)
            episodes = mem.store.get_episodes(namespace, list(ranked))
        else:
            ids = mem.store.node_ids(namespace, "episode")[::-1]  # newest first
            episodes = mem.store.get_episodes(namespace, ids)
            ranked = {ep.id: 0.0 for ep in episodes}
        items: dict[str, SearchItem] = {}
        for ep in episodes:
            if not (ep.source or "").startswith(SOURCE) or ep.source_id in items:
                continue
            current = self._episodes(namespace, ep.source_id or "")
            if current and current[-1].id == ep.id and matches(decode(ep), op.filter):
                score = ranked[ep.id] if op.query else None
                items[ep.source_id or ""] = self._item(namespace, current, True, score)  # type: ignore[assignment]
            if len(items) >= want:
                break
        return list(items.values())

    def _namespaces_under(self, prefix: tuple[str, ...]) -> list[str]:
        return [
            ns
            for ns in self.memory.namespaces()
            if from_namespace(ns)[: len(prefix)] == tuple(prefix)
        ]

    def _list_namespaces(self, op: ListNamespacesOp) -> list[tuple[str, ...]]:
        found: dict[tuple[str, ...], None] = {}
        for ns in self.memory.namespaces():
            labels = from_namespace(ns)
            if all(_match(labels, c) for c in op.match_conditions or ()):
                found[labels[: op.max_depth] if op.max_depth else labels] = None
        return sorted(found)[op.offset : op.offset + op.limit]


def _match(labels: tuple[str, ...], condition: MatchCondition) -> bool:
    path = tuple(condition.path)
    if len(path) > len(labels):
        return False
    part = (
        labels[: len(path)]
        if condition.match_type == "prefix"
        else labels[len(labels) - len(path) :]
    )
    return all(p == "*" or p == label for p, label in zip(path, part, strict=True))
