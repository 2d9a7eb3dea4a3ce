"""Structured output from any OpenAI-compatible endpoint (OpenAI, Ollama, vLLM, llama.cpp server)."""

from __future__ import annotations

import logging
import os
from collections.abc import Callable
from typing import Any, TypeVar

from pydantic import ValidationError

from ..errors import InvalidInputError, InvalidReplyError, LLMError, ReplyTooLongError
from .base import T, Usage

log = logging.getLogger("graphmem.llm")
N = TypeVar("N", int, float)


def json_text(reply: str) -> str:
    """The JSON object in a reply, without code fences or prose around it."""
    start, end = reply.find("{"), reply.rfind("}")
    return reply[start : end + 1] if 0 <= start < end else reply


class OpenAICompatibleLLM:
    """An ``LLM`` on the ``openai`` client.

    Asks for ``json_schema`` output and, when the server refuses that, switches to
    ``{"type": "json_object", "schema": ...}`` (llama.cpp's server). The client retries 408/409/429
    and 5xx answers and dropped connections with exponential backoff; a reply that is not valid
    for the schema gets one repair round; then ``InvalidReplyError``. A reply cut off at
    ``max_tokens`` raises ``ReplyTooLongError`` at once (a repair would be as long).
    """

    def __init__(
        self,
        model: str | None = None,
        *,
        base_url: str | None = None,
        api_key: str | None = None,
        timeout: float | None = None,
        max_retries: int = 3,
        temperature: float = 0.0,
        max_tokens: int | None = None,
        response_format: str = "json_schema",
    ) -> None:
        from openai import OpenAI  # imported here: zero-LLM users never load it

        self.model = model or os.environ.get("GRAPHMEM_LLM_MODEL") or "gpt-4o-mini"
        self.client = OpenAI(
            base_url=base_url or os.environ.get("GRAPHMEM_LLM_BASE_URL") or None,
            api_key=api_key or os.environ.get("OPENAI_API_KEY") or "not-needed",
            timeout=timeout or _env_number("GRAPHMEM_LLM_TIMEOUT", 120.0, float, "seconds"),
            max_retries=max_retries,
        )
        self.temperature = temperature
        self.max_tokens = max_tokens or _env_number(
            "GRAPHMEM_LLM_MAX_TOKENS", 4096, int, "a whole number of tokens"
        )
        self.response_format = response_format
        self.usage = Usage()

    def complete(
        self,
        operation: str,
        system: str,
        user: str,
        schema: type[T],
        check: Callable[[T], None] | None = None,
    ) -> T:
        """The reply as a validated ``schema``; ``check`` may reject it (ValueError) too."""
        messages = [{"role": "system", "content": system}, {"role": "user", "content": user}]
        problem = ""
        for _ in range(2):  # the answer, then one repair round
            reply = self._chat(operation, messages, schema)
            try:
                result = schema.model_validate_json(json_text(reply))
                if check is not None:
                    check(result)
                return result
            except (ValidationError, ValueError) as exc:
                problem = str(exc)[:1500]
                log.info("%s: invalid reply, asking for a repair: %s", operation, problem)
                messages += [
                    {"role": "assistant", "content": reply},
                    {
                        "role": "user",
                        "content": "Your reply is not valid for the required JSON schema: "
                        f"{problem}\nReply again with only the corrected JSON object.",
                    },
                ]
        raise InvalidReplyError(
            f"{operation}: the model's reply stayed invalid after a repair: {problem}"
        )

    def _chat(self, operation: str, messages: list[dict[str, str]], schema: type[T]) -> str:
        import openai

        while True:
            try:
                response = self.client.chat.completions.create(  # type: ignore[call-overload]
                    model=self.model,
                    messages=messages,
                    temperature=self.temperature,
                    max_tokens=self.max_tokens,
                    response_format=self._format(schema),
                )
                break
            except openai.APITimeoutError as exc:
                raise LLMError(f"{operation}: the model did not answer in time: {exc}") from exc
            except openai.APIConnectionError as exc:
                raise LLMError(f"{operation}: cannot reach the model server: {exc}") from exc
            except openai.APIStatusError as exc:
                if self.response_format == "json_schema" and _refuses_json_schema(exc):
                    log.info("server refused json_schema output; using json_object: %s", exc)
                    self.response_format = "json_object"
                    continue
                raise LLMError(
                    f"{operation}: the model server answered {exc.status_code}: {exc.message}"
                ) from exc
        usage = response.usage
        self.usage.record(
            operation,
            usage.prompt_tokens if usage else 0,
            usage.completion_tokens if usage else 0,
        )
        choice = response.choices[0] if response.choices else None
        if choice is not None and choice.finish_reason == "length":
            raise ReplyTooLongError(
                f"{operation}: the reply reached max_tokens ({self.max_tokens}) before its end"
            )
        content = choice.message.content if choice is not None else None
        if not content:
            raise LLMError(f"{operation}: the model returned an empty reply")
        return content

    def _format(self, schema: type[T]) -> dict[str, Any]:
        spec = schema.model_json_schema()
        if self.response_format == "json_schema":
            return {
                "type": "json_schema",
                "json_schema": {"name": schema.__name__, "schema": spec, "strict": False},
            }
        return {"type": "json_object", "schema": spec}


def _env_number(name: str, default: N, parse: Callable[[str], N], what: str) -> N:
    """``name`` from the environment, parsed; ``default`` when unset; above 0 or refused."""
    raw = os.environ.get(name)
    if not raw:
        return default
    try:
        value = parse(raw)
        if value > 0:  # NaN is not
            return value
    except ValueError:
        pass
    raise InvalidInputError(f"{name} must be {what} above 0, got {raw!r}")


def _refuses_json_schema(exc: Exception) -> bool:
    """A 400/422 answer, or one that names the response format (llama.cpp's server answers 500
    with a validation error about ``response_format``)."""
    status = getattr(exc, "status_code", 0)
    return status in (400, 422) or "json_schema" in str(exc) or "response_format" in str(exc)
