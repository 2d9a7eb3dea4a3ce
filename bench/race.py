"""Searches racing writers: how many of N searches fail while others write the same namespace,
with threads sharing one Memory (a writer thread beside the readers) and with a writer in
another process; the writers also forget, so erasures race the searches too. The target is 0
failures.

    python bench/race.py --searches 10000 [--uri bolt://... for Neo4j instead of a temp folder]
"""

from __future__ import annotations

import argparse
import json
import multiprocessing
import os
import tempfile
import threading
import time
from collections import Counter, deque
from concurrent.futures import ThreadPoolExecutor

from graphmem import HashEmbedder, Memory

WORDS = "apples pears Lyon Oslo crate market harbour ferry tea bread".split()
NAMESPACE = "race"


def open_memory(target: str) -> Memory:
    if target.startswith(("bolt", "neo4j")):
        password = os.environ.get("GRAPHMEM_NEO4J_PASSWORD")
        auth = ("neo4j", password) if password else None
        return Memory.from_uri(target, auth=auth, embedder=HashEmbedder())
    return Memory(path=target, embedder=HashEmbedder())


def write_until(mem: Memory, stop, keep: int = 300) -> int:
    """Adds messages, one to four at a time, and forgets the oldest beyond ``keep`` (so erasures
    race the searches too, and the namespace stays one size); returns how many it added."""
    n = 0
    held: deque[str] = deque()
    while not stop.is_set():
        batch = [
            {"text": f"Quinn sold {WORDS[n % 10]} at the {WORDS[(n + i) % 10]} market, crate {n}."}
            for i in range(1 + n % 4)
        ]
        held.extend(ep.id for ep in mem.add_messages(batch, namespace=NAMESPACE))
        n += len(batch)
        while len(held) > keep:
            mem.forget(held.popleft(), namespace=NAMESPACE)
    return n


def search(mem: Memory, count: int, offset: int) -> Counter:
    failures: Counter = Counter()
    for i in range(offset, offset + count):
        try:
            mem.search(f"{WORDS[i % 10]} {WORDS[(i * 7) % 10]} crate", namespace=NAMESPACE, k=5)
        except Exception as exc:  # counted, whatever it is: the figure is every failure
            failures[f"{type(exc).__name__}: {exc}"] += 1
    return failures


def threads(target: str, searches: int, readers: int) -> dict:
    with open_memory(target) as mem:
        mem.add("Quinn opened a stall at the harbour market.", namespace=NAMESPACE)
        stop = threading.Event()
        start = time.perf_counter()
        with ThreadPoolExecutor(readers + 1) as pool:
            writer = pool.submit(write_until, mem, stop)
            share = searches // readers
            parts = [pool.submit(search, mem, share, r * share) for r in range(readers)]
            failures = sum((p.result() for p in parts), Counter())
            stop.set()
            written = writer.result()
        seconds = time.perf_counter() - start
    return report(searches, failures, written, seconds)


def _process_writer(target: str, ready, stop, written) -> None:
    with open_memory(target) as mem:
        mem.add("Quinn opened a stall.", namespace=NAMESPACE)
        ready.set()
        written.value = write_until(mem, stop)


def processes(target: str, searches: int) -> dict:
    ctx = multiprocessing.get_context("spawn")
    ready, stop, written = ctx.Event(), ctx.Event(), ctx.Value("i", 0)
    writer = ctx.Process(target=_process_writer, args=(target, ready, stop, written))
    writer.start()
    ready.wait(300)
    start = time.perf_counter()
    with open_memory(target) as mem:
        failures = search(mem, searches, 0)
    seconds = time.perf_counter() - start
    stop.set()
    writer.join()
    return report(searches, failures, written.value, seconds)


def report(searches: int, failures: Counter, written: int, seconds: float) -> dict:
    return {
        "searches": searches,
        "failed": sum(failures.values()),
        "failures": dict(failures.most_common(5)),
        "messages_written_meanwhile": written,
        "searches_per_s": round(searches / seconds, 1),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--searches", type=int, default=10_000)
    parser.add_argument("--readers", type=int, default=4)
    parser.add_argument("--uri", help="a Neo4j server instead of a temporary embedded store")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        out = {
            "threads": threads(args.uri or f"{tmp}/threads", args.searches, args.readers),
            "process": processes(args.uri or f"{tmp}/process", args.searches),
        }
    print(json.dumps(out, indent=1))


if __name__ == "__main__":
    main()
