"""BEAM updates and contradictions: is the updated fact ranked above the original, is the original
superseded, are both sides of a contradiction retrieved and flagged — graphmem vs dense vs BM25."""

from __future__ import annotations

import json
import re
import tempfile
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from ..config import Config
from ..decisions.rules import terms
from ..embed import Embedder
from ..errors import InvalidInputError
from ..llm.base import LLM
from ..memory import Memory
from ..models import Hit
from .baselines import BM25Baseline, DenseBaseline, baselines
from .ranking import Ingest, Stopwatch, graphmem_ranking, interval, mean, recall
from .splits import pick

_INDEX_MARK = re.compile(r"\s*->->\s*\d+\s*,\s*\d+\s*$")
UNRANKED = 1_000_000


def chat_folders(data: Path) -> list[Path]:
    """Chat folders under ``data`` (each with chat.json and probing_questions.json), in numeric
    order; ``data`` may itself be one chat."""
    data = Path(data)
    if (data / "chat.json").exists():
        return [data]
    found = [p.parent for p in data.glob("*/chat.json")]
    if not found:
        raise InvalidInputError(f"no <chat>/chat.json under {data}")
    return sorted(
        found, key=lambda p: (not p.name.isdigit(), int(p.name) if p.name.isdigit() else 0, p.name)
    )


def read_chat(folder: Path) -> tuple[list[dict[str, Any]], dict[str, Any]]:
    """A chat folder's chat (its batches) and its probing questions (by category)."""
    chat = json.loads((folder / "chat.json").read_text("utf-8"))
    return chat, json.loads((folder / "probing_questions.json").read_text("utf-8"))


def _anchor(text: str | None) -> datetime | None:
    try:
        return datetime.strptime(text, "%B-%d-%Y") if text else None
    except ValueError:
        return None


def messages(
    chat: list[dict[str, Any]], max_chars: int, batches: int | None = None
) -> list[dict[str, Any]]:
    """A BEAM chat (its first ``batches``) as graphmem messages: ``source_id`` = message id,
    ``speaker`` = role, ``at`` = the latest time anchor seen (a minute apart, so their order
    survives), session = batch. The trailing "->-> a,b" index mark is dropped; a message over
    ``max_chars`` is cut there (every system sees the same text)."""
    flat = [
        (batch.get("batch_number"), m)
        for batch in chat[:batches]
        for turn in batch["turns"]
        for m in turn
    ]
    first = next((a for _, m in flat if (a := _anchor(m.get("time_anchor")))), datetime(2024, 1, 1))
    current, out = first, []
    for position, (batch, m) in enumerate(flat):
        current = _anchor(m.get("time_anchor")) or current
        out.append(
            {
                "text": _INDEX_MARK.sub("", m["content"])[:max_chars].strip() or "(empty)",
                "speaker": m["role"],
                "at": current + timedelta(minutes=position),
                "source_id": str(m["id"]),
                "session": f"batch-{batch}",
            }
        )
    return out


def best_rank(ranked: list[str], ids: list[str]) -> int:
    return min((ranked.index(i) for i in ids if i in ranked), default=UNRANKED)


def update_scores(
    ranked: list[str], original: list[str], updated: list[str], k: int
) -> dict[str, float]:
    """``updated_in_top_k``: share of the updated message ids in the top k;
    ``updated_above_original``: an updated id is in the top k and ranks above every original id
    that is not itself an updated one."""
    older = [i for i in original if i not in updated]
    top_updated = best_rank(ranked[:k], updated)
    above = top_updated < UNRANKED and top_updated < best_rank(ranked, older)
    return {"updated_in_top_k": recall(ranked, updated, k), "updated_above_original": float(above)}


def both_retrieved(ranked: list[str], first: list[str], second: list[str], k: int) -> float:
    top = set(ranked[:k])
    return float(bool(top & set(first)) and bool(top & set(second)))


def flagged(hits: list[Hit], first: list[str], second: list[str]) -> float:
    """Both statements reach the reader marked as conflicting: a ``conflicted`` hit comes from
    each side (one hit from a message that holds both sides counts for both)."""
    sides = [set(first), set(second)]
    marked = [set(h.source_ids) for h in hits if h.status == "conflicted"]
    return float(all(any(side & m for m in marked) for side in sides))


def _rankings(
    mem: Memory,
    namespace: str,
    others: dict[str, DenseBaseline | BM25Baseline],
    question: str,
    k: int,
    clock: Stopwatch,
) -> tuple[dict[str, list[str]], list[Hit]]:
    """Every system's ranking of message ids (3k deep, to see where originals fall), and
    graphmem's hits."""
    ranked, hits = clock.time(graphmem_ranking, mem, namespace, question, k)
    out = {"graphmem": ranked}
    for name, baseline in others.items():
        out[name] = baseline.rank(question, 3 * k)
    return out, hits


def _ids(values: list[Any]) -> list[str]:
    return [str(v) for v in values]


def _evidence(ids: Any) -> list[str]:
    """Every message id a question cites, however its ``source_chat_ids`` nest them."""
    if isinstance(ids, dict):
        return [i for v in ids.values() for i in _evidence(v)]
    if isinstance(ids, list):
        return [i for v in ids for i in _evidence(v)]
    return [] if ids is None else [str(ids)]


def _score_update(
    cited: dict[str, Any],
    ranked: dict[str, list[str]],
    k: int,
    superseded: set[str],
    updates: dict[str, dict[str, list[float]]],
) -> bool:
    """Scores one knowledge_update question; False (unscored) when a side is missing."""
    original = _ids(cited.get("original_info") or [])
    updated = _ids(cited.get("updated_info") or [])
    if not original or not updated:  # an update needs both sides to be scored
        return False
    for system, order in ranked.items():
        for name, value in update_scores(order, original, updated, k).items():
            updates[system].setdefault(name, []).append(value)
    older = [i for i in original if i not in updated]
    if older:
        updates["graphmem"].setdefault("original_superseded", []).append(
            float(any(i in superseded for i in older))
        )
    return True


ON_TOPIC_WORDS = 2
"""Content words of a question (``decisions.rules.terms``) a cited message must use to speak
of what is asked."""


def on_topic(question: str, texts: list[str]) -> bool:
    """Whether any of ``texts`` (one side's cited messages) uses ``ON_TOPIC_WORDS`` of the
    question's content words: a side that does not can be found by no retrieval that follows
    the question."""
    asked = terms(question)
    return any(len(asked & terms(text)) >= ON_TOPIC_WORDS for text in texts)


def _score_conflict(
    question: str,
    cited: dict[str, Any],
    ranked: dict[str, list[str]],
    hits: list[Hit],
    k: int,
    conflicts: dict[str, dict[str, list[float]]],
    texts: dict[str, str],
) -> bool:
    """Scores one contradiction question; False (unscored) when a statement is missing. A
    question whose two sides both speak of what is asked (``on_topic``) is also scored as
    ``both_retrieved_on_topic``."""
    first = _ids(cited.get("first_statement") or [])
    second = _ids(cited.get("second_statement") or [])
    if not first or not second:  # a contradiction needs both statements to be scored
        return False
    sides_on_topic = all(
        on_topic(question, [texts.get(i, "") for i in side]) for side in (first, second)
    )
    for system, order in ranked.items():
        found = both_retrieved(order, first, second, k)
        conflicts[system].setdefault("both_retrieved", []).append(found)
        if sides_on_topic:
            conflicts[system].setdefault("both_retrieved_on_topic", []).append(found)
    conflicts["graphmem"].setdefault("flagged", []).append(flagged(hits, first, second))
    return True


def run(
    data: Path,
    k: int,
    embedder: Embedder,
    limit: int | None = None,
    progress: bool = True,
    llm: LLM | None = None,
    split: str = "all",
    config: Config | None = None,
    categories: set[str] | None = None,
    batches: int | None = None,
) -> dict[str, Any]:
    """graphmem, dense and BM25 on the chats' probing questions (of ``categories``, default
    all): evidence recall, updates ranked above originals, contradictions retrieved.
    ``batches`` keeps each chat's first batches and the questions whose evidence they hold (a
    slice for slow model-driven runs); the others count as skipped."""
    folders = pick(chat_folders(data), split)[:limit]
    skipped: dict[str, int] = {}
    systems = ("graphmem", "dense", "bm25")
    updates: dict[str, dict[str, list[float]]] = {s: {} for s in systems}
    conflicts: dict[str, dict[str, list[float]]] = {s: {} for s in systems}
    evidence_recall: dict[str, dict[str, list[float]]] = {s: {} for s in systems}
    clock = Stopwatch()
    ingest = Ingest()
    with (
        tempfile.TemporaryDirectory() as tmp,
        Memory(path=tmp, embedder=embedder, llm=llm, config=config) as mem,
    ):
        for folder in folders:
            namespace = f"beam-{folder.name}"
            chat, probes = read_chat(folder)
            if categories and not categories <= probes.keys():
                unknown = ", ".join(sorted(categories - probes.keys()))
                raise InvalidInputError(
                    f"no question category {unknown} in {folder.name} (has {', '.join(probes)})"
                )
            msgs = messages(chat, mem.config.constructor.max_episode_chars, batches)
            ingest.add(mem, msgs, namespace)
            ids = [m["source_id"] for m in msgs]
            held = set(ids)
            said = {m["source_id"]: m["text"] for m in msgs}
            texts = [f"{m['speaker']}: {m['text']}" for m in msgs]
            others = baselines(embedder, ids, texts)
            stale = [
                e
                for unit in mem.store.get_units(namespace, mem.store.node_ids(namespace, "unit"))
                if unit.status == "superseded"
                for e in unit.episode_ids
            ]
            superseded = {
                ep.source_id for ep in mem.store.get_episodes(namespace, stale) if ep.source_id
            }

            for category, questions in probes.items():
                if categories and category not in categories:
                    continue
                for q in questions:
                    evidence = _evidence(q.get("source_chat_ids"))
                    if not evidence or not held.issuperset(evidence):
                        skipped[category] = skipped.get(category, 0) + 1
                        continue
                    ranked, hits = _rankings(mem, namespace, others, q["question"], k, clock)
                    for system in systems:
                        found = recall(ranked[system], evidence, k)
                        evidence_recall[system].setdefault(category, []).append(found)
                    scored = True
                    if category == "knowledge_update":
                        scored = _score_update(q["source_chat_ids"], ranked, k, superseded, updates)
                    elif category == "contradiction_resolution":
                        scored = _score_conflict(
                            q["question"], q["source_chat_ids"], ranked, hits, k, conflicts, said
                        )
                    if not scored:
                        skipped[category] = skipped.get(category, 0) + 1
            if progress:
                print(f"{namespace}: {len(msgs)} messages", flush=True)
    report: dict[str, Any] = {"systems": {}, "k": k}
    for system in systems:
        report["systems"][system] = {
            "knowledge_update": {name: mean(v) for name, v in updates[system].items()},
            "contradiction_resolution": {name: mean(v) for name, v in conflicts[system].items()},
            f"evidence_recall@{k}": {
                **{name: mean(v) for name, v in evidence_recall[system].items()},
                "overall": mean([x for v in evidence_recall[system].values() for x in v]),
            },
        }
        if system != "graphmem":  # plain rankings keep no versions and flag nothing
            report["systems"][system]["knowledge_update"]["original_superseded"] = None
            report["systems"][system]["contradiction_resolution"]["flagged"] = None
    report["intervals"] = {  # graphmem's figures with their bootstrap 95% intervals
        "updated_above_original": interval(updates["graphmem"].get("updated_above_original", [])),
        "original_superseded": interval(updates["graphmem"].get("original_superseded", [])),
        "both_retrieved": interval(conflicts["graphmem"].get("both_retrieved", [])),
        "flagged": interval(conflicts["graphmem"].get("flagged", [])),
    }
    report["questions"] = {
        "knowledge_update": len(updates["dense"].get("updated_in_top_k", [])),
        "contradiction_resolution": len(conflicts["dense"].get("both_retrieved", [])),
        "contradiction_resolution_on_topic": len(
            conflicts["dense"].get("both_retrieved_on_topic", [])
        ),
        "citing_messages": sum(len(v) for v in evidence_recall["dense"].values()),
    }
    report["skipped"] = skipped
    report["split"] = split
    report["chats"] = [folder.name for folder in folders]
    report.update(ingest.figures(mem))
    report["ingest_messages_per_s"] = (
        round(ingest.messages / ingest.seconds, 1) if ingest.seconds else None
    )
    report.update(clock.percentiles())
    return report
