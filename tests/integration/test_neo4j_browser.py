"""Neo4j Browser, served by the local Neo4j, shows graphmem's memory: headless Chromium
(Debian's `chromium`) driven by playwright-core (tools/browser) connects, applies the style and
the guide from docker/, runs the guide's first query and saves a screenshot."""

from __future__ import annotations

import os
import shutil
import subprocess
import threading
from pathlib import Path

import pytest

from tests.conftest import load_file, wipe_neo4j

ROOT = Path(__file__).resolve().parents[2]
SHOT = ROOT / "tools" / "browser" / "shot.mjs"
CHROMIUM = os.environ.get("CHROMIUM", "/usr/bin/chromium")

pytestmark = [pytest.mark.slow, pytest.mark.neo4j]


@pytest.fixture
def assets():
    """docker/ (style and guide) over HTTP on a free port, readable cross-origin."""
    server = load_file("docker/serve_assets.py", "serve_assets").serve(0)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://localhost:{server.server_address[1]}"
    server.shutdown()


def test_the_browser_shows_units_entities_and_a_supersedes_edge(
    neo4j_server, assets, tmp_path, monkeypatch
):
    uri, auth = neo4j_server
    http = os.environ.get("GRAPHMEM_NEO4J_HTTP")
    if not http or not auth:
        pytest.skip("the Browser test needs tools/neo4j/with-neo4j (GRAPHMEM_NEO4J_HTTP)")
    if not Path(CHROMIUM).exists() or shutil.which("node") is None:
        pytest.skip(f"no Chromium at {CHROMIUM} or no node (apt-get install chromium nodejs)")
    if not (SHOT.parent / "node_modules" / "playwright-core").is_dir():
        pytest.skip("playwright-core is not installed: npm ci --prefix tools/browser")
    wipe_neo4j(uri, auth)
    monkeypatch.setenv("NEO4J_PASSWORD", auth[1])
    load_file("examples/neo4j_browser.py", "neo4j_browser").main(uri)  # the example users run
    png = Path(os.environ.get("GRAPHMEM_BROWSER_SHOT", tmp_path / "neo4j-browser.png"))
    steps = [f":style {assets}/graphmem.grass", f":play {assets}/graphmem-guide.html"]
    steps += ["guide:1", "guide:2"]  # the guide's first slide: set the tenant, show its graph
    out = subprocess.run(
        ["node", str(SHOT), f"{http}/browser/", uri, auth[1], str(png), *steps],
        capture_output=True,
        text=True,
        timeout=300,
        env={**os.environ, "CHROMIUM": CHROMIUM},
    )
    assert out.returncode == 0, out.stderr
    shown = out.stdout
    assert "MATCH (u:Unit {namespace: $namespace})" in shown  # the guide's query ran
    assert "Unit (3)" in shown and "Entity (" in shown and "SUPERSEDES (1)" in shown, shown
    assert "Berlin" in shown and "Paris" in shown  # entities drawn with their names
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" and png.stat().st_size > 50_000
