"""Memory as LangChain tools for tool-calling agents: ``remember``, ``recall`` and ``forget``,
bound to one namespace (``mem.as_tools(namespace="alice")``), sync and async."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from langchain_core.tools import BaseTool, StructuredTool, ToolException
from pydantic import BaseModel, Field

from .errors import GraphmemError

if TYPE_CHECKING:
    from .memory import Memory


class RememberArgs(BaseModel):
    text: str = Field(description="what to remember, in the speaker's words")
    speaker: str | None = Field(default=None, description="who said it")


class RecallArgs(BaseModel):
    query: str = Field(description="what to look for in memory")
    k: int = Field(default=5, ge=1, le=50, description="how many memories to return")


class ForgetArgs(BaseModel):
    id: str = Field(description="the id of a memory, as `remember` or `recall` gave it")


def _tool(
    fn: Callable[..., str], name: str, description: str, schema: type[BaseModel]
) -> StructuredTool:
    """A tool whose graphmem errors reach the agent as its answer, not as a crash."""

    def run(**kwargs: Any) -> str:
        try:
            return fn(**kwargs)
        except GraphmemError as exc:
            raise ToolException(" ".join(str(exc).split())) from None

    async def arun(**kwargs: Any) -> str:
        return await asyncio.to_thread(run, **kwargs)

    return StructuredTool.from_function(
        func=run,
        coroutine=arun,
        name=name,
        description=description,
        args_schema=schema,
        handle_tool_error=True,
    )


def memory_tools(mem: Memory, namespace: str = "default") -> list[BaseTool]:
    """``remember``, ``recall`` and ``forget`` on ``mem``, inside ``namespace``."""

    def remember(text: str, speaker: str | None = None) -> str:
        ep = mem.add(text, namespace=namespace, speaker=speaker)
        return f"Remembered (id {ep.id})."

    def recall(query: str, k: int = 5) -> str:
        hits = mem.search(query, namespace=namespace, k=k)
        if not hits:
            return "Nothing in memory about that."
        return "\n".join(
            f"- {h.text} (id {h.id}"
            + (f", said {h.occurred_at.date().isoformat()}" if h.occurred_at else "")
            + (f", {h.status}" if h.status and h.status != "active" else "")
            + ")"
            for h in hits
        )

    def forget(id: str) -> str:
        erased = mem.forget(id, namespace=namespace)
        return f"Forgot {sum(len(v) for v in erased.erased.values())} memories."

    return [
        _tool(
            remember,
            "remember",
            "Store something worth keeping about the user or the conversation (a fact, a "
            "preference, a plan, an event) in long-term memory.",
            RememberArgs,
        ),
        _tool(
            recall,
            "recall",
            "Search long-term memory; returns the most relevant memories, best first, with "
            "their ids and when they were said. Use it before answering about the past.",
            RecallArgs,
        ),
        _tool(
            forget,
            "forget",
            "Erase a memory for good by its id (when the user asks to forget something).",
            ForgetArgs,
        ),
    ]
