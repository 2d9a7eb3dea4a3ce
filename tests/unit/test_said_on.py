"""A question naming a day weighs what was said that day above the same words said another day."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

from graphmem import HashEmbedder, Memory

DAYS = [
    (datetime(2022, 1, 16, 14), "Joanna", "I finished a draft of my screenplay."),
    (datetime(2022, 1, 23, 14), "Joanna", "I finished my screenplay."),
    (datetime(2022, 1, 30, 14), "Joanna", "I finished a draft of my screenplay at last."),
]


def first_said(mem: Memory, question: str) -> datetime | None:
    return mem.search(question, namespace="chat", k=3)[0].occurred_at


def test_a_match_said_on_the_named_day_comes_first(tmp_path: Path) -> None:
    with Memory(path=tmp_path / "m", embedder=HashEmbedder()) as mem:
        mem.add_messages(
            [{"at": at, "speaker": who, "text": text} for at, who, text in DAYS], namespace="chat"
        )
        question = "What draft of a screenplay did Joanna finish on 23 January, 2022?"
        mem.config.retrieval.said_on_weight = 1.0
        assert first_said(mem, question).date() != datetime(2022, 1, 23).date()
        mem.config.retrieval.said_on_weight = 2.0
        assert first_said(mem, question).date() == datetime(2022, 1, 23).date()
        # without a day in the question, nothing is weighted
        assert first_said(mem, "What draft of a screenplay did Joanna finish?").date() != (
            datetime(2022, 1, 23).date()
        )
