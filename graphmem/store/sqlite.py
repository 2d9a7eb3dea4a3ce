"""The embedded default store: stdlib sqlite3 in WAL mode, FTS5 for BM25, numpy for vectors."""

from __future__ import annotations

import heapq
import json
import logging
import sqlite3
import threading
import time
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from importlib import resources
from operator import itemgetter
from pathlib import Path

import numpy as np

from ..errors import StoreClosedError, StoreUnavailableError
from ..models import Entity, Episode, EpisodeStatus, Involvement, Stats, Summary, Unit
from ..text import query_terms
from ..timeutil import from_ms, now_ms, to_ms
from . import graph_files
from .base import (
    EDGE_ENDPOINTS,
    Adjacency,
    Batch,
    Erased,
    Label,
    UnitSketch,
    UnitUpdate,
    has_direction,
    ordered_like,
)
from .bm25 import Corpus, idf, lengths, rescore, varint
from .planner import (
    AdjacencyBuilder,
    WritePlan,
    covered_ids,
    plan_write,
    sessions_to_chain,
    sources_to_check,
)
from .vectors import ANN_MIN_ROWS, VectorIndex

log = logging.getLogger("graphmem")
DB_FILE = "graphmem.db"
MMAP_BYTES = 2**31 - 2**16
"""Reads map this much of the database file (SQLite's own ceiling) instead of copying pages
through read calls: about 6 ms off a search at 1M units (bench/README, "At 1M units"). Writes
still go through write calls."""
_EPISODE_COLUMNS = (
    "id, namespace, content, source, speaker, session, source_id, occurred_at, recorded_at, "
    "status, error, seq, expires_at"
)
_UNIT_COLUMNS = (
    "id, namespace, text, kind, subject, predicate, object, confidence, valid_from, valid_to, "
    "recorded_at, expired_at, status, version, reason"
)
_APPEND_ONLY = ("unit", "episode")
"""Labels whose rows leave only by erasure (summaries are rewritten under new row ids)."""
_TABLES: dict[str, str] = {
    "episode": "episodes",
    "unit": "units",
    "entity": "entities",
    "summary": "summaries",
}


_ADDED_COLUMNS = {
    "units": ("object TEXT", "reason TEXT"),
    "namespaces": ("embedder TEXT",),
    "episodes": ("expires_at INTEGER",),
}
"""Columns added since the first schema: added to stores created before them."""


def _migrations(db: sqlite3.Connection) -> str:
    statements = []
    for table, columns in _ADDED_COLUMNS.items():
        have = {r[1] for r in db.execute(f"PRAGMA table_info({table})")}
        if have:  # an existing store
            statements += [
                f"ALTER TABLE {table} ADD COLUMN {c};\n"
                for c in columns
                if c.split()[0] not in have
            ]
    return "".join(statements)


def _blob(vector: np.ndarray | None) -> bytes | None:
    return None if vector is None else np.asarray(vector, dtype=np.float32).tobytes()


_IN_CHUNK = 10_000
COMMON_TERM_ROWS = 2_000
"""Full-text search skips a term found in more of a namespace's rows than this, as it skips stop
words: its idf barely moves bm25, and scoring all its rows would cost more than the rest of the
search (at 100k units, 5,000 rows left search p95 at 46 ms, 2,000 brings it to 28 ms)."""


@dataclass
class _FtsCounts:
    """How many rows a full-text table has (in all, per namespace) and how many of them match a
    word, as of the store's ``version``."""

    version: tuple[int, int]
    rows: int
    last_rid: int
    namespace_rows: dict[str, int] = field(default_factory=dict)
    table: Corpus | None = None
    """The rows and tokens FTS5 itself counts (its averages record), read when first needed."""
    matches: dict[str, int] = field(default_factory=dict)
    rare: set[tuple[str, str]] = field(default_factory=set)
    """(namespace, word): common in the table, not in the namespace."""


@dataclass(frozen=True)
class _Part:
    """A namespace's rows of a full-text table and their tokens, as of the namespace's
    ``version``, counted up to row ``last_rid``."""

    version: tuple[int, int]
    last_rid: int
    corpus: Corpus


def _version(db: sqlite3.Connection, namespace: str) -> tuple[int, int]:
    """The namespace's write and erasure counters (0, 0 for one never written)."""
    row = db.execute(
        "SELECT version, erasures FROM namespaces WHERE namespace = ?", (namespace,)
    ).fetchone()
    return (row[0], row[1]) if row else (0, 0)


def _in(values: Sequence[object]) -> str:
    """Placeholders for an ``IN (...)`` list (the values themselves are bound parameters)."""
    return ",".join("?" * len(values))


def _chunked(
    cur: sqlite3.Cursor,
    sql: str,
    values: Sequence[object],
    before: Sequence[object] = (),
    twice: bool = False,
) -> Iterator[tuple]:
    """The rows of ``sql`` with its ``{in}`` list(s) bound to ``values`` (once per list with
    ``twice``, after the ``before`` parameters), in chunks under SQLite's limit on parameters."""
    for i in range(0, len(values), _IN_CHUNK // 2):
        chunk = list(values[i : i + _IN_CHUNK // 2])
        params = [*before, *chunk, *(chunk if twice else [])]
        yield from cur.execute(sql.format(**{"in": _in(chunk)}), params)


def _pairs(
    cur: sqlite3.Cursor, sql: str, values: Sequence[object], before: Sequence[object] = ()
) -> dict:
    """The first two columns of ``_chunked`` rows as a dict."""
    return {r[0]: r[1] for r in _chunked(cur, sql, values, before)}


def _column(
    cur: sqlite3.Cursor,
    sql: str,
    values: Sequence[object],
    before: Sequence[object] = (),
    twice: bool = False,
) -> list:
    """The first column of ``sql`` (of ``_chunked`` rows when it has an ``{in}`` list),
    distinct, in order."""
    if "{in}" not in sql:
        return [r[0] for r in cur.execute(sql, [*before, *values])]
    return list(dict.fromkeys(r[0] for r in _chunked(cur, sql, values, before, twice)))


@dataclass
class _Vectors:
    """A namespace's vectors of one kind, and how far into the tables they are read."""

    index: VectorIndex
    last_rid: int = 0
    last_erasure: int = 0  # rowid in the erasures table
    version: int = -1
    erasures: int = -1


@dataclass
class _Graph:
    edges: AdjacencyBuilder = field(default_factory=AdjacencyBuilder)
    last_rid: int = 0
    version: int = -1
    erasures: int = -1
    cached: Adjacency | None = None


class SQLiteStore:
    """A ``GraphStore`` in one SQLite file; safe for many threads and processes."""

    def __init__(
        self,
        path: str | Path = ".graphmem",
        busy_timeout_s: float = 60.0,
        ann_min_rows: int = ANN_MIN_ROWS,
    ) -> None:
        """``ann_min_rows``: from this many vectors of one kind in a namespace, vector search
        goes through an HNSW graph (approximate) instead of scanning them all (exact)."""
        self.path = Path(path)
        self.ann_min_rows = ann_min_rows
        self._graph_folder = self.path / graph_files.FOLDER
        try:
            self.path.mkdir(parents=True, exist_ok=True)
            self._db = self._connect(busy_timeout_s)
            # Reads whether a namespace changed, so that a search's vector lookups need not
            # queue behind its full-text reads on the main connection.
            self._versions_db = self._connect(busy_timeout_s)
        except (OSError, sqlite3.Error) as exc:
            raise StoreUnavailableError(f"cannot open store at {self.path}: {exc}") from exc
        self._lock = threading.RLock()
        self._versions_lock = threading.Lock()
        self._closed = False
        self._vectors: dict[tuple[str, Label], _Vectors] = {}
        self._graphs: dict[str, _Graph] = {}
        self._common_terms: set[tuple[str, str, str]] = set()
        self._counts: dict[str, _FtsCounts] = {}
        self._parts: dict[tuple[str, str], _Part] = {}
        try:
            self._configure(busy_timeout_s)
        except sqlite3.DatabaseError as exc:  # not a database, or locked past the timeout
            self._db.close()
            self._versions_db.close()
            raise StoreUnavailableError(
                f"cannot use {self.path / DB_FILE} as a graphmem store: {exc}"
            ) from None

    # -- connection ---------------------------------------------------------------------------
    def _connect(self, busy_timeout_s: float) -> sqlite3.Connection:
        return sqlite3.connect(
            self.path / DB_FILE,
            timeout=busy_timeout_s,
            isolation_level=None,
            check_same_thread=False,
        )

    def _configure(self, busy_timeout_s: float) -> None:
        db = self._db
        db.execute(f"PRAGMA busy_timeout = {int(busy_timeout_s * 1000)}")
        deadline = time.monotonic() + busy_timeout_s
        while True:  # several processes may open a new folder at once
            try:
                db.execute("PRAGMA journal_mode = WAL")
                break
            except sqlite3.OperationalError:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.05)
        db.execute("PRAGMA synchronous = FULL")
        db.execute("PRAGMA foreign_keys = ON")
        db.execute("PRAGMA secure_delete = ON")  # deleted content is overwritten, not just freed
        db.execute(f"PRAGMA mmap_size = {MMAP_BYTES}")
        schema = resources.files(__package__).joinpath("sqlite_schema.sql").read_text("utf-8")
        with self._lock:
            try:
                db.executescript(f"BEGIN IMMEDIATE;\n{_migrations(db)}{schema}\nCOMMIT;")
            except sqlite3.Error as exc:
                if db.in_transaction:
                    db.execute("ROLLBACK")
                raise StoreUnavailableError(
                    f"cannot create the schema in {self.path}: {exc}"
                ) from exc

    @contextmanager
    def _transaction(self) -> Iterator[sqlite3.Cursor]:
        """One write transaction, taken with the write lock up front (BEGIN IMMEDIATE)."""
        with self._lock:
            self._check_open()
            cur = self._db.cursor()
            try:
                cur.execute("BEGIN IMMEDIATE")
            except sqlite3.OperationalError as exc:
                raise StoreUnavailableError(f"store at {self.path} is busy: {exc}") from exc
            try:
                yield cur
                cur.execute("COMMIT")
            except BaseException:
                if self._db.in_transaction:  # SQLite may have rolled back already
                    cur.execute("ROLLBACK")
                raise

    @contextmanager
    def _snapshot(self) -> Iterator[None]:
        """Reads inside see one state of the database (one read transaction), however many
        writers commit meanwhile."""
        with self._lock:
            self._check_open()
            self._db.execute("BEGIN")
            try:
                yield
            finally:
                self._db.execute("COMMIT")

    def _query(self, sql: str, params: Sequence[object] = ()) -> list[tuple]:
        with self._lock:
            self._check_open()
            return self._db.execute(sql, params).fetchall()

    def _query_in(
        self, sql: str, values: Sequence[object], before: Sequence[object] = ()
    ) -> list[tuple]:
        """``sql`` with its ``{in}`` list bound to ``values``, run in chunks that stay under
        SQLite's limit on bound parameters."""
        with self._lock:
            self._check_open()
            return list(_chunked(self._db.cursor(), sql, values, before))

    def _check_open(self) -> None:
        if self._closed:
            raise StoreClosedError("the store is closed")

    def close(self) -> None:
        """Close, first saving the vector graphs that grew since they were saved."""
        with self._lock:
            if self._closed:
                return
            for (namespace, label), vecs in list(self._vectors.items()):
                # Checked first without the write lock: a reader's close need not wait for it.
                rows = len(vecs.index.ids)
                if vecs.index.uses_ann and graph_files.worth_saving(
                    self._db.cursor(), namespace, label, rows
                ):
                    self._save_graph(namespace, label)
            self._closed = True
            self._db.close()
            with self._versions_lock:
                self._versions_db.close()

    # -- writes -------------------------------------------------------------------------------
    def write(self, batch: Batch) -> dict[str, str]:
        if batch.is_empty():
            return {}
        ns = batch.namespace
        with self._transaction() as cur:
            stored = _pairs(
                cur,
                "SELECT source_id, id FROM episodes WHERE namespace = ? AND source_id IN ({in})",
                sources_to_check(batch),
                [ns],
            )
            erased = _column(
                cur,
                "SELECT id FROM erasures WHERE namespace = ? AND id IN ({in})",
                covered_ids(batch),
                before=[ns],
            )
            last = self._last_in_sessions(cur, batch)
            plan = plan_write(batch, self._last_seq(cur, batch), last, stored, erased)
            self._insert_episodes(cur, plan.episodes)
            self._upsert_entities(cur, batch.entities)
            self._insert_units(cur, batch.units)
            self._replace_summaries(cur, plan.summaries)
            self._insert_edges(cur, plan)
            if batch.processed:
                cur.executemany(
                    "UPDATE episodes SET status = 'processed', error = NULL, embedding = "
                    "COALESCE(?, embedding) WHERE id = ? AND namespace = ?",
                    [(_blob(v), episode_id, ns) for episode_id, v in batch.processed.items()],
                )
            self._update_units(cur, ns, batch.updates)
            self._bump(cur, {ns})
            return plan.repeats

    @staticmethod
    def _last_seq(cur: sqlite3.Cursor, batch: Batch) -> int:
        """The namespace's highest episode ``seq`` (read only when the batch brings episodes)."""
        if not batch.episodes:
            return 0
        sql = "SELECT COALESCE(MAX(seq), 0) FROM episodes WHERE namespace = ?"
        return cur.execute(sql, (batch.namespace,)).fetchone()[0]

    @staticmethod
    def _last_in_sessions(cur: sqlite3.Cursor, batch: Batch) -> dict[str, str | None]:
        last: dict[str, str | None] = {}
        for session in sessions_to_chain(batch):
            row = cur.execute(
                "SELECT id FROM episodes WHERE namespace = ? AND session = ? "
                "ORDER BY seq DESC LIMIT 1",
                (batch.namespace, session),
            ).fetchone()
            last[session] = row[0] if row else None
        return last

    def _bump(self, cur: sqlite3.Cursor, namespaces: set[str], erasures: int = 0) -> None:
        cur.executemany(
            "INSERT INTO namespaces (namespace, version, erasures) VALUES (?, 1, ?) "
            "ON CONFLICT (namespace) DO UPDATE SET version = version + 1, "
            "erasures = erasures + excluded.erasures",
            [(ns, erasures) for ns in sorted(namespaces)],
        )

    @staticmethod
    def _insert_episodes(cur: sqlite3.Cursor, episodes: list[Episode]) -> None:
        cur.executemany(
            "INSERT INTO episodes (id, namespace, content, source, speaker, session, "
            "source_id, occurred_at, recorded_at, status, error, seq, embedding, expires_at) "
            "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            [
                (
                    ep.id,
                    ep.namespace,
                    ep.content,
                    ep.source,
                    ep.speaker,
                    ep.session,
                    ep.source_id,
                    to_ms(ep.occurred_at),
                    to_ms(ep.recorded_at),
                    ep.status,
                    ep.error,
                    ep.seq,
                    _blob(ep.embedding),
                    to_ms(ep.expires_at),
                )
                for ep in episodes
            ],
        )

    @staticmethod
    def _upsert_entities(cur: sqlite3.Cursor, entities: list[Entity]) -> None:
        for ent in entities:
            row = cur.execute("SELECT aliases FROM entities WHERE id = ?", (ent.id,)).fetchone()
            aliases = list(dict.fromkeys((json.loads(row[0]) if row else []) + ent.aliases))
            aliases = [a for a in aliases if a != ent.name]
            search_text = " ".join([ent.name, *aliases])
            if row is None:
                cur.execute(
                    "INSERT INTO entities (id, namespace, name, canonical, aliases, search_text, "
                    "type, summary, embedding) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                    (
                        ent.id,
                        ent.namespace,
                        ent.name,
                        ent.canonical,
                        json.dumps(aliases),
                        search_text,
                        ent.type,
                        ent.summary,
                        _blob(ent.embedding),
                    ),
                )
            else:
                cur.execute(
                    "UPDATE entities SET aliases = ?, search_text = ?, "
                    "summary = COALESCE(?, summary) WHERE id = ?",
                    (json.dumps(aliases), search_text, ent.summary, ent.id),
                )
            cur.executemany(
                "INSERT OR IGNORE INTO entity_keys (namespace, key, entity_id) VALUES (?, ?, ?)",
                [(ent.namespace, key, ent.id) for key in {ent.canonical, *map(str.lower, aliases)}],
            )

    @staticmethod
    def _insert_units(cur: sqlite3.Cursor, units: list[Unit]) -> None:
        cur.executemany(
            "INSERT INTO units (id, namespace, text, kind, subject, predicate, object, "
            "confidence, valid_from, valid_to, recorded_at, expired_at, status, version, "
            "reason, embedding) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            [
                (
                    u.id,
                    u.namespace,
                    u.text,
                    u.kind,
                    u.subject,
                    u.predicate,
                    u.object,
                    u.confidence,
                    to_ms(u.valid_from),
                    to_ms(u.valid_to),
                    to_ms(u.recorded_at),
                    to_ms(u.expired_at),
                    u.status,
                    u.version,
                    u.reason,
                    _blob(u.embedding),
                )
                for u in units
            ],
        )

    @staticmethod
    def _replace_summaries(cur: sqlite3.Cursor, summaries: list[Summary]) -> None:
        """Summaries are replaced whole (their COVERS edges too, which the plan writes again),
        under a new, higher rid, so caches see the new vector."""
        for s in summaries:
            (rid,) = cur.execute("SELECT COALESCE(MAX(rid), 0) + 1 FROM summaries").fetchone()
            cur.execute("DELETE FROM summaries WHERE id = ?", (s.id,))
            cur.execute("DELETE FROM edges WHERE src = ? AND type = 'COVERS'", (s.id,))
            cur.execute(
                "INSERT INTO summaries (rid, id, namespace, text, level, span_from, span_to, "
                "embedding) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                (
                    rid,
                    s.id,
                    s.namespace,
                    s.text,
                    s.level,
                    to_ms(s.span_from),
                    to_ms(s.span_to),
                    _blob(s.embedding),
                ),
            )

    @staticmethod
    def _insert_edges(cur: sqlite3.Cursor, plan: WritePlan) -> None:
        """The plan's edges whose ends are stored in the namespace (as Neo4j's MATCH does)."""
        ns = plan.namespace
        for typ, edges in plan.edges_by_type().items():
            ends = [
                (kind, end) for kind, end in zip(EDGE_ENDPOINTS[typ], (0, 1), strict=True) if kind
            ]
            stored = " AND ".join(
                f"EXISTS (SELECT 1 FROM {_TABLES[kind]} WHERE id = ? AND namespace = ?)"
                for kind, _ in ends
            )
            rows = []
            for e in edges:
                ids = (e.src, e.dst)
                checks = [x for _, end in ends for x in (ids[end], ns)]
                rows.append((ns, typ, e.src, e.dst, json.dumps(e.props), *checks))
            cur.executemany(
                "INSERT INTO edges (namespace, type, src, dst, props) "
                f"SELECT ?, ?, ?, ?, ? WHERE {stored} "
                "ON CONFLICT (namespace, type, src, dst) DO UPDATE SET props = excluded.props",
                rows,
            )

    def set_episode_status(
        self, namespace: str, ids: list[str], status: EpisodeStatus, error: str | None = None
    ) -> None:
        with self._transaction() as cur:
            cur.executemany(
                "UPDATE episodes SET status = ?, error = ? WHERE +namespace = ? AND id = ?",
                [(status, error, namespace, i) for i in ids],
            )
            self._bump(cur, {namespace})

    def set_expiry(self, namespace: str, ids: list[str], expires_at: datetime | None) -> None:
        with self._transaction() as cur:
            cur.executemany(
                "UPDATE episodes SET expires_at = ? WHERE +namespace = ? AND id = ?",
                [(to_ms(expires_at), namespace, i) for i in ids],
            )

    def expired_episodes(self, namespace: str, now: datetime, limit: int = 1000) -> list[str]:
        rows = self._query(
            "SELECT id FROM episodes WHERE expires_at <= ? AND +namespace = ? "
            "ORDER BY expires_at LIMIT ?",
            (to_ms(now), namespace, limit),
        )
        return [r[0] for r in rows]

    def update_units(self, namespace: str, updates: list[UnitUpdate]) -> None:
        with self._transaction() as cur:
            self._update_units(cur, namespace, updates)
            self._bump(cur, {namespace})

    @staticmethod
    def _update_units(cur: sqlite3.Cursor, namespace: str, updates: list[UnitUpdate]) -> None:
        cur.executemany(
            "UPDATE units SET status = COALESCE(?, status), "
            "valid_to = COALESCE(?, valid_to), expired_at = COALESCE(?, expired_at), "
            "reason = COALESCE(?, reason) WHERE +namespace = ? AND id = ?",
            [
                (u.status, u.valid_to_ms, u.expired_at_ms, u.reason, namespace, u.id)
                for u in updates
            ],
        )

    def erase(self, namespace: str, node_id: str) -> Erased | None:
        self._common_terms.clear()
        with self._transaction() as cur:
            label = self._label_of(cur, namespace, node_id)
            if label is None:
                return None
            ids: dict[str, list[str]] = {label: [node_id]}
            if label == "episode":  # units built from this episode carry its content
                ids["unit"] = _column(
                    cur, "SELECT src FROM edges WHERE dst = ? AND type = 'FROM'", [node_id]
                )
            doomed = [i for group in ids.values() for i in group]
            sql = "SELECT DISTINCT src FROM edges WHERE type = 'COVERS' AND dst IN ({in})"
            covering = [s for s in _column(cur, sql, doomed) if s != node_id]
            ids["summary"] = ids.get("summary", []) + covering
            sql = "SELECT DISTINCT session FROM episodes WHERE session IS NOT NULL AND id IN ({in})"
            sessions = set(_column(cur, sql, ids.get("episode", [])))
            sql = "SELECT DISTINCT dst FROM edges WHERE type = 'INVOLVES' AND src IN ({in})"
            involved = set(_column(cur, sql, ids.get("unit", [])))
            self._forget_reasons(cur, namespace, doomed)
            for kind, group in list(ids.items()):
                for nid in group:
                    self._delete_node(cur, namespace, kind, nid)
            orphans = [  # an entity no unit involves any more is content too
                ent
                for ent in sorted(involved)
                if not cur.execute(
                    "SELECT 1 FROM edges WHERE dst = ? AND type = 'INVOLVES' LIMIT 1", (ent,)
                ).fetchone()
            ]
            for ent in orphans:
                self._delete_node(cur, namespace, "entity", ent)
            ids["entity"] = ids.get("entity", []) + orphans
            self._bump(cur, {namespace}, erasures=1)
            graph_files.wipe(cur, self._graph_folder, namespace)
            return Erased(
                {k: v for k, v in ids.items() if v}, sessions, involved.difference(orphans)
            )

    @staticmethod
    def _forget_reasons(cur: sqlite3.Cursor, namespace: str, doomed: list[str]) -> None:
        """Units superseded by, in conflict with or retracted by an erased node lose the reason
        (it may quote the erased text); their status stays."""
        linked = _column(
            cur,
            "SELECT dst FROM edges WHERE src IN ({in}) AND type IN "
            "('SUPERSEDES', 'CONFLICTS_WITH', 'RETRACTS') UNION SELECT src FROM edges "
            "WHERE dst IN ({in}) AND type = 'CONFLICTS_WITH'",
            doomed,
            twice=True,
        )
        cur.executemany(
            "UPDATE units SET reason = NULL WHERE +namespace = ? AND id = ?",
            [(namespace, unit_id) for unit_id in linked],
        )

    def erase_namespace(self, namespace: str) -> dict[str, list[str]]:
        self._common_terms.clear()
        with self._transaction() as cur:
            ids = {
                label: _column(cur, f"SELECT id FROM {table} WHERE namespace = ?", [namespace])
                for label, table in _TABLES.items()
            }
            ids = {label: group for label, group in ids.items() if group}
            if not ids:
                return {}
            for table in (*_TABLES.values(), "edges", "entity_keys"):
                cur.execute(f"DELETE FROM {table} WHERE namespace = ?", (namespace,))
            cur.execute(
                "INSERT INTO erasures (id, namespace, label, erased_at) VALUES (?, ?, ?, ?)",
                (namespace, namespace, "namespace", now_ms()),
            )
            cur.execute("UPDATE namespaces SET embedder = NULL WHERE namespace = ?", (namespace,))
            self._bump(cur, {namespace}, erasures=1)
            graph_files.wipe(cur, self._graph_folder, namespace)
            return ids

    def scrub(self, labels: Iterable[str]) -> bool:
        """Rebuild the full-text indexes of ``labels`` from their tables (FTS5 keeps a deleted
        row's words in its segments until they merge; its 'optimize' merge corrupted indexes
        under repeated erasures with SQLite 3.40, a rebuild does not), then copy the WAL into
        the database and truncate it; freed pages are zeroed (``secure_delete``)."""
        with self._lock:
            self._check_open()
            for label in sorted(set(labels) & set(_TABLES)):
                self._db.execute(f"INSERT INTO fts_{label} (fts_{label}) VALUES ('rebuild')")
            busy = self._db.execute("PRAGMA wal_checkpoint(TRUNCATE)").fetchone()[0]
            return busy == 0

    def _label_of(self, cur: sqlite3.Cursor, namespace: str, node_id: str) -> str | None:
        for label, table in _TABLES.items():
            sql = f"SELECT 1 FROM {table} WHERE +namespace = ? AND id = ?"
            if cur.execute(sql, (namespace, node_id)).fetchone():
                return label
        return None

    def _delete_node(self, cur: sqlite3.Cursor, namespace: str, label: str, node_id: str) -> None:
        cur.execute(
            f"DELETE FROM {_TABLES[label]} WHERE +namespace = ? AND id = ?", (namespace, node_id)
        )
        cur.execute("DELETE FROM edges WHERE src = ? OR dst = ?", (node_id, node_id))
        if label == "entity":
            cur.execute("DELETE FROM entity_keys WHERE entity_id = ?", (node_id,))
        cur.execute(
            "INSERT INTO erasures (id, namespace, label, erased_at) VALUES (?, ?, ?, ?)",
            (node_id, namespace, label, now_ms()),
        )

    # -- reads --------------------------------------------------------------------------------
    def get_episodes(self, namespace: str, ids: list[str]) -> list[Episode]:
        if not ids:
            return []
        rows = self._query_in(
            f"SELECT {_EPISODE_COLUMNS} FROM episodes WHERE +namespace = ? AND id IN ({{in}})",
            ids,
            [namespace],
        )
        return ordered_like(ids, [_episode(r) for r in rows])

    def episodes_by_status(
        self, namespace: str, statuses: list[EpisodeStatus], limit: int = 1000
    ) -> list[Episode]:
        rows = self._query(
            f"SELECT {_EPISODE_COLUMNS} FROM episodes WHERE namespace = ? "
            f"AND status IN ({_in(statuses)}) ORDER BY seq LIMIT ?",
            [namespace, *statuses, limit],
        )
        return [_episode(r) for r in rows]

    def get_units(self, namespace: str, ids: list[str]) -> list[Unit]:
        if not ids:
            return []
        rows = self._query_in(
            f"SELECT {_UNIT_COLUMNS} FROM units WHERE +namespace = ? AND id IN ({{in}})",
            ids,
            [namespace],
        )
        arms: dict[str, list[Involvement]] = {}
        sources: dict[str, list[str]] = {}
        for src, typ, dst, role in self._query_in(
            "SELECT src, type, dst, json_extract(props, '$.role') FROM edges WHERE src IN ({in}) "
            "AND type IN ('INVOLVES', 'FROM') ORDER BY rid",
            ids,
        ):
            if typ == "INVOLVES":
                arms.setdefault(src, []).append(
                    Involvement.model_construct(entity_id=dst, role=role or "mention")
                )
            else:
                sources.setdefault(src, []).append(dst)
        return ordered_like(
            ids, [_unit(r, arms.get(r[0], []), sources.get(r[0], [])) for r in rows]
        )

    def get_entities(self, namespace: str, ids: list[str]) -> list[Entity]:
        if not ids:
            return []
        rows = self._query_in(
            "SELECT id, namespace, name, canonical, aliases, type, summary FROM entities "
            "WHERE +namespace = ? AND id IN ({in})",
            ids,
            [namespace],
        )
        return ordered_like(ids, [_entity(r) for r in rows])

    def find_entities(self, namespace: str, keys: list[str]) -> list[Entity]:
        if not keys:
            return []
        rows = self._query_in(
            "SELECT DISTINCT entity_id FROM entity_keys WHERE namespace = ? AND key IN ({in})",
            keys,
            [namespace],
        )
        return self.get_entities(namespace, list(dict.fromkeys(r[0] for r in rows)))

    def units_of_entity(self, namespace: str, entity_id: str) -> list[Unit]:
        rows = self._query(
            "SELECT src FROM edges INDEXED BY edges_dst "
            "WHERE dst = ? AND type = 'INVOLVES' AND namespace = ?",
            (entity_id, namespace),
        )
        return self.get_units(namespace, [r[0] for r in rows])

    def units_in_slots(self, namespace: str, slots: list[tuple[str, str]]) -> list[Unit]:
        if not slots:
            return []
        subjects = sorted({s.lower() for s, _ in slots})
        predicates = sorted({p for _, p in slots})
        rows = self._query(
            f"SELECT id FROM units WHERE namespace = ? AND predicate IN ({_in(predicates)}) "
            f"AND lower(subject) IN ({_in(subjects)}) AND status IN ('active', 'conflicted') "
            "ORDER BY rid",
            [namespace, *predicates, *subjects],
        )
        return self.get_units(namespace, [r[0] for r in rows])

    def recent_units_of_entities(
        self, namespace: str, entity_ids: list[str], per_entity: int
    ) -> list[UnitSketch]:
        texts: dict[str, str] = {}
        for entity_id in dict.fromkeys(entity_ids):
            texts.update(
                self._query(
                    "SELECT e.src, u.text FROM edges e JOIN units u ON u.id = e.src "
                    "WHERE e.dst = ? AND e.type = 'INVOLVES' AND e.namespace = ? "
                    "AND u.status IN ('active', 'conflicted') ORDER BY e.rid DESC LIMIT ?",
                    (entity_id, namespace, per_entity),
                )
            )
        involved: dict[str, set[str]] = {}
        for src, dst in self._query_in(
            "SELECT src, dst FROM edges WHERE src IN ({in}) AND type = 'INVOLVES'", list(texts)
        ):
            involved.setdefault(src, set()).add(dst)
        return [UnitSketch(i, t, frozenset(involved.get(i, ()))) for i, t in texts.items()]

    def episode_vectors(self, namespace: str, ids: list[str]) -> dict[str, np.ndarray]:
        index = self._load_vectors(namespace, "episode").index
        return {i: v for i in ids if (v := index.vector(i)) is not None}

    def previous_episode(self, namespace: str, seq: int, speaker: str | None) -> Episode | None:
        rows = self._query(
            f"SELECT {_EPISODE_COLUMNS} FROM episodes WHERE namespace = ? AND seq < ? "
            "AND speaker IS ? ORDER BY seq DESC LIMIT 1",
            (namespace, seq, speaker),
        )
        return _episode(rows[0]) if rows else None

    def units_from_episodes(self, namespace: str, episode_ids: list[str]) -> list[Unit]:
        if not episode_ids:
            return []
        rows = self._query_in(
            # By destination: the planner would pick (namespace, type, ...) and read every FROM
            # edge of the namespace (12 ms at 100k units).
            "SELECT src FROM edges INDEXED BY edges_dst "
            "WHERE namespace = ? AND dst IN ({in}) AND type = 'FROM'",
            episode_ids,
            [namespace],
        )
        return self.get_units(namespace, list(dict.fromkeys(r[0] for r in rows)))

    def episodes_by_source(self, namespace: str, source_ids: list[str]) -> list[Episode]:
        if not source_ids:
            return []
        rows = self._query_in(
            f"SELECT {_EPISODE_COLUMNS} FROM episodes WHERE namespace = ? "
            "AND source_id IN ({in})",
            source_ids,
            [namespace],
        )
        return sorted((_episode(r) for r in rows), key=lambda ep: ep.seq or 0)

    def session_episodes(self, namespace: str, session: str) -> list[Episode]:
        rows = self._query(
            f"SELECT {_EPISODE_COLUMNS} FROM episodes WHERE namespace = ? AND session = ? "
            "ORDER BY seq",
            (namespace, session),
        )
        return [_episode(r) for r in rows]

    def holds_source(self, namespace: str, prefix: str) -> bool:
        sql = "SELECT 1 FROM episodes WHERE namespace = ? AND substr(source, 1, ?) = ? LIMIT 1"
        return bool(self._query(sql, (namespace, len(prefix), prefix)))

    def holds_speaker(self, namespace: str, speakers: Sequence[str]) -> bool:
        sql = (
            "SELECT 1 FROM episodes INDEXED BY episodes_ns_speaker WHERE namespace = ? "
            "AND speaker COLLATE NOCASE IN ({in}) LIMIT 1"
        )
        return bool(self._query_in(sql, list(speakers), [namespace]))

    def speakers(self, namespace: str, ids: list[str]) -> dict[str, set[str | None]]:
        if not ids:
            return {}
        rows = self._query_in(
            "SELECT id, speaker FROM episodes WHERE +namespace = ? AND id IN ({in})",
            ids,
            [namespace],
        )
        rows += self._query_in(
            "SELECT f.src, e.speaker FROM edges f INDEXED BY edges_src "
            "JOIN episodes e ON e.id = f.dst "
            "WHERE f.namespace = ? AND f.src IN ({in}) AND f.type = 'FROM'",
            ids,
            [namespace],
        )
        said: dict[str, set[str | None]] = {}
        for node_id, speaker in rows:
            said.setdefault(node_id, set()).add(speaker)
        return said

    def replies(self, namespace: str, ids: list[str]) -> dict[str, set[str]]:
        if not ids:
            return {}
        answered = (  # a NULL speaker (a document chunk) has no reply
            "JOIN edges n INDEXED BY edges_src ON n.src = e.id AND n.type = 'NEXT' "
            "JOIN episodes r ON r.id = n.dst AND lower(r.speaker) <> lower(e.speaker) "
            "WHERE e.namespace = ? "
        )
        rows = self._query_in(
            f"SELECT e.id, r.id FROM episodes e {answered} AND e.id IN ({{in}})", ids, [namespace]
        )
        rows += self._query_in(
            "SELECT f.src, r.id FROM edges f INDEXED BY edges_src "
            f"JOIN episodes e ON e.id = f.dst {answered} AND f.src IN ({{in}}) AND f.type = 'FROM'",
            ids,
            [namespace],
        )
        found: dict[str, set[str]] = {}
        for node_id, reply in rows:
            found.setdefault(node_id, set()).add(reply)
        return found

    def get_summaries(self, namespace: str, ids: list[str]) -> list[Summary]:
        if not ids:
            return []
        rows = self._query_in(
            "SELECT id, namespace, text, level, span_from, span_to FROM summaries "
            "WHERE +namespace = ? AND id IN ({in})",
            ids,
            [namespace],
        )
        covers: dict[str, list[str]] = {}
        for src, dst in self._query_in(
            "SELECT src, dst FROM edges WHERE src IN ({in}) AND type = 'COVERS' ORDER BY rid", ids
        ):
            covers.setdefault(src, []).append(dst)
        summaries = [
            Summary(
                id=r[0],
                namespace=r[1],
                text=r[2],
                level=r[3],
                span_from=from_ms(r[4]),
                span_to=from_ms(r[5]),
                covers=covers.get(r[0], []),
            )
            for r in rows
        ]
        return ordered_like(ids, summaries)

    def text_search(
        self, namespace: str, label: Label, text: str, k: int
    ) -> list[tuple[str, float]]:
        """BM25 over the namespace's rows alone. FTS5 weighs a word by its rarity in the whole
        table and a row's length against the whole table's average, every namespace included,
        so one tenant's writes would move another's scores; each word is searched on its own
        and its scores restated for the namespace's rows and tokens (``bm25.rescore``)."""
        if k <= 0:
            return []
        with self._snapshot():  # counts and matches of one state, whoever writes meanwhile
            return self._text_search(namespace, label, text, k)

    def _text_search(
        self, namespace: str, label: Label, text: str, k: int
    ) -> list[tuple[str, float]]:
        table, fts = _TABLES[label], f"fts_{label}"
        counts = self._fts_counts(label)
        terms = [t for t in query_terms(text) if not self._common(namespace, label, t, counts)]
        if not terms:
            return []
        if self._holds_all(counts, label, namespace):
            return self._sole_namespace_search(label, terms, k)
        whole = self._table_corpus(counts, fts)
        part = self._part(label, namespace)
        scores: dict[str, float] = {}
        for term in terms:
            rows = self._query(
                f"SELECT t.id, -bm25({fts}), d.sz FROM {fts} CROSS JOIN {table} t "
                f"ON t.rid = {fts}.rowid CROSS JOIN {fts}_docsize d ON d.id = t.rid "
                f"WHERE {fts} MATCH ? AND t.namespace = ?",
                (f'"{term}"', namespace),
            )
            if not rows:
                continue
            whole_idf = idf(whole.rows, self._matches(counts, fts, term))
            ids, found, sizes = zip(*rows, strict=True)
            restated = rescore(
                np.array(found, np.float64),
                lengths(sizes),
                whole,
                whole_idf,
                part,
                idf(part.rows, len(rows)),
            )
            for node_id, score in zip(ids, restated.tolist(), strict=True):
                scores[node_id] = scores.get(node_id, 0.0) + score
        return heapq.nlargest(k, scores.items(), key=itemgetter(1))

    def _sole_namespace_search(
        self, label: Label, terms: list[str], k: int
    ) -> list[tuple[str, float]]:
        """The search above when the namespace holds every row of the table: the namespace's
        idf is the table's, so FTS5 sums the words' bm25 itself (one query, all words) and
        keeps the best ``k``; only those are looked up."""
        table, fts = _TABLES[label], f"fts_{label}"
        best = self._query(
            f"SELECT rowid, -rank FROM {fts} WHERE {fts} MATCH ? ORDER BY rank LIMIT ?",
            (" OR ".join(f'"{term}"' for term in terms), k),
        )
        score = dict(best)
        ids = self._query_in(f"SELECT rid, id FROM {table} WHERE rid IN ({{in}})", list(score))
        return sorted(((node_id, score[rid]) for rid, node_id in ids), key=lambda h: -h[1])

    def _fts_counts(self, label: Label) -> _FtsCounts:
        """Row and match counts of ``label``'s full-text table, read again after any write."""
        version = tuple(self._query("SELECT sum(version), sum(erasures) FROM namespaces")[0])
        with self._lock:
            counts = self._counts.get(label)
            if counts is None or counts.version != version:
                counts = self._counts[label] = self._count_rows(label, version, counts)
            return counts

    def _count_rows(
        self, label: Label, version: tuple[int, int], before: _FtsCounts | None
    ) -> _FtsCounts:
        """Counts as of ``version``: from ``before`` plus the rows added since when nothing
        was erased meanwhile and the table only grows (units, episodes), else counted again
        (a namespace count is 50 ms at 1M units)."""
        table = _TABLES[label]
        if before is None or before.version[1] != version[1] or label not in _APPEND_ONLY:
            rows, last = self._query(f"SELECT count(*), coalesce(max(rid), 0) FROM {table}")[0]
            return _FtsCounts(version, rows, last)
        added = self._query(
            f"SELECT namespace, count(*), max(rid) FROM {table} WHERE rid > ? GROUP BY namespace",
            (before.last_rid,),
        )
        known = before.namespace_rows
        for namespace, count, _ in added:
            if namespace in known:
                known[namespace] += count
        return _FtsCounts(
            version,
            before.rows + sum(r[1] for r in added),
            max([before.last_rid, *(r[2] for r in added)]),
            known,
        )

    def _holds_all(self, counts: _FtsCounts, label: Label, namespace: str) -> bool:
        """Whether ``namespace`` holds every row of ``label``'s table (its counts are the
        table's)."""
        return self._rows_in(counts, _TABLES[label], namespace) == counts.rows

    def _rows_in(self, counts: _FtsCounts, table: str, namespace: str) -> int:
        if namespace not in counts.namespace_rows:
            counts.namespace_rows[namespace] = self._query(
                f"SELECT count(*) FROM {table} WHERE namespace = ?", (namespace,)
            )[0][0]
        return counts.namespace_rows[namespace]

    def _part(self, label: Label, namespace: str) -> Corpus:
        """The namespace's rows of ``label`` and the tokens FTS5 counted in them. Kept per
        namespace, so other namespaces' writes leave it be; after the namespace's own writes
        the rows added are counted in (units, episodes), else all its rows again (entities and
        summaries change in place; an erasure removes rows)."""
        with self._lock:
            version = _version(self._db, namespace)
            known = self._parts.get((label, namespace))
        if known is not None and known.version == version:
            return known.corpus
        if known is None or known.version[1] != version[1] or label not in _APPEND_ONLY:
            known = _Part(version, 0, Corpus(0, 0))  # count every row again
        table, fts = _TABLES[label], f"fts_{label}"
        rows = self._query(
            f"SELECT t.rid, d.sz FROM {table} t CROSS JOIN {fts}_docsize d ON d.id = t.rid "
            "WHERE t.namespace = ? AND t.rid > ?",
            (namespace, known.last_rid),
        )
        counted = Corpus(
            known.corpus.rows + len(rows),
            known.corpus.tokens + int(lengths([size for _, size in rows]).sum()),
        )
        part = _Part(version, max([known.last_rid, *(rid for rid, _ in rows)]), counted)
        with self._lock:
            self._parts[(label, namespace)] = part
        return counted

    def _table_corpus(self, counts: _FtsCounts, fts: str) -> Corpus:
        """The rows and tokens of the whole full-text table, from FTS5's averages record."""
        if counts.table is None:
            (block,) = self._query(f"SELECT block FROM {fts}_data WHERE id = 1")[0]
            rows, at = varint(block)
            counts.table = Corpus(rows, varint(block, at)[0])
        return counts.table

    def _matches(self, counts: _FtsCounts, fts: str, term: str, limit: int = 0) -> int:
        """How many rows of the table match ``term`` (with a ``limit``, counted no further)."""
        if term not in counts.matches:
            if limit:
                found = self._count(
                    f"SELECT 1 FROM {fts} WHERE {fts} MATCH ?", (f'"{term}"',), limit
                )
                if found < limit:
                    counts.matches[term] = found
                return found
            counts.matches[term] = self._query(
                f"SELECT count(*) FROM {fts} WHERE {fts} MATCH ?", (f'"{term}"',)
            )[0][0]
        return counts.matches[term]

    def _common(self, namespace: str, label: Label, term: str, counts: _FtsCounts) -> bool:
        """Whether ``term`` matches more than ``COMMON_TERM_ROWS`` of the namespace's rows of
        ``label`` (counted no further, and only when the whole table has that many). A common
        term stays common (memory only grows); a rare one is counted again after any write."""
        key = (namespace, label, term)
        if key in self._common_terms:
            return True
        fts, table = f"fts_{label}", _TABLES[label]
        matches = self._matches(counts, fts, term, limit=COMMON_TERM_ROWS + 1)
        if matches <= COMMON_TERM_ROWS or (namespace, term) in counts.rare:
            return False
        common = self._holds_all(counts, label, namespace) or (  # its matches: the table's
            self._count(
                f"SELECT 1 FROM {fts} CROSS JOIN {table} t ON t.rid = {fts}.rowid "
                f"WHERE {fts} MATCH ? AND t.namespace = ?",
                (f'"{term}"', namespace),
                COMMON_TERM_ROWS + 1,
            )
            > COMMON_TERM_ROWS
        )
        if common:
            self._common_terms.add(key)
        else:
            counts.rare.add((namespace, term))
        return common

    def _count(self, sql: str, params: tuple, limit: int) -> int:
        """How many rows ``sql`` returns, counting no further than ``limit``."""
        return self._query(f"SELECT count(*) FROM ({sql} LIMIT ?)", (*params, limit))[0][0]

    def vector_search(
        self, namespace: str, label: Label, vector: np.ndarray, k: int
    ) -> list[tuple[str, float]]:
        if k <= 0 or not has_direction(vector):
            return []
        vecs = self._vectors.get((namespace, label))
        if vecs is None or (vecs.version, vecs.erasures) != self._current_version(namespace):
            vecs = self._load_vectors(namespace, label)
        return vecs.index.search(vector, k)

    def wait_for_vector_indexes(self) -> None:
        """Until the HNSW graphs being built in the background are ready (search is exact, and
        slower at scale, meanwhile)."""
        with self._lock:
            indexes = [vecs.index for vecs in self._vectors.values()]
        for index in indexes:
            index.wait()

    def ann_recall(
        self, namespace: str, label: Label, queries: np.ndarray, k: int = 10
    ) -> float | None:
        """How much of the exact top ``k`` vector search returns for ``queries`` (None while
        the namespace's vectors of this kind are searched exactly)."""
        return self._load_vectors(namespace, label).index.recall(queries, k)

    def _current_version(self, namespace: str) -> tuple[int, int]:
        """``_namespace_version`` as committed, read without the main connection's lock."""
        with self._versions_lock:
            self._check_open()
            return _version(self._versions_db, namespace)

    def _namespace_version(self, namespace: str) -> tuple[int, int]:
        with self._lock:
            self._check_open()
            return _version(self._db, namespace)

    def _load_vectors(self, namespace: str, label: Label) -> _Vectors:
        """The namespace's vectors, kept in step with every writer: rows added since the last
        read are added, rows erased since are removed (a whole-namespace erasure starts over).
        A process starts from the graph a process saved, when there is one."""
        with self._lock:
            version, erasures = self._namespace_version(namespace)
            vecs = self._vectors.get((namespace, label))
            if vecs is not None and vecs.version == version:
                return vecs
            if vecs is None:
                vecs = self._saved_vectors(namespace, label) or self._new_vectors(
                    namespace, label, self._last_erasure()
                )
            if vecs.erasures != erasures:
                vecs = self._forget_erased(namespace, label, vecs)
            rows = self._query(
                f"SELECT rid, id, embedding FROM {_TABLES[label]} WHERE namespace = ? AND rid > ? "
                "AND embedding IS NOT NULL ORDER BY rid",
                (namespace, vecs.last_rid),
            )
            if rows:
                matrix = np.frombuffer(b"".join(r[2] for r in rows), dtype=np.float32)
                vecs.index.upsert([r[1] for r in rows], matrix.reshape(len(rows), -1))
                vecs.last_rid = rows[-1][0]
            vecs.version, vecs.erasures = version, erasures
            self._vectors[(namespace, label)] = vecs
            return vecs

    def _new_vectors(self, namespace: str, label: Label, last_erasure: int) -> _Vectors:
        index = VectorIndex(self.ann_min_rows, on_built=lambda: self._save_graph(namespace, label))
        return _Vectors(index, last_erasure=last_erasure)

    def _saved_vectors(self, namespace: str, label: Label) -> _Vectors | None:
        """The vectors of the graph a process saved (None: none saved, or it was replaced by a
        later save while being read twice running; the graph is then built)."""
        for _ in range(2):
            saved = graph_files.find(self._db.cursor(), self._graph_folder, namespace, label)
            if saved is None:
                return None
            size = self._query(
                f"SELECT length(embedding) FROM {_TABLES[label]} WHERE namespace = ? "
                "AND embedding IS NOT NULL LIMIT 1",
                (namespace,),
            )
            if not size:
                return None
            try:
                index = VectorIndex.load(
                    saved.graph_file, saved.ids, size[0][0] // 4, self.ann_min_rows
                )
            except (OSError, RuntimeError):
                continue
            return _Vectors(index, last_rid=saved.last_rid, last_erasure=saved.last_erasure)
        return None

    def _save_graph(self, namespace: str, label: Label) -> None:
        """Save the namespace's vector graph of ``label`` beside the database, caught up with
        every write and erasure first, unless the saved one is nearly as large. A closed or
        busy store skips it: a later process then builds the graph."""
        try:
            with self._transaction() as cur:
                vecs = self._load_vectors(namespace, label)
                rows = len(vecs.index.ids)
                if vecs.index.uses_ann and graph_files.worth_saving(cur, namespace, label, rows):
                    graph_files.save(
                        cur,
                        self._graph_folder,
                        namespace,
                        label,
                        vecs.index,
                        vecs.last_rid,
                        vecs.last_erasure,
                    )
        except (StoreClosedError, StoreUnavailableError):
            pass
        except (OSError, RuntimeError) as exc:  # the graph file could not be written
            log.warning("could not save the %s vector graph of %r: %s", label, namespace, exc)

    def _last_erasure(self) -> int:
        return self._query("SELECT coalesce(max(rowid), 0) FROM erasures")[0][0]

    def _forget_erased(self, namespace: str, label: Label, vecs: _Vectors) -> _Vectors:
        """``vecs`` without the rows erased since it was read (erasures are logged in order)."""
        rows = self._query(
            "SELECT rowid, id, label FROM erasures WHERE rowid > ? AND namespace = ? "
            "ORDER BY rowid",
            (vecs.last_erasure, namespace),
        )
        if any(kind == "namespace" for _, _, kind in rows):
            return self._new_vectors(namespace, label, rows[-1][0])
        vecs.index.remove([node_id for _, node_id, kind in rows if kind == label])
        if rows:
            vecs.last_erasure = rows[-1][0]
        return vecs

    def adjacency(self, namespace: str) -> Adjacency:
        """The namespace's edges as indices; read incrementally, the same object while unchanged."""
        with self._lock:
            version, erasures = self._namespace_version(namespace)
            graph = self._graphs.get(namespace)
            if graph is None or graph.erasures != erasures:
                graph = self._graphs[namespace] = _Graph(erasures=erasures)
            if graph.cached is None or graph.version != version:
                rows = self._query(
                    "SELECT rid, type, src, dst FROM edges WHERE namespace = ? AND rid > ? ORDER BY rid",
                    (namespace, graph.last_rid),
                )
                graph.edges.add([row[1:] for row in rows])
                if rows:
                    graph.last_rid = rows[-1][0]
                graph.version = version
                graph.cached = graph.edges.build(version)
            return graph.cached

    def stats(self, namespace: str | None = None) -> Stats:
        scope, params = ("namespace = ?", (namespace,)) if namespace else ("1", ())

        def count(table: str, extra: str = "1") -> int:
            sql = f"SELECT COUNT(*) FROM {table} WHERE {scope} AND {extra}"
            return self._query(sql, params)[0][0]

        return Stats(
            episodes=count("episodes"),
            pending=count("episodes", "status = 'pending'"),
            failed=count("episodes", "status = 'failed'"),
            entities=count("entities"),
            units=count("units"),
            active_units=count("units", "status = 'active'"),
            summaries=count("summaries"),
            edges=count("edges"),
        )

    def node_ids(self, namespace: str, label: Label) -> list[str]:
        return [
            r[0]
            for r in self._query(
                f"SELECT id FROM {_TABLES[label]} WHERE namespace = ? ORDER BY rid", (namespace,)
            )
        ]

    def namespaces(self) -> list[str]:
        holds = " OR ".join(
            f"EXISTS (SELECT 1 FROM {table} t WHERE t.namespace = n.namespace)"
            for table in _TABLES.values()
        )
        sql = f"SELECT namespace FROM namespaces n WHERE {holds} ORDER BY namespace"
        return [r[0] for r in self._query(sql)]

    def embedder_of(self, namespace: str) -> str | None:
        rows = self._query("SELECT embedder FROM namespaces WHERE namespace = ?", (namespace,))
        return rows[0][0] if rows else None

    def claim_embedder(self, namespace: str, name: str) -> str:
        with self._transaction() as cur:
            cur.execute(
                "INSERT INTO namespaces (namespace, embedder) VALUES (?, ?) ON CONFLICT "
                "(namespace) DO UPDATE SET embedder = COALESCE(embedder, excluded.embedder)",
                (namespace, name),
            )
            query = "SELECT embedder FROM namespaces WHERE namespace = ?"
            return cur.execute(query, (namespace,)).fetchone()[0]


def _time(ms: int) -> datetime:
    """A time stored NOT NULL."""
    return datetime.fromtimestamp(ms / 1000, UTC)


def _episode(r: tuple) -> Episode:
    return Episode(
        id=r[0],
        namespace=r[1],
        content=r[2],
        source=r[3],
        speaker=r[4],
        session=r[5],
        source_id=r[6],
        occurred_at=_time(r[7]),
        recorded_at=_time(r[8]),
        status=r[9],
        error=r[10],
        seq=r[11],
        expires_at=from_ms(r[12]),
    )


def _unit(r: tuple, arms: list[Involvement], sources: list[str]) -> Unit:
    return Unit.model_construct(
        id=r[0],
        namespace=r[1],
        text=r[2],
        kind=r[3],
        subject=r[4],
        predicate=r[5],
        object=r[6],
        confidence=r[7],
        valid_from=from_ms(r[8]),
        valid_to=from_ms(r[9]),
        recorded_at=from_ms(r[10]),
        expired_at=from_ms(r[11]),
        status=r[12],
        version=r[13],
        reason=r[14],
        entities=arms,
        episode_ids=sources,
        embedding=None,
    )


def _entity(r: tuple) -> Entity:
    return Entity(
        id=r[0],
        namespace=r[1],
        name=r[2],
        canonical=r[3],
        aliases=json.loads(r[4]),
        type=r[5],
        summary=r[6],
    )
