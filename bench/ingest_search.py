"""Ingest speed and search latency on one LoCoMo conversation, against a dense baseline run in
the same process (numpy cosine over the same turns with the same embedder), for each embedder
named (default: the default one; e.g. --embedders minilm,minilm-torch compares them in one run).
Each ``--set SECTION.FIELD=VALUE`` adds a run of graphmem with that setting beside the default
one, in the same process (e.g. ``--set rules.parse=false``: the cost of the language layer).

    python bench/ingest_search.py --data ../shared/data/locomo/locomo_dev.json [--conv 0]
"""

from __future__ import annotations

import argparse
import json
import tempfile
import time
from pathlib import Path

import numpy as np

from graphmem import Memory
from graphmem.benchmarks.locomo import messages as locomo_messages
from graphmem.config import Config, with_settings
from graphmem.embed import make_embedder
from graphmem.rules import read


def percentile_ms(samples: list[float], q: float) -> float:
    return round(float(np.percentile(samples, q)) * 1000, 2)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", required=True, type=Path)
    parser.add_argument("--conv", type=int, default=0)
    parser.add_argument("--embedders", default="minilm", help="comma-separated embedder names")
    parser.add_argument(
        "--set", action="append", default=[], metavar="SECTION.FIELD=VALUE", dest="settings"
    )
    args = parser.parse_args()
    sample = json.loads(args.data.read_text())[args.conv]
    messages = locomo_messages(sample["conversation"])
    questions = [qa["question"] for qa in sample["qa"]]
    configs = {"default": Config()} | {s: with_settings(Config(), [s]) for s in args.settings}
    read("I have 2 warm-up tests.")  # the parser loads once per process, as the embedder does
    report = {
        f"{name} {label}": measure(make_embedder(name), messages, questions, config)
        for name in args.embedders.split(",")
        for label, config in configs.items()
    }
    print(json.dumps(report, indent=1))


def measure(embedder, messages: list[dict], questions: list[str], config: Config) -> dict:
    """graphmem (with ``config``) and the dense baseline with ``embedder``: ingest, then every
    question."""
    embedder.embed(["warm up"])

    t0 = time.perf_counter()
    matrix = embedder.embed([m["text"] for m in messages])
    dense_ingest_s = time.perf_counter() - t0
    dense_lat = []
    for q in questions:
        t = time.perf_counter()
        scores = matrix @ embedder.embed([q])[0]
        np.argsort(-scores)[:10]
        dense_lat.append(time.perf_counter() - t)

    with (
        tempfile.TemporaryDirectory() as tmp,
        Memory(path=tmp, embedder=embedder, config=config) as mem,
    ):
        t0 = time.perf_counter()
        mem.add_messages(messages, namespace="bench")
        ingest_s = time.perf_counter() - t0
        mem.search("warm up", namespace="bench")
        lat = []
        for q in questions:
            t = time.perf_counter()
            mem.search(q, namespace="bench", k=10)
            lat.append(time.perf_counter() - t)
        stats = mem.stats("bench")

    report = {
        "turns": len(messages),
        "questions": len(questions),
        "units": stats.units,
        "entities": stats.entities,
        "graphmem": {
            "ingest_turns_per_s": round(len(messages) / ingest_s, 1),
            "search_ms_p50": percentile_ms(lat, 50),
            "search_ms_p95": percentile_ms(lat, 95),
        },
        "dense_baseline": {
            "ingest_turns_per_s": round(len(messages) / dense_ingest_s, 1),
            "search_ms_p50": percentile_ms(dense_lat, 50),
            "search_ms_p95": percentile_ms(dense_lat, 95),
        },
    }
    report["ratios"] = {
        "ingest_time_vs_dense": round(ingest_s / dense_ingest_s, 2),
        "search_p50_vs_dense": round(np.percentile(lat, 50) / np.percentile(dense_lat, 50), 2),
    }
    return report


if __name__ == "__main__":
    main()
