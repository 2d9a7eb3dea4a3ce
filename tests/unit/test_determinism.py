"""Zero-LLM memory is a function of what was said: ids are random, the Judge's choices are not."""

from __future__ import annotations

from datetime import UTC, datetime

from graphmem.agents.judge import HAND, PARSED, _Neighbours, _same_measure
from graphmem.models import Involvement, Unit
from graphmem.store.base import UnitSketch

ENTITIES = frozenset({"slide", "problem"})


def new_unit() -> Unit:
    return Unit(
        namespace="n",
        text="assistant: #### Slide 2: Problem",
        kind="fact",
        recorded_at=datetime(2024, 4, 10, tzinfo=UTC),
        entities=[Involvement(entity_id=e) for e in sorted(ENTITIES)],
        episode_ids=["e"],
    )


def test_neighbours_tied_on_overlap_come_in_the_same_order_whatever_their_ids() -> None:
    texts = ["assistant: ### Slide 2: Problem", "assistant: **Slide 2: Problem**"]
    orders = set()
    for ids in (["a", "b"], ["b", "a"], ["z9", "0a"]):
        neighbours = _Neighbours(
            [UnitSketch(i, t, ENTITIES) for i, t in zip(ids, texts, strict=True)]
        )
        by_id = dict(zip(ids, texts, strict=True))
        orders.add(tuple(by_id[i] for i in neighbours.related(new_unit())))
    assert len(orders) == 1 and len(next(iter(orders))) == 2


def test_equally_close_measures_come_last_said_first_then_in_the_order_search_gave() -> None:
    def said(unit_id: str, text: str) -> Unit:
        return Unit(
            id=unit_id,
            namespace="n",
            text=text,
            kind="fact",
            subject="user",
            recorded_at=datetime(2024, 4, 10, tzinfo=UTC),
            entities=[Involvement(entity_id=e) for e in sorted(ENTITIES)],
            episode_ids=["e"],
        )

    new = said("new", "I've added 52 sources to my Zotero library")
    older = [said(i, "My Zotero library has 45 sources") for i in ("z", "a", "m")]
    at_once = {u.id: (datetime(2024, 4, 1, tzinfo=UTC), 0) for u in older}
    for reader in (PARSED, HAND):
        assert _same_measure(new, older, at_once, reader.change) == ["z", "a", "m"]
        assert _same_measure(new, older[::-1], at_once, reader.change) == ["m", "a", "z"]
        in_turn = {u.id: (datetime(2024, 4, 1, tzinfo=UTC), seq) for seq, u in enumerate(older)}
        assert _same_measure(new, older, in_turn, reader.change) == ["m", "a", "z"]
