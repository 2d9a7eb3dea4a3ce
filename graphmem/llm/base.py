"""The model client's contract: ``LLM``, a chat model behind structured output (pydantic schema
in, validated object out), and the ``Usage`` it records."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Protocol, TypeVar

from pydantic import BaseModel

T = TypeVar("T", bound=BaseModel)


class LLM(Protocol):
    """A chat model with structured output."""

    usage: Usage

    def complete(
        self,
        operation: str,
        system: str,
        user: str,
        schema: type[T],
        check: Callable[[T], None] | None = None,
    ) -> T:
        """The model's answer as a validated ``schema`` that ``check`` (raising ValueError)
        accepts; ``operation`` names the call in ``usage``. ``LLMError`` when there is none;
        ``ReplyTooLongError`` when the reply was cut at the token limit (ask for less)."""


@dataclass
class OperationUsage:
    calls: int = 0
    prompt_tokens: int = 0
    completion_tokens: int = 0


@dataclass
class Usage:
    """LLM calls and tokens, per operation (extract, compare, route, assess, answer...)."""

    operations: dict[str, OperationUsage] = field(default_factory=dict)

    def record(self, operation: str, prompt_tokens: int, completion_tokens: int) -> None:
        op = self.operations.setdefault(operation, OperationUsage())
        op.calls += 1
        op.prompt_tokens += prompt_tokens
        op.completion_tokens += completion_tokens

    def calls(self, operation: str | None = None) -> int:
        ops = self.operations.values() if operation is None else [self.operations.get(operation)]
        return sum(op.calls for op in ops if op is not None)

    def tokens(self) -> int:
        return sum(op.prompt_tokens + op.completion_tokens for op in self.operations.values())

    def totals(self) -> tuple[int, int]:
        """(calls, tokens) over every operation."""
        return self.calls(), self.tokens()
