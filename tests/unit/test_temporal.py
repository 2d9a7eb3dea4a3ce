from datetime import UTC, datetime

import pytest

from graphmem.decisions.rules import route
from graphmem.temporal import find_times

REF = datetime(2023, 5, 8, 13, 56)  # a Monday


@pytest.mark.parametrize(
    ("text", "keys"),
    [
        ("I went there yesterday.", ["2023-05-07"]),
        ("We met on 7 May 2023 and again in March.", ["2023-05-07", "2023-03"]),
        ("That was 3 weeks ago.", ["2023-04-17"]),
        ("last Friday was fun", ["2023-05-05"]),
        ("next month I fly", ["2023-06"]),
        ("I moved in 2019", ["2019"]),
        ("On May 20 we dance", ["2023-05-20"]),
        ("last year", ["2022"]),
        ("see you tomorrow", ["2023-05-09"]),
        ("It was 2022-12-31 at noon", ["2022-12-31"]),
        ("I may come, it's in the marriage registry", []),
        ("Feb 30, 2023 is not a date", []),
        ("the forest picture shared on December 1,2021", ["2021-12-01"]),
        ("on 3 June,2021", ["2021-06-03"]),
        ("on May 5, 12 people came", ["2023-05-05"]),
        ("I watched it last  night", ["2023-05-07"]),
        ("in December we skied, in September we sail", ["2022-12", "2023-09"]),
        ("in November", ["2022-11"]),  # six months either way: the past
        ("next March and last June", ["2024-03", "2022-06"]),
        ("this December", ["2023-12"]),
        ("on 30 December", ["2022-12-30"]),
        ("this morning I ran, tonight I rest", ["2023-05-08", "2023-05-08"]),
    ],
)
def test_time_expressions_resolve_against_the_episode_time(text, keys):
    assert [t.key for t in find_times(text, REF)] == keys


def test_overlapping_expressions_are_read_once():
    (t,) = find_times("on 7 May 2023", REF)
    assert t.text == "7 May 2023" and t.granularity == "day"


@pytest.mark.parametrize(
    ("text", "start", "end"),
    [
        ("on 7 May 2023", datetime(2023, 5, 7), datetime(2023, 5, 8)),
        ("in December 2022", datetime(2022, 12, 1), datetime(2023, 1, 1)),
        ("in 2021", datetime(2021, 1, 1), datetime(2022, 1, 1)),
        ("on 31 December 9999", datetime(9999, 12, 31), datetime.max),
    ],
)
def test_a_mention_names_a_span_of_its_granularity(text, start, end):
    (t,) = find_times(text, REF)
    assert t.period == (start, end)


@pytest.mark.parametrize(
    ("text", "nearest", "past"),
    [
        ("in September", "2023-09", "2022-09"),
        ("in May", "2023-05", "2023-05"),
        ("on 30 December", "2022-12-30", "2022-12-30"),
        ("on 20 May", "2023-05-20", "2022-05-20"),
        ("next March", "2024-03", "2024-03"),  # a qualifier says which one
    ],
)
def test_a_date_without_a_year_is_the_nearest_or_with_past_the_last(text, nearest, past):
    assert [t.key for t in find_times(text, REF)] == [nearest]
    assert [t.key for t in find_times(text, REF, past=True)] == [past]


def test_as_of_a_day_without_a_year_is_the_last_one():
    routed = route("Where did I live as of 20 March?", datetime(2023, 1, 10, tzinfo=UTC))
    assert routed.intent == "temporal" and routed.as_of == datetime(2022, 3, 20, tzinfo=UTC)
