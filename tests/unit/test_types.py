"""graphmem type-checks clean (mypy, configured in pyproject.toml), so the hints that py.typed
publishes to users' type checkers are true."""

from __future__ import annotations

import subprocess
import sys

from tests.conftest import REPO


def test_mypy_finds_no_errors():
    out = subprocess.run(
        [sys.executable, "-m", "mypy"], cwd=REPO, capture_output=True, text=True, timeout=600
    )
    assert out.returncode == 0, out.stdout[-3000:]
