"""The articles of an author, an event, a section or a tag: newest-first pages and counts for
many parents at once.

The batch readers behind nested lists (``author { articles }``, ``section { articles }``): one
statement for the pages of every parent in a request, one for their articles' rows, one for their
counts. A section's articles are those of the sections below it too. Who sees which article,
and the newest-first order with its cursors, are the lists' own rules
(:func:`cms.articles.queries.conditions`, :data:`cms.articles.queries.FEED_ORDER`).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from datetime import datetime
from typing import Any, Literal

from cms.articles import reads
from cms.articles.queries import FEED_ORDER, ArticleFilter, conditions, sees_undated
from cms.articles.reads import ArticleRow
from cms.articles.structure_reads import within_sql
from cms.articles.visibility import in_locale, visible_sql
from cms.core import db
from cms.core.db import Fragment, all_of, marks
from cms.core.pagination import Page, Source, Window, constant, edge
from cms.core.viewer import Viewer

Parent = Literal["author", "event", "section", "tag"]


async def first_pages(
    viewer: Viewer,
    now: datetime,
    parent: Parent,
    parent_ids: Sequence[int],
    win: Window,
    total: Callable[[int], Callable[[], Awaitable[int]]],
    locale: str | None = None,
) -> list[Page[ArticleRow]]:
    """Batch reader: one newest-first page per author or event, in two statements for all
    parents. ``total(parent_id)`` supplies each page's lazy ``totalCount`` (the API batches those
    too). ``locale``: only the articles written in it (None: in any)."""
    ranked = await _ranked_ids(viewer, now, parent, parent_ids, win, locale)
    wanted = [i for ids in ranked.values() for i in ids[: win.size]]
    rows = await reads.articles_by_ids(None, now, wanted)  # chosen visible above
    found = {row.id: row for row in rows if row is not None}
    undated = sees_undated(viewer)
    pages = []
    for parent_id in parent_ids:
        ids = ranked.get(parent_id, [])
        scoped = _scope(viewer, now, parent, parent_id, locale)
        scope = Source("article", "a", "a.id", scoped, _id)
        pages.append(
            Page(
                items=[found[i] for i in ids[: win.size] if i in found],
                ordering=FEED_ORDER,
                has_next=constant(len(ids) > win.size),
                has_previous=edge(False, scope, FEED_ORDER, win.after, True, undated),
                total=total(parent_id),
            )
        )
    return pages


def _id(row: dict[str, Any]) -> int:
    return int(row["id"])


def _scope(
    viewer: Viewer, now: datetime, parent: Parent, parent_id: int, locale: str | None
) -> Fragment:
    """The articles of one parent ``viewer`` may see, as SQL over ``article a``."""
    narrowed = {
        "author": ArticleFilter(author_id=parent_id, locale=locale),
        "event": ArticleFilter(event_id=parent_id, locale=locale),
        "section": ArticleFilter(section_id=parent_id, locale=locale),
        "tag": ArticleFilter(tag_ids=(parent_id,), locale=locale),
    }[parent]
    return conditions(viewer, now, narrowed, "a")


async def _ranked_ids(
    viewer: Viewer,
    now: datetime,
    parent: Parent,
    parent_ids: Sequence[int],
    win: Window,
    locale: str | None,
) -> dict[int, list[int]]:
    """Up to ``win.size + 1`` article ids per parent, newest first (a window function)."""
    if not parent_ids or not win.size:
        return {}
    source, key = _source(parent)
    undated = sees_undated(viewer)
    after = FEED_ORDER.beyond(win.after, "a", nulls=undated) if win.after is not None else None
    where, params = all_of(
        (f"{key} IN ({marks(len(parent_ids))})", list(parent_ids)),
        visible_sql(viewer, now, "a"),
        in_locale(locale, "a"),
        after,
    )
    order = FEED_ORDER.order_sql("a", nulls=undated)
    sql = (
        f"SELECT parent, id FROM (SELECT {key} AS parent, a.id AS id, ROW_NUMBER() OVER "
        f"(PARTITION BY {key} ORDER BY {order}) AS rn FROM {source} WHERE {where}) ranked "
        "WHERE rn <= ? ORDER BY parent, rn"
    )
    ranked: dict[int, list[int]] = {}
    for row in await db.fetch(sql, [*params, win.size + 1]):
        ranked.setdefault(int(row["parent"]), []).append(int(row["id"]))
    return ranked


def _source(parent: Parent) -> tuple[str, str]:
    """The articles of a parent kind, and the column naming their parent."""
    return _SOURCES[parent]


_SOURCES: dict[Parent, tuple[str, str]] = {
    "author": ("article_author l JOIN article a ON a.id = l.article_id", "l.author_id"),
    "event": ("article a", "a.event_id"),
    "section": (
        f"section p JOIN section d ON {within_sql('p', 'd')} JOIN article a ON a.section_id = d.id",
        "p.id",
    ),
    "tag": ("article_tag l JOIN article a ON a.id = l.article_id", "l.tag_id"),
}


async def counts(
    viewer: Viewer,
    now: datetime,
    parent: Parent,
    parent_ids: Sequence[int],
    locale: str | None = None,
) -> list[int]:
    """Batch reader: how many articles ``viewer`` may see each author or event has."""
    if not parent_ids:
        return []
    source, key = _source(parent)
    where, params = all_of(
        (f"{key} IN ({marks(len(parent_ids))})", list(parent_ids)),
        visible_sql(viewer, now, "a"),
        in_locale(locale, "a"),
    )
    rows = await db.fetch(
        f"SELECT {key} AS parent, COUNT(*) AS n FROM {source} WHERE {where} GROUP BY {key}",
        params,
    )
    found = {int(row["parent"]): int(row["n"]) for row in rows}
    return [found.get(i, 0) for i in parent_ids]
