from datetime import UTC, datetime, timedelta

from graphmem.decisions.base import Comparison
from graphmem.decisions.rules import compare
from graphmem.heuristics.denials import contradiction, denial, denied_words
from graphmem.models import Involvement, Unit

APRIL_10 = datetime(2024, 4, 10, tzinfo=UTC)
LATER = APRIL_10 + timedelta(days=20)


def unit(text: str, at: datetime = APRIL_10, subject: str = "Ann") -> Unit:
    return Unit(
        namespace="n",
        text=f"{subject}: {text}",
        kind="fact",
        subject=subject,
        valid_from=at,
        recorded_at=at,
        entities=[Involvement(entity_id="a"), Involvement(entity_id="b")],
        episode_ids=["e"],
    )


NEVER_SUBMITTED = "I've never submitted my cover letter to Greg for review, should I ask him?"


def test_a_denial_is_the_verb_and_words_after_never_up_to_the_clause_end():
    found = denial(NEVER_SUBMITTED)
    assert found is not None and found.verb == "submit"
    assert found.words == {"cover", "letter", "greg", "review"}
    assert denial("I have actually never attended any workshops on resume standards").words == {
        "workshop",
        "resum",
        "standard",
    }
    assert denied_words(unit(NEVER_SUBMITTED, LATER)) == "submit cover greg letter review"


def test_verb_forms_meet():
    assert denial("I've never actually enrolled in any ATS courses").verb == "enrol"
    never_felt = unit("I've never felt anxious about grammar accuracy after feedback.", LATER)
    feeling = unit("I'm feeling kinda anxious about my grammar accuracy after Joseph's feedback")
    reason = contradiction(never_felt, feeling)
    assert reason == "never felt anxious about grammar accuracy after feedback"
    never_tried = unit("I have never tried sushi at a restaurant.", LATER)
    assert contradiction(never_tried, unit("I'm trying sushi at a restaurant today."))


def test_what_is_no_denial():
    assert denial("I submitted my cover letter to Greg") is None
    assert denial("Greg has never read it") is None  # not the speaker's own deed
    assert denial("I never said that") is None  # nothing said about what
    assert denial("I've never been to Japan with my family") is None  # no verb of a deed
    assert denied_words(unit("I'm kinda anxious about the review")) == ""


def test_a_denial_contradicts_the_same_speakers_earlier_statement_of_the_deed():
    done = unit("I've submitted my cover letter to Greg for review on April 10.")
    denied = unit(NEVER_SUBMITTED, LATER)
    assert contradiction(denied, done) == "never submitted my cover letter to Greg for review"
    verdict = compare(Comparison(new=denied, existing=[done]))
    assert verdict.relation == "contradiction" and verdict.existing_id == done.id
    assert contradiction(done, denied) is None  # only the denial contradicts
    other_speaker = unit("I've submitted my cover letter to Greg for review.", subject="Bob")
    assert contradiction(denied, other_speaker) is None


def test_an_intention_a_negation_or_other_things_are_no_deed():
    denied = unit(NEVER_SUBMITTED, LATER)
    for text in (
        "I want to submit my cover letter to Greg for review.",
        "I'll submit my cover letter to Greg for review.",
        "I didn't submit my cover letter to Greg for review.",
        "Can you help me submit my cover letter to Greg for review?",
        "I've submitted my thesis to the committee.",  # the same deed about other things
        "Greg submitted my cover letter for review.",  # someone else's deed
    ):
        assert contradiction(denied, unit(text)) is None, text


def test_a_deed_done_after_it_was_denied_is_a_first_time():
    tried = unit("I just tried sushi at a restaurant downtown.", LATER)
    assert contradiction(unit("I've never tried sushi at a restaurant."), tried) is None
    denied_after = unit("I've never tried sushi at a restaurant.", LATER + timedelta(days=1))
    assert contradiction(denied_after, tried) == "never tried sushi at a restaurant"
