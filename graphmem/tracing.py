"""OpenTelemetry spans for graphmem's operations and agent nodes: a no-op without
``opentelemetry-api``, and without a tracer provider configured by the application."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any, Protocol, TypeVar

try:
    from opentelemetry import trace
except ImportError:  # the optional dependency is absent: spans cost nothing
    trace = None  # type: ignore[assignment]

S = TypeVar("S", contravariant=True)


class Node(Protocol[S]):
    """A node of a LangGraph graph: state in, an update out."""

    __name__: str

    def __call__(self, state: S) -> dict: ...


_NO_USAGE: Callable[[], tuple[int, int]] = lambda: (0, 0)  # noqa: E731


def _tracer() -> Any:
    return trace.get_tracer("graphmem") if trace is not None else None


@contextmanager
def span(
    name: str, usage: Callable[[], tuple[int, int]] = _NO_USAGE, **attributes: Any
) -> Iterator[Any]:
    """A span ``name`` with ``graphmem.<key>`` attributes (None values left out); ``usage``
    gives (model calls, tokens) so far, and the span records what its work added. Yields the
    span (or None) so the caller can add results as attributes."""
    tracer = _tracer()
    if tracer is None:
        yield None
        return
    calls, tokens = usage()
    named = {f"graphmem.{k}": v for k, v in attributes.items() if v is not None}
    with tracer.start_as_current_span(name, attributes=named) as current:
        yield current
        after_calls, after_tokens = usage()
        current.set_attribute("graphmem.llm_calls", after_calls - calls)
        current.set_attribute("graphmem.llm_tokens", after_tokens - tokens)


def traced_node(
    graph: str, name: str, node: Node[S], usage: Callable[[], tuple[int, int]]
) -> Node[S]:
    """``node`` of a LangGraph graph, run inside a span ``graphmem.<graph>.<name>``."""

    def run(state: S) -> dict:
        with span(f"graphmem.{graph}.{name}", usage, namespace=getattr(state, "namespace", None)):
            return node(state)

    run.__name__ = name
    return run
