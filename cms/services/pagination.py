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

from cms.services import cursors
from cms.services.clock import utc
from cms.services.errors import InvalidCursor, InvalidInput, PageSizeError

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
    cursors: list[str] = field(init=False)

    def __post_init__(self) -> None:
        self.cursors = [self.ordering.cursor(item) for item in self.items]


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
