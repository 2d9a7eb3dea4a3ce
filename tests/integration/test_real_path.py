"""The default configuration end to end: the real MiniLM embedder, the embedded store."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from graphmem import Memory

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
