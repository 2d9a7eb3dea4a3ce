"""The real path through HTTP: graphmem driven by llama.cpp's OpenAI-compatible server running
Qwen2.5-Coder-0.5B. Asserts structure and flow (what is stored, provenance, citations, token
accounting), not what a 0.5B model extracts."""

from __future__ import annotations

import json
import math
from collections.abc import Iterator
from pathlib import Path

import pytest

from graphmem import HashEmbedder, Memory
from graphmem.config import Config
from graphmem.llm.openai import OpenAICompatibleLLM
from tests.integration import llama_server

pytestmark = pytest.mark.slow

TURNS = [
    {
        "text": "Hi, I'm Alice. I live in Paris and work at Airbus.",
        "speaker": "Alice",
        "at": "2024-01-10",
    },
    {
        "text": "Nice to meet you! I'm Bob and my dog is called Rex.",
        "speaker": "Bob",
        "at": "2024-01-10",
    },
    {"text": "I moved to Berlin last week.", "speaker": "Alice", "at": "2024-03-10"},
]


@pytest.fixture(scope="module")
def base_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    reason = llama_server.missing()
    if reason:
        pytest.skip(reason)
    cache = Path.home() / ".cache" / "graphmem-tests"
    proc, url = llama_server.start(cache, threads=1)
    try:
        yield url
    finally:
        proc.terminate()
        proc.wait(30)


def test_ingest_search_ask_through_http(tmp_path: Path, base_url: str) -> None:
    llm = OpenAICompatibleLLM("qwen", base_url=base_url, max_tokens=768, timeout=300)
    config = Config()
    config.constructor.llm_batch_size = 8
    with Memory(path=tmp_path / "m", embedder=HashEmbedder(), llm=llm, config=config) as mem:
        episodes = mem.add_messages(TURNS, namespace="alice", session="s1")
        ids = {ep.id for ep in episodes}
        for ep in episodes:  # processed, or kept with the reason
            stored = mem.get(ep.id, "alice")
            assert stored.status == "processed" or (stored.status == "failed" and stored.error)
        assert llm.usage.calls("extract") <= 2 * math.ceil(len(TURNS) / 8)  # incl. a repair
        assert llm.response_format == "json_object"  # llama.cpp refuses json_schema

        units = mem.store.get_units("alice", mem.store.node_ids("alice", "unit"))
        for unit in units:
            assert len(unit.entities) >= 2 and set(unit.episode_ids) <= ids
        if all(ep.status == "processed" for ep in episodes):
            assert units, "a processed batch of factual turns yields units"

        hits = mem.search("Where does Alice live?", namespace="alice", k=5)
        assert hits and all(set(h.episode_ids) <= ids for h in hits)

        answer = mem.ask("Where does Alice live?", namespace="alice", k=5)
        evidence = {i for h in answer.evidence for i in (h.id, *h.episode_ids)}
        assert set(answer.citations) <= evidence
        if answer.sufficient:
            assert answer.citations
        else:
            assert answer.text == "Not in memory." and not answer.citations
        assert llm.usage.tokens() > 0 and llm.usage.calls("answer") <= 1


class _Recording(OpenAICompatibleLLM):
    """The real client, keeping what each extraction call sent."""

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.sent: list[dict] = []

    def complete(self, operation, system, user, schema, check=None):
        if operation == "extract":
            self.sent.append(json.loads(user))
        return super().complete(operation, system, user, schema, check)


def test_rules_speakers_replies_skip_the_model(tmp_path: Path, base_url: str) -> None:
    llm = _Recording("qwen", base_url=base_url, max_tokens=768, timeout=300)
    config = Config()
    config.constructor.rules_speakers = ("assistant",)
    chat = [
        {"text": TURNS[0]["text"], "speaker": "user", "at": "2024-01-10"},
        {"text": "Paris suits you: Montmartre has the best bakeries.", "speaker": "assistant"},
        {"text": TURNS[2]["text"], "speaker": "user", "at": "2024-03-10"},
        {"text": "Berlin suits you: Kreuzberg has the best bakeries.", "speaker": "assistant"},
    ]
    with Memory(path=tmp_path / "m", embedder=HashEmbedder(), llm=llm, config=config) as mem:
        episodes = mem.add_messages(chat, namespace="u", session="s1")
        read = [ep["speaker"] for payload in llm.sent for ep in payload["episodes"]]
        assert read and set(read) == {"user"}  # the model never reads the replies
        if all(ep.status == "processed" for ep in episodes):  # a 0.5B model may fail the batch
            replies = {ep.id for ep in episodes if ep.speaker == "assistant"}
            units = mem.store.get_units("u", mem.store.node_ids("u", "unit"))
            assert any(set(u.episode_ids) <= replies for u in units)  # the rules' clause units
