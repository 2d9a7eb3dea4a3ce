"""Units are embedded inside their episode's encoder pass when they quote it."""

from __future__ import annotations

from datetime import UTC, datetime

import numpy as np
import pytest

from graphmem.agents.constructor import locate, passage
from graphmem.embed import HashEmbedder, embed_passages
from graphmem.models import Episode

NOW = datetime(2024, 1, 1, tzinfo=UTC)


def test_passage_carries_the_speaker_and_clean_text():
    ep = Episode(
        namespace="n",
        content="I moved\n\tto  Rome.",
        speaker="Ann",
        occurred_at=NOW,
        recorded_at=NOW,
    )
    assert passage(ep) == "Ann: I moved to Rome."


def test_locate_finds_prefix_and_clause():
    text = "Ann: I moved to Rome. It is sunny."
    assert locate(text, "Ann: It is sunny.") == ((0, 5), (22, 34))
    assert locate("It rains in Oslo today.", "It rains in Oslo today.") == ((0, 23),)
    assert locate(text, "Ann moved to Rome") is None  # a paraphrase is embedded on its own


def test_fallback_embeds_each_span_text():
    embedder = HashEmbedder()
    text = "Ann: I moved to Rome. It is sunny."
    whole, parts = embed_passages(embedder, [text], [[((0, 5), (22, 34))]])
    assert np.allclose(whole[0], embedder.embed([text])[0])
    assert np.allclose(parts[0][0], embedder.embed(["Ann:  It is sunny."])[0])


@pytest.mark.slow
def test_late_chunking_matches_encode_for_whole_texts(minilm):
    texts = ["Ann: I moved to Rome. It is sunny.", "Bob: my cat Miso hates the rain."]
    spans = [[((0, 5), (22, 34))], [((0, 5), (8, 16))]]
    whole, parts = minilm.embed_spans(texts, spans)
    assert np.allclose(whole, minilm.embed(texts), atol=1e-5)
    sunny = parts[0][0]
    assert abs(float(np.linalg.norm(sunny)) - 1.0) < 1e-5
    # the pooled span is about the weather, not about moving
    weather, moving = minilm.embed(["the weather is sunny", "relocating to Rome"])
    assert float(sunny @ weather) > float(sunny @ moving)
