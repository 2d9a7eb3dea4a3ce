"""The default configuration end to end: the real MiniLM embedder, the embedded store."""

from __future__ import annotations

import subprocess
import sys
from datetime import datetime
from pathlib import Path

import pytest

from graphmem import EmbedderMismatchError, HashEmbedder, Memory
from graphmem.embed import make_embedder

REPO = Path(__file__).resolve().parents[2]


@pytest.mark.slow
def test_quickstart_gets_every_top_hit_right(tmp_path):
    out = subprocess.run(
        [sys.executable, str(REPO / "examples" / "quickstart.py")],
        capture_output=True,
        text=True,
        timeout=600,
        cwd=tmp_path,
    )
    assert out.returncode == 0, out.stdout + out.stderr
    assert "top hit right for 3 of 3 questions" in out.stdout


@pytest.mark.slow
def test_paraphrased_questions_find_the_memory(tmp_path, minilm):
    with Memory(path=tmp_path / "m", embedder=minilm) as mem:
        mem.add_messages(
            [
                {
                    "speaker": "Nia",
                    "text": "I finally bought a used Subaru Outback last weekend.",
                    "source_id": "car",
                },
                {
                    "speaker": "Nia",
                    "text": "My daughter Zara started kindergarten in September.",
                    "source_id": "kid",
                },
                {
                    "speaker": "Nia",
                    "text": "I've been learning to play the violin for two years.",
                    "source_id": "music",
                },
                {
                    "speaker": "Nia",
                    "text": "We spent the holidays skiing in the Dolomites.",
                    "source_id": "trip",
                },
            ],
            namespace="nia",
            session="s",
        )
        expectations = {
            "What vehicle does Nia drive?": "car",
            "Which musical instrument is Nia studying?": "music",
            "Where did Nia go on vacation?": "trip",
            "How old is Nia's child / when did school start?": "kid",
        }
        for question, source in expectations.items():
            top = mem.search(question, namespace="nia", k=3)[0]
            assert top.source_ids == [source], (question, top.text)


DOCS = {
    "Act of War: Direct Action": "Act of War: Direct Action is a 2005 real-time strategy video "
    "game. Its story was written by the novelist Dale Brown.",
    "Dale Brown": "Dale Brown is an American author of military techno-thriller novels. He was a "
    "navigator in the United States Air Force.",
    "Direct Action Committee": "The Direct Action Committee was a British pacifist group that "
    "campaigned against nuclear weapons in the 1950s.",
    "Real-time strategy": "Real-time strategy is a video game genre in which players move units "
    "at the same time rather than in turns.",
    "Juliet Belmas": "Juliet Belmas is a Canadian activist who took part in direct action "
    "against a hydro substation.",
}


@pytest.mark.slow
def test_the_document_the_best_hit_names_is_the_next_hop(tmp_path, minilm):
    """A bridge question: the first document is found by its title; the second only because
    the first names it, so it comes right after it."""
    question = "What genre is the author of the story behind Act of War: Direct Action known for?"
    with Memory(path=tmp_path / "m", embedder=minilm) as mem:
        mem.add_messages(
            [
                {"text": f"{title}\n{text}", "source_id": title, "source": "document"}
                for title, text in DOCS.items()
            ],
            namespace="wiki",
        )
        sources = [s for h in mem.search(question, namespace="wiki", k=4) for s in h.source_ids]
        assert list(dict.fromkeys(sources))[:2] == ["Act of War: Direct Action", "Dale Brown"]
        mem.config.retrieval.next_hops = 0
        sources = [s for h in mem.search(question, namespace="wiki", k=4) for s in h.source_ids]
        assert list(dict.fromkeys(sources))[1] != "Dale Brown"


@pytest.mark.slow
def test_the_users_own_statement_outranks_the_replies_that_echo_it(tmp_path, minilm):
    chat = [
        (
            "user",
            "I'm struggling to meet my writing goals, like targeting 1,200 words per week, "
            "tracked with Google Docs word count stats.",
        ),
        (
            "assistant",
            "Targeting 1,200 words per week is a realistic writing goal. Track "
            "your weekly word count in Google Docs and review your progress every Sunday.",
        ),
        ("user", "I just found out my weekly word count target was adjusted to 1,350 words."),
        (
            "assistant",
            "Adjusting your weekly word count target to 1,350 words is a good "
            "step: aim for 270 words a day over five writing days.",
        ),
        ("assistant", "Weekly word count targets work best when split into daily targets."),
    ]
    question = "What is my weekly word count target for my writing goals?"
    with Memory(path=tmp_path / "m", embedder=minilm) as mem:
        mem.add_messages([{"role": r, "text": t} for r, t in chat], namespace="chat")
        hits = mem.search(question, namespace="chat", k=3)
        assert [h.speaker for h in hits[:2]] == ["user", "user"], [h.text for h in hits]
        assert "1,350" in hits[0].text  # the newer target replaced the older one


@pytest.mark.slow
def test_a_question_naming_a_day_finds_what_was_said_that_day(tmp_path, minilm):
    sessions = [
        (
            datetime(2022, 1, 23, 14),
            [
                ("Ada", "Yay! At last I finished my first full-length novel and printed it."),
                ("Theo", "Congrats Ada! What is it about?"),
            ],
        ),
        (
            datetime(2022, 3, 2, 10),
            [
                ("Ada", "Last Friday, I finished the presentation for producers."),
                ("Theo", "Bye Ada! See you tomorrow!"),
            ],
        ),
        (
            datetime(2022, 5, 9, 18),
            [
                ("Ada", "I just finished a new cake recipe and my family loved it."),
                ("Theo", "Alright Ada, see you soon!"),
            ],
        ),
    ]
    turns = [
        {"at": at, "speaker": who, "text": text} for at, said in sessions for who, text in said
    ]
    question = "What did Ada just finish on 23 January, 2022?"
    with Memory(path=tmp_path / "m", embedder=minilm) as mem:
        mem.add_messages(turns, namespace="chat")
        mem.config.retrieval.said_on_weight = 1.0
        before = mem.search(question, namespace="chat", k=3)
        mem.config.retrieval.said_on_weight = 2.0
        after = mem.search(question, namespace="chat", k=3)
    assert "novel" not in before[0].text, [h.text for h in before]
    assert "novel" in after[0].text, [h.text for h in after]


@pytest.mark.slow
def test_a_store_serves_only_the_model_that_embedded_it(tmp_path, minilm):
    path = tmp_path / "m"
    with Memory(path=path, embedder=minilm) as mem:
        mem.add("I adopted a greyhound called Juniper.", namespace="me", speaker="Ana")
    with (
        Memory(path=path, embedder=HashEmbedder()) as hashed,
        pytest.raises(EmbedderMismatchError, match="all-MiniLM-L6-v2"),
    ):
        hashed.search("What is my dog's name?", namespace="me")
    with Memory(path=path, embedder=make_embedder("minilm-int8")) as quantized:
        hits = quantized.search("What is my dog's name?", namespace="me")  # same model, int8
        assert "Juniper" in hits[0].text
