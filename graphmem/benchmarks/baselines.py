"""The baselines every benchmark scores beside graphmem: dense cosine and SQLite FTS5 BM25."""

from __future__ import annotations

import sqlite3

import numpy as np

from ..embed import Embedder
from ..text import query_terms


class DenseBaseline:
    """Top-k passages by cosine with the same embedder graphmem uses; no graph."""

    def __init__(self, embedder: Embedder, ids: list[str], texts: list[str]) -> None:
        self.embedder = embedder
        self.ids = ids
        self.matrix = embedder.embed(texts)

    def rank(self, query: str, k: int) -> list[str]:
        scores = self.matrix @ self.embedder.embed([query])[0]
        return [self.ids[i] for i in np.argsort(-scores)[:k]]


def baselines(
    embedder: Embedder, ids: list[str], texts: list[str]
) -> dict[str, DenseBaseline | BM25Baseline]:
    """Both baselines over the same passages, by name."""
    return {"dense": DenseBaseline(embedder, ids, texts), "bm25": BM25Baseline(ids, texts)}


class BM25Baseline:
    """SQLite FTS5 over the passages (porter tokenizer), query words OR-ed, stop words dropped."""

    def __init__(self, ids: list[str], texts: list[str]) -> None:
        self.db = sqlite3.connect(":memory:")
        self.db.execute("CREATE VIRTUAL TABLE p USING fts5(pid UNINDEXED, text, tokenize='porter')")
        self.db.executemany("INSERT INTO p (pid, text) VALUES (?, ?)", zip(ids, texts, strict=True))

    def rank(self, query: str, k: int) -> list[str]:
        terms = query_terms(query)
        if not terms:
            return []
        match = " OR ".join(f'"{t}"' for t in terms)
        rows = self.db.execute(
            "SELECT pid FROM p WHERE p MATCH ? ORDER BY bm25(p) LIMIT ?", (match, k)
        ).fetchall()
        return [r[0] for r in rows]
