"""A question in a conversation matches a question about it; the reply holds the answer, so
search moves most of a question's seed weight to the reply (``retrieval.question_weight``)."""

from __future__ import annotations

from pathlib import Path

from graphmem import HashEmbedder, Memory
from graphmem.text import is_question

TALK = [
    ("Ann", "How often do you and your kids go hiking together?"),
    ("Bo", "Twice a month, we pack sandwiches and take the lake trail."),
    ("Ann", "My sister paints landscapes on weekends."),
    ("Bo", "Hiking with kids is fun, and the kids love hiking with other kids."),
]
QUESTION = "How often does Bo go hiking with the kids?"
ANSWER = "Twice a month, we pack sandwiches and take the lake trail."


def rank_of_answer(mem: Memory, namespace: str) -> int:
    texts = [h.text for h in mem.search(QUESTION, namespace=namespace, k=10)]
    return next(i for i, t in enumerate(texts) if "Twice a month" in t)


def test_the_reply_to_a_matched_question_ranks_first(tmp_path: Path) -> None:
    with Memory(path=tmp_path / "m", embedder=HashEmbedder()) as mem:
        talk = [{"speaker": s, "text": t} for s, t in TALK]
        mem.add_messages(talk, namespace="talk", session="day 1")
        mem.config.retrieval.question_weight = 1.0
        assert rank_of_answer(mem, "talk") > 0  # the question and the echo match more words
        mem.config.retrieval.question_weight = 0.25
        assert rank_of_answer(mem, "talk") == 0


def test_messages_without_a_session_have_no_replies(tmp_path: Path) -> None:
    """Replies follow the session chain, as the session's NEXT edges do."""
    with Memory(path=tmp_path / "m", embedder=HashEmbedder()) as mem:
        mem.add_messages([{"speaker": s, "text": t} for s, t in TALK], namespace="talk")
        before = [h.id for h in mem.search(QUESTION, namespace="talk", k=10)]
        mem.config.retrieval.question_weight = 1.0
        assert [h.id for h in mem.search(QUESTION, namespace="talk", k=10)] == before


def test_a_question_to_an_assistant_keeps_its_weight(tmp_path: Path) -> None:
    """A user's question states the user's facts; the assistant's reply is advice."""
    roles = ["user", "assistant"] * 2
    chat = [{"role": r, "text": t} for r, (_, t) in zip(roles, TALK, strict=True)]
    with Memory(path=tmp_path / "m", embedder=HashEmbedder()) as mem:
        mem.add_messages(chat, namespace="chat", session="day 1")
        on = [h.id for h in mem.search(QUESTION, namespace="chat", k=10)]
        mem.config.retrieval.question_weight = 1.0
        assert [h.id for h in mem.search(QUESTION, namespace="chat", k=10)] == on
        mem.config.retrieval.question_weight = 0.25
        mem.config.retrieval.assistant_speakers = ()  # as if two people talked
        assert [h.id for h in mem.search(QUESTION, namespace="chat", k=10)] != on


def test_a_question_ends_by_asking() -> None:
    assert is_question("Bo: How often?") and is_question('She asked "why?" ')
    assert is_question("¿Dónde vives？") and is_question("(Really?)")
    assert not is_question("I wonder why.") and not is_question("Is it? Yes.")
