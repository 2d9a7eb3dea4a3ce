"""What a new statement changes or contradicts, by structure: a new value of a measure the same
speaker gave a value before, and the denial of a deed the same speaker said they did.

"I'm close to my 300-euro monthly limit", later "any ideas for using the raised limit of 350?":
the second gives the limit a new value, whatever else either says and whether it is a
statement, a question or a request. "I ran 5 km on Monday", "I ran 10 km on Tuesday": two runs
(the simple past on two days), not a change.
"""

from __future__ import annotations

from datetime import date, datetime

from ..models import Unit
from ..text import canonical
from . import Measure, Reading, read, read_all

MAX_MEASURES = 6
"""A statement giving more values is a digest, a table or a worked example: it states no
measure that a later value could replace."""


def speakers(unit: Unit) -> set[str]:
    """The entities a unit is said by or of: its speaker and its subject."""
    return {a.entity_id for a in unit.entities if a.role in ("speaker", "subject")}


def same_speaker(a: Unit, b: Unit) -> bool:
    """Whether two units are said by (or of) the same one: the same subject, or a speaker or
    subject entity in common."""
    if a.subject and b.subject and canonical(a.subject) == canonical(b.subject):
        return True
    return bool(speakers(a) & speakers(b))


def measure_words(unit: Unit) -> str:
    """The words naming what ``unit``'s values measure (a full-text query for the statements
    that gave them earlier values); empty when it gives none."""
    found = _measures(read(unit.text))
    return " ".join(sorted({w for m in found for w in m.nouns | m.modifiers}))


def gives_values(unit: Unit) -> bool:
    """Whether ``unit`` gives a measure a value (``measure_change`` can compare it)."""
    return bool(_measures(read(unit.text)))


def measure_change(new: Unit, old: Unit) -> tuple[int, str] | None:
    """How closely ``new`` gives a new value to a measure ``old`` gave one (the words the two
    measures share), and the change ("300 -> 350 limit"); None when it changes none. Both are
    the same speaker's, and one at least speaks of the speaker's own ("my limit": an
    explanation's worked examples state no one's facts); two amounts of deeds on different
    days are two occurrences, not a change."""
    if not same_speaker(new, old):
        return None
    new_reading, old_reading = read_all([new.text, old.text])
    if not (new_reading.own or old_reading.own):
        return None  # neither speaks of the speaker's own things: examples, not facts
    now, before = _measures(new_reading), _measures(old_reading)
    if not now or not before:
        return None
    other_days = _day(new) != _day(old)
    closeness = 0
    changed: list[str] = []
    for value in now:
        for earlier in before:
            if value.amount == earlier.amount or not value.same_measure(earlier):
                continue
            if _occurrences(value, earlier, other_days):
                continue
            shared = value.nouns & earlier.nouns | value.modifiers & earlier.modifiers
            closeness = max(closeness, len(shared))
            what = " ".join(sorted(value.nouns & earlier.nouns))
            changed.append(f"{earlier.amount} -> {value.amount} ({what})")
    if not changed:
        return None
    return closeness, ", ".join(dict.fromkeys(changed))


def denial_words(unit: Unit) -> str:
    """The words of what ``unit`` denies (its verbs and their objects: a full-text query for
    the statement of the deed); empty when it denies nothing."""
    denied = read(unit.text).denials
    return " ".join(sorted({w for d in denied for w in {d.verb, *d.objects}}))


def denial_of(new: Unit, old: Unit) -> str | None:
    """Why ``new`` contradicts ``old``: it denies a deed ``old``, said by the same speaker no
    later, states; None when it does not. "I've never tried sushi", then "I tried sushi last
    week" is a first time, not a contradiction."""
    denials = read(new.text).denials
    if not denials or not same_speaker(new, old) or _time(old) > _time(new):
        return None
    said = old.text.lower()
    if not any(o in said for d in denials for o in d.objects):
        return None  # shares no object with what is denied: not worth a parse
    stated = read(old.text, every=True).deeds
    if any(d.denied for d in stated):
        return None
    for denial in denials:
        for deed in stated:
            if denial.denies(deed):
                return f"denied: {denial.phrase}"
    return None


def _occurrences(value: Measure, earlier: Measure, other_days: bool) -> bool:
    """Whether two values are the amounts of two occurrences on different days: of two deeds
    ("I solved 5 problems": not a rate, "I save 400 a month", which is a level) or said in
    the simple past. On the same day (or of the same days named) a new amount corrects one."""
    deeds = value.done and earlier.done and not (value.period or earlier.period)
    return other_days and (deeds or (value.past and earlier.past))


def _measures(reading: Reading) -> tuple[Measure, ...]:
    return reading.measures if len(reading.measures) <= MAX_MEASURES else ()


def _day(unit: Unit) -> date:
    return _time(unit).date()


def _time(unit: Unit) -> datetime:
    return unit.valid_from or unit.recorded_at
