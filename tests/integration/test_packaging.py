"""The wheel carries the Cypher files, prompts and SQL schema, and loads them from the package."""

from __future__ import annotations

import os
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from tests.conftest import REPO


@pytest.mark.slow
def test_wheel_packages_and_loads_its_resources(tmp_path: Path):
    subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "-q", "-w", str(tmp_path), str(REPO)],
        check=True,
        timeout=600,
        capture_output=True,
    )
    (wheel,) = tmp_path.glob("graphmem-*.whl")
    names = set(zipfile.ZipFile(wheel).namelist())
    for cypher_file in (REPO / "cypher").glob("*.cypher"):
        assert f"graphmem/_resources/cypher/{cypher_file.name}" in names
    assert "graphmem/_resources/agents/README.md" in names
    assert "graphmem/store/sqlite_schema.sql" in names
    assert "graphmem/py.typed" in names  # type checkers read graphmem's hints

    target = tmp_path / "site"
    subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "install",
            "--no-deps",
            "-q",
            "--target",
            str(target),
            str(wheel),
        ],
        check=True,
        timeout=600,
        capture_output=True,
    )
    probe = (
        "from graphmem.resources import resource_dir, cypher; "
        "print(resource_dir('cypher')); print(len(cypher('read')))"
    )
    out = subprocess.run(
        [sys.executable, "-c", probe],
        capture_output=True,
        text=True,
        cwd=tmp_path,
        env={**os.environ, "PYTHONPATH": str(target)},
        check=True,
    )
    where, count = out.stdout.split()
    assert Path(where) == target / "graphmem" / "_resources" / "cypher"
    assert int(count) > 10
