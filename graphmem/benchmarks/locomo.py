"""LoCoMo evidence recall@k: graphmem vs dense vs BM25, each judged on k distinct turns."""

from __future__ import annotations

import json
import re
import statistics
import tempfile
import uuid
from collections.abc import Callable
from contextlib import ExitStack
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

from ..config import Config
from ..embed import Embedder
from ..llm.base import LLM
from ..memory import Memory
from ..models import Hit
from ..retrieval.context import build_context, count_tokens
from .baselines import baselines
from .ranking import Ingest, Stopwatch, graphmem_ranking, paired_gain, recall
from .splits import pick

CATEGORIES = ("1", "2", "3", "4")
DEFAULT_K = 10
"""Hits ``search`` and ``ask`` use by default."""


def turn_text(turn: dict[str, Any]) -> str:
    """A turn as every system sees it: its text, plus the caption of a shared photo."""
    text = turn["text"]
    if turn.get("blip_caption"):
        text += f" [shares a photo: {turn['blip_caption']}]"
    return text


def scorable(qa: dict[str, Any], held: set[str]) -> bool:
    """Whether a question is scored: one of ``CATEGORIES`` whose gold turns are all ``held``
    (one with no gold, or citing turns not held, is skipped)."""
    gold = evidence(qa)
    return str(qa["category"]) in CATEGORIES and bool(gold) and held.issuperset(gold)


def messages(conversation: dict[str, Any], sessions: int | None = None) -> list[dict[str, Any]]:
    """The turns of a LoCoMo conversation as graphmem messages (of its first ``sessions``)."""
    out = []
    session = 1
    while f"session_{session}" in conversation and (sessions is None or session <= sessions):
        when = datetime.strptime(
            conversation[f"session_{session}_date_time"], "%I:%M %p on %d %B, %Y"
        )
        for turn in conversation[f"session_{session}"]:
            out.append(
                {
                    "text": turn_text(turn),
                    "speaker": turn["speaker"],
                    "at": when,
                    "source_id": turn["dia_id"],
                    "session": f"session_{session}",
                }
            )
        session += 1
    return out


def evidence(qa: dict[str, Any]) -> list[str]:
    """Gold dia_ids; malformed strings such as "D8:6; D9:17" are split."""
    return [e for raw in qa.get("evidence", []) for e in re.split(r"[;,\s]+", raw) if e]


def context_tokens(mem: Memory, hits: list[Hit]) -> int:
    """Tokens of the context ``ask`` hands a model at default settings (its top 10 hits)."""
    return count_tokens(build_context(hits[:DEFAULT_K], mem.config.agents.context_tokens))


@dataclass
class _Store:
    """One graphmem system of the run: its memory and what it measured."""

    mem: Memory
    clock: Stopwatch = field(default_factory=Stopwatch)
    ingest: Ingest = field(default_factory=Ingest)
    context: list[int] = field(default_factory=list)

    def figures(self, turns: int, full: list[int]) -> dict[str, Any]:
        return {
            "context_tokens": {
                "graphmem": round(statistics.fmean(self.context)),
                "full": round(statistics.fmean(full)),
                "ratio": round(statistics.fmean(self.context) / statistics.fmean(full), 4),
            },
            **self.ingest.figures(self.mem),
            "ingest_turns_per_s": round(turns / self.ingest.seconds, 1),
            **self.clock.percentiles(),
        }


def run(
    data: Path,
    ks: list[int],
    embedder: Embedder,
    limit: int | None = None,
    progress: bool = True,
    llm: LLM | None = None,
    neo4j: Callable[..., Memory] | None = None,
    split: str = "all",
    config: Config | None = None,
    sessions: int | None = None,
) -> dict[str, Any]:
    """Recall of graphmem on the embedded store (and, given ``neo4j``, an opener of Memory on a
    Neo4j server, on that store too: "graphmem-neo4j") beside the dense and BM25 baselines.
    ``sessions`` keeps each conversation's first sessions and the questions they can answer
    (a slice for slow model-driven runs); the others count as skipped."""
    samples = pick(json.loads(Path(data).read_text("utf-8")), split)[:limit]
    depth = max(ks)
    with tempfile.TemporaryDirectory() as tmp, ExitStack() as stack:
        stores = {
            "graphmem": _Store(
                stack.enter_context(Memory(path=tmp, embedder=embedder, llm=llm, config=config))
            )
        }
        if neo4j is not None:
            stores["graphmem-neo4j"] = _Store(
                stack.enter_context(neo4j(embedder=embedder, llm=llm, config=config))
            )
        systems = (*stores, "dense", "bm25")
        turns = skipped = 0
        asked: list[_Scored] = []
        full: list[int] = []
        run_id = uuid.uuid4().hex[:8]  # a server may hold an earlier run's conversations
        for sample in samples:
            namespace = f"{sample['sample_id']}-{run_id}"
            msgs = messages(sample["conversation"], sessions)
            turns += len(msgs)
            for store in stores.values():
                store.ingest.add(store.mem, msgs, namespace)
            ids = [m["source_id"] for m in msgs]
            held = set(ids)
            texts = [f"{m['speaker']}: {m['text']}" for m in msgs]
            conversation_tokens = count_tokens("\n".join(texts))
            others = baselines(embedder, ids, texts)
            for qa in sample["qa"]:
                category = str(qa["category"])
                gold = evidence(qa)
                if category not in CATEGORIES:
                    continue
                if not scorable(qa, held):  # nothing to score it by
                    skipped += 1
                    continue
                ranked = {}
                for name, store in stores.items():
                    ranked[name], hits = store.clock.time(
                        graphmem_ranking, store.mem, namespace, qa["question"], depth
                    )
                    store.context.append(context_tokens(store.mem, hits))
                full.append(conversation_tokens)
                for name, baseline in others.items():
                    ranked[name] = baseline.rank(qa["question"], depth)
                got = {s: [recall(ranked[s], gold, k) for k in ks] for s in systems}
                asked.append(_Scored(sample["sample_id"], category, got))
            if progress:
                print(f"{sample['sample_id']}: {len(msgs)} turns", flush=True)
    report: dict[str, Any] = {"systems": {}, "split": split, "skipped": skipped}
    for system in systems:
        report["systems"][system] = {}
        for j, k in enumerate(ks):
            per = {
                c: round(statistics.fmean(values), 3)
                for c in CATEGORIES
                if (values := [q.recalls[system][j] for q in asked if q.category == c])
            }
            per["overall"] = round(statistics.fmean(q.recalls[system][j] for q in asked), 3)
            report["systems"][system][f"recall@{k}"] = per
    report.update(_spread(asked, ks, ("dense", "bm25")))
    report.update(stores["graphmem"].figures(turns, full))
    if "graphmem-neo4j" in stores:
        report["neo4j"] = stores["graphmem-neo4j"].figures(turns, full)
    return report


@dataclass(frozen=True)
class _Scored:
    """One scored question: its conversation, category and each system's recall at each k."""

    conversation: str
    category: str
    recalls: dict[str, list[float]]


def _spread(asked: list[_Scored], ks: list[int], rivals: tuple[str, ...]) -> dict[str, Any]:
    """How much graphmem's lead depends on the sample: ``gain_over_best`` (the gain over the
    better baseline overall at each k, with its bootstrap 95% interval over the questions) and
    ``conversations`` (each conversation's recall per system at each k)."""
    gains = {}
    for j, k in enumerate(ks):
        column = {s: [q.recalls[s][j] for q in asked] for s in ("graphmem", *rivals)}
        best = max(rivals, key=lambda s: statistics.fmean(column[s]) if column[s] else 0.0)
        gains[f"recall@{k}"] = {"over": best} | paired_gain(column["graphmem"], column[best])
    conversations: dict[str, dict[str, dict[str, float]]] = {}
    for sample_id in dict.fromkeys(q.conversation for q in asked):
        rows = [q.recalls for q in asked if q.conversation == sample_id]
        conversations[sample_id] = {
            s: {
                f"recall@{k}": round(statistics.fmean(r[s][j] for r in rows), 3)
                for j, k in enumerate(ks)
            }
            for s in rows[0]
        }
    return {"gain_over_best": gains, "conversations": conversations}
