"""The conflict scenario end to end, in zero-LLM mode (real MiniLM embedder) and LLM mode
(scripted model): "I live in Paris" in January, "I moved to Berlin" in March."""

from __future__ import annotations

import pytest

from graphmem import HashEmbedder, Memory
from tests.scripted_llm import ScriptedLLM
from tests.unit.test_agents import script


def zero_memory(open_memory, minilm) -> Memory:
    return open_memory(embedder=minilm)


def llm_memory(open_memory, minilm) -> Memory:
    return open_memory(embedder=HashEmbedder(), llm=ScriptedLLM(script()))


@pytest.mark.parametrize("make", [zero_memory, llm_memory], ids=["zero", "llm"])
def test_moving_city_supersedes_and_keeps_history(open_memory, minilm, make) -> None:
    with make(open_memory, minilm) as mem:
        mem.add("I live in Paris.", namespace="me", at="2024-01-15T10:00:00")
        mem.add("I moved to Berlin in March.", namespace="me", at="2024-04-02T10:00:00")

        top = mem.search("where does the user live", namespace="me", k=3)[0]
        assert "Berlin" in top.text

        versions = mem.history("user", namespace="me")
        paris = next(u for u in versions if "Paris" in u.text)
        berlin = next(u for u in versions if "Berlin" in u.text)
        assert paris.status == "superseded" and berlin.status == "active"
        assert paris.valid_to is not None and (paris.valid_to.year, paris.valid_to.month) == (
            2024,
            3,
        )
        assert berlin.id in (paris.reason or "")

        then = mem.search("where does the user live", namespace="me", k=3, as_of="2024-02-10")
        assert "Paris" in then[0].text
        assert all("Berlin" not in h.text for h in then if h.kind == "unit")


def test_a_disputed_statement_is_still_replaced_by_a_new_value(open_memory, minilm) -> None:
    """A long statement a denial has disputed ("conflicted") still holds its value until a new
    one replaces it: the later count supersedes it, and the count ranks above it."""
    said = [
        "I've shared my Zotero library of 45 sources on urban heat with Anna, and next week I "
        "want to draft the methods chapter, compare the satellite datasets and book a meeting "
        "with the city planners.",
        "I've never shared my Zotero library on urban heat with Anna.",
        "My Zotero library on urban heat has now grown to 52 sources.",
    ]
    with open_memory(embedder=minilm) as mem:
        for month, text in enumerate(said, start=1):
            mem.add(text, speaker="user", namespace="me", at=f"2024-0{month}-05T10:00:00")
        units = {u.text: u for u in mem.store.get_units("me", mem.store.node_ids("me", "unit"))}
        first, denial, count = (units[f"user: {text}"] for text in said)
        assert first.status == "superseded" and count.id in (first.reason or "")
        assert denial.status == "conflicted" and count.status == "active"
        hits = mem.search("How many sources are in my Zotero library?", namespace="me", k=3)
        assert "52 sources" in hits[0].text
