"""Time conversions: the stores speak epoch milliseconds UTC, the API speaks ``datetime``."""

from __future__ import annotations

import math
from datetime import UTC, date, datetime, timedelta

from .errors import InvalidInputError

TimeLike = datetime | date | str | int | float | None
EARLIEST = datetime(1, 1, 2, tzinfo=UTC)
LATEST = datetime(9999, 12, 30, tzinfo=UTC)
"""The times memory takes: a day inside the calendar's ends, so any UTC offset stays in it."""


def now_ms() -> int:
    """The current time in epoch milliseconds UTC."""
    return int(datetime.now(UTC).timestamp() * 1000)


def to_datetime(value: TimeLike) -> datetime | None:
    """Parse ISO-8601 text, a date, epoch seconds or a datetime into an aware UTC datetime.

    Naive datetimes are taken as UTC. ``None`` stays ``None``.
    """
    if value is None:
        return None
    try:
        dt = _parse(value)
        dt = dt.replace(tzinfo=UTC) if dt.tzinfo is None else dt.astimezone(UTC)
    except InvalidInputError:
        raise
    except (OverflowError, OSError, ValueError):
        raise InvalidInputError(f"not a time memory can hold: {value!r}") from None
    if not EARLIEST <= dt <= LATEST:
        raise InvalidInputError(
            f"time out of range: {value!r} (memory holds {EARLIEST.date()} to {LATEST.date()})"
        )
    return dt


def _parse(value: TimeLike) -> datetime:
    if isinstance(value, datetime):
        return value
    if isinstance(value, date):
        return datetime(value.year, value.month, value.day)
    if isinstance(value, int | float) and not isinstance(value, bool):
        if not math.isfinite(value):
            raise InvalidInputError(f"not a time: {value!r}")
        return datetime(1970, 1, 1, tzinfo=UTC) + timedelta(seconds=float(value))
    if isinstance(value, str):
        text = value.strip()
        if text.endswith(("Z", "z")):
            text = text[:-1] + "+00:00"
        try:
            return datetime.fromisoformat(text)
        except ValueError:
            raise InvalidInputError(f"not an ISO-8601 time: {value!r}") from None
    raise InvalidInputError(f"not a time: {value!r}")


def to_ms(value: TimeLike) -> int | None:
    """Epoch milliseconds UTC of ``value`` (see :func:`to_datetime`)."""
    dt = to_datetime(value)
    return None if dt is None else int(dt.timestamp() * 1000)


def from_ms(ms: int | None) -> datetime | None:
    """The aware UTC datetime of epoch milliseconds."""
    return None if ms is None else datetime.fromtimestamp(ms / 1000, UTC)
