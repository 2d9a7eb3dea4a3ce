"""Searches racing writers never fail: threads sharing one Memory, AsyncMemory, and a writer in
another process (bench/race.py runs the same at 10,000 searches)."""

from __future__ import annotations

import asyncio
import multiprocessing
import threading
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from graphmem import AsyncMemory, HashEmbedder, Memory

WORDS = "apples pears Lyon Oslo crate market harbour ferry tea bread".split()


def _write(mem: Memory, stop: threading.Event, namespace: str = "race") -> int:
    """Adds messages (some in batches) until ``stop``; returns how many."""
    n = 0
    while not stop.is_set():
        word = WORDS[n % len(WORDS)]
        batch = [
            {"text": f"Quinn sold {word} at the {WORDS[(n + i) % 10]} market, crate {n}-{i}."}
            for i in range(1 + n % 4)
        ]
        mem.add_messages(batch, namespace=namespace)
        n += len(batch)
    return n


def _search_all(mem: Memory, count: int, namespace: str = "race") -> list[str]:
    errors = []
    for i in range(count):
        try:
            mem.search(f"{WORDS[i % 10]} {WORDS[(i * 3) % 10]} crate", namespace=namespace, k=5)
        except Exception as exc:  # the test counts every failure, whatever it is
            errors.append(f"{type(exc).__name__}: {exc}")
    return errors


def test_searches_sharing_a_memory_with_a_writer_never_fail(memory: Memory, store_kind):
    memory.add("Quinn opened a stall at the harbour market.", namespace="race")
    searches = 150 if store_kind == "sqlite" else 40
    stop = threading.Event()
    with ThreadPoolExecutor(5) as pool:
        writer = pool.submit(_write, memory, stop)
        readers = [pool.submit(_search_all, memory, searches) for _ in range(4)]
        errors = [e for r in readers for e in r.result()]
        stop.set()
        written = writer.result()
    assert errors == []
    assert written > 0 and memory.stats("race").episodes == written + 1


def test_async_searches_racing_async_writes_never_fail(memory: Memory):
    amem = AsyncMemory(memory=memory)

    async def run() -> list[BaseException | object]:
        writes = [
            amem.add(f"Quinn sold {w} in Lyon, crate {i}.", namespace="race")
            for i, w in enumerate(WORDS * 3)
        ]
        reads = [amem.search(f"{w} crate Lyon", namespace="race", k=5) for w in WORDS * 6]
        return await asyncio.gather(*writes, *reads, return_exceptions=True)

    results = asyncio.run(run())
    assert [r for r in results if isinstance(r, BaseException)] == []


def _writer_process(path: str, ready, stop) -> None:
    with Memory(path=path, embedder=HashEmbedder()) as mem:
        mem.add("Quinn opened a stall.", namespace="race")
        ready.set()
        n = 0
        while not stop.is_set():
            n += 1
            mem.add_messages(
                [{"text": f"Quinn sold {WORDS[n % 10]} in Oslo, crate {n}-{i}."} for i in range(3)],
                namespace="race",
            )


def test_searches_while_another_process_writes_never_fail(tmp_path: Path):
    path = str(tmp_path / "mem")
    ctx = multiprocessing.get_context("spawn")
    ready, stop = ctx.Event(), ctx.Event()
    writer = ctx.Process(target=_writer_process, args=(path, ready, stop))
    writer.start()
    try:
        assert ready.wait(120)
        with Memory(path=path, embedder=HashEmbedder()) as mem:
            errors = _search_all(mem, 300)
    finally:
        stop.set()
        writer.join(60)
    assert writer.exitcode == 0
    assert errors == []


def test_search_timings_are_the_calling_threads_own(memory: Memory):
    memory.add("Quinn sold pears at the harbour market.", namespace="t")
    memory.search("pears harbour", namespace="t", k=3)
    mine = memory.retriever.timings
    with ThreadPoolExecutor(1) as pool:
        theirs = pool.submit(lambda: memory.retriever.timings).result()
    assert set(mine) == {"candidates", "graph", "ppr"} and theirs == {}
