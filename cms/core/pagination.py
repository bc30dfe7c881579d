"""Keyset (seek) pagination with opaque cursors.

A cursor holds the ordering it was issued for, the sort key of one row and that row's id (the tie
breaker). Paging by key instead of by offset means that an article published while a reader
scrolls neither repeats an item nor skips one.

A sort key may be missing (a draft has no publication time). Lists whose viewer can see such rows
ask for ``nulls=True``: those rows then come after every other one, by id in the same direction,
the same on SQLite and PostgreSQL (which put NULLs at opposite ends by themselves).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Generic, TypeVar

from tortoise.expressions import Case, Q, When
from tortoise.models import Model
from tortoise.queryset import QuerySet

from cms.core import cursors, db
from cms.core.clock import utc
from cms.core.db import Fragment, all_of
from cms.core.errors import InvalidCursor, InvalidInput, PageSizeError

M = TypeVar("M", bound=Model)
T = TypeVar("T")

SortValue = datetime | str

_UNDATED = "sort_key_missing"
"""The annotation that sorts rows without a sort key after the others (``nulls=True``)."""


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
        return name, utc(datetime.fromisoformat(raw)) if self.is_datetime else str(raw), id_

    def order_by(self, reverse: bool = False, *, nulls: bool = False) -> tuple[str, ...]:
        sign = "-" if self.descending != reverse else ""
        keyed = (f"{sign}{self.field}", f"{sign}id")
        return (f"-{_UNDATED}" if reverse else _UNDATED, *keyed) if nulls else keyed

    def beyond(
        self, cursor: Cursor, *, reverse: bool = False, inclusive: bool = False, nulls: bool = False
    ) -> Q:
        """Rows strictly after ``cursor`` in this order (before it when ``reverse``).

        With ``nulls``, rows without a sort key come after all others (see the module doc).
        """
        op = "lt" if self.descending != reverse else "gt"
        id_past: dict[str, Any] = {f"id__{op}e" if inclusive else f"id__{op}": cursor.id}
        missing = _missing(self.field)
        if cursor.value is None:  # among the rows without a key: by id; all others lie before
            among = missing & Q(**id_past)
            return among | ~missing if reverse else among
        past: dict[str, Any] = {f"{self.field}__{op}": cursor.value}
        tied: dict[str, Any] = {self.field: cursor.value, **id_past}
        found = Q(**past) | Q(**tied)
        return found | missing if nulls and not reverse else found

    # --- the same in SQL, over a table alias (``row``), with ``?`` markers -----------------

    def order_sql(self, row: str, reverse: bool = False, *, nulls: bool = False) -> str:
        """:meth:`order_by` as an ``ORDER BY`` list: rows without a key last with ``nulls``."""
        way = "DESC" if self.descending != reverse else "ASC"
        keyed = f"{row}.{self.field} {way}, {row}.id {way}"
        undated = f"({row}.{self.field} IS NULL) {'DESC' if reverse else 'ASC'}, "
        return undated + keyed if nulls else keyed

    def beyond_sql(
        self,
        cursor: Cursor,
        row: str,
        *,
        reverse: bool = False,
        inclusive: bool = False,
        nulls: bool = False,
    ) -> Fragment:
        """:meth:`beyond` as SQL: the same rows, on both databases."""
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


def _missing(field: str) -> Q:
    """Rows whose ``field`` is NULL."""
    condition: dict[str, Any] = {f"{field}__isnull": True}
    return Q(**condition)


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


async def _exists(queryset: QuerySet[M]) -> bool:
    return await queryset.exists()


async def fetch(
    queryset: QuerySet[M], ordering: Ordering, win: Window, *, nulls: bool = False
) -> Page[M]:
    """Fetch one page of ``queryset`` (already filtered for the viewer) in ``ordering``;
    ``nulls`` when rows without a sort key may be among them (see the module doc)."""
    bounded = queryset
    if win.after is not None:
        bounded = bounded.filter(ordering.beyond(win.after, nulls=nulls))
    if win.before is not None:
        bounded = bounded.filter(ordering.beyond(win.before, reverse=True, nulls=nulls))
    rows: list[M] = []
    if win.size:
        if nulls:  # '0' (has a key) sorts before '1'
            missing = Case(When(_missing(ordering.field), then="1"), default="0")
            bounded = bounded.annotate(**{_UNDATED: missing})
        order = ordering.order_by(reverse=not win.forward, nulls=nulls)
        rows = list(await bounded.order_by(*order).limit(win.size + 1))
    more = len(rows) > win.size
    rows = rows[: win.size] if win.forward else rows[: win.size][::-1]
    return Page(
        items=rows,
        ordering=ordering,
        has_next=edge_flag(
            more and win.forward, queryset, ordering, win.before, reverse=False, nulls=nulls
        ),
        has_previous=edge_flag(
            more and not win.forward, queryset, ordering, win.after, reverse=True, nulls=nulls
        ),
        total=queryset.count,
    )


def edge_flag(
    known: bool,
    queryset: QuerySet[M],
    ordering: Ordering,
    cursor: Cursor | None,
    *,
    reverse: bool,
    nulls: bool = False,
) -> Callable[[], Awaitable[bool]]:
    """True if known; else whether rows exist at or past ``cursor`` (the page's far bound)."""
    if known or cursor is None:
        return constant(known)
    beyond = ordering.beyond(cursor, reverse=reverse, inclusive=True, nulls=nulls)
    return lambda: _exists(queryset.filter(beyond))


@dataclass(frozen=True, slots=True)
class Source:
    """What :func:`fetch_sql` pages through: ``SELECT {columns} FROM {table} {row} WHERE
    {where}``, each row made into an item by ``item``."""

    table: str
    row: str
    columns: str
    where: Fragment
    item: Callable[[dict[str, Any]], Any]


async def fetch_sql(
    source: Source, ordering: Ordering, win: Window, *, nulls: bool = False
) -> Page[T]:
    """:func:`fetch` in hand-written SQL: the same page (and flags and total) of ``source``,
    without building ORM models."""
    row = source.row
    seek = all_of(
        source.where,
        ordering.beyond_sql(win.after, row, nulls=nulls) if win.after is not None else None,
        ordering.beyond_sql(win.before, row, reverse=True, nulls=nulls)
        if win.before is not None
        else None,
    )
    items: list[T] = []
    if win.size:
        order = ordering.order_sql(row, reverse=not win.forward, nulls=nulls)
        sql, params = seek
        found = await db.fetch(
            f"SELECT {source.columns} FROM {source.table} {row} WHERE {sql} "
            f"ORDER BY {order} LIMIT ?",
            [*params, win.size + 1],
        )
        items = [source.item(r) for r in found]
    more = len(items) > win.size
    items = items[: win.size] if win.forward else items[: win.size][::-1]
    return Page(
        items=items,
        ordering=ordering,
        has_next=_edge_sql(more and win.forward, source, ordering, win.before, False, nulls),
        has_previous=_edge_sql(more and not win.forward, source, ordering, win.after, True, nulls),
        total=lambda: _count_sql(source),
    )


def _edge_sql(
    known: bool,
    source: Source,
    ordering: Ordering,
    cursor: Cursor | None,
    reverse: bool,
    nulls: bool,
) -> Callable[[], Awaitable[bool]]:
    """:func:`edge_flag` for :func:`fetch_sql`."""
    if known or cursor is None:
        return constant(known)
    beyond = ordering.beyond_sql(cursor, source.row, reverse=reverse, inclusive=True, nulls=nulls)
    sql, params = all_of(source.where, beyond)

    async def exists() -> bool:
        found = await db.fetch(
            f"SELECT 1 AS found FROM {source.table} {source.row} WHERE {sql} LIMIT 1", params
        )
        return bool(found)

    return exists


async def _count_sql(source: Source) -> int:
    sql, params = source.where
    found = await db.fetch(
        f"SELECT COUNT(*) AS n FROM {source.table} {source.row} WHERE {sql}", params
    )
    return int(found[0]["n"])
