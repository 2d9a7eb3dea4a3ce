"""Time conversions: the stores speak epoch milliseconds UTC, the API speaks ``datetime``."""

from __future__ import annotations

from datetime import UTC, date, datetime

from .errors import InvalidInputError

TimeLike = datetime | date | str | int | float | None


def now_ms() -> int:
    """The current time in epoch milliseconds UTC."""
    return int(datetime.now(UTC).timestamp() * 1000)


def to_datetime(value: TimeLike) -> datetime | None:
    """Parse ISO-8601 text, a date, epoch seconds or a datetime into an aware UTC datetime.

    Naive datetimes are taken as UTC. ``None`` stays ``None``.
    """
    if value is None:
        return None
    if isinstance(value, datetime):
        dt = value
    elif isinstance(value, date):
        dt = datetime(value.year, value.month, value.day)
    elif isinstance(value, int | float) and not isinstance(value, bool):
        dt = datetime.fromtimestamp(float(value), UTC)
    elif isinstance(value, str):
        text = value.strip()
        if text.endswith(("Z", "z")):
            text = text[:-1] + "+00:00"
        try:
            dt = datetime.fromisoformat(text)
        except ValueError:
            raise InvalidInputError(f"not an ISO-8601 time: {value!r}") from None
    else:
        raise InvalidInputError(f"not a time: {value!r}")
    return dt.replace(tzinfo=UTC) if dt.tzinfo is None else dt.astimezone(UTC)


def to_ms(value: TimeLike) -> int | None:
    """Epoch milliseconds UTC of ``value`` (see :func:`to_datetime`)."""
    dt = to_datetime(value)
    return None if dt is None else int(dt.timestamp() * 1000)


def from_ms(ms: int | None) -> datetime | None:
    """The aware UTC datetime of epoch milliseconds."""
    return None if ms is None else datetime.fromtimestamp(ms / 1000, UTC)
