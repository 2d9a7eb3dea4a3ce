"""HNSW graphs the embedded store saves in its folder, so that a process loads a namespace's graph
instead of building it again (a quarter of an hour for 0.5M vectors on one core).

The table ``vector_graphs`` names each (namespace, kind)'s file, with the store position the graph
reached (last row id and erasure read) and the id of each graph row. Every function here runs
inside the store's write transaction: a graph is written under a fresh name before its row names
it, so readers see a whole file or none, and an erasure shreds the namespace's files (zeros
written to disk, then removed) before it commits, so no erased vector stays in a saved graph."""

from __future__ import annotations

import json
import os
import secrets
import sqlite3
from dataclasses import dataclass
from pathlib import Path

from .vectors import VectorIndex

FOLDER = "vectors"
"""The sub-folder of the store's folder that holds the graph files, ``<name>.hnsw`` (the graph and
its vectors) per saved graph; a ``<name>.npy`` beside one is a copy of its vectors that earlier
versions wrote, removed with it."""
GROWTH_TO_SAVE = 0.02
"""A graph is saved again at close once it holds this much more than the saved one (a later
process adds the rows beyond the saved graph one by one: about 0.4 ms each)."""


@dataclass(frozen=True)
class SavedGraph:
    graph_file: Path
    last_rid: int
    last_erasure: int
    ids: list[str | None]


def _files(folder: Path, name: str) -> tuple[Path, Path]:
    """A saved graph's file, and the copy of its vectors that earlier versions wrote beside it."""
    return folder / f"{name}.hnsw", folder / f"{name}.npy"


def find(cur: sqlite3.Cursor, folder: Path, namespace: str, label: str) -> SavedGraph | None:
    row = cur.execute(
        "SELECT name, last_rid, last_erasure, ids FROM vector_graphs "
        "WHERE namespace = ? AND label = ?",
        (namespace, label),
    ).fetchone()
    if row is None:
        return None
    return SavedGraph(_files(folder, row[0])[0], row[1], row[2], json.loads(row[3]))


def worth_saving(cur: sqlite3.Cursor, namespace: str, label: str, rows: int) -> bool:
    """Whether a graph of ``rows`` rows should replace the saved one (there is none, or it holds
    ``GROWTH_TO_SAVE`` fewer)."""
    saved = cur.execute(
        "SELECT rows FROM vector_graphs WHERE namespace = ? AND label = ?", (namespace, label)
    ).fetchone()
    return saved is None or rows > saved[0] * (1 + GROWTH_TO_SAVE)


def save(
    cur: sqlite3.Cursor,
    folder: Path,
    namespace: str,
    label: str,
    index: VectorIndex,
    last_rid: int,
    last_erasure: int,
) -> None:
    """Write ``index``'s graph, which holds the store's rows up to ``last_rid`` and its erasures
    up to ``last_erasure``, and name it; the file it replaces is removed."""
    folder.mkdir(exist_ok=True)
    graph_file = _files(folder, secrets.token_hex(16))[0]
    try:
        ids = index.save(graph_file)
    except (OSError, RuntimeError):  # the disk is full, say: no half-written graph stays
        if graph_file.exists():
            shred(graph_file)
        raise
    if ids is None:  # no graph to save
        return
    old = cur.execute(
        "SELECT name FROM vector_graphs WHERE namespace = ? AND label = ?", (namespace, label)
    ).fetchone()
    cur.execute(
        "INSERT OR REPLACE INTO vector_graphs "
        "(namespace, label, name, rows, last_rid, last_erasure, ids) VALUES (?, ?, ?, ?, ?, ?, ?)",
        (namespace, label, graph_file.stem, len(ids), last_rid, last_erasure, json.dumps(ids)),
    )
    if old is not None:
        for path in _files(folder, old[0]):
            path.unlink(missing_ok=True)


def wipe(cur: sqlite3.Cursor, folder: Path, namespace: str) -> None:
    """Shred the namespace's graph files, and any file no row names (a save that died before
    its commit); nothing else writes graphs while the caller holds the write lock."""
    cur.execute("DELETE FROM vector_graphs WHERE namespace = ?", (namespace,))
    named = {r[0] for r in cur.execute("SELECT name FROM vector_graphs")}
    for path in folder.glob("*") if folder.is_dir() else ():
        if path.stem not in named:
            shred(path)


def shred(path: Path, chunk: int = 1 << 24) -> None:
    """Overwrite the file with zeros, on disk (fsync), then remove it: removing alone leaves
    its blocks on disk, and dropping dirty pages at removal may skip the overwrite."""
    zeros = bytes(chunk)
    with open(path, "r+b") as f:
        left = f.seek(0, os.SEEK_END)
        f.seek(0)
        while left > 0:
            left -= f.write(zeros[: min(chunk, left)])
        f.flush()
        os.fsync(f.fileno())
    path.unlink()
