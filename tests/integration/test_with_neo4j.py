"""tools/neo4j/with-neo4j: a real Neo4j for a command, and no JVM left however the command ends."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time

import pytest

from tests.conftest import REPO

LAUNCHER = REPO / "tools" / "neo4j" / "with-neo4j"
pytestmark = pytest.mark.slow

_PROBE = """
import os, neo4j
auth = (os.environ["GRAPHMEM_NEO4J_USER"], os.environ["GRAPHMEM_NEO4J_PASSWORD"])
with neo4j.GraphDatabase.driver(os.environ["GRAPHMEM_NEO4J_URI"], auth=auth) as driver:
    records, _, _ = driver.execute_query("RETURN 40 + 2 AS answer")
print(os.environ["GRAPHMEM_NEO4J_PID"], records[0]["answer"], flush=True)
raise SystemExit(int(os.environ.get("EXIT", "0")))
"""


def _gone(pid: int, within_s: float = 60.0) -> bool:
    deadline = time.monotonic() + within_s
    while time.monotonic() < deadline:
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            return True
        time.sleep(0.2)
    return False


def _start(env_extra: dict[str, str], *command: str) -> subprocess.Popen:
    env = {k: v for k, v in os.environ.items() if not k.startswith("GRAPHMEM_NEO4J")}
    return subprocess.Popen(
        [str(LAUNCHER), *command],
        env=env | env_extra,
        stdout=subprocess.PIPE,
        text=True,
        start_new_session=True,
    )


def test_the_command_talks_to_neo4j_and_its_status_is_returned():
    proc = _start({"EXIT": "7"}, sys.executable, "-c", _PROBE)
    out, _ = proc.communicate(timeout=300)
    pid, answer = out.split()
    assert answer == "42" and proc.returncode == 7
    assert _gone(int(pid))


@pytest.mark.parametrize("how", [signal.SIGINT, signal.SIGKILL])
def test_no_jvm_is_left_when_the_launcher_is_interrupted_or_killed(how):
    proc = _start({}, "sh", "-c", 'echo "$GRAPHMEM_NEO4J_PID"; exec sleep 300')
    assert proc.stdout is not None
    pid = int(proc.stdout.readline())
    os.kill(pid, 0)  # Neo4j runs
    os.killpg(proc.pid, how) if how == signal.SIGINT else proc.send_signal(how)
    proc.wait(timeout=120)
    assert _gone(pid), f"Neo4j's JVM {pid} outlived with-neo4j ({how.name})"
    if how == signal.SIGKILL:  # the command itself is the caller's to end
        os.killpg(proc.pid, signal.SIGKILL)
