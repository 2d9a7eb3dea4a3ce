"""Search filters on both stores, through the Python API and the command line."""

from __future__ import annotations

import json

import pytest

from graphmem import InvalidInputError, Memory, SearchFilter

CHAT = [
    ("Alice", "s1", "2024-01-05T10:00:00", "a1", "Alice lives in Paris near the river."),
    ("Bob", "s1", "2024-01-05T10:01:00", "b1", "Bob lives in Paris too, by the park."),
    ("Alice", "s2", "2024-03-10T09:00:00", "a2", "Alice moved to Berlin in March."),
    ("Bob", "s2", "2024-03-10T09:01:00", "b2", "Bob bought a bike in Berlin."),
]


@pytest.fixture
def chat(memory: Memory) -> Memory:
    memory.add_messages(
        [
            {"speaker": who, "session": s, "at": at, "source_id": sid, "text": text}
            for who, s, at, sid, text in CHAT
        ],
        namespace="f",
    )
    return memory


def _sources(hits) -> set[str]:
    return {s for h in hits for s in h.source_ids}


def test_filters_choose_among_ranked_memories(chat: Memory):
    def find(**filters) -> set[str]:
        return _sources(chat.search("Where do they live?", namespace="f", k=10, filters=filters))

    assert find() >= {"a1", "b1"}
    assert find(speakers=["Bob"]) <= {"b1", "b2"} and "b1" in find(speakers=["Bob"])
    assert find(sessions=["s2"]) <= {"a2", "b2"} and find(sessions=["s2"])
    assert find(source_ids=["a2"]) == {"a2"}
    assert find(said_after="2024-02-01") <= {"a2", "b2"}
    assert find(said_before="2024-02-01") <= {"a1", "b1"}
    kinds = {h.kind for h in chat.search("Paris", "f", k=10, filters={"kinds": ["episode"]})}
    assert kinds == {"episode"}
    typed = chat.search("Paris", "f", k=10, filters=SearchFilter(speakers=["Alice"]))
    assert _sources(typed) <= {"a1", "a2"}


def test_history_brings_back_what_was_superseded(chat: Memory):
    now = chat.search("Where does Alice live?", namespace="f", k=10, filters={"kinds": ["unit"]})
    assert all(h.status != "superseded" for h in now)
    old = chat.search(
        "Where does Alice live?",
        namespace="f",
        k=10,
        filters={"kinds": ["unit"], "include_superseded": True, "speakers": ["Alice"]},
    )
    assert any(h.status == "superseded" and "Paris" in h.text for h in old)


@pytest.mark.parametrize(
    ("filters", "reason"),
    [
        ({"speaker": ["Bob"]}, "speaker: Extra inputs are not permitted"),
        ({"kinds": ["fact"]}, "kinds.0"),
        ({"said_after": "soon"}, "said_after"),
        ("speakers=Bob", "bad search filter"),
    ],
)
def test_a_bad_filter_is_a_clear_error(chat: Memory, filters, reason):
    with pytest.raises(InvalidInputError, match="bad search filter") as caught:
        chat.search("Paris", namespace="f", filters=filters)
    assert reason in str(caught.value)


def test_the_command_line_takes_the_same_filters(tmp_path, cli):
    rows = [
        {"namespace": "f", "speaker": w, "session": s, "at": at, "source_id": i, "text": t}
        for w, s, at, i, t in CHAT
    ]
    chat_file = tmp_path / "chat.jsonl"
    chat_file.write_text("\n".join(json.dumps(r) for r in rows) + "\n")
    assert cli("ingest", str(chat_file)).returncode == 0
    out = cli("search", "Where do they live?", "-n", "f", "--speaker", "Bob", "--json")
    assert out.returncode == 0, out.stderr
    assert {s for h in json.loads(out.stdout) for s in h["source_ids"]} <= {"b1", "b2"}
    out = cli(
        "search", "Paris", "-n", "f", "--kind", "episode", "--said-before", "2024-02-01", "--json"
    )
    hits = json.loads(out.stdout)
    assert hits and {h["kind"] for h in hits} == {"episode"}
    assert {s for h in hits for s in h["source_ids"]} <= {"a1", "b1"}
    bad = cli("search", "Paris", "-n", "f", "--said-after", "whenever")
    assert bad.returncode == 1 and "bad search filter" in bad.stderr and bad.stderr.count("\n") == 1
