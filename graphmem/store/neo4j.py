"""The production store: Neo4j 5 through the official driver. Its Cypher lives in cypher/*.cypher."""

from __future__ import annotations

import threading
from collections.abc import Iterable, Sequence
from datetime import datetime
from typing import Any

import numpy as np

from ..errors import StoreClosedError, StoreUnavailableError
from ..models import Entity, Episode, EpisodeStatus, Involvement, Stats, Summary, Unit
from ..resources import cypher
from ..text import query_terms
from ..timeutil import from_ms, now_ms, to_ms
from .base import (
    Adjacency,
    Batch,
    Erased,
    Label,
    UnitSketch,
    UnitUpdate,
    has_direction,
    ordered_like,
)
from .planner import (
    AdjacencyBuilder,
    covered_ids,
    plan_write,
    sessions_to_chain,
    sources_to_check,
)

VECTOR_INDEX = {
    "episode": "episode_embedding",
    "unit": "unit_embedding",
    "entity": "entity_embedding",
    "summary": "summary_embedding",
}
TEXT_INDEX = {
    "episode": "episode_words",
    "unit": "unit_words",
    "entity": "entity_words",
    "summary": "summary_words",
}
OVERFETCH = 2
"""Vector and full-text indexes span every namespace: the first query fetches this many times k
(twice: the vector index ranks by quantized scores, so the exact rescoring sees a margin) and
keeps the namespace's; a namespace crowded out by others is fetched again, 4x wider each time.
(10x cost 27 ms against 10 ms per vector query at 10k units: the index walk and the rescoring
grow with the fetch.)"""
ERASE_CHUNK = 5_000
"""Nodes (with their relationships) a whole-namespace erasure deletes per transaction."""
MAX_FETCH = 10_000
"""The widest index query; past it a vector search scans the namespace's own vectors."""


# -- result mapping (pure functions: unit-tested without a server) ------------------------------
def cosine_from_neo4j(score: float) -> float:
    """Neo4j's cosine vector score is (1 + cos) / 2; graphmem speaks plain cosine."""
    return 2.0 * float(score) - 1.0


def lucene_query(text: str) -> str:
    """A Lucene query that ORs the text's words; none of the user's syntax reaches Lucene."""
    return " OR ".join(query_terms(text))


_REQUIRED_COLUMNS = ("id", "src", "dst", "namespace", "content", "text", "name")
"""Columns of read rows that graphmem never writes null: a node's id and namespace, an edge's
ends (``src``, ``dst``), an episode's content, a unit's or summary's text, an entity's name."""


def _deleted_while_read(row: dict[str, Any]) -> bool:
    """Whether a read row holds a node that a concurrent write deleted after the read matched
    it: under read committed the properties read after the deletion come back null, so one of
    the columns that are never null is."""
    node = row.get("node", row)
    return any(column in node and node[column] is None for column in _REQUIRED_COLUMNS)


def _vector(v: np.ndarray | None) -> list[float] | None:
    return None if v is None else np.asarray(v, dtype=np.float32).astype(float).tolist()


def episode_row(ep: Episode) -> dict[str, Any]:
    row = ep.model_dump(exclude={"embedding", "occurred_at", "recorded_at", "expires_at"})
    row |= {
        "occurred_at": to_ms(ep.occurred_at),
        "recorded_at": to_ms(ep.recorded_at),
        "expires_at": to_ms(ep.expires_at),
        "embedding": _vector(ep.embedding),
    }
    return {k: v for k, v in row.items() if v is not None}


def episode_from(node: dict[str, Any]) -> Episode:
    return Episode(
        **{
            **node,
            "occurred_at": from_ms(node["occurred_at"]),
            "recorded_at": from_ms(node["recorded_at"]),
            "expires_at": from_ms(node.get("expires_at")),
        }
    )


_UNIT_TIMES = ("valid_from", "valid_to", "recorded_at", "expired_at")


def unit_row(u: Unit) -> dict[str, Any]:
    props = u.model_dump(exclude={"embedding", "entities", "episode_ids"})
    for key in _UNIT_TIMES:
        props[key] = to_ms(getattr(u, key))
    props["embedding"] = _vector(u.embedding)
    return {k: v for k, v in props.items() if v is not None}


def unit_from(node: dict[str, Any]) -> Unit:
    fields: dict[str, Any] = {k: v for k, v in node.items() if k not in _UNIT_TIMES and k != "arms"}
    fields |= {k: from_ms(node.get(k)) for k in _UNIT_TIMES}
    return Unit.model_construct(
        **fields,
        entities=[
            Involvement(entity_id=a["entity_id"], role=a.get("role") or "mention")
            for a in node.get("arms", [])
        ],
        embedding=None,
    )


def entity_row(ent: Entity) -> dict[str, Any]:
    keys = sorted({ent.canonical, *(a.lower() for a in ent.aliases)})
    return {
        "id": ent.id,
        "namespace": ent.namespace,
        "name": ent.name,
        "canonical": ent.canonical,
        "type": ent.type,
        "summary": ent.summary,
        "aliases": ent.aliases,
        "keys": keys,
        "embedding": _vector(ent.embedding),
    }


def entity_from(node: dict[str, Any]) -> Entity:
    return Entity(**{**node, "aliases": node.get("aliases") or []})


def summary_row(s: Summary) -> dict[str, Any]:
    props = {
        "id": s.id,
        "namespace": s.namespace,
        "text": s.text,
        "level": s.level,
        "span_from": to_ms(s.span_from),
        "span_to": to_ms(s.span_to),
        "embedding": _vector(s.embedding),
    }
    return {k: v for k, v in props.items() if v is not None}


def summary_from(node: dict[str, Any]) -> Summary:
    return Summary(
        **{
            **node,
            "covers": node.get("covers") or [],
            "span_from": from_ms(node.get("span_from")),
            "span_to": from_ms(node.get("span_to")),
        }
    )


def update_rows(updates: list[UnitUpdate]) -> list[dict[str, Any]]:
    return [
        {
            "id": u.id,
            "status": u.status,
            "valid_to": u.valid_to_ms,
            "expired_at": u.expired_at_ms,
            "reason": u.reason,
        }
        for u in updates
    ]


def adjacency_from(rows: list[dict[str, Any]], version: int) -> Adjacency:
    edges = AdjacencyBuilder()
    edges.add([(row["type"], row["src"], row["dst"]) for row in rows])
    return edges.build(version)


class Neo4jStore:
    """A ``GraphStore`` on a Neo4j 5 server (or cluster / Aura)."""

    concurrent_reads = True
    """Reads are round trips to a server (the driver is thread-safe): the Retriever sends its
    independent candidate searches at once."""

    def __init__(
        self,
        uri: str,
        auth: tuple[str, str] | None = None,
        database: str | None = None,
        dimensions: int = 384,
        connection_timeout_s: float = 10.0,
    ) -> None:
        import neo4j
        from neo4j.exceptions import DriverError, Neo4jError

        self._errors = (DriverError, Neo4jError)
        self.database = database
        self._lock = threading.Lock()
        self._closed = False
        self._graphs: dict[str, Adjacency] = {}
        try:
            self._driver = neo4j.GraphDatabase.driver(
                uri,
                auth=auth,
                connection_timeout=connection_timeout_s,
                connection_acquisition_timeout=connection_timeout_s,
                notifications_min_severity="OFF",  # schema hints on a fresh database, not errors
            )
            self._driver.verify_connectivity()
        except (*self._errors, ValueError, OSError) as exc:
            raise StoreUnavailableError(f"Neo4j at {uri} does not answer: {exc}") from exc
        self._ensure_schema(dimensions)

    def _ensure_schema(self, dimensions: int) -> None:
        for name, statement in cypher("schema").items():
            params = {"dimensions": dimensions, "timeout_s": 60}
            self._run(statement, params, write=True, label=name)

    # -- plumbing -----------------------------------------------------------------------------
    def _run(
        self, statement: str, params: dict[str, Any], write: bool = False, label: str = "query"
    ) -> list[dict[str, Any]]:
        if self._closed:
            raise StoreClosedError("the store is closed")
        try:
            records, _, _ = self._driver.execute_query(
                statement,
                params,
                database_=self.database,
                routing_="w" if write else "r",
            )
        except self._errors as exc:
            raise StoreUnavailableError(f"Neo4j {label} failed: {exc}") from exc
        return [r.data() for r in records]

    def _q(self, file: str, name: str, write: bool = False, **params: Any) -> list[dict[str, Any]]:
        rows = self._run(cypher(file)[name], params, write=write, label=name)
        return rows if write else [r for r in rows if not _deleted_while_read(r)]

    def _in_transaction(self, work) -> Any:
        if self._closed:
            raise StoreClosedError("the store is closed")
        try:
            with self._driver.session(database=self.database) as session:
                return session.execute_write(work)
        except self._errors as exc:
            raise StoreUnavailableError(f"Neo4j write failed: {exc}") from exc

    def close(self) -> None:
        if not self._closed:
            self._closed = True
            self._driver.close()

    # -- writes -------------------------------------------------------------------------------
    def write(self, batch: Batch) -> dict[str, str]:
        if batch.is_empty():
            return {}
        w = cypher("write")
        ns = batch.namespace

        def work(tx) -> dict[str, str]:
            tx.run(w["reserve_seq"], namespace=ns, count=0).consume()  # the namespace's lock
            sources = sources_to_check(batch)
            stored = {
                r["source_id"]: r["id"]
                for r in (tx.run(w["stored_sources"], namespace=ns, ids=sources) if sources else [])
            }
            last: dict[str, str | None] = {}
            for session in sessions_to_chain(batch):
                row = tx.run(w["last_in_session"], namespace=ns, session=session).single()
                last[session] = row["id"] if row else None
            covered = covered_ids(batch)
            erased = [
                r["id"]
                for r in (tx.run(w["erased_ids"], namespace=ns, ids=covered) if covered else [])
            ]
            kept = len(plan_write(batch, 0, last, stored).episodes)
            last_seq = tx.run(w["reserve_seq"], namespace=ns, count=kept).single()["start"]
            plan = plan_write(batch, last_seq, last, stored, erased)
            for statement, rows in (
                ("insert_episodes", [episode_row(ep) for ep in plan.episodes]),
                ("upsert_entities", [entity_row(e) for e in batch.entities]),
                ("insert_units", [unit_row(u) for u in batch.units]),
                ("upsert_summaries", [summary_row(s) for s in plan.summaries]),
            ):
                if rows:
                    tx.run(w[statement], rows=rows)
            for typ, edges in plan.edges_by_type().items():
                rows = [{"src": e.src, "dst": e.dst, "props": e.props} for e in edges]
                tx.run(w[f"edge_{typ.lower()}"], namespace=ns, rows=rows)
            if batch.processed:
                rows = [{"id": i, "embedding": _vector(v)} for i, v in batch.processed.items()]
                tx.run(w["mark_processed"], namespace=ns, rows=rows)
            if batch.updates:
                tx.run(w["update_units"], namespace=ns, rows=update_rows(batch.updates))
            tx.run(w["bump_namespace"], namespace=ns, erasures=0)
            return plan.repeats

        return self._in_transaction(work)

    def set_episode_status(
        self, namespace: str, ids: list[str], status: EpisodeStatus, error: str | None = None
    ) -> None:
        w = cypher("write")

        def work(tx) -> None:
            tx.run(
                w["set_episode_status"], namespace=namespace, ids=ids, status=status, error=error
            )
            tx.run(w["bump_namespace"], namespace=namespace, erasures=0)

        self._in_transaction(work)

    def update_units(self, namespace: str, updates: list[UnitUpdate]) -> None:
        w = cypher("write")

        def work(tx) -> None:
            tx.run(w["update_units"], namespace=namespace, rows=update_rows(updates))
            tx.run(w["bump_namespace"], namespace=namespace, erasures=0)

        self._in_transaction(work)

    def set_expiry(self, namespace: str, ids: list[str], expires_at: datetime | None) -> None:
        params = {"namespace": namespace, "ids": ids, "at": to_ms(expires_at)}
        self._q("write", "set_expiry", write=True, **params)

    def expired_episodes(self, namespace: str, now: datetime, limit: int = 1000) -> list[str]:
        params: dict[str, Any] = {"namespace": namespace, "now": to_ms(now), "limit": limit}
        return [r["id"] for r in self._q("read", "expired_episodes", **params)]

    def erase(self, namespace: str, node_id: str) -> Erased | None:
        w = cypher("write")

        def work(tx) -> Erased | None:
            rec = tx.run(w["erase_label"], namespace=namespace, id=node_id).single()
            if rec is None:
                return None
            label = rec["label"]
            ids: dict[str, list[str]] = {label: [node_id]}
            if label == "episode":
                units = tx.run(w["erase_units_from"], namespace=namespace, id=node_id).single()
                ids["unit"] = units["ids"]
            doomed = [i for group in ids.values() for i in group]
            context = list(tx.run(w["erase_context"], namespace=namespace, id=node_id, ids=doomed))
            covering = sorted({s for r in context for s in r["summaries"]})
            sessions = {r["session"] for r in context if r["session"] is not None}
            involved = {e for r in context for e in r["entities"]}
            tx.run(w["forget_reasons"], namespace=namespace, ids=doomed)
            tx.run(w[f"erase_{label}"], namespace=namespace, id=node_id).consume()
            tx.run(w["erase_summaries"], namespace=namespace, ids=covering).consume()
            ids["summary"] = ids.get("summary", []) + covering
            found = tx.run(w["erase_orphan_entities"], namespace=namespace, ids=sorted(involved))
            orphans = [r["erased"] for r in found]
            ids["entity"] = ids.get("entity", []) + orphans
            ids = {k: v for k, v in ids.items() if v}
            rows = [{"id": i, "label": k} for k, group in ids.items() for i in group]
            tx.run(w["record_erasures"], namespace=namespace, rows=rows, at=now_ms())
            tx.run(w["bump_namespace"], namespace=namespace, erasures=1)
            return Erased(ids, sessions, involved.difference(orphans))

        return self._in_transaction(work)

    def erase_namespace(self, namespace: str) -> dict[str, list[str]]:
        """Erase the namespace ``ERASE_CHUNK`` nodes per transaction (one transaction for a big
        tenant ran out of Neo4j's transaction memory: 2.7 GiB at 100k units); then record the
        erasure. Interrupted, it is finished by calling it again."""
        w = cypher("write")
        ids: dict[str, list[str]] = {}

        def chunk(tx) -> int:
            rows = list(tx.run(w["erase_namespace"], namespace=namespace, limit=ERASE_CHUNK))
            for r in rows:
                if r["label"] is not None:
                    ids.setdefault(r["label"], []).append(r["id"])
            if rows:
                tx.run(w["bump_namespace"], namespace=namespace, erasures=1)
            return len(rows)

        while self._in_transaction(chunk) == ERASE_CHUNK:
            pass

        def record(tx) -> None:
            rows = [{"id": namespace, "label": "namespace"}]
            tx.run(w["record_erasures"], namespace=namespace, rows=rows, at=now_ms())
            tx.run(w["forget_embedder"], namespace=namespace)

        if ids:
            self._in_transaction(record)
        return {label: list(dict.fromkeys(group)) for label, group in ids.items()}  # retries

    def scrub(self, labels: Iterable[str]) -> None:
        """Neo4j marks deleted records free and keeps its transaction logs until they rotate
        (``db.tx_log.rotation.retention_policy``): nothing to overwrite from here."""
        return None

    # -- reads --------------------------------------------------------------------------------
    def get_episodes(self, namespace: str, ids: list[str]) -> list[Episode]:
        rows = self._q("read", "get_episodes", namespace=namespace, ids=ids) if ids else []
        return ordered_like(ids, [episode_from(r["node"]) for r in rows])

    def holds_source(self, namespace: str, prefix: str) -> bool:
        return bool(self._q("read", "holds_source", namespace=namespace, prefix=prefix))

    def session_episodes(self, namespace: str, session: str) -> list[Episode]:
        rows = self._q("read", "session_episodes", namespace=namespace, session=session)
        return [episode_from(r["node"]) for r in rows]

    def episodes_by_status(
        self, namespace: str, statuses: list[EpisodeStatus], limit: int = 1000
    ) -> list[Episode]:
        rows = self._q(
            "read", "episodes_by_status", namespace=namespace, statuses=statuses, limit=limit
        )
        return [episode_from(r["node"]) for r in rows]

    def get_units(self, namespace: str, ids: list[str]) -> list[Unit]:
        rows = self._q("read", "get_units", namespace=namespace, ids=ids) if ids else []
        return ordered_like(ids, [unit_from(r["node"]) for r in rows])

    def get_entities(self, namespace: str, ids: list[str]) -> list[Entity]:
        rows = self._q("read", "get_entities", namespace=namespace, ids=ids) if ids else []
        return ordered_like(ids, [entity_from(r["node"]) for r in rows])

    def get_summaries(self, namespace: str, ids: list[str]) -> list[Summary]:
        rows = self._q("read", "get_summaries", namespace=namespace, ids=ids) if ids else []
        return ordered_like(ids, [summary_from(r["node"]) for r in rows])

    def find_entities(self, namespace: str, keys: list[str]) -> list[Entity]:
        rows = self._q("read", "find_entities", namespace=namespace, keys=keys) if keys else []
        return [entity_from(r["node"]) for r in rows]

    def units_in_slots(self, namespace: str, slots: list[tuple[str, str]]) -> list[Unit]:
        if not slots:
            return []
        rows = self._q(
            "read",
            "units_in_slots",
            namespace=namespace,
            predicates=sorted({p for _, p in slots}),
            subjects=sorted({s.lower() for s, _ in slots}),
        )
        return self.get_units(namespace, [r["id"] for r in rows])

    def recent_units_of_entities(
        self, namespace: str, entity_ids: list[str], per_entity: int
    ) -> list[UnitSketch]:
        if not entity_ids:
            return []
        rows = self._q(
            "read",
            "recent_units_of_entities",
            namespace=namespace,
            entity_ids=list(dict.fromkeys(entity_ids)),
            per_entity=per_entity,
        )
        return [UnitSketch(r["id"], r["text"], frozenset(r["entity_ids"])) for r in rows]

    def episode_vectors(self, namespace: str, ids: list[str]) -> dict[str, np.ndarray]:
        rows = self._q("read", "episode_vectors", namespace=namespace, ids=ids) if ids else []
        return {r["id"]: np.asarray(r["embedding"], dtype=np.float32) for r in rows}

    def previous_episode(self, namespace: str, seq: int, speaker: str | None) -> Episode | None:
        rows = self._q("read", "previous_episode", namespace=namespace, seq=seq, speaker=speaker)
        return episode_from(rows[0]["node"]) if rows else None

    def units_from_episodes(self, namespace: str, episode_ids: list[str]) -> list[Unit]:
        if not episode_ids:
            return []
        rows = self._q("read", "units_from_episodes", namespace=namespace, ids=episode_ids)
        return self.get_units(namespace, [r["id"] for r in rows])

    def episodes_by_source(self, namespace: str, source_ids: list[str]) -> list[Episode]:
        if not source_ids:
            return []
        rows = self._q("read", "episodes_by_source", namespace=namespace, source_ids=source_ids)
        return [episode_from(r["node"]) for r in rows]

    def holds_speaker(self, namespace: str, speakers: Sequence[str]) -> bool:
        folded = [s.lower() for s in speakers]
        return bool(self._q("read", "holds_speaker", namespace=namespace, speakers=folded))

    def speakers(self, namespace: str, ids: list[str]) -> dict[str, set[str | None]]:
        rows = self._q("read", "speakers", namespace=namespace, ids=ids) if ids else []
        return {r["id"]: set(r["speakers"]) for r in rows}

    def replies(self, namespace: str, ids: list[str]) -> dict[str, set[str]]:
        rows = self._q("read", "replies", namespace=namespace, ids=ids) if ids else []
        found: dict[str, set[str]] = {}
        for r in rows:
            found.setdefault(r["id"], set()).add(r["reply"])
        return found

    def units_of_entity(self, namespace: str, entity_id: str) -> list[Unit]:
        rows = self._q("read", "units_of_entity", namespace=namespace, entity_id=entity_id)
        return self.get_units(namespace, [r["id"] for r in rows])

    def vector_search(
        self, namespace: str, label: Label, vector: np.ndarray, k: int
    ) -> list[tuple[str, float]]:
        """Nearest by the index, scored exactly (the index's scores are quantized); when other
        namespaces crowd this one out of the widest index query, by a scan of its own vectors."""
        if k <= 0 or not has_direction(vector):
            return []
        params: dict[str, Any] = {"namespace": namespace, "vector": _vector(vector), "k": k}
        hits = self._index_query("vector_search", VECTOR_INDEX[label], k, params)
        if hits is None:
            hits = self._q("read", f"vector_scan_{label}", **params)
        return [(h["id"], cosine_from_neo4j(h["score"])) for h in hits]

    def text_search(
        self, namespace: str, label: Label, text: str, k: int
    ) -> list[tuple[str, float]]:
        query = lucene_query(text)
        if not query or k <= 0:
            return []
        params = {"namespace": namespace, "query": query}
        hits = self._index_query("text_search", TEXT_INDEX[label], k, params) or []
        return [(h["id"], float(h["score"])) for h in hits]

    def _index_query(
        self, name: str, index: str, k: int, params: dict[str, Any]
    ) -> list[dict[str, Any]] | None:
        """The namespace's best ``k`` of an index spanning every namespace: the index is asked
        for more until k of its answers are the namespace's or it has no more to give (then
        every match of the namespace was seen). None when even MAX_FETCH was not enough."""
        fetch = k * OVERFETCH
        while True:
            (row,) = self._q("read", name, index=index, fetch=fetch, **params)
            hits = sorted(row["hits"], key=lambda h: (-h["score"], h["id"]))
            if len(hits) >= k or row["fetched"] < fetch:
                return hits[:k]
            if fetch >= MAX_FETCH:
                return None
            fetch = min(fetch * 4, MAX_FETCH)

    def adjacency(self, namespace: str) -> Adjacency:
        """The namespace's edges, fetched again only when a write bumped its version."""
        rows = self._q("read", "namespace_version", namespace=namespace)
        version = rows[0]["version"] if rows else 0
        with self._lock:
            cached = self._graphs.get(namespace)
            if cached is not None and cached.version == version:
                return cached
        adj = adjacency_from(self._q("read", "adjacency", namespace=namespace), version)
        with self._lock:
            self._graphs[namespace] = adj
        return adj

    def node_ids(self, namespace: str, label: Label) -> list[str]:
        return [r["id"] for r in self._q("read", f"node_ids_{label}", namespace=namespace)]

    def stats(self, namespace: str | None = None) -> Stats:
        counts: dict[str, int] = {}
        for part in ("episodes", "units", "entities", "summaries", "edges"):
            counts |= self._q("read", f"stats_{part}", namespace=namespace)[0]
        return Stats(**counts)

    def namespaces(self) -> list[str]:
        return [r["name"] for r in self._q("read", "namespaces")]

    def embedder_of(self, namespace: str) -> str | None:
        rows = self._q("read", "namespace_embedder", namespace=namespace)
        return rows[0]["embedder"] if rows else None

    def claim_embedder(self, namespace: str, name: str) -> str:
        rows = self._q("write", "claim_embedder", write=True, namespace=namespace, embedder=name)
        return rows[0]["embedder"]
