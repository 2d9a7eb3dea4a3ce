"""OpenTelemetry spans, read with the SDK's in-memory exporter."""

from __future__ import annotations

import pytest
from opentelemetry import trace
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter

from graphmem import Memory
from tests.scripted_llm import ScriptedLLM
from tests.unit.test_agents import script

_EXPORTER = InMemorySpanExporter()


@pytest.fixture
def spans():
    """The spans finished during the test (the provider is set once per process)."""
    if not isinstance(trace.get_tracer_provider(), TracerProvider):
        provider = TracerProvider()
        provider.add_span_processor(SimpleSpanProcessor(_EXPORTER))
        trace.set_tracer_provider(provider)
    _EXPORTER.clear()
    yield _EXPORTER
    _EXPORTER.clear()


def test_operations_and_agent_nodes_are_spans_with_counts(memory: Memory, spans):
    memory.add_messages(
        [{"text": "Nia moved to Quito in May."}, {"text": "Nia teaches chemistry."}], "trace"
    )
    memory.search("Where does Nia live?", namespace="trace", k=3)
    memory.ask("Where does Nia live?", namespace="trace")
    done = {s.name: s for s in spans.get_finished_spans()}
    add, search, ask = done["graphmem.add"], done["graphmem.search"], done["graphmem.ask"]
    assert add.attributes["graphmem.namespace"] == "trace"
    assert (add.attributes["graphmem.messages"], add.attributes["graphmem.stored"]) == (2, 2)
    assert add.attributes["graphmem.llm_calls"] == 0  # zero-LLM mode
    assert search.attributes["graphmem.hits"] >= 1 and search.attributes["graphmem.k"] == 3
    assert ask.attributes["graphmem.sufficient"] is True
    for node in ("construct", "judge", "refresh", "commit"):
        assert done[f"graphmem.write.{node}"].parent.span_id == add.context.span_id
    for node in ("retrieve", "judge", "answer"):
        assert done[f"graphmem.read.{node}"].attributes["graphmem.namespace"] == "trace"


def test_model_calls_and_tokens_are_counted_on_the_span(tmp_path, spans):
    from graphmem import HashEmbedder

    llm = ScriptedLLM(script())
    with Memory(path=tmp_path / "m", embedder=HashEmbedder(), llm=llm) as mem:
        mem.add("I live in Paris.", namespace="llm", speaker="Alice")
    add = next(s for s in spans.get_finished_spans() if s.name == "graphmem.add")
    assert add.attributes["graphmem.llm_calls"] == llm.usage.calls() > 0
    assert add.attributes["graphmem.llm_tokens"] == llm.usage.tokens() > 0
