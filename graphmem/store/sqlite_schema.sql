-- graphmem embedded store schema (SQLite >= 3.35 with FTS5). Times are epoch milliseconds UTC.
CREATE TABLE IF NOT EXISTS episodes (
    rid INTEGER PRIMARY KEY,
    id TEXT NOT NULL UNIQUE,
    namespace TEXT NOT NULL,
    content TEXT NOT NULL,
    source TEXT,
    speaker TEXT,
    session TEXT,
    source_id TEXT,
    occurred_at INTEGER NOT NULL,
    recorded_at INTEGER NOT NULL,
    status TEXT NOT NULL,
    error TEXT,
    seq INTEGER NOT NULL,
    embedding BLOB,
    expires_at INTEGER
);
CREATE INDEX IF NOT EXISTS episodes_ns_status ON episodes (namespace, status);
CREATE INDEX IF NOT EXISTS episodes_ns_seq ON episodes (namespace, seq);
CREATE INDEX IF NOT EXISTS episodes_ns_session ON episodes (namespace, session, seq);
CREATE INDEX IF NOT EXISTS episodes_ns_source ON episodes (namespace, source_id, seq);
CREATE INDEX IF NOT EXISTS episodes_ns_speaker ON episodes (namespace, speaker COLLATE NOCASE);

CREATE TABLE IF NOT EXISTS entities (
    rid INTEGER PRIMARY KEY,
    id TEXT NOT NULL UNIQUE,
    namespace TEXT NOT NULL,
    name TEXT NOT NULL,
    canonical TEXT NOT NULL,
    aliases TEXT NOT NULL DEFAULT '[]',
    search_text TEXT NOT NULL,
    type TEXT NOT NULL,
    summary TEXT,
    embedding BLOB
);
CREATE INDEX IF NOT EXISTS entities_ns_canonical ON entities (namespace, canonical);

CREATE TABLE IF NOT EXISTS entity_keys (
    namespace TEXT NOT NULL,
    key TEXT NOT NULL,
    entity_id TEXT NOT NULL,
    PRIMARY KEY (namespace, key, entity_id)
) WITHOUT ROWID;

CREATE TABLE IF NOT EXISTS units (
    rid INTEGER PRIMARY KEY,
    id TEXT NOT NULL UNIQUE,
    namespace TEXT NOT NULL,
    text TEXT NOT NULL,
    kind TEXT NOT NULL,
    subject TEXT,
    predicate TEXT,
    object TEXT,
    confidence REAL NOT NULL,
    valid_from INTEGER,
    valid_to INTEGER,
    recorded_at INTEGER NOT NULL,
    expired_at INTEGER,
    status TEXT NOT NULL,
    version INTEGER NOT NULL,
    reason TEXT,
    embedding BLOB
);
CREATE INDEX IF NOT EXISTS units_ns_status ON units (namespace, status);

CREATE TABLE IF NOT EXISTS summaries (
    rid INTEGER PRIMARY KEY,
    id TEXT NOT NULL UNIQUE,
    namespace TEXT NOT NULL,
    text TEXT NOT NULL,
    level INTEGER NOT NULL,
    span_from INTEGER,
    span_to INTEGER,
    embedding BLOB
);
CREATE INDEX IF NOT EXISTS summaries_ns ON summaries (namespace);

CREATE TABLE IF NOT EXISTS edges (
    rid INTEGER PRIMARY KEY,
    namespace TEXT NOT NULL,
    type TEXT NOT NULL,
    src TEXT NOT NULL,
    dst TEXT NOT NULL,
    props TEXT NOT NULL DEFAULT '{}',
    UNIQUE (namespace, type, src, dst)
);
CREATE INDEX IF NOT EXISTS edges_src ON edges (src, type);
CREATE INDEX IF NOT EXISTS edges_dst ON edges (dst, type);
CREATE INDEX IF NOT EXISTS edges_ns_rid ON edges (namespace, rid);

CREATE TABLE IF NOT EXISTS namespaces (
    namespace TEXT PRIMARY KEY,
    version INTEGER NOT NULL DEFAULT 0,
    erasures INTEGER NOT NULL DEFAULT 0,
    embedder TEXT
);

CREATE TABLE IF NOT EXISTS erasures (
    id TEXT NOT NULL,
    namespace TEXT NOT NULL,
    label TEXT NOT NULL,
    erased_at INTEGER NOT NULL
);

-- HNSW graphs saved in the folder's vectors/ (graph_files.py): the name of their files, the
-- store position they reached, and the id of each graph row (a JSON list, null where erased).
CREATE TABLE IF NOT EXISTS vector_graphs (
    namespace TEXT NOT NULL,
    label TEXT NOT NULL,
    name TEXT NOT NULL,
    rows INTEGER NOT NULL,
    last_rid INTEGER NOT NULL,
    last_erasure INTEGER NOT NULL,
    ids TEXT NOT NULL,
    PRIMARY KEY (namespace, label)
);

CREATE VIRTUAL TABLE IF NOT EXISTS fts_episode USING fts5 (
    content, content='episodes', content_rowid='rid', tokenize='porter unicode61'
);
CREATE VIRTUAL TABLE IF NOT EXISTS fts_unit USING fts5 (
    text, content='units', content_rowid='rid', tokenize='porter unicode61'
);
CREATE VIRTUAL TABLE IF NOT EXISTS fts_entity USING fts5 (
    search_text, content='entities', content_rowid='rid', tokenize='porter unicode61'
);
CREATE VIRTUAL TABLE IF NOT EXISTS fts_summary USING fts5 (
    text, content='summaries', content_rowid='rid', tokenize='porter unicode61'
);

CREATE TRIGGER IF NOT EXISTS episodes_fts_insert AFTER INSERT ON episodes BEGIN
    INSERT INTO fts_episode (rowid, content) VALUES (new.rid, new.content);
END;
CREATE TRIGGER IF NOT EXISTS episodes_fts_delete AFTER DELETE ON episodes BEGIN
    INSERT INTO fts_episode (fts_episode, rowid, content) VALUES ('delete', old.rid, old.content);
END;
CREATE TRIGGER IF NOT EXISTS units_fts_insert AFTER INSERT ON units BEGIN
    INSERT INTO fts_unit (rowid, text) VALUES (new.rid, new.text);
END;
CREATE TRIGGER IF NOT EXISTS units_fts_delete AFTER DELETE ON units BEGIN
    INSERT INTO fts_unit (fts_unit, rowid, text) VALUES ('delete', old.rid, old.text);
END;
CREATE TRIGGER IF NOT EXISTS entities_fts_insert AFTER INSERT ON entities BEGIN
    INSERT INTO fts_entity (rowid, search_text) VALUES (new.rid, new.search_text);
END;
CREATE TRIGGER IF NOT EXISTS entities_fts_delete AFTER DELETE ON entities BEGIN
    INSERT INTO fts_entity (fts_entity, rowid, search_text) VALUES ('delete', old.rid, old.search_text);
END;
CREATE TRIGGER IF NOT EXISTS entities_fts_update AFTER UPDATE OF search_text ON entities BEGIN
    INSERT INTO fts_entity (fts_entity, rowid, search_text) VALUES ('delete', old.rid, old.search_text);
    INSERT INTO fts_entity (rowid, search_text) VALUES (new.rid, new.search_text);
END;
DROP INDEX IF EXISTS units_ns_predicate;
CREATE INDEX IF NOT EXISTS units_ns_slot ON units (namespace, predicate, lower(subject)) WHERE predicate IS NOT NULL;
CREATE TRIGGER IF NOT EXISTS summaries_fts_insert AFTER INSERT ON summaries BEGIN
    INSERT INTO fts_summary (rowid, text) VALUES (new.rid, new.text);
END;
CREATE TRIGGER IF NOT EXISTS summaries_fts_delete AFTER DELETE ON summaries BEGIN
    INSERT INTO fts_summary (fts_summary, rowid, text) VALUES ('delete', old.rid, old.text);
END;
CREATE INDEX IF NOT EXISTS episodes_expiry ON episodes (expires_at) WHERE expires_at IS NOT NULL;
CREATE INDEX IF NOT EXISTS erasures_ns_id ON erasures (namespace, id);
