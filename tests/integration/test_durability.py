"""Crash safety and multi-process writers on the embedded store."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

from graphmem import HashEmbedder, Memory

WRITER = """
import sys
from graphmem import HashEmbedder, Memory
path, tag, count = sys.argv[1], sys.argv[2], int(sys.argv[3])
with Memory(path=path, embedder=HashEmbedder()) as mem:
    for i in range(count):
        ep = mem.add(f"{tag} note {i}: Quinn bought {i} apples in Lyon.", namespace="shared",
                     source_id=f"{tag}-{i}", session=tag)
        print(ep.id, flush=True)
"""


def _writer(path: Path, tag: str, count: int) -> subprocess.Popen:
    env = {**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parents[2])}
    return subprocess.Popen(
        [sys.executable, "-c", WRITER, str(path), tag, str(count)],
        stdout=subprocess.PIPE,
        text=True,
        env=env,
    )


def test_sigkill_loses_no_acknowledged_episode(tmp_path):
    proc = _writer(tmp_path, "k", 100_000)
    acknowledged: list[str] = []
    deadline = time.monotonic() + 60
    while len(acknowledged) < 40 and time.monotonic() < deadline:
        acknowledged.append(proc.stdout.readline().strip())
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    assert len(acknowledged) >= 40
    with Memory(path=tmp_path, embedder=HashEmbedder()) as mem:
        found = mem.store.get_episodes("shared", acknowledged)
        assert [e.id for e in found] == acknowledged
        assert mem.stats("shared").episodes >= len(acknowledged)
        # the store is healthy after the crash: it takes new writes and finishes pending work
        mem.rebuild("shared")
        assert mem.stats("shared").pending == 0
        mem.add("after the crash", namespace="shared")


def test_two_processes_writing_one_folder_lose_nothing(tmp_path):
    procs = [_writer(tmp_path, tag, 60) for tag in ("p1", "p2")]
    ids = [line.strip() for p in procs for line in p.stdout]
    assert all(p.wait(timeout=300) == 0 for p in procs)
    assert len(ids) == 120
    with Memory(path=tmp_path, embedder=HashEmbedder()) as mem:
        stats = mem.stats("shared")
        assert stats.episodes == 120 and stats.pending == 0 and stats.failed == 0
        seqs = sorted(e.seq for e in mem.store.get_episodes("shared", ids))
        assert seqs == list(range(1, 121))  # no sequence number handed out twice
        # entities are shared by both writers, not duplicated
        assert len(mem.store.find_entities("shared", ["quinn"])) == 1
        hits = mem.search("Quinn apples Lyon", namespace="shared", k=5)
        assert len(hits) == 5
