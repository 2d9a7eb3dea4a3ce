"""One namespace alone in a store and beside other tenants: the same rankings, and what the
neighbours cost in search time (LoCoMo; each conversation in turn is the namespace watched).

A namespace should rank as if it were alone: full-text scores restated for its own rows, vectors
and graph its own. For each conversation this builds two stores, one holding it alone and one
holding every conversation of the file (the others written before and after it), asks it its
questions in both, alternating, and reports the share of questions whose top ten are the same,
recall@10 in each store, and search latency in each with their ratio.

    python bench/tenants.py --data ../shared/data/locomo/locomo_dev.json
"""

from __future__ import annotations

import argparse
import json
import statistics
import tempfile
import time
from pathlib import Path
from typing import Any

import numpy as np

from graphmem import Memory
from graphmem.benchmarks.locomo import evidence, messages, scorable
from graphmem.benchmarks.ranking import graphmem_ranking, recall
from graphmem.embed import Embedder, make_embedder

K = 10


def watch(samples: list[dict[str, Any]], index: int, embedder: Embedder) -> dict[str, Any]:
    """Sample ``index`` alone and among all ``samples``: rankings, recall and latency."""
    watched = samples[index]
    namespace = watched["sample_id"]
    with tempfile.TemporaryDirectory() as tmp:
        alone = Memory(path=Path(tmp) / "alone", embedder=embedder, progress=False)
        shared = Memory(path=Path(tmp) / "shared", embedder=embedder, progress=False)
        with alone, shared:
            said = messages(watched["conversation"])
            alone.add_messages(said, namespace=namespace)
            held = {m["source_id"] for m in said}
            asked = [(qa["question"], evidence(qa)) for qa in watched["qa"] if scorable(qa, held)]
            for sample in samples[index + 1 :] + samples[: index + 1]:  # others before and after
                shared.add_messages(messages(sample["conversation"]), namespace=sample["sample_id"])
            same, found, seconds = [], {"alone": [], "shared": []}, {"alone": [], "shared": []}
            for question, gold in asked:
                ranked = {}
                for name, mem in (("alone", alone), ("shared", shared)):
                    start = time.perf_counter()
                    ranked[name], _ = graphmem_ranking(mem, namespace, question, K)
                    seconds[name].append(time.perf_counter() - start)
                    found[name].append(recall(ranked[name], gold, K))
                same.append(ranked["alone"][:K] == ranked["shared"][:K])
    p50 = {name: float(np.percentile(s, 50)) * 1000 for name, s in seconds.items()}
    p95 = {name: float(np.percentile(s, 95)) * 1000 for name, s in seconds.items()}
    return {
        "namespace": namespace,
        "questions": len(same),
        "same_top10": round(statistics.fmean(same), 3),
        "recall@10": {name: round(statistics.fmean(v), 3) for name, v in found.items()},
        "search_ms_p50": {name: round(v, 1) for name, v in p50.items()},
        "search_ms_p95": {name: round(v, 1) for name, v in p95.items()},
        "p50_shared_over_alone": round(p50["shared"] / p50["alone"], 2),
        "p95_shared_over_alone": round(p95["shared"] / p95["alone"], 2),
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", required=True, type=Path)
    parser.add_argument("--embedder", default="minilm")
    parser.add_argument("--watch", type=int, nargs="*", help="conversation indexes (default all)")
    parser.add_argument("--json", type=Path, help="write the report here too")
    args = parser.parse_args(argv)
    samples = json.loads(args.data.read_text("utf-8"))
    embedder = make_embedder(args.embedder)
    watched = args.watch if args.watch is not None else range(len(samples))
    report = [watch(samples, i, embedder) for i in watched]
    text = json.dumps(report, indent=1)
    if args.json:
        args.json.write_text(text + "\n", "utf-8")
    print(text)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
