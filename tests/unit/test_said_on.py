"""A question naming a day, a month or a year weighs what was said then above the same words
said at another time."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

from graphmem import HashEmbedder, Memory

DAYS = [
    (datetime(2022, 1, 16, 14), "Ada", "I finished the border of my quilt."),
    (datetime(2022, 1, 23, 14), "Ada", "I finished my quilt."),
    (datetime(2022, 1, 30, 14), "Ada", "I finished the border of my quilt at last."),
]


def first_said(mem: Memory, question: str) -> datetime | None:
    return mem.search(question, namespace="chat", k=3)[0].occurred_at


def test_a_match_said_on_the_named_day_comes_first(tmp_path: Path) -> None:
    with Memory(path=tmp_path / "m", embedder=HashEmbedder()) as mem:
        mem.add_messages(
            [{"at": at, "speaker": who, "text": text} for at, who, text in DAYS], namespace="chat"
        )
        question = "What border of a quilt did Ada finish on 23 January, 2022?"
        mem.config.retrieval.said_on_weight = 1.0
        assert first_said(mem, question).date() != datetime(2022, 1, 23).date()
        mem.config.retrieval.said_on_weight = 2.0
        assert first_said(mem, question).date() == datetime(2022, 1, 23).date()
        # without a day in the question, nothing is weighted
        assert first_said(mem, "What border of a quilt did Ada finish?").date() != (
            datetime(2022, 1, 23).date()
        )


def test_a_match_said_in_the_named_month_comes_first(tmp_path: Path) -> None:
    said = [
        (datetime(2021, 12, 20, 9), "Ada", "I finished the border of my quilt."),
        (datetime(2022, 1, 23, 14), "Ada", "Finished my quilt."),
        (datetime(2022, 2, 3, 10), "Ada", "I finished the border of my quilt at last."),
    ]
    with Memory(path=tmp_path / "m", embedder=HashEmbedder()) as mem:
        mem.add_messages(
            [{"at": at, "speaker": who, "text": text} for at, who, text in said], namespace="chat"
        )
        question = "What border of a quilt did Ada finish in January 2022?"
        mem.config.retrieval.said_on_weight = 1.0
        assert first_said(mem, question).month != 1
        mem.config.retrieval.said_on_weight = 2.0
        assert first_said(mem, question).date() == datetime(2022, 1, 23).date()
