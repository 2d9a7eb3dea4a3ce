"""Retrieval weights chosen on the tune split, then checked on validate (LoCoMo recall@10).

Each split's conversations are ingested once; every point of the grid (fusion and PPR weights)
is then scored on every question of the split, so the whole grid costs one ingest per split. The
point with the best tune recall is the choice; the validate column shows whether it carries.
Cross-validation on tune says whether choosing from the grid beats the defaults at all: each
tune conversation in turn is held out, the point best on the others is chosen, and its recall on
the held-out one is compared with the defaults' there.

    python bench/tune_retrieval.py --data ../shared/data/locomo/locomo_dev.json \
        --grid lexical_weight=0.3,0.5,0.7 damping=0.3,0.5,0.7 entity_share=0.05,0.1,0.2
"""

from __future__ import annotations

import argparse
import itertools
import json
import statistics
import tempfile
from pathlib import Path
from typing import Any

from graphmem import Memory
from graphmem.benchmarks.locomo import CATEGORIES, evidence, messages, scorable
from graphmem.benchmarks.ranking import graphmem_ranking, recall
from graphmem.benchmarks.splits import pick
from graphmem.config import Config
from graphmem.embed import make_embedder

Scored = list[tuple[str, str, float]]
"""One point's recall@k on each question: (conversation, category, recall)."""


def grid(specs: list[str]) -> list[dict[str, float]]:
    """``name=v1,v2`` specs as every combination of their values."""
    names, values = [], []
    for spec in specs:
        name, _, raw = spec.partition("=")
        names.append(name)
        values.append([float(v) for v in raw.split(",")])
    return [dict(zip(names, combo, strict=True)) for combo in itertools.product(*values)]


def score_split(
    samples: list[dict[str, Any]], points: list[dict[str, float]], embedder_name: str, k: int
) -> list[Scored]:
    """Every point's recall@k on every question of ``samples``, one ingest for all."""
    with (
        tempfile.TemporaryDirectory() as tmp,
        Memory(path=tmp, embedder=make_embedder(embedder_name), progress=False) as mem,
    ):
        questions = []
        for sample in samples:
            namespace = sample["sample_id"]
            said = messages(sample["conversation"])
            mem.add_messages(said, namespace=namespace)
            held = {m["source_id"] for m in said}
            for qa in sample["qa"]:
                if scorable(qa, held):  # as `bench locomo` scores them
                    questions.append((namespace, qa["question"], str(qa["category"]), evidence(qa)))
        settings = mem.retriever.config
        defaults = {name: getattr(settings, name) for name in points[0]}
        scored = []
        for point in points:
            for name, value in point.items():
                setattr(settings, name, value)
            scored.append(
                [
                    (
                        namespace,
                        category,
                        recall(graphmem_ranking(mem, namespace, q, k)[0], gold, k),
                    )
                    for namespace, q, category, gold in questions
                ]
            )
        for name, value in defaults.items():
            setattr(settings, name, value)
    return scored


def summary(scored: Scored) -> dict[str, float]:
    """Recall per category and overall."""
    found: dict[str, list[float]] = {}
    for _, category, value in scored:
        found.setdefault(category, []).append(value)
    row = {c: round(statistics.fmean(found[c]), 3) for c in CATEGORIES if c in found}
    row["overall"] = round(statistics.fmean(v for _, _, v in scored), 3)
    return row


def cross_validate(points: list[dict[str, float]], scored: list[Scored]) -> dict[str, Any]:
    """Leave one conversation out: the point with the best recall on the other conversations'
    questions, scored on the held-out one's, beside the defaults (``points[0]``) there. The
    recalls are over all questions of all folds."""
    folds, chosen_all, defaults_all = [], [], []
    for held_out in dict.fromkeys(namespace for namespace, _, _ in scored[0]):

        def part(i: int, inside: bool, held_out: str = held_out) -> list[float]:
            return [v for namespace, _, v in scored[i] if (namespace == held_out) == inside]

        best = max(range(len(points)), key=lambda i: statistics.fmean(part(i, False) or [0.0]))
        chosen_all += part(best, True)
        defaults_all += part(0, True)
        folds.append(
            {
                "held_out": held_out,
                "chosen": points[best],
                "recall": round(statistics.fmean(part(best, True)), 3),
                "defaults": round(statistics.fmean(part(0, True)), 3),
            }
        )
    return {
        "folds": folds,
        "recall": round(statistics.fmean(chosen_all), 3),
        "defaults": round(statistics.fmean(defaults_all), 3),
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", required=True)
    parser.add_argument("--grid", nargs="+", required=True, help="retrieval.NAME=v1,v2,...")
    parser.add_argument("--embedder", default="minilm")
    parser.add_argument("--k", type=int, default=10, help="recall@k (default 10)")
    parser.add_argument("--json", help="write the report here too")
    args = parser.parse_args(argv)
    samples = json.loads(Path(args.data).read_text("utf-8"))
    points = grid(args.grid)
    settings = Config().retrieval
    unknown = [name for name in points[0] if not hasattr(settings, name)]
    if unknown:
        parser.error(f"no retrieval setting {', '.join(unknown)}")
    defaults = {name: getattr(settings, name) for name in points[0]}
    points = [defaults, *(p for p in points if p != defaults)]  # first: it wins ties
    tune = score_split(pick(samples, "tune"), points, args.embedder, args.k)
    validate = score_split(pick(samples, "validate"), points, args.embedder, args.k)
    tune_rows, validate_rows = map(summary, tune), map(summary, validate)
    rows = [
        {"settings": p, "tune": t, "validate": v}
        for p, t, v in zip(points, tune_rows, validate_rows, strict=True)
    ]
    best = max(range(len(points)), key=lambda i: rows[i]["tune"]["overall"])
    report = {
        "points": rows,
        "defaults": rows[0],
        "chosen_on_tune": rows[best],
        "cross_validation_on_tune": cross_validate(points, tune),
    }
    text = json.dumps(report, indent=1)
    if args.json:
        Path(args.json).write_text(text + "\n", "utf-8")
    print(text)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
