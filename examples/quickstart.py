"""graphmem in one minute: store a short conversation, ask memory three questions, then tell it
Alice moved and see the old fact superseded, not lost.

Runs offline on the embedded store (./.graphmem-quickstart); no server, no API key.
"""

from __future__ import annotations

import shutil
import sys
from pathlib import Path

from graphmem import Memory

CONVERSATION = [
    ("Alice", "2024-01-08T09:00:00", "Hi! I just moved to Lisbon for a new job."),
    ("Bot", "2024-01-08T09:00:05", "Congratulations! What is the new job?"),
    ("Alice", "2024-01-08T09:01:00", "I'm a data engineer at Feedzai, working on fraud detection."),
    ("Alice", "2024-01-08T09:02:00", "My brother Tom is visiting me next month; he loves surfing."),
    ("Bot", "2024-01-08T09:02:10", "Lisbon has great surf spots nearby, like Ericeira."),
    ("Alice", "2024-01-15T18:30:00", "I adopted a cat yesterday and named her Pastel."),
    ("Alice", "2024-01-15T18:31:00", "I'm allergic to peanuts, so please never suggest satay."),
]

QUESTIONS = [
    ("Where does Alice work?", "Feedzai"),
    ("What is the name of Alice's pet?", "Pastel"),
    ("Which food must Alice avoid?", "peanuts"),
]


def main(path: Path = Path(".graphmem-quickstart")) -> int:
    shutil.rmtree(path, ignore_errors=True)
    with Memory(path=path) as mem:
        mem.add_messages(
            [
                {"speaker": who, "at": at, "text": text, "source_id": f"turn-{i}"}
                for i, (who, at, text) in enumerate(CONVERSATION, 1)
            ],
            namespace="alice",
            session="chat-1",
        )
        print(f"stored: {mem.stats('alice').model_dump()}\n")
        correct = 0
        for question, expected in QUESTIONS:
            hits = mem.search(question, namespace="alice", k=3)
            print(question)
            for rank, hit in enumerate(hits, 1):
                print(
                    f"  {rank}. ({hit.kind}, {hit.score:.3f}, {','.join(hit.source_ids)}) {hit.text}"
                )
            correct += bool(hits) and expected in hits[0].text
            print()
        print(f"top hit right for {correct} of {len(QUESTIONS)} questions\n")

        mem.add(
            "I moved to Porto last week.",
            namespace="alice",
            at="2024-03-11T10:00:00",
            speaker="Alice",
        )
        answer = mem.ask("Where does Alice live?", namespace="alice")
        print(f"Where does Alice live? -> {answer.text}  (cites {len(answer.citations)} ids)")
        for unit in mem.history("Alice", namespace="alice"):
            if unit.predicate == "lives_in":
                print(
                    f"  [{unit.status}] {unit.text}  valid {unit.valid_from:%Y-%m-%d} .. "
                    f"{unit.valid_to.date() if unit.valid_to else 'now'}"
                )
        moved = "Porto" in answer.text
        return 0 if correct == len(QUESTIONS) and moved else 1


if __name__ == "__main__":
    sys.exit(main())
