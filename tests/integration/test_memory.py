"""The Memory client through the real embedded store (hashing embedder for speed)."""

from __future__ import annotations

import asyncio
import os
import sqlite3
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime

import pytest

from graphmem import (
    AsyncMemory,
    EmbedderMismatchError,
    HashEmbedder,
    InvalidInputError,
    Memory,
    NotFoundError,
    StoreClosedError,
)
from graphmem.store.sqlite import DB_FILE


def test_add_returns_the_stored_processed_episode(memory: Memory):
    ep = memory.add(
        "Alice moved to Berlin in March.",
        namespace="a",
        at="2024-04-02T10:00:00",
        speaker="Alice",
        session="s1",
        source_id="msg-1",
    )
    assert ep.id and ep.status == "processed" and ep.source_id == "msg-1"
    stored = memory.get(ep.id, namespace="a")
    assert stored.content == "Alice moved to Berlin in March."
    assert stored.occurred_at == datetime(2024, 4, 2, 10, tzinfo=UTC)
    assert memory.stats("a").units == 1


def test_search_returns_hits_with_provenance(memory: Memory):
    memory.add_messages(
        [
            {"text": "I adopted a dog named Rex last week.", "speaker": "Sam", "source_id": "d1"},
            {
                "text": "My sister Ana plays the cello in Lisbon.",
                "speaker": "Sam",
                "source_id": "d2",
            },
            {
                "text": "Work has been busy with the quarterly report.",
                "speaker": "Sam",
                "source_id": "d3",
            },
        ],
        namespace="sam",
        session="s1",
    )
    hits = memory.search("Who plays the cello?", namespace="sam", k=3)
    assert hits[0].source_ids == ["d2"] and hits[0].kind == "unit"
    assert "cello" in hits[0].text and hits[0].episode_ids
    assert [h.score for h in hits] == sorted((h.score for h in hits), reverse=True)
    assert memory.search("dog Rex", namespace="sam", k=1)[0].source_ids == ["d1"]


def test_episodes_without_units_are_still_found(memory: Memory):
    memory.add("ok", namespace="x", source_id="tiny")  # too short for a unit
    assert memory.stats("x").units == 0
    (hit,) = memory.search("ok", namespace="x", k=5)
    assert hit.kind == "episode" and hit.source_ids == ["tiny"]


def test_as_of_filters_by_validity(memory: Memory):
    memory.add("I live in Paris.", namespace="u", at="2024-01-10", speaker="Ann")
    later = memory.add(
        "I started a new job at Globex in Rome.", namespace="u", at="2024-03-10", speaker="Ann"
    )
    before = memory.search("Globex Rome job", namespace="u", k=5, as_of="2024-02-01")
    assert all(later.id not in h.episode_ids for h in before)
    after = memory.search("Globex Rome job", namespace="u", k=5, as_of="2024-04-01")
    assert later.id in after[0].episode_ids


def test_a_move_said_in_the_perfect_tense_supersedes_where_the_speaker_lived(memory: Memory):
    memory.add("I live in Paris.", namespace="m", at="2024-01-10", speaker="Ann")
    memory.add("I've moved to Berlin.", namespace="m", at="2024-03-10", speaker="Ann")
    (paris,) = memory.history("Paris", namespace="m")
    (berlin,) = memory.history("Berlin", namespace="m")
    assert paris.status == "superseded" and "lives_in: Paris -> Berlin" in paris.reason
    assert berlin.status == "active" and berlin.subject == "Ann"


def test_history_lists_every_unit_about_an_entity(memory: Memory):
    memory.add("Bob joined Initech in 2019.", namespace="h", at="2024-01-01")
    memory.add("Bob left Initech for Hooli.", namespace="h", at="2024-02-01")
    memory.add("Carol likes tea.", namespace="h", at="2024-02-01")
    texts = [u.text for u in memory.history("Bob", namespace="h")]
    assert texts == ["Bob joined Initech in 2019.", "Bob left Initech for Hooli."]
    with pytest.raises(NotFoundError, match="no entity"):
        memory.history("Nobody", namespace="h")


def test_forget_erases_content_everywhere(memory: Memory, store_kind, request):
    secret = memory.add("My password hint is the blue Zeppelin.", namespace="f", speaker="Eve")
    keep = memory.add("I like green tea in the morning.", namespace="f", speaker="Eve")
    derived = [u.id for u in memory.store.units_from_episodes("f", [secret.id])]
    memory.forget(secret.id, namespace="f")
    for hit in memory.search("password hint blue Zeppelin", namespace="f", k=10):
        assert "Zeppelin" not in hit.text and secret.id not in hit.episode_ids
    assert memory.store.find_entities("f", ["zeppelin"]) == []
    assert memory.get(keep.id, namespace="f").content.startswith("I like green tea")
    with pytest.raises(NotFoundError):
        memory.forget(secret.id, namespace="f")
    if store_kind == "neo4j":
        vector = memory.embedder.embed(["Eve: My password hint is the blue Zeppelin."])[0]
        found = _neo4j_copies(request.getfixturevalue("neo4j_server"), "zeppelin", vector)
        assert found.isdisjoint({secret.id, *derived}) and "zeppelin" not in str(found).lower()


def _neo4j_copies(server, word: str, vector) -> set[str]:
    """What the whole Neo4j database still holds of ``word``: nodes or relationships with a
    property containing it, full-text hits, and the ids of the vector indexes' nearest nodes."""
    import neo4j

    uri, auth = server
    found: set[str] = set()
    with neo4j.GraphDatabase.driver(uri, auth=auth) as driver:

        def run(query: str, **params) -> list:
            return driver.execute_query(query, params)[0]

        for pattern in ("(n)", "()-[n]->()"):
            rows = run(
                f"MATCH {pattern} UNWIND keys(n) AS k "
                "WITH n, CASE WHEN valueType(n[k]) STARTS WITH 'LIST' THEN n[k] ELSE [n[k]] END AS vs "
                "WHERE any(v IN vs WHERE toLower(toString(v)) CONTAINS $word) "
                "RETURN DISTINCT elementId(n) AS hit",
                word=word,
            )
            found |= {f"property of {r['hit']}" for r in rows}
        for kind in ("FULLTEXT", "VECTOR"):
            indexes = run(f"SHOW {kind} INDEXES YIELD name RETURN name")
            for (name,) in indexes:
                if kind == "FULLTEXT":
                    call = "CALL db.index.fulltext.queryNodes($name, $word)"
                else:
                    call = "CALL db.index.vector.queryNodes($name, 10, $vector)"
                rows = run(
                    f"{call} YIELD node RETURN node.id AS id",
                    name=name,
                    word=word,
                    vector=[float(x) for x in vector],
                )
                found |= {
                    f"{kind.lower()} {r['id']}" if kind == "FULLTEXT" else r["id"] for r in rows
                }
    return found


def test_two_clients_writing_at_once_lose_nothing(open_memory):
    """Two clients of one store (two Memory objects, as two processes would hold) write the
    same namespace at once: every episode is there, numbered once, and entities are shared."""
    with open_memory() as first, open_memory() as second:

        def write(mem: Memory, tag: str) -> list[str]:
            return [
                mem.add(f"Quinn sold {tag} apples in Lyon, crate {i}.", namespace="w").id
                for i in range(30)
            ]

        with ThreadPoolExecutor(2) as pool:
            futures = [pool.submit(write, m, t) for m, t in ((first, "red"), (second, "green"))]
            ids = [i for f in futures for i in f.result()]
        stats = second.stats("w")
        assert stats.episodes == 60 and stats.pending == 0 and stats.failed == 0
        assert sorted(e.seq for e in first.store.get_episodes("w", ids)) == list(range(1, 61))
        assert len(first.store.find_entities("w", ["quinn"])) == 1
        assert len(first.search("Quinn green apples Lyon", namespace="w", k=5)) == 5


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("", "empty"),
        ("   \n\t", "empty"),
        (None, "must be a string"),
        (42, "must be a string"),
        ("bad \udcff surrogate", "not valid Unicode"),
        ("x" * 100_001, "limit is 100,000"),
    ],
)
def test_bad_text_is_refused_and_nothing_is_lost(memory: Memory, text, message):
    kept = memory.add("Dana visited Oslo.", namespace="b")
    with pytest.raises(InvalidInputError, match=message):
        memory.add(text, namespace="b")
    assert memory.stats("b").episodes == 1
    assert memory.get(kept.id, namespace="b").content == "Dana visited Oslo."


def test_one_bad_message_rejects_the_whole_call(memory: Memory):
    with pytest.raises(InvalidInputError, match="message 1"):
        memory.add_messages([{"text": "fine"}, {"text": ""}], namespace="b")
    assert memory.stats("b").episodes == 0


@pytest.mark.parametrize(
    "text",
    [
        "'}) DETACH DELETE n //",
        "MATCH (n) DETACH DELETE n; DROP TABLE episodes; --",
        "Zoë 🚀 naïve café — 東京 \u202e mirrored",
        "ctrl\x00chars\x07here\x1b[31m",
        "\ufeffBOM",
    ],
)
def test_odd_text_is_stored_literally(memory: Memory, text):
    ep = memory.add(text, namespace="odd")
    assert memory.get(ep.id, namespace="odd").content == text
    memory.search(text, namespace="odd", k=3)
    assert memory.stats("odd").episodes == 1


def test_huge_document_is_chunked_and_searchable(memory: Memory):
    filler = "The committee reviewed routine budget items for the facilities department. "
    text = filler * 13_000 + "The secret launch code word is Marmalade. " + filler * 1_000
    assert len(text) > 1_000_000
    episodes = memory.add_document(text, namespace="doc", source_id="big")
    assert len(episodes) > 400 and all(e.status == "processed" for e in episodes)
    hit = memory.search("launch code word Marmalade", namespace="doc", k=1)[0]
    assert "Marmalade" in hit.text


def test_bad_arguments(memory: Memory):
    for namespace in ("", "a\x00b", "x" * 300, None):
        with pytest.raises(InvalidInputError, match="namespace"):
            memory.add("hello there", namespace=namespace)
    with pytest.raises(InvalidInputError, match="ISO-8601"):
        memory.add("hello there", at="next tuesday-ish")
    with pytest.raises(InvalidInputError, match="k must be"):
        memory.search("hello", k=0)


def test_unknown_namespace_holds_nothing(memory: Memory):
    memory.add("Frank paints landscapes.", namespace="known")
    assert memory.search("landscapes", namespace="never-written", k=5) == []
    assert memory.stats("never-written").episodes == 0


def test_closed_memory_refuses_work_and_keeps_data(tmp_path):
    mem = Memory(path=tmp_path / "m", embedder=HashEmbedder())
    ep = mem.add("Gina runs marathons.", namespace="c")
    mem.close()
    mem.close()  # idempotent
    with pytest.raises(StoreClosedError):
        mem.add("more", namespace="c")
    with pytest.raises(StoreClosedError):
        mem.search("marathons", namespace="c")
    with Memory(path=tmp_path / "m", embedder=HashEmbedder()) as again:
        assert again.get(ep.id, namespace="c").content == "Gina runs marathons."


def test_processing_failure_keeps_the_episode_and_rebuild_finishes_it(open_memory):
    class Flaky(HashEmbedder):
        down = True

        def embed(self, texts):
            if self.down:
                raise ConnectionError("embedding service down")
            return super().embed(texts)

    embedder = Flaky()
    with open_memory(embedder=embedder) as mem:
        ep = mem.add("Hank collects vintage Leica cameras.", namespace="r")
        assert ep.status == "failed" and "embedding service down" in ep.error
        assert mem.get(ep.id, namespace="r").status == "failed"
        embedder.down = False
        assert mem.rebuild("r") == 1
        assert mem.get(ep.id, namespace="r").status == "processed"
        assert mem.search("Leica cameras", namespace="r", k=1)[0].episode_ids == [ep.id]


def test_async_memory(open_memory):
    async def run() -> None:
        async with AsyncMemory(memory=open_memory()) as mem:
            await asyncio.gather(
                *(mem.add(f"Ivy met Jon in Kyoto on trip {i}.", namespace="z") for i in range(5))
            )
            hits = await mem.search("Kyoto", namespace="z", k=3)
            assert len(hits) == 3 and all("Kyoto" in h.text for h in hits)
            assert (await mem.stats("z")).episodes == 5

    asyncio.run(run())


def test_a_namespace_keeps_the_embedder_it_was_built_with(tmp_path):
    path = tmp_path / "mem"
    with Memory(path=path, embedder=HashEmbedder(384)) as mem:
        mem.add("Alice moved to Berlin in March.", namespace="a", speaker="Alice")
    with Memory(path=path, embedder=HashEmbedder(128)) as other:
        with pytest.raises(EmbedderMismatchError, match="'hash-384', not 'hash-128'"):
            other.search("Where does Alice live?", namespace="a")
        with pytest.raises(EmbedderMismatchError):
            other.add("Alice moved to Lisbon.", namespace="a", speaker="Alice")
        with pytest.raises(EmbedderMismatchError):
            other.ask("Where does Alice live?", namespace="a")
        other.add("Bob lives in Rome.", namespace="b", speaker="Bob")  # a new namespace is free
        assert other.search("Where does Bob live?", namespace="b")
    with Memory(path=path, embedder=HashEmbedder(384)) as mem:
        assert mem.stats("a").episodes == 1  # the refused add stored nothing
        assert "Berlin" in mem.search("Where does Alice live?", namespace="a")[0].text
        with pytest.raises(EmbedderMismatchError):
            mem.search("Where does Bob live?", namespace="b")


def test_a_store_from_before_embedders_were_recorded_takes_the_first_writer(tmp_path):
    path = tmp_path / "mem"
    with Memory(path=path, embedder=HashEmbedder(384)) as mem:
        mem.add("Alice moved to Berlin in March.", namespace="a", speaker="Alice")
    db = sqlite3.connect(path / DB_FILE)
    db.execute("ALTER TABLE namespaces DROP COLUMN embedder")
    db.commit()
    db.close()
    renamed = HashEmbedder(384)
    renamed.name = "another-model"  # the same vectors under another name: the first writer's
    with Memory(path=path, embedder=renamed) as other:
        assert other.search("Where does Alice live?", namespace="a")
        other.add("Alice moved to Lisbon.", namespace="a", speaker="Alice")
    with Memory(path=path, embedder=HashEmbedder(384)) as mem, pytest.raises(EmbedderMismatchError):
        mem.search("Where does Alice live?", namespace="a")


def test_a_source_id_is_stored_once(memory: Memory):
    first = memory.add("Hal adopted a cat named Miso.", namespace="i", source_id="chat-1")
    again = memory.add("Hal adopted a cat named Miso!", namespace="i", source_id="chat-1")
    assert again.id == first.id and again.content == "Hal adopted a cat named Miso."
    got = memory.ingest(
        [
            {"text": "Hal adopted a cat named Miso.", "source_id": "chat-1"},
            {"text": "Miso sleeps all day.", "source_id": "chat-2"},
            {"text": "Miso sleeps all day.", "source_id": "chat-2"},
            {"text": "No source id: always stored."},
        ],
        namespace="i",
    )
    assert got.episodes[0].id == first.id
    assert got.episodes[1].id == got.episodes[2].id and got.skipped == 2
    assert [e.content for e in got.new] == ["Miso sleeps all day.", "No source id: always stored."]
    assert all(e.status == "processed" for e in got.new)
    assert memory.stats("i").episodes == 3
    ids = [e.id for e in got.episodes]
    assert sorted(e.seq for e in memory.store.get_episodes("i", ids)) == [1, 2, 3]
    other = memory.add("Hal adopted a cat named Miso.", namespace="j", source_id="chat-1")
    assert other.id != first.id  # a source id is one per namespace


def test_two_clients_importing_the_same_messages_store_each_once(open_memory):
    rows = [{"text": f"Iris planted tulip bed {i}.", "source_id": f"line-{i}"} for i in range(40)]
    with open_memory() as first, open_memory() as second:
        with ThreadPoolExecutor(2) as pool:
            results = list(
                pool.map(
                    lambda m: [e.id for e in m.add_messages(rows, namespace="dup")],
                    (first, second),
                )
            )
        assert second.stats("dup").episodes == 40
        assert results[0] == results[1]  # both got the one stored episode per line


def test_a_bug_in_processing_raises_instead_of_failing_the_episode(open_memory):
    class Buggy(HashEmbedder):
        def embed(self, texts):
            raise ZeroDivisionError("a programming error")

    with open_memory(embedder=Buggy()) as mem, pytest.raises(ZeroDivisionError):
        mem.add("Hank collects cameras.", namespace="bug")


def test_memory_leaves_the_callers_config_and_the_environment_alone(tmp_path, monkeypatch):
    from graphmem import Config

    for name in ("HF_HUB_OFFLINE", "TRANSFORMERS_OFFLINE", "TRANSFORMERS_VERBOSITY"):
        monkeypatch.delenv(name, raising=False)
    before = dict(os.environ)
    config = Config(path=tmp_path / "theirs")
    with Memory(path=tmp_path / "mine", config=config) as mem:  # the real default embedder
        mem.add("Lena paints murals in Bilbao.", namespace="cfg")
        assert mem.config.path == tmp_path / "mine"
    assert config.path == tmp_path / "theirs"
    assert dict(os.environ) == before


def test_async_memory_has_the_whole_api_with_the_same_signatures(open_memory):
    import inspect

    for name, method in inspect.getmembers(Memory, inspect.isfunction):
        if name.startswith("_") or name in ("close", "check_messages", "store_messages"):
            continue
        twin = getattr(AsyncMemory, name, None)
        assert twin is not None, f"AsyncMemory lacks {name}"
        assert inspect.signature(twin) == inspect.signature(method), name

    async def run() -> None:
        async with AsyncMemory(memory=open_memory()) as mem:
            ep = await mem.add("Ola fixes bikes in Gdansk.", "am", source_id="o1")
            assert (await mem.get(ep.id, "am")).content == "Ola fixes bikes in Gdansk."
            assert (await mem.ingest([{"text": "x", "source_id": "o1"}], "am")).skipped == 1
            assert await mem.namespaces() == ["am"] and mem.usage.calls() == 0
            assert mem.as_store() is not None and len(mem.as_subgraphs()) == 2
            assert (await mem.forget_namespace("am")).erased["episode"] == [ep.id]

    asyncio.run(run())


def test_adding_a_document_again_stores_nothing_twice(memory: Memory):
    text = "Pia restores old clocks. " * 40 + "Her workshop is in Ghent. " * 40
    first = memory.add_document(text, namespace="docs", chunk_chars=300)
    again = memory.add_document(text, namespace="docs", chunk_chars=300)
    assert len(first) > 3 and [e.id for e in again] == [e.id for e in first]
    assert memory.stats("docs").episodes == len(first)


@pytest.mark.parametrize(
    ("message", "reason"),
    [
        ({"text": "hi", "speaker": "bad \udcff"}, "speaker is not valid Unicode"),
        ({"text": "hi", "source_id": "\ud800"}, "source_id is not valid Unicode"),
        ({"text": "hi", "session": "s\udfff"}, "session is not valid Unicode"),
        ({"text": "hi", "speaker": 7}, "speaker must be a string"),
        ({"text": "hi", "at": float("nan")}, "not a time"),
        ({"text": "hi", "at": float("inf")}, "not a time"),
        ({"text": "hi", "at": 1e20}, "not a time memory can hold"),
        ({"text": "hi", "at": "0001-01-01T00:00:00+05:00"}, "not a time memory can hold"),
        ({"text": "next year, then", "at": "9999-12-31T10:00:00"}, "time out of range"),
        ({"text": "hi", "at": "last tuesday"}, "not an ISO-8601 time"),
    ],
)
def test_bad_message_fields_are_refused_by_position(memory: Memory, message, reason):
    kept = memory.add("Rui bakes bread.", namespace="v")
    with pytest.raises(InvalidInputError) as caught:
        memory.add_messages([{"text": "fine"}, message], namespace="v")
    assert caught.value.position == 1 and reason in caught.value.reason
    assert str(caught.value).startswith("message 1: ")
    assert (
        memory.stats("v").episodes == 1 and memory.get(kept.id, "v").content == "Rui bakes bread."
    )


def test_far_times_in_text_do_not_fail_the_episode(memory: Memory):
    ep = memory.add("In 5000 years ago terms, next year is far.", namespace="v", at="9999-12-01")
    assert ep.status == "processed"
    for namespace in ("abc\n", "tab\there", "\udcffx"):
        with pytest.raises(InvalidInputError, match="namespace"):
            memory.add("hello there", namespace=namespace)


def test_work_of_several_batches_shows_progress_unless_asked_not_to(tmp_path, capsys):
    from graphmem import Config

    config = Config()
    config.constructor.batch_size = 2
    rows = [{"text": f"Sol planted row {i} of beans."} for i in range(5)]
    with Memory(tmp_path / "a", embedder=HashEmbedder(), config=config, progress=True) as mem:
        mem.add_messages(rows, namespace="p")
        err = capsys.readouterr().err
        assert "memory: 100%" in err and "5/5" in err
        mem.add("One message is one batch: no bar.", namespace="p")
        assert capsys.readouterr().err == ""
    with Memory(tmp_path / "b", embedder=HashEmbedder(), config=config, progress=False) as mem:
        mem.add_messages(rows, namespace="p")
        assert capsys.readouterr().err == ""
