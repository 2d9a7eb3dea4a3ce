from datetime import UTC, datetime

from graphmem.heuristics.values import new_value_words, stated_values, value_change
from graphmem.models import Involvement, Unit

APRIL_10 = datetime(2024, 4, 10, tzinfo=UTC)


def unit(text: str, kind: str = "fact", subject: str | None = "user", at=APRIL_10) -> Unit:
    return Unit(
        namespace="n",
        text=text,
        kind=kind,
        subject=subject,
        valid_from=at,
        recorded_at=at,
        entities=[Involvement(entity_id="a"), Involvement(entity_id="b")],
        episode_ids=["e"],
    )


def values(text: str) -> list[tuple[str, str]]:
    return [(v.kind, v.amount) for v in stated_values(text)]


def test_stated_values_are_amounts_dates_and_clock_times():
    assert values("my Zotero library has 45 sources") == [("count", "45")]
    assert values("It costs $1,200 and reached 40%") == [("money", "$1200"), ("percent", "40")]
    assert values("a call on April 21 at 3:30 PM") == [("date", "04-21"), ("time", "15:30")]
    (sources,) = stated_values("now that my Zotero library has 45 sources, tagged by theme")
    assert sources.heads == {"sourc"} and {"zotero", "librari"} <= sources.context


def test_years_versions_labels_lists_differences_and_spans_are_not_measures():
    assert values("In 2023 I moved to Python 3.11 and Bootstrap 5.3.0") == []
    assert values("Day 5: finish task 2") == []
    assert values("a triangle with sides 7 cm, 24 cm, and 25 cm") == []
    assert values("my accuracy improved by 20%, from 60% over 2 weeks") == []
    assert values("the launch moved from November 15 to") == []


def test_a_value_from_a_former_one_changes_only_a_statement_of_that_one():
    (raised,) = stated_values("I've increased my weekly word count from 1,200 to 1,500 words")
    assert (raised.amount, raised.former) == ("1500", "1200")
    said = "I've increased my weekly word count target from 1,200 to 1,500 words."
    first = unit("My weekly word count target is 1,200 words.")
    adjusted = unit("My weekly word count target was adjusted to 1,350 words.")
    assert value_change(unit(said), first)[1] == "1200 -> 1500"
    assert value_change(unit(said), adjusted) is None  # it recounts another change
    recap = unit(
        "My area accuracy has improved: I've completed 12 problems and gone from 70% to 90%."
    )
    later = unit("I've now completed 15 area problems with 95% accuracy.")
    assert value_change(recap, later) is None  # nothing it says changes the 15 problems
    before = unit("I've completed 8 area problems and my accuracy is 70%.")
    assert value_change(recap, before)[1] in {"70 -> 90", "8 -> 12"}


def test_a_measure_is_named_by_its_first_word_and_the_period_of_a_rate():
    (target,) = stated_values("targeting 1,200 words per week")
    assert target.named == {"word", "week"}
    (solved,) = stated_values("I've completed 10 classification problems")
    assert solved.named == {"classif"}
    old = unit("I've completed 10 classification problems on my triangle worksheet.")
    other = unit("I've now completed 12 area problems on my triangle worksheet.")
    assert value_change(other, old) is None  # not the same problems


def test_update_cues_mark_new_values():
    assert not stated_values("I have 45 sources")[0].cued
    assert stated_values("the number of mentees has increased to 7")[0].cued
    assert "mente" in new_value_words(unit("user: the number of my mentees has increased to 7"))
    assert "user" not in new_value_words(unit("user: 7 mentees now"))
    assert new_value_words(unit("I have 45 sources")) == ""


def test_a_new_value_of_the_same_measure_is_a_change():
    old = unit("I'm struggling to organize my sources, now that my Zotero library has 45 sources.")
    new = unit("I've added 52 sources to my Zotero library, how can I organize them?")
    closeness, change = value_change(new, old)
    assert change == "45 -> 52" and closeness >= 2
    uncued = unit("I have 60 sources in my Zotero library to organize.")
    assert value_change(uncued, new) is None  # no word says 60 is a new value


def test_changes_need_the_same_measure_speaker_and_words():
    old = unit("I've already spent 3 hours studying probability this week.")
    assert value_change(unit("I've now solved 4 probability problems this week."), old) is None
    other = unit("You've now spent 4 hours studying probability this week.", subject="assistant")
    assert value_change(other, old) is None
    assert value_change(unit("I've now spent 4 hours studying probability."), old) is not None
    assert value_change(unit("I now spent 4 hours on chess."), old) is None  # too few words


def test_occurrences_on_other_days_are_not_changes():
    ran = unit("I ran 5 km along the Seine with Anna.", kind="event")
    later = datetime(2024, 4, 12, tzinfo=UTC)
    again = unit("I now ran 10 km along the Seine with Anna.", kind="event", at=later)
    assert value_change(again, ran) is None


def test_dates_and_times_change_between_plans_only():
    booked = unit("I have a Zoom call with the creative director on April 21 at 3 PM.", "plan")
    moved = unit(
        "I'm moving the Zoom call with the creative director to April 22 at 11 AM.", "plan"
    )
    assert value_change(moved, booked)[1] in {"04-21 -> 04-22", "15:00 -> 11:00"}
    went = unit("I had a Zoom call with the creative director on April 2 at 3 PM.", "event")
    assert value_change(moved, went) is None


def test_a_date_keeps_its_role_and_what_it_is_the_date_of():
    (due,) = stated_values("I won't meet the new April 25 deadline for my draft")
    assert due.named == {"deadlin"}
    assert stated_values("I'll finish my draft by May 13")[0].role == "end"
    assert stated_values("writing sessions starting April 6")[0].role == "start"
    switched = unit("I'm switching my draft to Scrivener on May 5 to organize my writing.", "plan")
    due = unit("I'm organizing my writing so my draft is now done by May 13.", "plan")
    assert value_change(due, switched) is None  # when it happens is not when it is due
    sessions = unit(
        "I'm worried my writing sessions starting April 6 won't fit my schedule.", "plan"
    )
    finish = unit("I'm worried my writing schedule now has me finish by May 13.", "plan")
    assert value_change(finish, sessions) is None  # a start is not an end
    deadline = unit(
        "I'm worried I won't meet the new April 25 deadline with my writing schedule.", "plan"
    )
    launch = unit(
        "I'm worried the launch was moved to November 22, so my writing schedule shifts.", "plan"
    )
    assert value_change(launch, deadline) is None  # the date of another thing
    later = unit("I'm worried about my writing schedule now that the deadline is April 28.", "plan")
    assert value_change(later, deadline)[1] == "04-25 -> 04-28"


def test_a_digest_of_many_values_changes_nothing():
    old = unit("I've now spent 3 hours on probability and solved 8 problems this week.")
    digest = unit(
        "I've now spent 4 hours on probability, solved 12 problems, scored 85% on 2 quizzes, "
        "read 3 chapters and watched 6 videos this week."
    )
    assert value_change(digest, old) is None
    assert value_change(unit("I've now spent 4 hours on probability this week."), old)


def test_a_table_of_numbers_states_no_measure():
    table = " ".join(f"item {i} costs {3 * i} dollars and" for i in range(2000))
    assert stated_values(table) == []
    assert values("x" * 100_000 + " I now have 5 apples") == [("count", "5")]
