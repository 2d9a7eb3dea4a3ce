"""What every benchmark shares: graphmem's hits as a ranked list of distinct sources, recall@k,
and bootstrap intervals of per-question figures."""

from __future__ import annotations

import statistics
import time
from dataclasses import asdict, dataclass
from typing import Any

import numpy as np

from ..memory import Memory
from ..models import Hit


def distinct_sources(hits: list[Hit]) -> list[str]:
    """The source ids behind ``hits`` in rank order, each once (a unit or summary contributes
    the episodes it was built from)."""
    ranked: list[str] = []
    seen: set[str] = set()
    for hit in hits:
        for source_id in hit.source_ids:
            if source_id not in seen:
                seen.add(source_id)
                ranked.append(source_id)
    return ranked


def graphmem_ranking(
    mem: Memory, namespace: str, query: str, depth: int
) -> tuple[list[str], list[Hit]]:
    """graphmem's ranking as distinct sources, and its hits; hits are fetched 3 deep per source
    wanted, since one source can yield several units."""
    hits = mem.search(query, namespace=namespace, k=3 * depth)
    return distinct_sources(hits), hits


def recall(ranked: list[str], gold: list[str], k: int) -> float:
    """Share of ``gold`` among the first ``k`` of ``ranked``."""
    top = set(ranked[:k])
    return sum(g in top for g in gold) / len(gold)


def paired_gain(
    ours: list[float], theirs: list[float], rounds: int = 2000, seed: int = 0
) -> dict[str, Any]:
    """The mean of ``ours - theirs`` (two systems' scores on the same questions) as ``gain``,
    with its ``ci95`` (``interval`` of the differences)."""
    diff = [a - b for a, b in zip(ours, theirs, strict=True)]
    spread = interval(diff, rounds, seed)
    return {"gain": spread["mean"], "ci95": spread["ci95"]}


def interval(values: list[float], rounds: int = 2000, seed: int = 0) -> dict[str, Any]:
    """The mean of per-question ``values`` and its 95% interval by a bootstrap over the
    questions: how far the figure could move on another sample of questions like these."""
    if not values:
        return {"mean": None, "ci95": None}
    scores = np.asarray(values, float)
    draws = np.random.default_rng(seed).integers(0, len(scores), (rounds, len(scores)))
    low, high = np.percentile(scores[draws].mean(axis=1), [2.5, 97.5])
    return {"mean": round(float(scores.mean()), 3), "ci95": [round(low, 3), round(high, 3)]}


def mean(values: list[float]) -> float | None:
    return round(statistics.fmean(values), 3) if values else None


def p50_p95_ms(seconds: list[float]) -> tuple[float, float]:
    """Median and 95th percentile of ``seconds``, in milliseconds."""
    ordered = sorted(seconds) or [0.0]
    return (
        round(1000 * ordered[len(ordered) // 2], 1),
        round(1000 * ordered[int(len(ordered) * 0.95)], 1),
    )


class Stopwatch:
    """Collects query latencies; reports p50/p95 in milliseconds."""

    def __init__(self) -> None:
        self.seconds: list[float] = []

    def time(self, fn, *args, **kwargs):
        start = time.perf_counter()
        result = fn(*args, **kwargs)
        self.seconds.append(time.perf_counter() - start)
        return result

    def percentiles(self) -> dict[str, float]:
        p50, p95 = p50_p95_ms(self.seconds)
        return {"query_ms_p50": p50, "query_ms_p95": p95}


@dataclass
class Ingest:
    """Messages ingested, and the seconds, model calls and tokens that took (zero-LLM: none);
    ``failed``: messages kept unprocessed because the model failed on them."""

    messages: int = 0
    seconds: float = 0.0
    calls: int = 0
    tokens: int = 0
    failed: int = 0

    def add(self, mem: Memory, messages: list[dict[str, Any]], namespace: str) -> None:
        calls, tokens = mem.usage.totals()
        start = time.perf_counter()
        stored = mem.add_messages(messages, namespace=namespace)
        self.seconds += time.perf_counter() - start
        after_calls, after_tokens = mem.usage.totals()
        self.messages += len(messages)
        self.failed += sum(ep.status == "failed" for ep in stored)
        self.calls += after_calls - calls
        self.tokens += after_tokens - tokens

    def figures(self, mem: Memory) -> dict[str, Any]:
        """Ingest speed and model cost per message; the model's calls and tokens per operation
        over the whole run (questions too: routing, assessing)."""
        per = max(self.messages, 1)
        return {
            "ingest_s": round(self.seconds, 2),
            "failed_messages": self.failed,
            "seconds_per_message": round(self.seconds / per, 3),
            "model": {
                "calls_per_message": round(self.calls / per, 3),
                "tokens_per_message": round(self.tokens / per, 1),
                "operations": {op: asdict(u) for op, u in mem.usage.operations.items()},
            },
        }
