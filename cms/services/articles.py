"""Articles: filtered keyset pages, batch readers for the API's loaders, and saving."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Literal

from tortoise.expressions import Q, Subquery
from tortoise.functions import Count
from tortoise.queryset import QuerySet

from cms import db
from cms.db import Fragment, all_of, marks
from cms.models import Article, ArticleAuthor, ArticleStatus
from cms.search import index as search_index
from cms.services import body as body_
from cms.services import images
from cms.services.clock import utc
from cms.services.errors import InvalidInput
from cms.services.pagination import Cursor, Ordering, Page, Window, edge_flag, fetch
from cms.services.slugs import unique_slug
from cms.services.visibility import (
    Viewer,
    visible_articles,
    visible_sql,
    with_status,
    with_status_sql,
)
from cms.text import normalize

ORDERINGS = {
    (name, descending): Ordering(
        f"article:{name}:{'desc' if descending else 'asc'}", name, descending
    )
    for name in ("published_at", "updated_at", "created_at")
    for descending in (True, False)
} | {
    ("title", descending): Ordering(
        f"article:title:{'desc' if descending else 'asc'}", "title_sort", descending
    )
    for descending in (True, False)
}
FEED_ORDER = ORDERINGS["published_at", True]
"""Newest first, ties broken by id: the default order and the only one of nested lists."""

Parent = Literal["author", "event"]


@dataclass(frozen=True, slots=True)
class ArticleFilter:
    """What a list of articles may be narrowed by. Dates: ``after <= published_at < before``."""

    author_id: int | None = None
    author_slug: str | None = None
    event_id: int | None = None
    event_slug: str | None = None
    published_after: datetime | None = None
    published_before: datetime | None = None
    statuses: tuple[ArticleStatus, ...] = ()


def _queryset(viewer: Viewer, now: datetime, where: ArticleFilter) -> QuerySet[Article]:
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


def filtered(viewer: Viewer, now: datetime, where: ArticleFilter) -> Fragment:
    """SQL selecting the ids of the articles ``viewer`` may see, narrowed by ``where``.

    For raw queries (search) that embed it as ``a.id IN (...)``: written with ``?`` markers, so
    the caller numbers all its parameters in one pass. The same conditions as :func:`page`'s.
    """
    sql, params = all_of(
        visible_sql(viewer, now, "f"),
        _by_author(where.author_id, where.author_slug),
        _when(where.event_id, "f.event_id = ?"),
        _when(where.event_slug, "f.event_id IN (SELECT e.id FROM event e WHERE e.slug = ?)"),
        _when(where.published_after, "f.published_at >= ?"),
        _when(where.published_before, "f.published_at < ?"),
        with_status_sql(where.statuses, now, "f") if where.statuses else None,
    )
    return f"SELECT f.id FROM article f WHERE {sql}", params


def _by_author(author_id: int | None, slug: str | None) -> Fragment | None:
    if author_id is None and slug is None:
        return None
    joined = " JOIN author au ON au.id = l.author_id" if slug is not None else ""
    sql, params = all_of(_when(author_id, "l.author_id = ?"), _when(slug, "au.slug = ?"))
    return f"f.id IN (SELECT l.article_id FROM article_author l{joined} WHERE {sql})", params


def _when(value: object, sql: str) -> Fragment | None:
    """``sql`` with its one marker standing for ``value``; None when ``value`` is None."""
    if value is None:
        return None
    return sql, [utc(value) if isinstance(value, datetime) else value]


async def page(
    viewer: Viewer, now: datetime, where: ArticleFilter, ordering: Ordering, win: Window
) -> Page[Article]:
    """One page of the articles ``viewer`` may see, narrowed by ``where``."""
    return await fetch(_queryset(viewer, now, where), ordering, win)


async def by_ids(viewer: Viewer, now: datetime, ids: Sequence[int]) -> list[Article | None]:
    """Batch reader: item ``i`` answers ``ids[i]``; invisible articles answer None."""
    rows = await Article.filter(visible_articles(viewer, now), id__in=ids)
    found = {article.id: article for article in rows}
    return [found.get(i) for i in ids]


async def by_slugs(viewer: Viewer, now: datetime, slugs: Sequence[str]) -> list[Article | None]:
    """Batch reader by slug; invisible articles answer None."""
    rows = await Article.filter(visible_articles(viewer, now), slug__in=slugs)
    found = {article.slug: article for article in rows}
    return [found.get(s) for s in slugs]


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
        scoped = _queryset(viewer, now, _scope(parent, parent_id))
        pages.append(
            Page(
                items=[found[i] for i in ids[: win.size] if i in found],
                ordering=FEED_ORDER,
                has_next=edge_flag(len(ids) > win.size, scoped, FEED_ORDER, None, reverse=False),
                has_previous=edge_flag(False, scoped, FEED_ORDER, win.after, reverse=True),
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
    conditions, params = all_of(
        (f"{key} IN ({marks(len(parent_ids))})", list(parent_ids)),
        visible_sql(viewer, now, "a"),
        _older_than(win.after),
    )
    sql = (
        f"SELECT parent, id FROM (SELECT {key} AS parent, a.id AS id, ROW_NUMBER() OVER "
        f"(PARTITION BY {key} ORDER BY a.published_at DESC, a.id DESC) AS rn FROM {source} "
        f"WHERE {conditions}) ranked WHERE rn <= ? ORDER BY parent, rn"
    )
    rows = await db.fetch(sql, [*params, win.size + 1])
    ranked: dict[int, list[int]] = {}
    for row in rows:
        ranked.setdefault(int(row["parent"]), []).append(int(row["id"]))
    return ranked


def _older_than(cursor: Cursor | None) -> Fragment | None:
    if cursor is None:
        return None
    sql = "(a.published_at < ? OR (a.published_at = ? AND a.id < ?))"
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


@dataclass(slots=True)
class ArticleData:
    """Everything an article is made of, as a writer supplies it."""

    title: str
    blocks: list[body_.Block]
    status: ArticleStatus = ArticleStatus.DRAFT
    published_at: datetime | None = None
    summary: str = ""
    byline: str = ""
    author_ids: list[int] = field(default_factory=list)
    event_id: int | None = None
    cover_id: int | None = None
    slug: str | None = None
    source_key: str | None = None
    source_hash: str | None = None


async def save(data: ArticleData, article: Article | None = None) -> Article:
    """Create (``article`` None) or update an article with its authors and images.

    Call inside a transaction: the article, its author links and image links change together.
    The slug is made from the title on creation only, so links keep working after a retitle.
    """
    title = normalize(data.title).strip()
    if not title:
        raise InvalidInput("An article needs a title.", field="title")
    if data.status != ArticleStatus.DRAFT and data.published_at is None:
        raise InvalidInput("Scheduled and published articles need a date.", field="publishedAt")
    values: dict[str, Any] = {
        "title": title,
        "body": body_.to_json(data.blocks),
        "status": data.status,
        "published_at": data.published_at,
        "summary": normalize(data.summary).strip(),
        "byline": normalize(data.byline).strip(),
        "event_id": data.event_id,
        "cover_id": data.cover_id,
        "source_key": data.source_key,
        "source_hash": data.source_hash,
    }
    if article is None:
        slug = data.slug or await unique_slug(Article, title, fallback="article")
        article = await Article.create(slug=slug, **values)
    else:
        await article.update_from_dict(values).save()
    await _set_authors(article, data.author_ids)
    cover = [data.cover_id] if data.cover_id is not None else []
    await images.set_article_images(article, [*cover, *body_.image_ids(data.blocks)])
    await search_index.index_articles([article])
    return article


async def _set_authors(article: Article, author_ids: Sequence[int]) -> None:
    ordered = list(dict.fromkeys(author_ids))
    await ArticleAuthor.filter(article_id=article.id).delete()
    await ArticleAuthor.bulk_create(
        [
            ArticleAuthor(article_id=article.id, author_id=a, position=n)
            for n, a in enumerate(ordered)
        ]
    )
