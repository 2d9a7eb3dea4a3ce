"""The zero-LLM language layer (graphmem.rules) on spaCy's real parse: what a value measures,
what a deed is done to, and which statements change or deny earlier ones."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from graphmem.models import Involvement, Unit
from graphmem.rules import nlp, read, read_all
from graphmem.rules.changes import denial_of, measure_change, measure_words

DAY = datetime(2024, 3, 1, tzinfo=UTC)


def said(text: str, day: int = 0, speaker: str = "ann") -> Unit:
    return Unit(
        id=f"{speaker}-{day}-{abs(hash(text))}",
        namespace="n",
        text=text,
        recorded_at=DAY + timedelta(days=day),
        valid_from=DAY + timedelta(days=day),
        entities=[Involvement(entity_id=speaker, role="speaker"), Involvement(entity_id="x")],
        episode_ids=["e"],
    )


def only_measure(text: str):
    (measure,) = read(text).measures
    return measure


def test_a_value_measures_the_noun_the_parse_attaches_it_to() -> None:
    limit = only_measure("I'm close to my 300-euro monthly limit for eating out.")
    assert (limit.amount, limit.unit, limit.nouns, limit.period) == (
        "300",
        "euro",
        {"limit"},
        "month",
    )
    raised = only_measure("Any ideas for using the raised limit of 350?")
    assert raised.amount == "350" and raised.nouns == {"limit"} and raised.same_measure(limit)
    latency = only_measure("The checkout page latency, which has dropped to 180ms, is fine now.")
    assert latency.nouns == {"latency"} and (latency.amount, latency.unit) == ("180", "ms")
    quota = only_measure("Please set the new daily quota of 1,500 requests.")
    assert quota.amount == "1500" and {"quota", "request"} <= quota.nouns | {"request"}


def test_labels_versions_years_and_differences_are_no_values() -> None:
    assert read("I'm on sprint 3 with Python 3.12 since 2021.").measures == ()
    assert read("We upgraded to version 4.2.1 of the library.").measures == ()
    (level,) = read("My savings rate went from 10% to 15%.").measures
    assert level.amount == "15" and level.kind == "percent"
    assert read("My score improved by 20% this term.").measures == ()


def test_modifiers_scopes_and_periods_keep_different_measures_apart() -> None:
    api = only_measure("The search API response time is 200ms.")
    page = only_measure("The checkout page load time is 900ms.")
    assert not api.same_measure(page)
    triangles = only_measure("I solved 5 problems on triangles.")
    medians = only_measure("I solved 8 problems on medians.")
    assert not triangles.same_measure(medians)
    daily = only_measure("My daily budget for snacks is 5 dollars.")
    weekly = only_measure("My weekly budget for snacks is 30 dollars.")
    assert not daily.same_measure(weekly)
    rate = only_measure("I'm starting remote work three days a week.")
    assert not rate.same_measure(only_measure("It's been 30 days since the move."))


def test_a_new_value_in_any_mood_changes_the_same_speakers_measure() -> None:
    old = said("I'm close to my 300-euro monthly limit for eating out.")
    for text in (
        "Any ideas for using the raised limit of 350?",
        "Can you rework my plan now that the limit is 350 euros?",
        "I'm worried the limit of 350 won't last the month.",
    ):
        closeness, change = measure_change(said(text, 5), old)
        assert "300 -> 350" in change and closeness >= 1
    assert (
        measure_change(said("Any ideas for using the raised limit of 350?", 5, "bob"), old) is None
    )
    assert measure_words(said("Any ideas for using the raised limit of 350?")) == "limit"


def test_amounts_of_deeds_on_different_days_are_two_occurrences() -> None:
    monday = said("I ran 5 km on the river path.", 0)
    assert measure_change(said("I ran 10 km on the river path.", 1), monday) is None
    library = said("My reading list has 40 novels.", 0)
    change = measure_change(said("I've added 46 novels to my reading list.", 9), library)
    assert change is not None and "40 -> 46" in change[1]


def test_a_denial_of_a_deed_contradicts_its_statement() -> None:
    called = said("I called my landlord Tomas on Friday about the boiler.", 0)
    denial = said("I've never spoken to my landlord Tomas.", 4)
    assert "never spoken to my landlord Tomas" in (denial_of(denial, called) or "")
    sent = said("I sent the grant proposal to the review board on May 2.", 0)
    assert denial_of(said("I haven't sent the grant proposal to the board.", 3), sent)
    assert denial_of(denial, said("I called my landlord Tomas.", 9)) is None  # a first time
    assert denial_of(denial, said("I called my dentist on Friday.", 0)) is None
    assert denial_of(said("I've never spoken to my landlord Tomas.", 4, "bob"), called) is None


def test_intentions_and_questions_state_no_deed() -> None:
    denial = said("I haven't emailed the hiring manager Priya.", 5)
    for text in (
        "I want to email the hiring manager Priya.",
        "I will email the hiring manager Priya tomorrow.",
        "Have I emailed the hiring manager Priya?",
    ):
        assert denial_of(denial, said(text, 0)) is None, text
    assert denial_of(denial, said("I emailed the hiring manager Priya on Monday.", 0))


def test_only_texts_with_a_number_or_a_negation_are_parsed_unasked() -> None:
    plain, counted = read_all(["The garden looks lovely.", "The garden has 12 roses."])
    assert plain.measures == plain.deeds == () and counted.measures
    assert read("I watered the garden.", every=True).deeds


def test_a_pipeline_other_than_the_measured_one_is_refused(monkeypatch) -> None:
    nlp.pipeline.cache_clear()
    monkeypatch.setattr(nlp, "DIGEST", "0" * 64)
    try:
        with pytest.raises(nlp.ParserError, match="not the pipeline"):
            nlp.pipeline()
    finally:
        nlp.pipeline.cache_clear()
