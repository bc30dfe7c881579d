"""An author's or an event's articles: newest-first pages and counts for many parents at once.

The batch readers behind nested lists (``author { articles }``, ``event { articles }``): one
statement for the pages of every parent in a request, one for their counts.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from datetime import datetime
from typing import Literal

from tortoise.expressions import Subquery
from tortoise.functions import Count

from cms.articles.store import FEED_ORDER, ArticleFilter, queryset, sees_undated
from cms.articles.visibility import visible_articles, visible_sql
from cms.core import db
from cms.core.db import Fragment, all_of, marks
from cms.core.pagination import Cursor, Page, Window, edge_flag
from cms.core.viewer import Viewer
from cms.models import Article, ArticleAuthor

Parent = Literal["author", "event"]


async def first_pages(
    viewer: Viewer,
    now: datetime,
    parent: Parent,
    parent_ids: Sequence[int],
    win: Window,
    total: Callable[[int], Callable[[], Awaitable[int]]],
) -> list[Page[Article]]:
    """Batch reader: one newest-first page per author or event, in two queries for all parents.

    ``total(parent_id)`` supplies each page's lazy ``totalCount`` (the API batches those too).
    """
    ranked = await _ranked_ids(viewer, now, parent, parent_ids, win)
    wanted = [i for ids in ranked.values() for i in ids[: win.size]]
    found = {a.id: a for a in await Article.filter(id__in=wanted)} if wanted else {}
    pages = []
    for parent_id in parent_ids:
        ids = ranked.get(parent_id, [])
        scoped = queryset(viewer, now, _scope(parent, parent_id))
        more = len(ids) > win.size
        pages.append(
            Page(
                items=[found[i] for i in ids[: win.size] if i in found],
                ordering=FEED_ORDER,
                has_next=edge_flag(more, scoped, FEED_ORDER, None, reverse=False),
                has_previous=edge_flag(
                    False, scoped, FEED_ORDER, win.after, reverse=True, nulls=sees_undated(viewer)
                ),
                total=total(parent_id),
            )
        )
    return pages


def _scope(parent: Parent, parent_id: int) -> ArticleFilter:
    if parent == "author":
        return ArticleFilter(author_id=parent_id)
    return ArticleFilter(event_id=parent_id)


async def _ranked_ids(
    viewer: Viewer, now: datetime, parent: Parent, parent_ids: Sequence[int], win: Window
) -> dict[int, list[int]]:
    """Up to ``win.size + 1`` article ids per parent, newest first (a window function)."""
    if not parent_ids or not win.size:
        return {}
    source, key = (
        ("article_author l JOIN article a ON a.id = l.article_id", "l.author_id")
        if parent == "author"
        else ("article a", "a.event_id")
    )
    undated = sees_undated(viewer)
    conditions, params = all_of(
        (f"{key} IN ({marks(len(parent_ids))})", list(parent_ids)),
        visible_sql(viewer, now, "a"),
        _older_than(win.after, undated),
    )
    # Articles without a date (drafts) after the dated ones, as in `articles.page`.
    order = "(a.published_at IS NULL), " if undated else ""
    sql = (
        f"SELECT parent, id FROM (SELECT {key} AS parent, a.id AS id, ROW_NUMBER() OVER "
        f"(PARTITION BY {key} ORDER BY {order}a.published_at DESC, a.id DESC) AS rn FROM {source} "
        f"WHERE {conditions}) ranked WHERE rn <= ? ORDER BY parent, rn"
    )
    rows = await db.fetch(sql, [*params, win.size + 1])
    ranked: dict[int, list[int]] = {}
    for row in rows:
        ranked.setdefault(int(row["parent"]), []).append(int(row["id"]))
    return ranked


def _older_than(cursor: Cursor | None, undated: bool) -> Fragment | None:
    """Articles after ``cursor`` newest first; undated ones last when the viewer sees them."""
    if cursor is None:
        return None
    if cursor.value is None:
        return "(a.published_at IS NULL AND a.id < ?)", [cursor.id]
    later = " OR a.published_at IS NULL" if undated else ""
    sql = f"(a.published_at < ? OR (a.published_at = ? AND a.id < ?){later})"
    return sql, [cursor.value, cursor.value, cursor.id]


async def counts(
    viewer: Viewer, now: datetime, parent: Parent, parent_ids: Sequence[int]
) -> list[int]:
    """Batch reader: how many visible articles each author or event has."""
    if parent == "author":
        rows = await (
            ArticleAuthor.filter(
                author_id__in=parent_ids,
                article_id__in=Subquery(Article.filter(visible_articles(viewer, now)).values("id")),
            )
            .annotate(n=Count("id"))
            .group_by("author_id")
            .values_list("author_id", "n")
        )
    else:
        rows = await (
            Article.filter(visible_articles(viewer, now), event_id__in=parent_ids)
            .annotate(n=Count("id"))
            .group_by("event_id")
            .values_list("event_id", "n")
        )
    found = {int(k): int(n) for k, n in rows}
    return [found.get(i, 0) for i in parent_ids]
