"""graphmem inside LangGraph: the graphs as subgraph nodes and the BaseStore adapter, through
LangGraph's own store usage (``compile(store=...)``, ``get_store()`` in a node)."""

from __future__ import annotations

from pathlib import Path

import pytest
from langgraph.config import get_store
from langgraph.graph import END, START, StateGraph
from langgraph.store.base import BaseStore
from typing_extensions import TypedDict

from graphmem import InvalidInputError, Memory
from tests.conftest import load_file


def load_example():
    return load_file("examples/langgraph_subgraph.py", "example")


def test_example_agent_uses_both_graphs_and_the_store(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.setenv("GRAPHMEM_EMBEDDER", "hash")
    reply = load_example().main(str(tmp_path / "m"))
    assert "Miso" in reply and "sources: none" not in reply
    with Memory(tmp_path / "m") as mem:
        assert mem.stats("alice").episodes == 2 and mem.stats("alice").units >= 1
        note = mem.as_store().get(("agent", "notes"), "last-question")
        assert note is not None and note.value == {
            "text": "Asked: What is the name of Alice's cat?"
        }


def test_write_graph_reports_its_outcome(memory: Memory) -> None:
    write, _ = memory.as_subgraphs()
    out = write.invoke(
        {"namespace": "n", "messages": [{"text": "Bob works at Initech in Austin."}]}
    )
    assert out.get("error") is None and out["unit_ids"]
    assert [ep.status for ep in out["episodes"]] == ["processed"]
    assert memory.store.get_units("n", out["unit_ids"])[0].text.startswith("Bob works")


def test_base_store_operations(memory: Memory) -> None:
    store = memory.as_store()
    assert isinstance(store, BaseStore)
    store.put(("users", "alice"), "food", {"text": "Alice loves spicy ramen."})
    store.put(("users", "alice"), "pet", {"kind": "cat", "name": "Miso", "age": 3})
    store.put(("users", "bob"), "food", {"text": "Bob is vegetarian."})

    assert store.get(("users", "alice"), "pet").value == {"kind": "cat", "name": "Miso", "age": 3}
    assert store.get(("users", "alice"), "missing") is None
    hits = store.search(("users", "alice"), query="what does Alice love to eat?")
    assert hits[0].key == "food" and hits[0].score is not None and hits[0].score > 0
    assert {h.namespace for h in hits} == {("users", "alice")}  # never bob's memory
    assert [h.key for h in store.search(("users",), filter={"kind": "cat"})] == ["pet"]
    assert [h.key for h in store.search(("users", "alice"), filter={"age": {"$gt": 2}})] == ["pet"]

    store.put(("users", "alice"), "food", {"text": "Alice now prefers sushi."})
    item = store.get(("users", "alice"), "food")
    assert item.value == {"text": "Alice now prefers sushi."} and item.updated_at >= item.created_at
    assert all("ramen" not in h.text for h in memory.search("ramen", namespace="users.alice"))

    store.delete(("users", "alice"), "pet")
    assert store.get(("users", "alice"), "pet") is None
    assert store.list_namespaces(prefix=("users",)) == [("users", "alice"), ("users", "bob")]
    assert store.list_namespaces(max_depth=1) == [("users",)]


def test_store_is_reachable_from_a_node(memory: Memory) -> None:
    class State(TypedDict):
        user: str
        recalled: str

    def recall(state: State) -> dict:
        store = get_store()
        store.put(("prefs", state["user"]), "tz", {"text": "Timezone is Europe/Lisbon."})
        hits = store.search(("prefs", state["user"]), query="which timezone?", limit=1)
        return {"recalled": hits[0].value["text"]}

    builder = StateGraph(State)
    builder.add_node("recall", recall)
    builder.add_edge(START, "recall")
    builder.add_edge("recall", END)
    graph = builder.compile(store=memory.as_store())
    assert graph.invoke({"user": "ana", "recalled": ""})["recalled"] == "Timezone is Europe/Lisbon."


def test_store_rejects_bad_input_without_losing_data(memory: Memory) -> None:
    store = memory.as_store()
    store.put(("a",), "k", {"text": "kept"})
    with pytest.raises(Exception, match="empty"):
        store.put(("a",), "k", {"text": "   "})
    assert store.get(("a",), "k").value == {"text": "kept"}


def test_store_filters_reach_into_nested_values(memory: Memory) -> None:
    store = memory.as_store()
    store.put(("docs",), "a", {"user": {"access-level": "admin", "age": 40}, "tag": "x"})
    store.put(("docs",), "b", {"user": {"access-level": "guest", "age": 20}, "tag": "x"})
    store.put(("docs",), "c", {"user.access-level": "admin", "tag": "y"})  # a dotted key
    keys = lambda f: sorted(i.key for i in store.search(("docs",), filter=f))  # noqa: E731
    assert keys({"user.access-level": "admin"}) == ["a", "c"]
    assert keys({"user": {"access-level": "guest"}}) == ["b"]
    assert keys({"user.age": {"$gte": 30}}) == ["a"]
    assert keys({"user": {"age": {"$lt": 30}}, "tag": "x"}) == ["b"]
    assert keys({"user.missing": "admin"}) == []


def test_concurrent_puts_and_deletes_of_one_key_leave_one_value(memory: Memory) -> None:
    from concurrent.futures import ThreadPoolExecutor

    store = memory.as_store()

    def churn(worker: int) -> None:
        for i in range(12):
            if i % 5 == 4:
                store.delete(("c",), "k")
            else:
                store.put(("c",), "k", {"text": f"value {worker}-{i}"})

    with ThreadPoolExecutor(4) as pool:
        list(pool.map(churn, range(4)))  # re-raises any worker's error
    store.put(("c",), "k", {"text": "last word"})
    assert store.get(("c",), "k").value == {"text": "last word"}
    assert len(memory.store.episodes_by_source("c", ["k"])) == 1


def test_a_value_put_with_index_false_is_kept_but_never_matched_by_a_query(memory: Memory) -> None:
    store = memory.as_store()
    store.put(("n",), "secret", {"text": "The gate code is 4471 for the orchard."}, index=False)
    store.put(("n",), "open", {"text": "The orchard opens at dawn."})
    assert store.get(("n",), "secret").value == {"text": "The gate code is 4471 for the orchard."}
    found = store.search(("n",), query="orchard gate code")
    assert [h.key for h in found] == ["open"]
    assert sorted(h.key for h in store.search(("n",))) == ["open", "secret"]  # listed, unranked
    assert memory.stats("n").units == 1 and memory.stats("n").pending == 0  # nothing derived
    store.put(("n",), "secret", {"text": "The gate code is now 9902."}, index=False)
    assert store.get(("n",), "secret").value == {"text": "The gate code is now 9902."}


def test_values_put_with_a_ttl_expire_refresh_on_read_and_are_swept(memory: Memory) -> None:
    from datetime import UTC, datetime, timedelta

    store = memory.as_store(ttl={"refresh_on_read": True})
    assert store.supports_ttl
    store.put(("t",), "brief", {"text": "The hangar door sticks in winter."}, ttl=10)
    store.put(("t",), "forever", {"text": "The hangar is painted blue."})
    (ep,) = memory.store.episodes_by_source("t", ["brief"])
    assert timedelta(minutes=9) < ep.expires_at - datetime.now(UTC) <= timedelta(minutes=10)

    memory.store.set_expiry("t", [ep.id], datetime.now(UTC) + timedelta(seconds=30))
    assert store.get(("t",), "brief") is not None  # a read restarts its ten minutes
    (ep,) = memory.store.episodes_by_source("t", ["brief"])
    assert ep.expires_at - datetime.now(UTC) > timedelta(minutes=9)
    memory.store.set_expiry("t", [ep.id], datetime.now(UTC) + timedelta(seconds=30))
    assert store.get(("t",), "brief", refresh_ttl=False) is not None
    (ep,) = memory.store.episodes_by_source("t", ["brief"])
    assert ep.expires_at - datetime.now(UTC) < timedelta(minutes=1)

    memory.store.set_expiry("t", [ep.id], datetime.now(UTC) - timedelta(seconds=1))
    assert store.get(("t",), "brief") is None  # over, even before a sweep
    assert [h.key for h in store.search(("t",), query="hangar door winter")] == ["forever"]
    assert store.sweep_ttl() == 1
    assert memory.store.episodes_by_source("t", ["brief"]) == []
    assert "sticks" not in str([h.text for h in memory.search("hangar door sticks", "t")])
    assert store.get(("t",), "forever").value == {"text": "The hangar is painted blue."}
    assert store.sweep_ttl() == 0


def test_the_ttl_sweeper_runs_in_the_background(memory: Memory) -> None:
    import time
    from datetime import UTC, datetime, timedelta

    store = memory.as_store()
    store.put(("s",), "k", {"text": "Short-lived note about the kiln."}, ttl=1)
    (ep,) = memory.store.episodes_by_source("s", ["k"])
    memory.store.set_expiry("s", [ep.id], datetime.now(UTC) - timedelta(seconds=1))
    store.start_ttl_sweeper(sweep_interval_minutes=0.01)
    try:
        deadline = time.monotonic() + 30
        while memory.store.episodes_by_source("s", ["k"]) and time.monotonic() < deadline:
            time.sleep(0.1)
    finally:
        assert store.stop_ttl_sweeper(timeout=10)
    assert memory.store.episodes_by_source("s", ["k"]) == []


def test_the_ttl_sweeper_ends_quietly_when_its_memory_closes(memory: Memory, monkeypatch) -> None:
    import threading

    raised: list[BaseException | None] = []
    monkeypatch.setattr(threading, "excepthook", lambda args: raised.append(args.exc_value))
    store = memory.as_store()
    sweeper = store.start_ttl_sweeper(sweep_interval_minutes=0.001)
    memory.close()
    sweeper.join(timeout=10)
    assert not sweeper.is_alive() and raised == []


def test_list_namespaces_names_only_namespaces_holding_store_values(memory: Memory) -> None:
    store = memory.as_store()
    store.put(("users", "ann"), "k", {"text": "Ann likes figs."})
    memory.add("Written through Memory, not the store.", namespace="users.zed")
    assert store.list_namespaces(prefix=("users",)) == [("users", "ann")]
    assert [i.key for i in store.search(("users",))] == ["k"]


def test_store_batches_paginate_and_match_namespaces_as_langgraph_does(memory: Memory) -> None:
    from langgraph.store.base import GetOp, ListNamespacesOp, MatchCondition, PutOp, SearchOp

    store = memory.as_store()
    for ns in (("t", "docs", "public"), ("t", "docs", "private"), ("t", "img", "public")):
        store.put(ns, "k", {"kind": ns[1], "who": ns[2]})
    results = store.batch(
        [
            GetOp(("t", "docs", "public"), "k"),
            PutOp(("t", "extra"), "k2", {"kind": "extra"}),
            SearchOp(("t",), filter={"who": "public"}, limit=10, offset=0),
            ListNamespacesOp(match_conditions=(MatchCondition("suffix", ("public",)),)),
            GetOp(("t",), "missing"),
        ]
    )
    assert results[0].value == {"kind": "docs", "who": "public"} and results[1] is None
    assert sorted(i.namespace for i in results[2]) == [
        ("t", "docs", "public"),
        ("t", "img", "public"),
    ]
    assert results[3] == [("t", "docs", "public"), ("t", "img", "public")] and results[4] is None
    assert store.get(("t", "extra"), "k2").value == {"kind": "extra"}  # the put in the batch
    everything = store.search(("t",), limit=10)
    assert len(everything) == 4 and len(store.search(("t",), limit=2)) == 2
    assert len(store.search(("t",), offset=3)) == 1
    assert store.list_namespaces(max_depth=2) == [("t", "docs"), ("t", "extra"), ("t", "img")]
    assert len(store.list_namespaces(limit=2)) == 2


def test_store_search_takes_graphmem_filters_under_memory_key(memory: Memory) -> None:
    store = memory.as_store()
    store.put(("m",), "a", {"text": "The boat needs new sails.", "tag": "x"})
    store.put(("m",), "b", {"text": "The boat is moored in Vigo.", "tag": "x"})
    only_a = {"$memory": {"source_ids": ["a"]}, "tag": "x"}
    assert [i.key for i in store.search(("m",), filter=only_a)] == ["a"]
    assert [i.key for i in store.search(("m",), query="boat", filter=only_a)] == ["a"]
    assert store.search(("m",), filter={"$memory": {"said_before": "2000-01-01"}}) == []
    with pytest.raises(InvalidInputError, match="bad search filter"):
        store.search(("m",), filter={"$memory": {"speaker": "x"}})


def test_a_query_ranks_every_item_the_filters_admit(memory: Memory) -> None:
    """LangGraph's stores rank all items under a query: one the query does not match comes
    last, is never dropped, and pages do not overlap."""
    store = memory.as_store()
    values = {
        "apple": {"text": "red apple", "color": "red", "score": 4.5},
        "car": {"text": "red car", "color": "red", "score": 3.0},
        "green": {"text": "green apple", "color": "green", "score": 4.0},
        "blue": {"text": "blue car", "color": "blue", "score": 3.5},
    }
    for key, value in values.items():
        store.put(("f",), key, value)
    red = store.search(("f",), query="apple", filter={"color": "red"})
    assert [i.key for i in red] == ["apple", "car"] and red[0].score >= red[1].score
    high = store.search(("f",), query="zzqx", filter={"score": {"$gt": 3.2}})
    assert sorted(i.key for i in high) == ["apple", "blue", "green"]
    pages = [store.search(("f",), query="car", limit=2, offset=o) for o in (0, 2)]
    keys = [i.key for page in pages for i in page]
    assert sorted(keys) == sorted(values) and keys[0] in ("car", "blue")
    for query in ("", None, "car " * 100, "car!@#$%^&*()"):
        assert len(store.search(("f",), query=query)) == 4


def test_filters_compare_json_values_as_json(memory: Memory) -> None:
    store = memory.as_store()
    store.put(("flags",), "on", {"active": True, "price": 10})
    store.put(("flags",), "off", {"active": False, "price": -10})
    store.put(("flags",), "one", {"active": 1, "price": "10"})
    keys = lambda f: sorted(i.key for i in store.search(("flags",), filter=f))  # noqa: E731
    assert keys({"active": True}) == ["on"]  # JSON true is not the number 1
    assert keys({"active": False}) == ["off"]
    assert keys({"active": {"$ne": True}}) == ["off", "one"]
    assert keys({"price": {"$lt": float("inf")}}) == ["off", "on"]  # text never compares
    assert keys({"price": {"$eq": float("nan")}}) == []
    assert keys({"price": {"$gt": -(10**100)}}) == ["off", "on"]
    assert keys({"price": "10"}) == ["one"]


def test_namespace_labels_match_whole_literal_case_sensitive_segments(memory: Memory) -> None:
    store = memory.as_store()
    labels = [("user_1",), ("user_1", "kid"), ("userX1",), ("a%b",), ("axxb",), ("st*",)]
    labels += [("stX",), ("Foo",), ("foo",), ("foobar",), ("u", "x", "alice"), ("u", "malice")]
    for ns in labels:
        store.put(ns, "k", {"v": 1})
    found = lambda p: {i.namespace for i in store.search(p, limit=100)}  # noqa: E731
    assert found(("user_1",)) == {("user_1",), ("user_1", "kid")}
    assert found(("a%b",)) == {("a%b",)} and found(("st*",)) == {("st*",)}
    assert found(("foo",)) == {("foo",)} and found(("fo",)) == set()
    assert found(()) == set(labels)
    assert set(store.list_namespaces(suffix=["alice"])) == {("u", "x", "alice")}
    assert store.list_namespaces(prefix=["u", "*", "alice"]) == [("u", "x", "alice")]
    with pytest.raises(InvalidInputError, match="namespace"):
        store.put(("users", "alice\n"), "k", {"v": 2})  # a control character is refused
