"""A question naming a day, a month or a year weighs what was said then above the same words
said at another time."""

from __future__ import annotations

from datetime import UTC, datetime
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


def test_a_question_in_the_past_tense_names_the_last_such_month(tmp_path: Path) -> None:
    """Seven months back or five ahead: "did" asks about the last one, "will" the nearest."""
    now = datetime.now(UTC)
    index = now.year * 12 + now.month - 1 - 7
    past = datetime(index // 12, index % 12 + 1, 10, 12, tzinfo=UTC)
    ahead = past.replace(year=past.year + 1)
    month = past.strftime("%B")
    with Memory(path=tmp_path / "m", embedder=HashEmbedder()) as mem:
        mem.add_messages(
            [
                {"at": past, "speaker": "Ada", "text": "I finished a border of my quilt."},
                {"at": ahead, "speaker": "Ada", "text": "I finished a border of my quilt at last."},
            ],
            namespace="chat",
        )
        did = first_said(mem, f"What border of a quilt did Ada finish in {month}?")
        will = first_said(mem, f"What border of a quilt will Ada finish in {month}?")
    assert did == past and will == ahead
