"""The MCP server, driven by the official SDK's client over stdio and over streamable HTTP."""

from __future__ import annotations

import asyncio
import json
import os
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest
from mcp import ClientSession, StdioServerParameters, stdio_client
from mcp.client.streamable_http import streamable_http_client

from tests.conftest import REPO

TOOLS = {"remember", "recall", "ask", "forget", "history", "stats"}


def _command(tmp_path: Path, *args: str) -> list[str]:
    store = ("--path", str(tmp_path / "store"))
    return ["-m", "graphmem", *store, "--embedder", "hash", "-q", "mcp", *args]


def _env() -> dict[str, str]:
    return {**os.environ, "PYTHONPATH": str(REPO)}


def _data(result) -> object:
    """A tool result's JSON (the text of its content)."""
    return json.loads(result.content[0].text)


async def _exercise(session: ClientSession) -> None:
    await session.initialize()
    assert {t.name for t in (await session.list_tools()).tools} == TOOLS
    said = await session.call_tool(
        "remember",
        {"text": "Alice adopted a cat named Miso.", "namespace": "alice", "source_id": "m1"},
    )
    assert not said.is_error and _data(said)["stored"] == 1
    batch = [
        {"text": "Alice moved to Lisbon in May.", "speaker": "Alice", "source_id": "m2"},
        {"text": "Alice adopted a cat named Miso.", "source_id": "m1"},
    ]
    said = await session.call_tool("remember", {"messages": batch, "namespace": "alice"})
    assert _data(said)["stored"] == 1 and _data(said)["skipped"] == 1
    found = await session.call_tool("recall", {"query": "cat name", "namespace": "alice", "k": 3})
    hits = found.structured_content["result"] if found.structured_content else _data(found)
    assert "Miso" in hits[0]["text"] and hits[0]["source_ids"] == ["m1"]
    only = await session.call_tool(
        "recall",
        {"query": "cat Lisbon", "namespace": "alice", "filters": {"source_ids": ["m2"]}},
    )
    kept = only.structured_content["result"] if only.structured_content else _data(only)
    assert kept and all(h["source_ids"] == ["m2"] for h in kept)
    other = await session.call_tool("recall", {"query": "cat name", "namespace": "bob"})
    assert not other.is_error and "Miso" not in str(other.content)  # tenants stay apart
    bad = await session.call_tool("recall", {"query": "cat", "namespace": "alice", "k": 0})
    assert bad.is_error and "k must be an integer from 1" in bad.content[0].text
    assert "Traceback" not in bad.content[0].text and "\n" not in bad.content[0].text
    answer = _data(
        await session.call_tool(
            "ask", {"question": "What is the cat called?", "namespace": "alice"}
        )
    )
    assert "Miso" in answer["answer"] and "m1" in answer["citations"]
    assert _data(await session.call_tool("stats", {"namespace": "alice"}))["episodes"] == 2


def test_stdio_server_with_the_sdk_client(tmp_path):
    async def run() -> None:
        params = StdioServerParameters(
            command=sys.executable, args=_command(tmp_path), env=_env(), cwd=str(tmp_path)
        )
        async with stdio_client(params) as (read, write), ClientSession(read, write) as session:
            await _exercise(session)

    asyncio.run(run())


def test_a_pinned_server_refuses_other_namespaces(tmp_path):
    async def run() -> None:
        params = StdioServerParameters(
            command=sys.executable, args=_command(tmp_path, "-n", "alice"), env=_env()
        )
        async with stdio_client(params) as (read, write), ClientSession(read, write) as session:
            await session.initialize()
            ok = await session.call_tool("remember", {"text": "Pinned memory about kiwis."})
            assert not ok.is_error
            refused = await session.call_tool("recall", {"query": "kiwis", "namespace": "bob"})
            assert refused.is_error and "serves namespace 'alice' only" in refused.content[0].text
            hits = await session.call_tool("recall", {"query": "kiwis"})
            assert "kiwis" in str(hits.content)

    asyncio.run(run())


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def http_server(tmp_path):
    port = _free_port()
    proc = subprocess.Popen(
        [sys.executable, *_command(tmp_path, "--http", "--port", str(port))],
        env=_env(),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            break
        except OSError:
            assert proc.poll() is None, proc.stderr.read().decode() if proc.stderr else ""
            time.sleep(0.2)
    yield f"http://127.0.0.1:{port}/mcp"
    proc.terminate()
    proc.wait(20)


def test_streamable_http_server_with_the_sdk_client(http_server):
    async def run() -> None:
        async with (
            streamable_http_client(http_server) as (read, write, *_),
            ClientSession(read, write) as session,
        ):
            await _exercise(session)

    asyncio.run(run())
