"""Keyset (seek) pagination with opaque cursors.

A cursor holds the ordering it was issued for, the sort key of one row and that row's id (the tie
breaker). Paging by key instead of by offset means that an article published while a reader
scrolls neither repeats an item nor skips one.

A sort key may be missing (a draft has no publication time). Lists whose viewer can see such rows
ask for ``nulls=True``: those rows then come after every other one, by id in the same direction,
the same on SQLite and PostgreSQL (which put NULLs at opposite ends by themselves).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Generic, TypeVar

from tortoise.models import Model

from cms.core import compat, cursors, db
from cms.core.clock import utc
from cms.core.db import Fragment, all_of
from cms.core.errors import InvalidCursor, InvalidInput, PageSizeError
from cms.core.rows import Shape

M = TypeVar("M", bound=Model)
R = TypeVar("R")
T = TypeVar("T")

SortValue = datetime | str | int


@dataclass(frozen=True, slots=True)
class Ordering:
    """A sort order over one model field, ties broken by ``id`` in the same direction."""

    name: str
    field: str
    descending: bool

    @property
    def is_datetime(self) -> bool:
        return self.field == "at" or self.field.endswith("_at")

    def key(self, item: Any) -> SortValue | None:
        value: SortValue | None = getattr(item, self.field)
        return value

    def cursor(self, item: Any) -> str:
        """The opaque cursor of ``item`` under this ordering."""
        value = self.key(item)
        raw = value.isoformat() if isinstance(value, datetime) else value
        return cursors.encode([self.name, raw, item.id])

    def decode(self, cursor: str, argument: str) -> Cursor:
        """Read a cursor issued by :meth:`cursor`; anything else is an :class:`InvalidCursor`."""
        name, value, id_ = cursors.decode(cursor, argument, self._read)
        if name != self.name or not isinstance(id_, int) or isinstance(id_, bool):
            raise InvalidCursor(
                f"`{argument}` was issued for another ordering or list.", field=argument
            )
        return Cursor(value, id_)

    def _read(self, name: Any, raw: Any, id_: Any) -> tuple[Any, SortValue | None, Any]:
        if raw is None and self.is_datetime:  # a row without the date (see ``nulls``)
            return name, None, id_
        if self.is_datetime:
            return name, utc(datetime.fromisoformat(raw)), id_
        # A number (an id, a revision's number) stays one: SQL compares it with a number column.
        return name, raw if isinstance(raw, int) and not isinstance(raw, bool) else str(raw), id_

    # --- in SQL, over a table alias (``row``), with ``?`` markers --------------------------------

    def order_sql(self, row: str, reverse: bool = False, *, nulls: bool = False) -> str:
        """The ``ORDER BY`` list of this order (reversed with ``reverse``): by the field, ties by
        ``id`` in the same direction; with ``nulls``, rows without a key after all others."""
        way = "DESC" if self.descending != reverse else "ASC"
        keyed = f"{row}.{self.field} {way}, {row}.id {way}"
        undated = f"({row}.{self.field} IS NULL) {'DESC' if reverse else 'ASC'}, "
        return undated + keyed if nulls else keyed

    def beyond(
        self,
        cursor: Cursor,
        row: str,
        *,
        reverse: bool = False,
        inclusive: bool = False,
        nulls: bool = False,
    ) -> Fragment:
        """Rows strictly after ``cursor`` in this order (before it when ``reverse``; at it too
        when ``inclusive``), the same on both databases. With ``nulls``, rows without a sort key
        come after all others (see the module doc)."""
        op = "<" if self.descending != reverse else ">"
        id_past = f"{row}.id {op}{'=' if inclusive else ''} ?"
        field = f"{row}.{self.field}"
        if cursor.value is None:
            among = f"({field} IS NULL AND {id_past})"
            sql = f"({among} OR {field} IS NOT NULL)" if reverse else among
            return sql, [cursor.id]
        value = utc(cursor.value) if isinstance(cursor.value, datetime) else cursor.value
        found = f"{field} {op} ? OR ({field} = ? AND {id_past})"
        missing = f" OR {field} IS NULL" if nulls and not reverse else ""
        return f"({found}{missing})", [value, value, cursor.id]


@dataclass(frozen=True, slots=True)
class Cursor:
    """A decoded cursor: the sort key and id of the row it points at."""

    value: SortValue | None
    id: int


@dataclass(frozen=True, slots=True)
class Window:
    """A validated request for one page: forward (``first``/``after``) or backward (``last``)."""

    size: int
    forward: bool
    after: Cursor | None
    before: Cursor | None


def page_size(given: int | None, argument: str, *, default_size: int, max_size: int) -> int:
    """How many items a page holds: ``given`` (checked against ``max_size``) or the default."""
    if given is None:
        return min(default_size, max_size)
    if not 0 <= given <= max_size:
        raise PageSizeError(f"`{argument}` must be between 0 and {max_size}.", field=argument)
    return given


def window(
    ordering: Ordering,
    *,
    first: int | None = None,
    last: int | None = None,
    after: str | None = None,
    before: str | None = None,
    default_size: int,
    max_size: int,
) -> Window:
    """Check the Relay arguments and decode their cursors."""
    if first is not None and last is not None:
        raise InvalidInput("Pass `first` or `last`, not both.", field="last")
    given, name = (last, "last") if last is not None else (first, "first")
    return Window(
        size=page_size(given, name, default_size=default_size, max_size=max_size),
        forward=last is None,
        after=ordering.decode(after, "after") if after is not None else None,
        before=ordering.decode(before, "before") if before is not None else None,
    )


@dataclass(slots=True)
class Page(Generic[T]):
    """One page of items plus what Relay's ``pageInfo`` and ``totalCount`` ask for, lazily.

    Flags and the total are coroutines so that a client that does not select them costs no query.
    """

    items: list[T]
    ordering: Ordering
    has_next: Callable[[], Awaitable[bool]]
    has_previous: Callable[[], Awaitable[bool]]
    total: Callable[[], Awaitable[int]]
    _cursors: list[str] | None = field(default=None, init=False, repr=False)

    @property
    def cursors(self) -> list[str]:
        """The items' cursors, made when first asked for: a list that selects no cursor (a feed
        of ``nodes``) makes none."""
        if self._cursors is None:
            self._cursors = [self.ordering.cursor(item) for item in self.items]
        return self._cursors


def constant(value: T) -> Callable[[], Awaitable[T]]:
    """A lazy value that is already known."""

    async def get() -> T:
        return value

    return get


@dataclass(frozen=True, slots=True)
class Source(Generic[T]):
    """What :func:`fetch` pages through: ``SELECT {columns} FROM {table} {row} {joins} WHERE
    {where}``, each row made into an item by ``item``."""

    table: str
    row: str
    columns: str
    where: Fragment
    item: Callable[[dict[str, Any]], T]
    joins: str = ""

    @property
    def joined(self) -> str:
        """The joins, with the space that separates them from the alias (none without joins)."""
        return f" {self.joins}" if self.joins else ""

    @classmethod
    def of_rows(cls, shape: Shape[R], row: str, where: Fragment = ("TRUE", [])) -> Source[R]:
        """The rows of ``shape``'s table (:mod:`cms.core.rows`) that meet ``where``."""
        return Source(shape.table, row, shape.select(row), where, shape.build)

    @classmethod
    def of_model(
        cls,
        model: type[M],
        row: str,
        where: Fragment = ("TRUE", []),
        related: Mapping[str, tuple[type[Model], str]] | None = None,
    ) -> Source[M]:
        """Every column of ``model``'s table, each row made into a model instance (lists whose
        items are models: accounts, tokens, the audit log, deliveries). ``related`` names
        foreign keys read along (``{"user": (User, "u")}``: a left join, as tortoise's
        ``select_related``), so that reading them costs no statement."""
        related = related or {}
        columns = [f"{row}.{column}" for column in compat.model_columns(model)]
        joins = []
        for name, (other, alias) in related.items():
            columns += [
                f"{alias}.{column} AS {name}__{column}" for column in compat.model_columns(other)
            ]
            joins.append(
                f"LEFT JOIN {compat.model_table(other)} {alias} ON {alias}.id = {row}.{name}_id"
            )
        build = compat.model_from_row(model)
        builders = {name: compat.model_from_row(other) for name, (other, _) in related.items()}

        def item(found: dict[str, Any]) -> M:
            made = build(found)
            for name, related_build in builders.items():
                prefix = f"{name}__"
                values = {k[len(prefix) :]: v for k, v in found.items() if k.startswith(prefix)}
                other = related_build(values) if values.get("id") is not None else None
                compat.attach_related(made, name, other)
            return made

        table = compat.model_table(model)
        return Source(table, row, ", ".join(columns), where, item, " ".join(joins))


async def fetch(
    source: Source[T], ordering: Ordering, win: Window, *, nulls: bool = False
) -> Page[T]:
    """One page of ``source`` in ``ordering`` (``nulls`` when rows without a sort key may be
    among them: see the module doc), with its flags and total read lazily: one statement for the
    page, and one for each of ``hasNextPage``/``hasPreviousPage``/``totalCount`` only when a
    client asks and the page cannot tell."""
    row = source.row
    seek = all_of(
        source.where,
        ordering.beyond(win.after, row, nulls=nulls) if win.after is not None else None,
        ordering.beyond(win.before, row, reverse=True, nulls=nulls)
        if win.before is not None
        else None,
    )
    items: list[T] = []
    if win.size:
        order = ordering.order_sql(row, reverse=not win.forward, nulls=nulls)
        sql, params = seek
        found = await db.fetch(
            f"SELECT {source.columns} FROM {source.table} {row}{source.joined} WHERE {sql} "
            f"ORDER BY {order} LIMIT ?",
            [*params, win.size + 1],
        )
        items = [source.item(r) for r in found]
    more = len(items) > win.size
    items = items[: win.size] if win.forward else items[: win.size][::-1]
    return Page(
        items=items,
        ordering=ordering,
        has_next=edge(more and win.forward, source, ordering, win.before, False, nulls),
        has_previous=edge(more and not win.forward, source, ordering, win.after, True, nulls),
        total=lambda: count(source),
    )


def edge(
    known: bool,
    source: Source[Any],
    ordering: Ordering,
    cursor: Cursor | None,
    reverse: bool,
    nulls: bool,
) -> Callable[[], Awaitable[bool]]:
    """True if known; else whether rows exist at or past ``cursor`` (the page's far bound)."""
    if known or cursor is None:
        return constant(known)
    beyond = ordering.beyond(cursor, source.row, reverse=reverse, inclusive=True, nulls=nulls)
    sql, params = all_of(source.where, beyond)

    async def exists() -> bool:
        found = await db.fetch(
            f"SELECT 1 AS found FROM {source.table} {source.row} WHERE {sql} LIMIT 1", params
        )
        return bool(found)

    return exists


async def count(source: Source[Any]) -> int:
    """How many rows ``source`` holds."""
    sql, params = source.where
    found = await db.fetch(
        f"SELECT COUNT(*) AS n FROM {source.table} {source.row} WHERE {sql}", params
    )
    return int(found[0]["n"])
