"""Rows: plain records of a table's columns for the read path, declared once.

The public reads are the CMS's hottest path, and building ORM models for them costs more than the
statements (every column converted by the ORM, every body decoded). A row is a slotted dataclass
whose fields are named after its table's columns. :func:`shape` derives from that one declaration
the column list a statement selects and the function that turns a fetched row into a record, with
each value converted by its field's annotation (date-times as aware UTC values, enums, JSON lists):
the columns are never typed a second time.

A field whose column has another name says so in its metadata (``stored_as("body")``); a field
that is not a column of the table at all (computed by the statement) says ``stored_as(None)``.
"""

from __future__ import annotations

import dataclasses
import typing
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from enum import Enum
from types import NoneType, UnionType
from typing import Any, Generic, TypeVar

import orjson

R = TypeVar("R")

Convert = Callable[[Any], Any]

_COLUMN = "cms.column"


def stored_as(name: str | None) -> dict[str, str | None]:
    """A row field's metadata: stored in column ``name`` (None: computed by the statement, not a
    column of the table): ``field(default=None, metadata=stored_as("body"))``."""
    return {_COLUMN: name}


def utc_datetime(value: Any) -> datetime:
    """A stored date-time as an aware UTC value (SQLite keeps text, PostgreSQL a timestamp); one
    stored without an offset is UTC, as the ORM reads it."""
    found = value if isinstance(value, datetime) else datetime.fromisoformat(value)
    return found.replace(tzinfo=UTC) if found.utcoffset() is None else found.astimezone(UTC)


def json_value(value: Any) -> Any:
    """A stored JSON column: text on SQLite (and from asyncpg without a codec), else decoded."""
    return orjson.loads(value) if isinstance(value, str | bytes) else value


@dataclass(frozen=True, slots=True)
class Shape(Generic[R]):
    """How rows of ``type`` are read: the columns to select and how each value is converted."""

    type: type[R]
    table: str
    columns: tuple[str, ...]
    """The table's columns the row holds, in field order."""
    keys: tuple[str, ...]
    """Where each field's value is in a fetched row: its column, or its own name if computed."""
    converting: tuple[tuple[int, Convert], ...]
    """The fields converted on the way in, by position (the others are taken as fetched)."""

    def select(self, alias: str) -> str:
        """The select list of the row's columns over a table alias: ``a.id, a.slug, ...``."""
        return ", ".join(f"{alias}.{name}" for name in self.columns)

    def build(self, row: Mapping[str, Any]) -> R:
        """The record of a fetched row (computed fields absent from it are None).

        The read path builds thousands of these a second: the values are taken in one call and
        only the fields that need it are converted."""
        values = [row.get(key) for key in self.keys]
        for index, convert in self.converting:
            value = values[index]
            if value is not None:
                values[index] = convert(value)
        return self.type(*values)


def shape(row_type: type[R], table: str) -> Shape[R]:
    """The :class:`Shape` of a row dataclass stored in ``table`` (see the module doc)."""
    hints = typing.get_type_hints(row_type)
    columns: list[str] = []
    keys: list[str] = []
    converts: list[Convert | None] = []
    for field in dataclasses.fields(row_type):  # type: ignore[arg-type]
        stored = field.metadata.get(_COLUMN, field.name)
        if stored is not None:
            columns.append(stored)
        keys.append(stored if stored is not None else field.name)
        converts.append(_converter(hints[field.name]))
    converting = tuple((i, c) for i, c in enumerate(converts) if c is not None)
    return Shape(row_type, table, tuple(columns), tuple(keys), converting)


def _converter(annotation: Any) -> Convert | None:
    """How a fetched value becomes the field's type (None: as the driver gives it)."""
    if isinstance(annotation, UnionType) or typing.get_origin(annotation) is typing.Union:
        rest = [arg for arg in typing.get_args(annotation) if arg is not NoneType]
        return _converter(rest[0]) if len(rest) == 1 else None
    if annotation is datetime:
        return utc_datetime
    if isinstance(annotation, type) and issubclass(annotation, Enum):
        return annotation
    if typing.get_origin(annotation) is list:
        return lambda value: list(json_value(value))
    if typing.get_origin(annotation) is dict:
        return json_value
    return None
