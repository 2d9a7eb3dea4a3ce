"""Search weighs an assistant's replies below what the user said: the replies echo the user's
facts at length and would otherwise outrank them."""

from __future__ import annotations

from pathlib import Path

import pytest

from graphmem import HashEmbedder, Memory

CHAT = [
    ("user", "My weekly word count target is 1,350 words."),
    (
        "assistant",
        "A weekly word count target of 1,350 words is a good target: split the weekly word "
        "count into daily targets.",
    ),
    ("user", "I also want to read more novels this summer."),
    (
        "assistant",
        "To hit a weekly word count target, track the word count of each session against "
        "the weekly target.",
    ),
]
QUESTION = "What is my weekly word count target?"


def first_speaker(mem: Memory) -> str | None:
    return mem.search(QUESTION, namespace="chat", k=3)[0].speaker


@pytest.mark.parametrize("assistant", ["assistant", "AI"])
def test_the_users_statement_comes_before_the_replies_that_echo_it(
    tmp_path: Path, assistant: str
) -> None:
    with Memory(path=tmp_path / "m", embedder=HashEmbedder()) as mem:
        chat = [{"role": assistant if r == "assistant" else r, "text": t} for r, t in CHAT]
        mem.add_messages(chat, namespace="chat")
        mem.config.retrieval.assistant_weight = 1.0
        assert first_speaker(mem) == assistant  # the echoes match more words
        mem.config.retrieval.assistant_weight = 0.5
        assert first_speaker(mem) == "user"


def test_a_namespace_no_assistant_spoke_in_reads_no_speakers(tmp_path: Path) -> None:
    """Weighing replies needs every passage's speakers; where no assistant ever spoke (a chat
    between people, documents), search skips that read (at 1M units it cost 3-7 ms)."""
    with Memory(path=tmp_path / "m", embedder=HashEmbedder()) as mem:
        people = [
            {"speaker": s, "text": t} for (_, t), s in zip(CHAT, ["Ann", "Bo"] * 2, strict=True)
        ]
        mem.add_messages(people, namespace="people")
        mem.add_messages([{"role": r, "text": t} for r, t in CHAT], namespace="chat")
        reads: list[str] = []
        speakers = mem.store.speakers
        mem.store.speakers = lambda ns, ids: reads.append(ns) or speakers(ns, ids)  # type: ignore[method-assign]
        assert mem.search(QUESTION, namespace="people", k=3)
        assert mem.search(QUESTION, namespace="chat", k=3)
        assert reads == ["chat"]
