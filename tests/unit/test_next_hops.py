"""The Retriever's next hop: documents the best hit's document names come right after it."""

from __future__ import annotations

from pathlib import Path

from graphmem import HashEmbedder, Memory

DOCS = {
    "Kiss and Tell": "Kiss and Tell is a 1945 comedy film. Corliss Archer is played by Shirley "
    "Temple in it.",
    "Shirley Temple": "Shirley Temple was an American actress. She later served as a diplomat "
    "and ambassador to Ghana.",
    "Meet Corliss Archer": "Meet Corliss Archer is a radio comedy about a teenage girl named "
    "Corliss Archer.",
    "Comedy film": "A comedy film is a film genre that aims to make the audience laugh.",
}
QUESTION = "Which position was held by the woman who portrayed Corliss Archer in Kiss and Tell?"


def sources(mem: Memory, query: str, namespace: str) -> list[str]:
    hits = mem.search(query, namespace=namespace, k=4)
    return list(dict.fromkeys(s for h in hits for s in h.source_ids))


def test_a_document_named_by_the_best_hit_comes_next(tmp_path: Path) -> None:
    with Memory(path=tmp_path / "m", embedder=HashEmbedder()) as mem:
        docs = [
            {"text": f"{t}\n{b}", "source_id": t, "source": "document"} for t, b in DOCS.items()
        ]
        mem.add_messages(docs, namespace="wiki")
        mem.config.retrieval.next_hops = 0
        without = sources(mem, QUESTION, "wiki")
        mem.config.retrieval.next_hops = 2
        ranked = sources(mem, QUESTION, "wiki")
        assert ranked[0] == without[0] == "Kiss and Tell"
        assert ranked[1] == "Shirley Temple" and "Shirley Temple" not in without[:2]


def test_conversations_have_no_next_hop(tmp_path: Path) -> None:
    with Memory(path=tmp_path / "m", embedder=HashEmbedder()) as mem:
        mem.add_messages(
            [
                {"text": "I watched Kiss and Tell with Shirley last night.", "speaker": "Ann"},
                {"text": "Shirley Temple played in many films as a child.", "speaker": "Bob"},
                {"text": "Corliss Archer is such a funny character.", "speaker": "Ann"},
            ],
            namespace="chat",
        )
        first = [h.id for h in mem.search(QUESTION, namespace="chat", k=3)]
        mem.config.retrieval.next_hops = 0
        assert [h.id for h in mem.search(QUESTION, namespace="chat", k=3)] == first
