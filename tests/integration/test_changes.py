"""What is true now, through Memory on both stores with the real parser: a new value said in
passing supersedes the old one, a denial is linked to the deed it denies, and search shows the
newer value first and both sides of a conflict together."""

from __future__ import annotations

import pytest

from graphmem import Memory
from graphmem.config import Config

SAID = {"namespace": "u", "speaker": "Ann"}


@pytest.fixture
def memory(open_memory):
    """Memory on each store with updates and denials read from the parse."""
    config = Config()
    config.rules.parse = True
    with open_memory(config=config) as mem:
        yield mem


def test_a_new_value_in_a_question_supersedes_and_ranks_first(memory: Memory) -> None:
    memory.add(
        "I'm close to my 300-euro monthly limit for eating out, so I skip the lunch deals.",
        at="2024-01-10",
        **SAID,
    )
    memory.add("I cooked a big pot of lentil soup for the week.", at="2024-01-20", **SAID)
    memory.add("Any ideas for using the raised limit of 350?", at="2024-02-01", **SAID)
    old, new = sorted(memory.history("limit", namespace="u"), key=lambda u: u.recorded_at)
    assert old.status == "superseded" and "300 -> 350" in (old.reason or "")
    assert new.status == "active"
    hits = memory.search("What is my monthly limit for eating out?", namespace="u", k=5)
    texts = [h.text for h in hits]
    assert any("350" in t for t in texts)
    assert not any(
        "300-euro" in t for t in texts[: texts.index(next(t for t in texts if "350" in t))]
    )


def test_two_runs_on_two_days_stay_two_events(memory: Memory) -> None:
    memory.add("I ran 5 km along the canal.", at="2024-03-04", **SAID)
    memory.add("I ran 10 km along the canal.", at="2024-03-05", **SAID)
    assert {u.status for u in memory.history("canal", namespace="u")} == {"active"}


def test_a_denial_is_linked_to_the_deed_and_comes_with_it(memory: Memory) -> None:
    memory.add("I called my landlord Tomas on Friday about the boiler.", at="2024-03-01", **SAID)
    for day, text in enumerate(
        (
            "The boiler makes a clicking noise at night.",
            "A plumber said the boiler pressure gauge reads low.",
            "The boiler manual suggests bleeding the radiators.",
        ),
        start=2,
    ):
        memory.add(text, at=f"2024-03-0{day}", **SAID)
    memory.add("I've never spoken to my landlord Tomas.", at="2024-03-06", **SAID)
    units = {u.text: u for u in memory.history("Tomas", namespace="u")}
    called = units["Ann: I called my landlord Tomas on Friday about the boiler."]
    denial = units["Ann: I've never spoken to my landlord Tomas."]
    assert called.status == denial.status == "conflicted"
    assert called.id in (denial.reason or "") and denial.id in (called.reason or "")
    hits = memory.search("What about the boiler on Friday?", namespace="u", k=4)
    ids = [h.id for h in hits]
    assert {called.id, denial.id} <= set(ids)
    first = min(ids.index(called.id), ids.index(denial.id))
    assert {ids[first], ids[first + 1]} == {called.id, denial.id}  # the other side right below
    assert all(h.status == "conflicted" for h in hits if h.id in (called.id, denial.id))
