"""Memory at scale: synthetic conversations whose people, places and projects are mentioned with
Zipf frequencies, ingested through the real write path into the embedded store; then ingest
throughput, search latency, PPR time, memory and disk per size."""

from __future__ import annotations

import os
import random
import shutil
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from itertools import accumulate
from pathlib import Path
from typing import Any

import numpy as np

from ..embed import Embedder
from ..errors import InvalidInputError
from ..memory import Memory
from ..store import graph_files
from ..store.sqlite import SQLiteStore
from .ranking import Stopwatch, p50_p95_ms

NAMESPACE = "scale"
UNITS_PER_TURN = 2  # what the zero-LLM constructor builds from one generated turn (two clauses)
_SYLLABLES = "ka lo mi ren ta vel dor sa ni bru ve lin qua zo fe mar tis or hal en".split()
_EVENTS = (
    "{a} met {b} in {place} to plan {project}.",
    "{a} and {b} reviewed the {project} budget with {c}.",
    "{a} recommended {b} to {c} for {project}.",
    "{a} called {b} about the {project} launch in {place}.",
    "{a} visited {place} with {b}.",
    "{a} introduced {b} to {c} at the {project} demo in {place}.",
)
_UPDATES = ("{a} moved to {place}.", "{a} started working at {org}.")
QUERIES = (
    "Who did {a} meet in {place}?",
    "Where does {a} live now?",
    "What is {project} about?",
    "Who works with {b} on {project}?",
    "Where does {a} work?",
)


class Population:
    """Names drawn with Zipf frequencies (rank r ∝ 1 / r^1.1): a few are everywhere, most rare."""

    def __init__(self, size: int, rng: random.Random) -> None:
        self.rng = rng
        self.people = self._names(size, 2, rng)
        self.places = self._names(max(size // 10, 10), 1, rng)
        self.projects = [f"Project {n}" for n in self._names(max(size // 5, 10), 1, rng)]
        self.orgs = [f"{n} Labs" for n in self._names(max(size // 10, 10), 1, rng)]
        self._cumulative = {
            len(pool): list(accumulate(1 / r**1.1 for r in range(1, len(pool) + 1)))
            for pool in (self.people, self.places, self.projects, self.orgs)
        }

    @staticmethod
    def _names(n: int, words: int, rng: random.Random) -> list[str]:
        names: dict[str, None] = {}  # in the order drawn: a set's order changes per process
        while len(names) < n:
            names[
                " ".join(
                    "".join(rng.choices(_SYLLABLES, k=rng.randint(2, 4))).capitalize()
                    for _ in range(words)
                )
            ] = None
        return sorted(names, key=lambda _: rng.random())

    def pick(self, pool: list[str], k: int = 1) -> list[str]:
        chosen: list[str] = []
        while len(chosen) < k:
            (name,) = self.rng.choices(pool, cum_weights=self._cumulative[len(pool)])
            if name not in chosen:
                chosen.append(name)
        return chosen

    def fill(self, template: str) -> str:
        a, b, c = self.pick(self.people, 3)
        return template.format(
            a=a,
            b=b,
            c=c,
            place=self.pick(self.places)[0],
            project=self.pick(self.projects)[0],
            org=self.pick(self.orgs)[0],
        )


def turns(count: int, population: Population, rng: random.Random) -> list[dict[str, Any]]:
    """``count`` turns, a minute apart; one in ten also moves someone or changes their job, so
    memory holds updates over time."""
    start = 1_700_000_000
    out = []
    for i in range(count):
        first = population.fill(rng.choice(_EVENTS))
        second = population.fill(rng.choice(_UPDATES if rng.random() < 0.1 else _EVENTS))
        out.append(
            {
                "text": f"{first} {second}",
                "at": start + 60 * i,
                "speaker": "narrator",
                "source_id": str(i),
            }
        )
    return out


def _rss_mb() -> float:
    with open("/proc/self/statm") as f:
        return int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 2**20


def _disk_mb(folder: Path) -> float:
    return sum(p.stat().st_size for p in folder.rglob("*") if p.is_file()) / 2**20


def measure(
    size: int,
    embedder: Embedder,
    queries: int = 200,
    batch: int = 2048,
    seed: int = 7,
    neo4j: Callable[..., Memory] | None = None,
    keep: Path | None = None,
) -> dict[str, Any]:
    """Ingest about ``size`` units into a fresh embedded store, then time ``queries`` searches
    (after a cold one); given ``neo4j`` (an opener of Memory on a server), the same memory and
    queries on Neo4j too, under ``"neo4j"``, with its search p95 as a ratio of SQLite's. Given
    ``keep``, the embedded store is kept in ``keep/<size>`` and a later run with the same seed
    searches it again instead of ingesting (``ingest_s`` is then None)."""
    messages, asked = workload(size, queries + 1, seed)
    with _folder(keep, size, seed) as (folder, ingested):
        with Memory(path=folder, embedder=embedder) as mem:
            row = _timed(mem, [] if ingested else messages, asked, batch)
            row |= {"rss_mb": round(_rss_mb()), "disk_mb": round(_disk_mb(folder))}
            row |= _ann_recall(mem, embedder.embed(asked[1:]))
        if keep is not None:
            (folder / KEPT).write_text(str(seed))
    if neo4j is not None:
        with neo4j(embedder=embedder, progress=False) as mem:
            _clear(mem)  # a fresh namespace, as the embedded store gets
            try:
                row["neo4j"] = server = _timed(mem, messages, asked, batch)
            finally:
                _clear(mem)
        row["neo4j_search_p95_ratio"] = round(server["search_ms_p95"] / row["search_ms_p95"], 2)
    return row


def workload(size: int, queries: int, seed: int = 7) -> tuple[list[dict[str, Any]], list[str]]:
    """The turns that hold about ``size`` units, and ``queries`` questions about them."""
    rng = random.Random(seed)
    population = Population(max(size // 20, 50), rng)
    messages = turns(max(size // UNITS_PER_TURN, 1), population, rng)
    return messages, [population.fill(rng.choice(QUERIES)) for _ in range(queries)]


STORE_FILES = ("graphmem.db", graph_files.FOLDER, "bench-scale-seed")
"""What a kept folder may hold: the store's database (and its journal files), its saved vector
graphs and the marker."""
KEPT = "bench-scale-seed"
"""The marker of a kept store whose ingest finished, holding the seed it was generated with."""


@contextmanager
def _folder(keep: Path | None, size: int, seed: int) -> Iterator[tuple[Path, bool]]:
    """The store's folder and whether it already holds this size's memory."""
    if keep is None:
        with tempfile.TemporaryDirectory() as tmp:
            yield Path(tmp), False
        return
    folder = keep / str(size)
    marker = folder / KEPT
    ingested = marker.exists() and marker.read_text() == str(seed)
    if not ingested and folder.exists():
        if any(not f.name.startswith(STORE_FILES) for f in folder.iterdir()):
            raise InvalidInputError(f"{folder} holds files that are not a graphmem store")
        shutil.rmtree(folder)  # an unfinished or different run
    folder.mkdir(parents=True, exist_ok=True)
    yield folder, ingested


def _ann_recall(mem: Memory, queries: np.ndarray) -> dict[str, Any]:
    """``ann_recall@10``: the share of the exact top 10 that the embedded store's vector search
    returns for the bench's queries, units and episodes together (1.0 while search is exact,
    below its ANN threshold; then ``ann`` is false)."""
    store = mem.store
    assert isinstance(store, SQLiteStore)
    recalls = [store.ann_recall(NAMESPACE, label, queries) for label in ("unit", "episode")]
    approximate = [r for r in recalls if r is not None]
    return {
        "ann": bool(approximate),
        "ann_recall@10": round(min(approximate), 4) if approximate else 1.0,
    }


def _clear(mem: Memory) -> None:
    if NAMESPACE in mem.namespaces():
        mem.forget_namespace(NAMESPACE)


def _timed(
    mem: Memory, messages: list[dict[str, Any]], asked: list[str], batch: int
) -> dict[str, Any]:
    """Ingest ``messages`` in batches (none: the memory is already there), then one cold search
    and the timed ones."""
    start = time.perf_counter()
    for i in range(0, len(messages), batch):
        mem.add_messages(messages[i : i + batch], namespace=NAMESPACE)
    ingest_s = round(time.perf_counter() - start, 1) if messages else None
    stats = mem.stats(NAMESPACE)
    cold = Stopwatch()
    cold.time(mem.search, asked[0], namespace=NAMESPACE, k=10)
    start = time.perf_counter()
    if isinstance(mem.store, SQLiteStore):  # timed searches run on the built graph
        mem.store.wait_for_vector_indexes()
    index_wait_s = time.perf_counter() - start
    clock, ppr, candidates = Stopwatch(), [], []
    for question in asked[1:]:
        clock.time(mem.search, question, namespace=NAMESPACE, k=10)
        ppr.append(mem.retriever.timings["ppr"])
        candidates.append(mem.retriever.timings["candidates"])
    search = clock.percentiles()
    ppr_p50, ppr_p95 = p50_p95_ms(ppr)
    candidates_p50, candidates_p95 = p50_p95_ms(candidates)
    return {
        "units": stats.units,
        "entities": stats.entities,
        "ingest_s": ingest_s,
        "ingest_units_per_s": round(stats.units / ingest_s) if ingest_s else None,
        "search_ms_p50": search["query_ms_p50"],
        "search_ms_p95": search["query_ms_p95"],
        "first_search_ms": cold.percentiles()["query_ms_p50"],
        "index_build_wait_s": round(index_wait_s, 1),
        "ppr_ms_p50": ppr_p50,
        "ppr_ms_p95": ppr_p95,
        "candidates_ms_p50": candidates_p50,
        "candidates_ms_p95": candidates_p95,
    }


def run(
    sizes: list[int],
    embedder: Embedder,
    queries: int = 200,
    progress: bool = True,
    neo4j: Callable[..., Memory] | None = None,
    keep: Path | None = None,
) -> dict[str, Any]:
    report: dict[str, Any] = {"sizes": {}}
    for size in sizes:
        report["sizes"][str(size)] = row = measure(size, embedder, queries, neo4j=neo4j, keep=keep)
        if progress:
            print(f"{size}: {row}", flush=True)
    return report


def table(report: dict[str, Any]) -> str:
    """The report as a Markdown table, one row per size and store."""
    columns = (
        "units",
        "ingest_units_per_s",
        "search_ms_p50",
        "search_ms_p95",
        "ann_recall@10",
        "ppr_ms_p50",
        "ppr_ms_p95",
    )
    lines = ["| size | store | " + " | ".join(columns) + " |", "|---" * (len(columns) + 2) + "|"]
    for size, row in report["sizes"].items():
        for store, figures in (("SQLite", row), ("Neo4j", row.get("neo4j"))):
            if figures:
                cells = " | ".join(str(figures.get(c, "")) for c in columns)
                lines.append(f"| {size} | {store} | {cells} |")
    return "\n".join(lines)
