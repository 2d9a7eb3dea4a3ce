"""graphmem as an MCP server (the official ``mcp`` SDK): tools to remember, recall, ask, forget,
read an entity's history and count what memory holds, over stdio or streamable HTTP.

``graphmem [--path DIR] mcp`` serves on stdio; ``graphmem mcp --http --port N`` on
http://127.0.0.1:N/mcp. ``-n NS`` pins the server to one namespace: a tool call naming another is
refused. A bad argument comes back as a tool error with the one-line reason.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any, TypeVar

from mcp.server.mcpserver import MCPServer
from mcp.server.mcpserver.exceptions import ToolError
from pydantic import BaseModel, Field

from .errors import GraphmemError
from .memory import Memory
from .models import Hit
from .retrieval.filters import SearchFilter

F = TypeVar("F", bound=Callable[..., Any])

INSTRUCTIONS = (
    "Long-term memory. Call `remember` with what the user says (or a list of messages) and "
    "`recall` or `ask` before answering from past conversations. Memory is split by namespace "
    "(one per user or tenant)."
)


class Message(BaseModel):
    """One message to remember."""

    text: str
    speaker: str | None = None
    at: str | None = Field(default=None, description="ISO-8601 time it was said")
    session: str | None = None
    source_id: str | None = Field(default=None, description="your id: stored once")


def _plain(fn: F) -> F:
    """graphmem's errors become tool errors with their one-line reason."""

    @functools.wraps(fn)
    def run(*args: Any, **kwargs: Any) -> Any:
        try:
            return fn(*args, **kwargs)
        except GraphmemError as exc:
            raise ToolError(" ".join(str(exc).split())) from None

    return run  # type: ignore[return-value]


def _hit(hit: Hit) -> dict[str, Any]:
    return {
        "text": hit.text,
        "kind": hit.kind,
        "score": round(hit.score, 4),
        "said_at": hit.occurred_at.isoformat() if hit.occurred_at else None,
        "valid_from": hit.valid_from.isoformat() if hit.valid_from else None,
        "valid_to": hit.valid_to.isoformat() if hit.valid_to else None,
        "status": hit.status,
        "source_ids": hit.source_ids,
    }


def build_server(mem: Memory, namespace: str | None = None) -> MCPServer:
    """An MCP server over ``mem``; with ``namespace``, pinned to that tenant."""
    server: MCPServer = MCPServer("graphmem", instructions=INSTRUCTIONS)

    def tenant(given: str | None) -> str:
        if namespace is None:
            return given or "default"
        if given not in (None, namespace):
            raise ToolError(f"this server serves namespace {namespace!r} only, not {given!r}")
        return namespace

    @server.tool()
    @_plain
    def remember(
        text: str | None = None,
        messages: list[Message] | None = None,
        namespace: str | None = None,
        speaker: str | None = None,
        at: str | None = None,
        session: str | None = None,
        source_id: str | None = None,
    ) -> dict[str, Any]:
        """Store what was said: one `text` (with its speaker, time and your id), or a list of
        `messages`. A message whose source_id is already stored is skipped."""
        if (text is None) == (messages is None):
            raise ToolError("give either text or messages")
        rows = [m.model_dump() for m in messages or []] or [
            {"text": text, "speaker": speaker, "at": at, "session": session, "source_id": source_id}
        ]
        got = mem.ingest(rows, namespace=tenant(namespace))
        return {
            "stored": len(got.new),
            "skipped": got.skipped,
            "episode_ids": [ep.id for ep in got.episodes],
        }

    @server.tool()
    @_plain
    def recall(
        query: str,
        namespace: str | None = None,
        k: int = 10,
        as_of: str | None = None,
        filters: SearchFilter | None = None,
    ) -> list[dict[str, Any]]:
        """The k memories most relevant to `query`, best first (as memory stood at `as_of`, an
        ISO-8601 time, if given), among those `filters` admits (speakers, sessions, source_ids,
        kinds, said/valid time ranges, include_superseded): text, kind, score, times, status
        and your source ids."""
        hits = mem.search(query, namespace=tenant(namespace), k=k, as_of=as_of, filters=filters)
        return [_hit(h) for h in hits]

    @server.tool()
    @_plain
    def ask(question: str, namespace: str | None = None) -> dict[str, Any]:
        """Answer from memory alone, citing the source ids it rests on ("Not in memory." when
        the evidence is not enough)."""
        answer = mem.ask(question, namespace=tenant(namespace))
        return {
            "answer": answer.text,
            "sufficient": answer.sufficient,
            "conflicted": answer.conflicted,
            "citations": answer.cited_sources,
        }

    @server.tool()
    @_plain
    def forget(id: str, namespace: str | None = None) -> dict[str, Any]:
        """Erase a memory (an episode id from `remember`, or a unit/entity/summary id) for good,
        with what was derived from it."""
        return mem.forget(id, namespace=tenant(namespace)).model_dump()

    @server.tool()
    @_plain
    def history(entity: str, namespace: str | None = None) -> list[dict[str, Any]]:
        """Every version of what memory knows about an entity, oldest first."""
        return [
            {
                "text": u.text,
                "status": u.status,
                "valid_from": u.valid_from.isoformat() if u.valid_from else None,
                "valid_to": u.valid_to.isoformat() if u.valid_to else None,
                "reason": u.reason,
            }
            for u in mem.history(entity, namespace=tenant(namespace))
        ]

    @server.tool()
    @_plain
    def stats(namespace: str | None = None) -> dict[str, Any]:
        """How many episodes, entities, units and summaries a namespace holds."""
        return mem.stats(tenant(namespace)).model_dump()

    return server


def serve(mem: Memory, namespace: str | None, http_port: int | None) -> None:
    """Serve until the client (stdio) or the process (HTTP) ends."""
    server = build_server(mem, namespace)
    if http_port is None:
        server.run("stdio")
    else:
        server.run("streamable-http", host="127.0.0.1", port=http_port)
