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
from datetime import UTC, datetime, timedelta
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
    TTLConfig,
)

from .errors import NotFoundError, StoreClosedError
from .models import Episode
from .retrieval.filters import SearchFilter

if TYPE_CHECKING:
    from .memory import Memory

SOURCE = "store:"
"""Episodes written through the store have source ``store:<field>`` (one text field kept as plain
text, so it is searched as prose) or ``store:json`` (any other value, kept as JSON)."""
MEMORY_FILTER = "$memory"
"""The ``filter`` key whose value is a graphmem search filter (``SearchFilter`` fields: speakers,
sessions, source_ids, said/valid ranges...), beside LangGraph's filters on the values."""
UNINDEXED = "store-unindexed:"
"""The source prefix of a value put with ``index=False``: stored, got and listed, never
extracted, embedded or matched by a query."""
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


def _field(ep: Episode) -> str:
    return (ep.source or "").removeprefix(SOURCE).removeprefix(UNINDEXED).split(";")[0]


def ttl_of(ep: Episode) -> float | None:
    """The minutes a value put with a ``ttl`` lives after its last write (or read)."""
    _, found, ttl = (ep.source or "").partition(";ttl=")
    return float(ttl) if found else None


def is_item(ep: Episode) -> bool:
    """Whether the episode holds a store value (of either kind)."""
    return (ep.source or "").startswith((SOURCE, UNINDEXED))


def decode(ep: Episode) -> dict[str, Any]:
    field = _field(ep)
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
            if not _compare(op, have, target):
                return False
    return True


def _compare(op: str, have: Any, target: Any) -> bool:
    """One comparison between JSON values: a boolean is not a number (``true`` is not ``1``,
    as in Postgres' jsonb), and values that do not compare (text against a number) fail."""
    if isinstance(have, bool) != isinstance(target, bool):
        return op == "$ne"
    try:
        return bool(_COMPARE[op](have, target))
    except (KeyError, TypeError):
        return False


def _at(value: Any, path: str) -> Any:
    """The value at ``path`` ("user.access-level"): a key holding the dots wins over descent."""
    if not isinstance(value, dict):
        return None
    if path in value:
        return value[path]
    head, _, rest = path.partition(".")
    return _at(value.get(head), rest) if rest else None


def _now() -> datetime:
    return datetime.now(UTC)


def _expired(ep: Episode) -> bool:
    return ep.expires_at is not None and ep.expires_at <= _now()


class GraphmemStore(BaseStore):
    """A ``BaseStore`` over a :class:`graphmem.Memory`."""

    supports_ttl = True

    def __init__(self, memory: Memory, ttl: TTLConfig | None = None) -> None:
        self.memory = memory
        self.ttl_config = ttl
        self._stop_sweeping = threading.Event()
        self._sweeper: threading.Thread | None = None
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
        return [ep for ep in found if is_item(ep)]

    def _item(
        self,
        namespace: str,
        episodes: list[Episode],
        search: bool = False,
        score: float | None = None,
    ) -> Item:
        latest = episodes[-1]
        labels, key, value = from_namespace(namespace), latest.source_id or "", decode(latest)
        created = latest.occurred_at  # a replaced value keeps the key's first time
        if search:
            return SearchItem(labels, key, value, created, latest.recorded_at, score)
        return Item(
            namespace=labels,
            key=key,
            value=value,
            created_at=created,
            updated_at=latest.recorded_at,
        )

    def _get(self, op: GetOp) -> Item | None:
        namespace = to_namespace(op.namespace)
        episodes = self._episodes(namespace, op.key)
        if not episodes or _expired(episodes[-1]):
            return None
        if op.refresh_ttl:
            self._refresh(namespace, episodes[-1])
        return self._item(namespace, episodes)

    def _refresh(self, namespace: str, ep: Episode) -> None:
        """A read restarts the clock of a value put with a ``ttl``."""
        ttl = ttl_of(ep)
        if ttl is not None:
            self.memory.store.set_expiry(namespace, [ep.id], _now() + timedelta(minutes=ttl))

    def _put(self, op: PutOp) -> None:
        """A key holds one episode: a new value erases the old one (and what was built from
        it), then is stored with the key's first time as when it was said."""
        namespace = to_namespace(op.namespace)
        message: dict[str, Any] | None = None
        if op.value is not None:
            content, source = encode(dict(op.value))
            if op.index is False:
                source = UNINDEXED + source.removeprefix(SOURCE)
            message = {"text": content, "source": source, "source_id": op.key}
            if op.ttl is not None:
                message["source"] = f"{source};ttl={op.ttl}"
                message["expires_at"] = _now() + timedelta(minutes=op.ttl)
            self.memory.check_messages([message], namespace)  # bad input loses nothing
        with self._lock(namespace, op.key):
            old = self._episodes(namespace, op.key)
            for ep in old:
                try:
                    self.memory.forget(ep.id, namespace=namespace)
                except NotFoundError:  # a writer in another process erased it first
                    continue
            if message is None:
                return
            message["at"] = old[0].occurred_at if old else None
            if op.index is False:  # stored as it is: nothing derived, nothing to match a query
                stored = self.memory.store_messages([message], namespace)
                ids = [ep.id for ep in stored.new]
                self.memory.store.set_episode_status(namespace, ids, "processed")
            else:
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
        values = {k: v for k, v in (op.filter or {}).items() if k != MEMORY_FILTER}
        chosen = SearchFilter.of((op.filter or {}).get(MEMORY_FILTER))
        ranked: dict[str, float] = {}
        if op.query:
            k = max(3 * want, 10)
            for hit in mem.search(op.query, namespace=namespace, k=k, filters=chosen):
                for ep_id in hit.episode_ids:
                    ranked.setdefault(ep_id, hit.score)
        items: dict[str, SearchItem] = {}
        for ep in self._candidates(namespace, list(ranked), chosen):
            if not is_item(ep) or ep.source_id in items:
                continue
            if op.query and (ep.source or "").startswith(UNINDEXED):
                continue
            current = self._episodes(namespace, ep.source_id or "")
            latest = current[-1] if current else None
            if latest and latest.id == ep.id and not _expired(ep) and matches(decode(ep), values):
                if op.refresh_ttl:
                    self._refresh(namespace, ep)
                score = ranked.get(ep.id, 0.0) if op.query else None
                items[ep.source_id or ""] = self._item(namespace, current, True, score)  # type: ignore[assignment]
            if len(items) >= want:
                break
        return list(items.values())

    def _candidates(
        self, namespace: str, ranked: list[str], chosen: SearchFilter | None
    ) -> Iterable[Episode]:
        """The query's hits in rank order, then (as LangGraph's stores rank every item) the
        namespace's other episodes, newest first, that the graphmem filter admits."""
        store = self.memory.store
        yield from store.get_episodes(namespace, ranked)
        seen = set(ranked)
        ids = [i for i in store.node_ids(namespace, "episode")[::-1] if i not in seen]
        for start in range(0, len(ids), 256):
            for ep in store.get_episodes(namespace, ids[start : start + 256]):
                if chosen is None or chosen.admits_episode(ep):
                    yield ep

    def _namespaces_under(self, prefix: tuple[str, ...]) -> list[str]:
        return [
            ns
            for ns in self._item_namespaces()
            if from_namespace(ns)[: len(prefix)] == tuple(prefix)
        ]

    def _item_namespaces(self) -> list[str]:
        """The namespaces that hold store values (not those written only through Memory)."""
        holds = self.memory.store.holds_source
        return [ns for ns in self.memory.namespaces() if holds(ns, SOURCE) or holds(ns, UNINDEXED)]

    def _list_namespaces(self, op: ListNamespacesOp) -> list[tuple[str, ...]]:
        found: dict[tuple[str, ...], None] = {}
        for ns in self._item_namespaces():
            labels = from_namespace(ns)
            if all(_match(labels, c) for c in op.match_conditions or ()):
                found[labels[: op.max_depth] if op.max_depth else labels] = None
        return sorted(found)[op.offset : op.offset + op.limit]

    # -- time to live ---------------------------------------------------------------------------
    def sweep_ttl(self) -> int:
        """Erase every value whose time to live is over (in every namespace); how many."""
        erased = 0
        for namespace in self.memory.namespaces():
            while expired := self.memory.store.expired_episodes(namespace, _now()):
                for episode_id in expired:
                    try:
                        self.memory.forget(episode_id, namespace=namespace)
                        erased += 1
                    except NotFoundError:  # another sweeper, or a put, erased it first
                        continue
        return erased

    def start_ttl_sweeper(self, sweep_interval_minutes: float | None = None) -> threading.Thread:
        """Sweep in a background thread every ``sweep_interval_minutes`` (default: the store's
        ``ttl_config``, else 5) until ``stop_ttl_sweeper``."""
        config = self.ttl_config or {}
        interval = sweep_interval_minutes or config.get("sweep_interval_minutes") or 5
        self._stop_sweeping.clear()

        def loop() -> None:
            while not self._stop_sweeping.wait(interval * 60):
                try:
                    self.sweep_ttl()
                except StoreClosedError:  # the memory closed under it: nothing left to sweep
                    return

        self._sweeper = threading.Thread(target=loop, name="graphmem-ttl-sweeper", daemon=True)
        self._sweeper.start()
        return self._sweeper

    def stop_ttl_sweeper(self, timeout: float | None = None) -> bool:
        """Stop the sweeper; whether it stopped within ``timeout`` seconds."""
        self._stop_sweeping.set()
        if self._sweeper is None:
            return True
        self._sweeper.join(timeout)
        return not self._sweeper.is_alive()


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
