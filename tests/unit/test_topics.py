"""Topic summaries: one digest per person or named thing, extended as facts arrive."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from graphmem import HashEmbedder, Memory
from graphmem.agents.constructor import summary_id
from graphmem.agents.topics import digest, topic_id
from graphmem.decisions.base import Route

FACTS = [
    "Atlas shipped its first release in May.",
    "Atlas now runs on Postgres.",
    "Atlas has twelve contributors from Lisbon.",
    "The Atlas team meets every Tuesday.",
]


def test_digest_keeps_the_newest_facts_within_the_limit():
    text = digest("Atlas", None, ["one fact", "two facts"], 100)
    assert text == "About Atlas:\n- one fact\n- two facts"
    text = digest("Atlas", text, ["three facts here", "two facts"], 45)
    assert text == "About Atlas:\n- three facts here\n- two facts"  # "one fact" made room
    assert len(text) <= 45


def test_a_topic_summary_grows_and_answers_abstract_questions(tmp_path: Path) -> None:
    with Memory(path=tmp_path / "m", embedder=HashEmbedder()) as mem:
        episodes = mem.add_messages(
            [{"text": t, "speaker": "Ana", "source_id": f"m{i}"} for i, t in enumerate(FACTS[:3])],
            namespace="team",
        )
        atlas = next(e for e in mem.store.find_entities("team", ["atlas"]))
        (topic,) = mem.store.get_summaries("team", [topic_id("team", atlas.id)])
        assert topic.text.startswith("About Atlas:") and "Postgres" in topic.text
        assert set(topic.covers) == {e.id for e in episodes} and topic.level == 2
        # a later batch with fewer than 3 facts about Atlas leaves the topic as it was
        mem.add("Ana: Atlas meetings are on Tuesdays.", namespace="team", speaker="Ana")
        (same,) = mem.store.get_summaries("team", [topic_id("team", atlas.id)])
        assert same.text == topic.text
        more = mem.add_messages(
            [
                {"text": t, "speaker": "Ana"}
                for t in [FACTS[3], "Atlas uses Rust.", "Atlas is open source."]
            ],
            namespace="team",
        )
        (grown,) = mem.store.get_summaries("team", [topic_id("team", atlas.id)])
        assert "Postgres" in grown.text and "Rust" in grown.text
        assert set(grown.covers) >= {e.id for e in episodes + more}
        hits = mem.retriever.search(
            "team", "Give me an overview of Atlas", k=5, route=Route(intent="abstract")
        )
        assert hits[0].id == grown.id and hits[0].kind == "summary"
        assert "m0" in hits[0].source_ids


def test_only_the_most_told_entities_get_a_topic_per_batch(tmp_path: Path) -> None:
    with Memory(path=tmp_path / "m", embedder=HashEmbedder()) as mem:
        mem.config.constructor.topics_per_batch = 1
        mem.add_messages(
            [
                {"text": t}
                for t in [
                    *FACTS,
                    "Borealis launched in June.",
                    "Borealis uses Go.",
                    "Borealis is fast.",
                ]
            ],
            namespace="team",
        )
        topics = [s for s in mem.store.get_summaries("team", mem.store.node_ids("team", "summary"))]
        assert [t.text.split("\n")[0] for t in topics] == ["About Atlas:"]  # 4 facts beat 3


def test_a_summary_vector_is_the_mean_of_the_turns_it_covers(tmp_path: Path) -> None:
    """Summaries are not run through the encoder: their vector is their turns' centroid, and it
    follows the summary as later batches extend it."""
    turns = [
        "Alice adopted a puppy named Rex last week.",
        "Rex chews every shoe Alice owns.",
        "Alice takes Rex to the park each morning.",
    ]
    with Memory(path=tmp_path / "m", embedder=HashEmbedder()) as mem:
        for i, turn in enumerate(turns):
            mem.add_messages([{"text": turn, "speaker": "Bob"}], namespace="n", session="s1")
            (summary,) = mem.store.get_summaries("n", [summary_id("n", "s1")])
            assert len(summary.covers) == i + 1
            vectors = mem.store.episode_vectors("n", summary.covers)
            centroid = np.mean([vectors[e] for e in summary.covers], axis=0)
            centroid /= np.linalg.norm(centroid)
            ((best, score),) = mem.store.vector_search("n", "summary", centroid, 1)
            assert best == summary.id and score > 0.9999
