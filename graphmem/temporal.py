"""Resolve time expressions ("yesterday", "last May", "3 weeks ago") against an episode's time."""

from __future__ import annotations

import calendar
import re
from dataclasses import dataclass
from datetime import datetime, timedelta

MONTHS = {name.lower(): i for i, name in enumerate(calendar.month_name) if name}
MONTHS |= {name.lower(): i for i, name in enumerate(calendar.month_abbr) if name}
MONTHS.pop("may", None)
MONTHS["may"] = 5
WEEKDAYS = {name.lower(): i for i, name in enumerate(calendar.day_name)}
_UNITS = {"day": 1, "week": 7, "month": 30, "year": 365}

_MONTH = r"(jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|june?|july?|aug(?:ust)?|sep(?:t(?:ember)?)?|oct(?:ober)?|nov(?:ember)?|dec(?:ember)?)"
_PATTERNS: list[tuple[str, re.Pattern[str]]] = [
    ("iso", re.compile(r"\b(\d{4})-(\d{2})-(\d{2})\b")),
    (
        "dmy",
        re.compile(
            rf"\b(\d{{1,2}})(?:st|nd|rd|th)?\s+(?:of\s+)?{_MONTH}\.?(?:,\s*|\s+)(\d{{4}})\b", re.I
        ),
    ),
    (
        "mdy",
        re.compile(rf"\b{_MONTH}\.?\s+(\d{{1,2}})(?:st|nd|rd|th)?(?:,\s*|\s+)(\d{{4}})\b", re.I),
    ),
    ("my", re.compile(rf"\b{_MONTH}\s+(\d{{4}})\b", re.I)),
    ("md", re.compile(rf"\b{_MONTH}\s+(\d{{1,2}})(?:st|nd|rd|th)?\b(?!\s*\d)", re.I)),
    ("dm", re.compile(rf"\b(\d{{1,2}})(?:st|nd|rd|th)?\s+(?:of\s+)?{_MONTH}\b", re.I)),
    (
        "ago",
        re.compile(
            r"\b(a|an|one|two|three|four|five|six|seven|eight|nine|ten|\d+)\s+(day|week|month|year)s?\s+ago\b",
            re.I,
        ),
    ),
    (
        "rel",
        re.compile(
            r"\b(yesterday|today|tonight|tomorrow|last\s+night|this\s+(?:morning|afternoon|evening))\b",
            re.I,
        ),
    ),
    ("relunit", re.compile(r"\b(last|this|next|past)\s+(week|month|year|weekend)\b", re.I)),
    (
        "weekday",
        re.compile(
            r"\b(last|this|next|on)\s+(monday|tuesday|wednesday|thursday|friday|saturday|sunday)\b",
            re.I,
        ),
    ),
    ("inmonth", re.compile(rf"\b(?:in|last|this|next|since|during)\s+{_MONTH}\b", re.I)),
    ("year", re.compile(r"\b(?:in|since|during|of|by|from)\s+((?:19|20)\d{2})\b", re.I)),
]
_NUMBERS = {
    "a": 1,
    "an": 1,
    "one": 1,
    "two": 2,
    "three": 3,
    "four": 4,
    "five": 5,
    "six": 6,
    "seven": 7,
    "eight": 8,
    "nine": 9,
    "ten": 10,
}


@dataclass(frozen=True)
class TimeMention:
    """A resolved time expression: where it was, when it points to, and how precise it is."""

    text: str
    start: int
    end: int
    when: datetime
    granularity: str  # "day" | "month" | "year"

    @property
    def period(self) -> tuple[datetime, datetime]:
        """The span it names, [start, end): its day, month or year (end capped at the
        calendar's last moment)."""
        day = self.when.replace(hour=0, minute=0, second=0, microsecond=0)
        if self.granularity == "day":
            start, months = day, 0
        elif self.granularity == "month":
            start, months = day.replace(day=1), 1
        else:
            start, months = day.replace(month=1, day=1), 12
        try:
            end = start + timedelta(days=1) if months == 0 else _month_start(start, months)
        except (OverflowError, ValueError):
            end = datetime.max.replace(tzinfo=start.tzinfo)
        return start, end

    @property
    def key(self) -> str:
        """The canonical name of the date entity: 2023-05-07, 2023-05 or 2023."""
        fmt = {"day": "%Y-%m-%d", "month": "%Y-%m", "year": "%Y"}[self.granularity]
        return self.when.strftime(fmt)


def _month(name: str) -> int:
    return MONTHS[name.lower()[:3] if name.lower()[:3] in MONTHS else name.lower()]


def _month_start(day: datetime, months: int) -> datetime:
    """The first day of the month ``months`` after (or before) ``day``'s month."""
    index = day.year * 12 + day.month - 1 + months
    return day.replace(year=index // 12, month=index % 12 + 1, day=1)


def _safe_date(year: int, month: int, day: int, ref: datetime) -> datetime | None:
    try:
        return ref.replace(
            year=year, month=month, day=day, hour=0, minute=0, second=0, microsecond=0
        )
    except ValueError:
        return None


def _resolve(
    kind: str, m: re.Match[str], ref: datetime, past: bool = False
) -> tuple[datetime, str] | None:
    g = m.groups()
    day0 = ref.replace(hour=0, minute=0, second=0, microsecond=0)
    if kind == "iso":
        d = _safe_date(int(g[0]), int(g[1]), int(g[2]), ref)
        return (d, "day") if d else None
    if kind in ("dmy", "mdy"):
        day, month = (g[0], g[1]) if kind == "dmy" else (g[1], g[0])
        d = _safe_date(int(g[2]), _month(month), int(day), ref)
        return (d, "day") if d else None
    if kind == "my":
        d = _safe_date(int(g[1]), _month(g[0]), 1, ref)
        return (d, "month") if d else None
    if kind in ("md", "dm"):
        day, month = (g[1], g[0]) if kind == "md" else (g[0], g[1])
        dates = [_safe_date(ref.year + y, _month(month), int(day), ref) for y in (-1, 0, 1)]
        valid = [d for d in dates if d and not (past and d > day0)]
        near = min(valid, key=lambda d: abs(d - day0), default=None)
        return (near, "day") if near else None
    if kind == "ago":
        n = _NUMBERS.get(g[0].lower()) or int(g[0])
        unit = g[1].lower()
        return day0 - timedelta(days=n * _UNITS[unit]), "day" if unit in ("day", "week") else unit
    if kind == "rel":
        said = " ".join(g[0].lower().split())
        offset = {"yesterday": -1, "last night": -1, "tomorrow": 1}.get(said, 0)
        return day0 + timedelta(days=offset), "day"
    if kind == "relunit":
        step = {"last": -1, "past": -1, "this": 0, "next": 1}[g[0].lower()]
        unit = g[1].lower()
        if unit in ("week", "weekend"):
            return day0 + timedelta(days=7 * step), "day"
        if unit == "month":
            return _month_start(day0, step), "month"
        return day0.replace(year=ref.year + step, month=1, day=1), "year"
    if kind == "weekday":
        target = WEEKDAYS[g[1].lower()]
        delta = (ref.weekday() - target) % 7
        if g[0].lower() == "next":
            return day0 + timedelta(days=(target - ref.weekday()) % 7 or 7), "day"
        if g[0].lower() == "last":
            delta = delta or 7
        return day0 - timedelta(days=delta), "day"
    if kind == "inmonth":
        month = _month(g[0])
        year = _year_of(m.group(0).split()[0].lower(), month, ref, past)
        return day0.replace(year=year, month=month, day=1), "month"
    if kind == "year":
        return day0.replace(year=int(g[0]), month=1, day=1), "year"
    return None


def _year_of(qualifier: str, month: int, ref: datetime, past: bool = False) -> int:
    """The year of a month named without one: "last May" the latest before ``ref``'s month,
    "next May" the first after it, "this May" ``ref``'s year, "in May" the nearest (the past on
    a tie: six months either way), or with ``past`` the latest not after ``ref``'s month."""
    if qualifier == "this":
        return ref.year
    if qualifier == "last":
        return ref.year - (month >= ref.month)
    if qualifier == "next":
        return ref.year + (month <= ref.month)
    if past:
        return ref.year - (month > ref.month)
    return min(
        (ref.year - 1, ref.year, ref.year + 1),
        key=lambda y: abs(y * 12 + month - (ref.year * 12 + ref.month)),
    )


_CLOCK = re.compile(r"\b(\d{1,2})(?::(\d{2}))?\s*([ap])\.?m\b\.?", re.I)


def clock_times(text: str) -> list[tuple[int, int, str]]:
    """Every clock time in ``text`` ("3 PM", "4:30 a.m."): where it stands and its 24-hour
    value ("15:00")."""
    found = []
    for m in _CLOCK.finditer(text):
        hour = int(m.group(1)) % 12 + (12 if m.group(3).lower() == "p" else 0)
        found.append((m.start(), m.end(), f"{hour:02d}:{m.group(2) or '00'}"))
    return found


def find_times(text: str, ref: datetime, past: bool = False) -> list[TimeMention]:
    """Every time expression in ``text``, resolved against ``ref``, in reading order. A day or
    month named without a year is the nearest such date, or with ``past`` the latest one not
    after ``ref`` (a question about what happened: "what did I do in May?")."""
    found: list[TimeMention] = []
    taken: list[tuple[int, int]] = []
    for kind, pattern in _PATTERNS:
        for m in pattern.finditer(text):
            if any(m.start() < e and s < m.end() for s, e in taken):
                continue
            try:
                resolved = _resolve(kind, m, ref, past)
            except (OverflowError, ValueError):  # lands outside the calendar (year 1-9999)
                resolved = None
            if resolved is None:
                continue
            taken.append((m.start(), m.end()))
            found.append(TimeMention(m.group(0), m.start(), m.end(), *resolved))
    return sorted(found, key=lambda t: t.start)
