from datetime import UTC, datetime

import pytest

from graphmem.config import RulesConfig
from graphmem.decisions import ZeroLLM
from graphmem.heuristics.slots import Slot, find_slot
from graphmem.models import Episode
from graphmem.text import canonical, check_text, reads_as_code, sentences

NOW = datetime(2023, 5, 8, tzinfo=UTC)


def ep(text: str, speaker: str | None = None, **fields) -> Episode:
    return Episode(
        namespace="n", content=text, speaker=speaker, occurred_at=NOW, recorded_at=NOW, **fields
    )


def test_one_unit_per_informative_clause_with_speaker_names_dates_and_concepts():
    e = ep("Hey Sam! I went to a Riverside garden meeting yesterday; it was powerful.", "Priya")
    drafts = ZeroLLM().extract([e], {}).units
    assert [d.text for d in drafts] == [
        "Priya: I went to a Riverside garden meeting yesterday",
        "Priya: it was powerful.",
    ]
    first = drafts[0]
    kinds = {m.name: (m.type, m.role) for m in first.mentions}
    assert kinds["Priya"] == ("person", "subject")
    assert kinds["2023-05-07"] == ("date", "time")
    assert kinds["Riverside"][0] == "name"
    assert {"garden", "meet"} <= set(kinds)  # concepts by their dictionary form
    assert first.valid_from == datetime(2023, 5, 7, tzinfo=UTC)
    assert first.kind == "event" and first.subject == "Priya"
    assert first.episode_ids == [e.id]


def test_greetings_and_fillers_make_no_unit():
    assert (
        ZeroLLM().extract([ep("Hey Priya! Good to see you! Wow, thanks!", "Sam")], {}).units == []
    )


def test_documents_without_speaker_link_names_and_numbers():
    (d,) = ZeroLLM().extract([ep("Acme Corp hired 250 engineers in Berlin.")], {}).units
    names = {m.name: m.type for m in d.mentions}
    assert names["Acme Corp"] == "name" and names["Berlin"] == "name" and names["250"] == "number"
    assert d.subject == "Acme Corp"


def test_kinds_follow_the_wording():
    drafts = (
        ZeroLLM().extract([ep("I love hiking in Norway. I will visit Oslo soon.", "Al")], {}).units
    )
    assert [d.kind for d in drafts] == ["preference", "plan"]


def test_a_statement_naming_a_later_day_is_a_plan():
    text = "I have a Zoom call with Leslie on May 21 at 3 PM. I met Leslie in Oslo on May 2."
    drafts = ZeroLLM().extract([ep(text, "Al")], {}).units
    assert [d.kind for d in drafts] == ["plan", "event"]


def test_employment_slots_need_an_employer_name():
    assert find_slot("I work at Acme.", "Ann") == Slot("Ann", "works_at", "Acme")
    assert find_slot("I joined Google in May", "Ann") == Slot("Ann", "works_at", "Google")
    assert find_slot("I started working at the Louvre Museum", "Ann").object == "Louvre Museum"
    for text in (
        "I'm working hard on my business",
        "I joined a gym last week",
        "Hard work pays off",
    ):
        assert find_slot(text, "Ann") is None


def test_slots_are_read_in_any_tense_with_the_speaker_as_subject():
    """Verb frames match a verb's dictionary form after any auxiliaries; before, "I've moved"
    and "I have been working" gave the subjects "I've" and "have been"."""
    for text in (
        "I've moved to Berlin",
        "I have moved to Berlin",
        "We have been living in Berlin",
        "I'm now living in Berlin",
        "I've lived in Berlin since 2020",
    ):
        assert find_slot(text, "Ann") == Slot("Ann", "lives_in", "Berlin"), text
    assert find_slot("I took a new job at Stripe", "Ann") == Slot("Ann", "works_at", "Stripe")
    assert find_slot("I've been working for Acme", "Ann") == Slot("Ann", "works_at", "Acme")
    assert find_slot("I got married to Tom", "Ann") == Slot("Ann", "married_to", "Tom")
    assert find_slot("Tom Smith works at Google", "Ann").subject == "Tom Smith"
    for text in ("I lived in Rome for years", "I had lived in Rome", "She lives in Rome"):
        assert find_slot(text, "Ann") is None, text  # a past that ended; no name for "she"


def test_text_helpers():
    assert canonical("  The Eiffel   Tower’s ") == "eiffel tower"
    assert canonical("Dr. Who!") == "dr. who"
    assert sentences("One. Two!  Three?\nFour; five") == ["One.", "Two!", "Three?", "Four", "five"]
    assert check_text("ok") == "ok"


def test_every_unit_of_a_document_chunk_involves_its_topic():
    doc = ep(
        "Mira Quell\nMira Quell was born in Tallinn. She studied chemistry at Oxford.",
        source="document",
    )
    drafts = ZeroLLM().extract([doc], {}).units
    assert len(drafts) == 2
    assert all("Mira Quell" in {m.name for m in d.mentions} for d in drafts)
    assert {m.name: m.role for m in drafts[1].mentions}["Mira Quell"] == "topic"
    # a message is about its speaker, not about the first name it mentions
    said = ZeroLLM().extract([ep("Lisbon is lovely. The trams are old and busy.", "Ana")], {}).units
    trams = next(d for d in said if "trams" in d.text)
    assert "Lisbon" not in {m.name for m in trams.mentions}


def test_sentence_openers_are_not_part_of_names():
    from graphmem.decisions.zero import find_mentions

    assert "gallu" in find_mentions("If Gallu is a demon, what is Lilu?", [])
    assert "christopher nolan" in find_mentions("Are Christopher Nolan and Ana friends?", [])
    assert "will smith" in find_mentions("I met Will Smith.", [])  # mid-sentence: kept whole


@pytest.mark.parametrize(
    ("clause", "code"),
    [
        ("app = Flask(__name__)", True),
        ('default_limits=["100 per minute"]', True),
        ('print("Average latency:", sum(latency) / len(latency))', True),
        ("I set the rate limit to 100 requests/minute for the Flask API.", False),
        ("I'm using Redis (v7.0.5) and Express 4.18.2 for my API.", False),
        ("Ça coûte 3,50 € — très cher!", False),
    ],
)
def test_a_clause_reads_as_code_when_most_of_its_tokens_are_not_words(clause, code):
    assert reads_as_code(clause) is code


def test_lines_of_code_make_no_units_unless_switched_on():
    text = (
        "Priya: my Flask service sets the API rate limit to 100 requests a minute.\n"
        'limiter = Limiter(app, default_limits=["100 per minute"])\n'
        "app.run(host='0.0.0.0', port=5000)"
    )
    prose = [d.text for d in ZeroLLM().extract([ep(text, "Priya")], {}).units]
    assert len(prose) == 1 and "rate limit" in prose[0]
    every = ZeroLLM(RulesConfig(prose_only=False)).extract([ep(text, "Priya")], {}).units
    assert len(every) > 1
