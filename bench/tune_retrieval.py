"""Retrieval weights chosen on the tune split, then checked on validate (LoCoMo recall@10).

Each split's conversations are ingested once; every point of the grid (fusion and PPR weights)
is then scored on every question of the split, so the whole grid costs one ingest per split. The
point with the best tune recall is the choice; the validate column shows whether it carries.

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
from graphmem.benchmarks.locomo import CATEGORIES, evidence, messages
from graphmem.benchmarks.ranking import graphmem_ranking, recall
from graphmem.benchmarks.splits import pick
from graphmem.embed import make_embedder

K = 10


def grid(specs: list[str]) -> list[dict[str, float]]:
    """``name=v1,v2`` specs as every combination of their values."""
    names, values = [], []
    for spec in specs:
        name, _, raw = spec.partition("=")
        names.append(name)
        values.append([float(v) for v in raw.split(",")])
    return [dict(zip(names, combo, strict=True)) for combo in itertools.product(*values)]


def score_split(
    samples: list[dict[str, Any]], points: list[dict[str, float]], embedder_name: str
) -> list[dict[str, float]]:
    """Recall@10 per category and overall at every point, one ingest for all."""
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
                gold = evidence(qa)  # skipped as `bench locomo` skips it: no gold, or not held
                if str(qa["category"]) in CATEGORIES and gold and held.issuperset(gold):
                    questions.append((namespace, qa["question"], str(qa["category"]), gold))
        settings = mem.retriever.config
        defaults = {name: getattr(settings, name) for name in points[0]}
        rows = []
        for point in points:
            for name, value in point.items():
                setattr(settings, name, value)
            found: dict[str, list[float]] = {c: [] for c in CATEGORIES}
            for namespace, question, category, gold in questions:
                ranked, _ = graphmem_ranking(mem, namespace, question, K)
                found[category].append(recall(ranked, gold, K))
            row = {c: round(statistics.fmean(v), 3) for c, v in found.items() if v}
            row["overall"] = round(statistics.fmean([x for v in found.values() for x in v]), 3)
            rows.append(row)
        for name, value in defaults.items():
            setattr(settings, name, value)
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", required=True)
    parser.add_argument("--grid", nargs="+", required=True, help="retrieval.NAME=v1,v2,...")
    parser.add_argument("--embedder", default="minilm")
    parser.add_argument("--json", help="write the report here too")
    args = parser.parse_args()
    samples = json.loads(Path(args.data).read_text("utf-8"))
    points = grid(args.grid)
    tune = score_split(pick(samples, "tune"), points, args.embedder)
    validate = score_split(pick(samples, "validate"), points, args.embedder)
    best = max(range(len(points)), key=lambda i: tune[i]["overall"])
    report = {
        "points": [
            {"settings": p, "tune": t, "validate": v}
            for p, t, v in zip(points, tune, validate, strict=True)
        ],
        "chosen_on_tune": {
            "settings": points[best],
            "tune": tune[best],
            "validate": validate[best],
        },
    }
    text = json.dumps(report, indent=1)
    if args.json:
        Path(args.json).write_text(text + "\n", "utf-8")
    print(text)


if __name__ == "__main__":
    main()
