"""The ORM's reading of the article lists' rules: the oracle the SQL is checked against.

The CMS writes each rule once, as SQL (:mod:`cms.articles.visibility`, :mod:`cms.articles.queries`,
:mod:`cms.core.pagination`). This is the same rules written independently with tortoise's query
builder, as the CMS had them before: tests compare the two, page for page, so a mistake in the
SQL shows as a difference instead of hiding in both.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import datetime
from typing import Any, TypeVar

from tortoise.expressions import Case, Q, Subquery, When
from tortoise.models import Model
from tortoise.queryset import QuerySet

from cms.articles.queries import ArticleFilter
from cms.articles.visibility import PUBLIC_STATUSES
from cms.core.clock import utc
from cms.core.pagination import Cursor, Ordering, Page, Window, constant
from cms.core.viewer import Viewer
from cms.models import Article, ArticleAuthor, ArticleStatus

M = TypeVar("M", bound=Model)

_UNDATED = "sort_key_missing"
"""The annotation that sorts rows without a sort key after the others (``nulls=True``)."""


def visible_articles(viewer: Viewer, now: datetime) -> Q:
    """Filter for the articles ``viewer`` may see at ``now``: public ones, and an author's own."""
    if viewer.can_preview:
        return Q()
    public = Q(status__in=PUBLIC_STATUSES, published_at__lte=now)
    if viewer.author_id is None:
        return public
    own = ArticleAuthor.filter(author_id=viewer.author_id).values("article_id")
    return Q(public, Q(id__in=Subquery(own)), join_type=Q.OR)


def with_status(statuses: tuple[ArticleStatus, ...], now: datetime) -> Q:
    """Filter for articles whose :func:`effective_status` is one of ``statuses``."""
    due = Q(status__in=PUBLIC_STATUSES, published_at__lte=now)
    parts = {
        ArticleStatus.PUBLISHED: due,
        ArticleStatus.SCHEDULED: Q(status__in=PUBLIC_STATUSES) & ~due,
        ArticleStatus.DRAFT: Q(status=ArticleStatus.DRAFT),
        ArticleStatus.ARCHIVED: Q(status=ArticleStatus.ARCHIVED),
    }
    return Q(*(parts[s] for s in statuses), join_type=Q.OR)


def queryset(viewer: Viewer, now: datetime, where: ArticleFilter) -> QuerySet[Article]:
    """The articles ``viewer`` may see at ``now``, narrowed by ``where``."""
    conditions = [visible_articles(viewer, now)]
    if where.author_id is not None or where.author_slug is not None:
        links = ArticleAuthor.filter(
            **({"author_id": where.author_id} if where.author_id is not None else {}),
            **({"author__slug": where.author_slug} if where.author_slug is not None else {}),
        )
        conditions.append(Q(id__in=Subquery(links.values("article_id"))))
    if where.event_id is not None:
        conditions.append(Q(event_id=where.event_id))
    if where.event_slug is not None:
        conditions.append(Q(event__slug=where.event_slug))
    if where.published_after is not None:
        conditions.append(Q(published_at__gte=utc(where.published_after)))
    if where.published_before is not None:
        conditions.append(Q(published_at__lt=utc(where.published_before)))
    if where.statuses:
        conditions.append(with_status(where.statuses, now))
    return Article.filter(*conditions)


def order_by(self: Ordering, reverse: bool = False, *, nulls: bool = False) -> tuple[str, ...]:
    sign = "-" if self.descending != reverse else ""
    keyed = (f"{sign}{self.field}", f"{sign}id")
    return (f"-{_UNDATED}" if reverse else _UNDATED, *keyed) if nulls else keyed


def beyond(
    self: Ordering,
    cursor: Cursor,
    *,
    reverse: bool = False,
    inclusive: bool = False,
    nulls: bool = False,
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


async def _exists(queryset: QuerySet[M]) -> bool:
    return await queryset.exists()


async def fetch(
    queryset: QuerySet[M], ordering: Ordering, win: Window, *, nulls: bool = False
) -> Page[M]:
    """Fetch one page of ``queryset`` (already filtered for the viewer) in ``ordering``;
    ``nulls`` when rows without a sort key may be among them (see the module doc)."""
    bounded = queryset
    if win.after is not None:
        bounded = bounded.filter(beyond(ordering, win.after, nulls=nulls))
    if win.before is not None:
        bounded = bounded.filter(beyond(ordering, win.before, reverse=True, nulls=nulls))
    rows: list[M] = []
    if win.size:
        if nulls:  # '0' (has a key) sorts before '1'
            missing = Case(When(_missing(ordering.field), then="1"), default="0")
            bounded = bounded.annotate(**{_UNDATED: missing})
        order = order_by(ordering, reverse=not win.forward, nulls=nulls)
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
    past = beyond(ordering, cursor, reverse=reverse, inclusive=True, nulls=nulls)
    return lambda: _exists(queryset.filter(past))
