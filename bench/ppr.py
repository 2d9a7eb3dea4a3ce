"""PPR on a kept scale store: pushing over every node each round against pushing over the nodes
mass reaches, same graph, same seeds, same questions.

    graphmem -q bench scale --units 1000000 --keep /tmp/keep     # once: builds /tmp/keep/1000000
    python bench/ppr.py --store /tmp/keep/1000000 --units 1000000 --queries 100
"""

from __future__ import annotations

import argparse
import json
import random

from graphmem import Memory
from graphmem.benchmarks import scale
from graphmem.benchmarks.ranking import p50_p95_ms
from graphmem.embed import make_embedder
from graphmem.retrieval import ppr
from graphmem.store.sqlite import SQLiteStore

MODES = {"sweeping": 10**12, "following": 0}
"""``ppr.SPARSE_MIN_NODES`` that forces each way of pushing."""


def questions(units: int, count: int, seed: int = 7) -> list[str]:
    """The questions ``bench scale`` asks of a store of this size and seed."""
    rng = random.Random(seed)
    population = scale.Population(max(units // 20, 50), rng)
    scale.turns(max(units // scale.UNITS_PER_TURN, 1), population, rng)  # as the bench draws
    return [population.fill(rng.choice(scale.QUERIES)) for _ in range(count + 1)][1:]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--store", required=True, help="a folder `bench scale --keep` filled")
    parser.add_argument("--units", type=int, required=True, help="the size it was built with")
    parser.add_argument("--queries", type=int, default=100)
    args = parser.parse_args()
    asked = questions(args.units, args.queries)
    embedder = make_embedder("hash")
    vectors = embedder.embed(asked)
    exact = SQLiteStore(args.store, ann_min_rows=10**12)  # no graph build: same seeds both ways
    report: dict = {}
    with Memory(store=exact, embedder=embedder, progress=False) as mem:
        report["nodes"] = len(mem.retriever.graph(scale.NAMESPACE).ids)
        mem.retriever.rank(scale.NAMESPACE, asked[0], vectors[0])  # cold: reads the vectors
        tops = {}
        for mode, threshold in MODES.items():
            ppr.SPARSE_MIN_NODES = threshold
            seconds, tops[mode] = [], []
            for question, vector in zip(asked, vectors, strict=True):
                tops[mode].append(
                    [i for i, _ in mem.retriever.rank(scale.NAMESPACE, question, vector)[:10]]
                )
                seconds.append(mem.retriever.timings["ppr"])
            p50, p95 = p50_p95_ms(seconds)
            report[mode] = {"ppr_ms_p50": p50, "ppr_ms_p95": p95}
    same = sum(a == b for a, b in zip(tops["sweeping"], tops["following"], strict=True))
    report["same_top10"] = round(same / len(asked), 3)
    print(json.dumps(report, indent=1))


if __name__ == "__main__":
    main()
