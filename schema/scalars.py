"""Scalars whose parse errors say what was expected, never a Python exception's words.

strawberry's own ``DateTime`` answers ``"not-a-date"`` with ``invalid literal for int() with base
10: b'not-'`` (dateutil's message); ours reads what ``datetime.fromisoformat`` reads (every
ISO 8601 form, ``Z`` included). Ours says what a client should send. Whether a date-time
without an offset is acceptable is each field's to say (publishing refuses it with its field).
"""

from __future__ import annotations

from datetime import datetime

import strawberry
from graphql import GraphQLError
from strawberry.schema.config import StrawberryConfig

__all__ = ["CONFIG"]

EXPECTED_DATETIME = "an ISO 8601 date-time with an offset, e.g. 2023-07-19T14:00:00+07:00"
SHOWN = 60
"""How much of a bad value an error quotes."""


def _parse_datetime(value: object) -> datetime:
    if not isinstance(value, str):
        raise GraphQLError(f"A DateTime is a string: {EXPECTED_DATETIME}.")
    try:
        return datetime.fromisoformat(value)
    except (ValueError, OverflowError):
        shown = value if len(value) <= SHOWN else f"{value[:SHOWN]}…"
        raise GraphQLError(f"{shown!r} is not a DateTime: expected {EXPECTED_DATETIME}.") from None


DateTime = strawberry.scalar(
    name="DateTime",
    description="A date and time, ISO 8601 with an offset: `2023-07-19T14:00:00+07:00`.",
    serialize=datetime.isoformat,
    parse_value=_parse_datetime,
)

CONFIG = StrawberryConfig(scalar_map={datetime: DateTime})
"""The schema's configuration: its scalars."""
