"""A scripted LLM for unit tests: replies come from a function of (operation, request data)."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from graphmem.llm.base import Usage

Script = Callable[[str, dict[str, Any]], dict[str, Any] | str]


class ScriptedLLM:
    """Implements the ``LLM`` protocol. ``script(operation, data)`` returns the reply (a dict
    sent as JSON, or raw text); it may raise to simulate a failing model."""

    def __init__(self, script: Script) -> None:
        self.script = script
        self.usage = Usage()
        self.calls: list[tuple[str, str, dict[str, Any]]] = []

    def complete(self, operation, system, user, schema, check=None):
        data = json.loads(user)
        self.calls.append((operation, system, data))
        last_error: Exception | None = None
        for _ in range(2):  # like the real client: one repair round
            reply = self.script(operation, data)
            self.usage.record(operation, len(user) // 4, 10)
            text = reply if isinstance(reply, str) else json.dumps(reply)
            try:
                result = schema.model_validate_json(text)
                if check is not None:
                    check(result)
                return result
            except ValueError as exc:
                last_error = exc
        from graphmem.errors import InvalidReplyError

        raise InvalidReplyError(f"{operation}: invalid reply: {last_error}")


def unit(text: str, episodes: list[int], entities: list[str], **fields: Any) -> dict[str, Any]:
    """A unit as the extraction prompt asks for it."""
    return {
        "text": text,
        "kind": "fact",
        "subject": None,
        "predicate": None,
        "object": None,
        "valid_from": None,
        "valid_to": None,
        "episodes": episodes,
        "entities": [{"name": e, "type": "thing", "role": "mention"} for e in entities],
        **fields,
    }
