"""Time in one zone. Everything is stored and compared in UTC.

SQLite keeps date-times as text, so a comparison with a value in another offset would compare
strings, not instants: every date-time that reaches a query goes through :func:`utc` first.
"""

from __future__ import annotations

from datetime import UTC, datetime


def now() -> datetime:
    """The current instant, in UTC."""
    return datetime.now(UTC)


def utc(value: datetime) -> datetime:
    """``value`` (which must carry an offset) as the same instant in UTC."""
    if value.utcoffset() is None:
        raise ValueError("a date-time without an offset is ambiguous")
    return value.astimezone(UTC)
