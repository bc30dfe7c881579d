"""Articles: filtered keyset pages, batch readers for the API's loaders, and saving (with the
version check that keeps two editors from overwriting each other)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from tortoise.expressions import Q, Subquery
from tortoise.queryset import QuerySet

from cms.articles import body as body_
from cms.articles import revisions
from cms.articles.reads import ArticleRow, article_row, listed, qualified
from cms.articles.visibility import visible_articles, visible_sql, with_status, with_status_sql
from cms.core import clock
from cms.core.clock import utc
from cms.core.db import Fragment, all_of
from cms.core.errors import CmsError, Conflict, InvalidInput, NotFound
from cms.core.pagination import Ordering, Page, Source, Window, fetch_sql
from cms.core.slugs import unique_slug
from cms.core.viewer import Viewer
from cms.media import images
from cms.models import Article, ArticleAuthor, ArticleStatus
from cms.search import index as search_index
from cms.text import normalize, sort_key

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


def filtered(viewer: Viewer, now: datetime, where: ArticleFilter) -> Fragment:
    """SQL selecting the ids of the articles ``viewer`` may see, narrowed by ``where``.

    For raw queries (search) that embed it as ``a.id IN (...)``: written with ``?`` markers, so
    the caller numbers all its parameters in one pass. The same conditions as :func:`queryset`'s.
    """
    sql, params = conditions(viewer, now, where, "f")
    return f"SELECT f.id FROM article f WHERE {sql}", params


def conditions(viewer: Viewer, now: datetime, where: ArticleFilter, row: str) -> Fragment:
    """:func:`queryset`'s conditions as SQL over the article table aliased ``row``."""
    return all_of(
        visible_sql(viewer, now, row),
        _by_author(where.author_id, where.author_slug, row),
        _when(where.event_id, f"{row}.event_id = ?"),
        _when(where.event_slug, f"{row}.event_id IN (SELECT e.id FROM event e WHERE e.slug = ?)"),
        _when(where.published_after, f"{row}.published_at >= ?"),
        _when(where.published_before, f"{row}.published_at < ?"),
        with_status_sql(where.statuses, now, row) if where.statuses else None,
    )


def _by_author(author_id: int | None, slug: str | None, row: str) -> Fragment | None:
    if author_id is None and slug is None:
        return None
    joined = " JOIN author au ON au.id = l.author_id" if slug is not None else ""
    sql, params = all_of(_when(author_id, "l.author_id = ?"), _when(slug, "au.slug = ?"))
    return f"{row}.id IN (SELECT l.article_id FROM article_author l{joined} WHERE {sql})", params


def _when(value: object, sql: str) -> Fragment | None:
    """``sql`` with its one marker standing for ``value``; None when ``value`` is None."""
    if value is None:
        return None
    return sql, [utc(value) if isinstance(value, datetime) else value]


def sees_undated(viewer: Viewer) -> bool:
    """Whether ``viewer`` may see articles with no publication time (drafts): editors, authors."""
    return viewer.can_preview or viewer.author_id is not None


async def page(
    viewer: Viewer,
    now: datetime,
    where: ArticleFilter,
    ordering: Ordering,
    win: Window,
    *,
    bodies: bool = True,
) -> Page[ArticleRow]:
    """One page of the articles ``viewer`` may see, narrowed by ``where``. Articles without a
    publication time come after the others in a ``published_at`` order. ``bodies=False``
    reads the rows without their bodies, with their covers' captions (:func:`reads.listed`).

    In SQL (:func:`~cms.core.pagination.fetch_sql`), as rows: the same page as
    :func:`~cms.core.pagination.fetch` over :func:`queryset` would give, for a fraction of
    the work (the feed is the most asked read of all).
    """
    nulls = ordering.field == "published_at" and sees_undated(viewer)
    source = Source(
        "article",
        "a",
        qualified("a") if bodies else listed("a"),
        conditions(viewer, now, where, "a"),
        article_row,
    )
    return await fetch_sql(source, ordering, win, nulls=nulls)


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


async def save(
    data: ArticleData,
    article: Article | None = None,
    *,
    expected_version: int | None = None,
    user_id: int | None = None,
) -> Article:
    """Create (``article`` None) or update an article with its authors, images and index entry,
    and store the result as its next revision (saved by ``user_id``; None for the importer).

    Call inside a transaction: the article, its author links and image links change together.
    The slug is made from the title on creation, so links keep working after a retitle; only an
    explicit ``data.slug`` changes it. With ``expected_version``, the update happens only if the
    article is still at that version (else :class:`Conflict`): see :func:`write_if_unchanged`.
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
    created = article is None
    if article is None:
        slug = data.slug or await unique_slug(Article, title, fallback="article")
        article = await Article.create(slug=slug, **values)
    else:
        values |= {"slug": data.slug} if data.slug else {}
        if expected_version is None:
            await article.update_from_dict(values).save()
        else:
            await write_if_unchanged(article, expected_version, values)
    await _set_authors(article, data.author_ids)
    cover = [data.cover_id] if data.cover_id is not None else []
    await images.set_article_images(article, [*cover, *body_.image_ids(data.blocks)])
    await search_index.index_articles([article])
    await revisions.record(article, user_id, first=created)
    return article


async def write_if_unchanged(article: Article, expected: int, values: dict[str, Any]) -> None:
    """Write ``values`` to ``article`` if it is still at version ``expected``, raising the version
    by one; else :class:`Conflict` with the version it is at (:class:`NotFound` if it is gone).

    The check and the write are one ``UPDATE ... WHERE id = ? AND version = ?``: of two writers
    that saw the same version, the second finds no row at that version (on PostgreSQL it waits
    for the first's row lock, then reads the new version), so it can never overwrite the first.
    """
    article.update_from_dict(values)
    article.title_sort = sort_key(article.title)
    article.updated_at = clock.now()
    article.version = expected + 1
    written = {
        **values,
        "title_sort": article.title_sort,
        "updated_at": article.updated_at,
        "version": article.version,
    }
    if not await Article.filter(id=article.id, version=expected).update(**written):
        raise await _conflict(article.id)


async def set_status(
    article: Article,
    status: ArticleStatus,
    published_at: datetime | None,
    expected_version: int,
    *,
    user_id: int | None,
) -> None:
    """Move ``article`` to ``status`` if it is still at ``expected_version`` (see
    :func:`write_if_unchanged`), and store the result as its next revision."""
    await write_if_unchanged(
        article, expected_version, {"status": status, "published_at": published_at}
    )
    await revisions.record(article, user_id)


async def delete_if_unchanged(article_id: int, expected: int) -> None:
    """Delete an article if it is still at version ``expected`` (else :class:`Conflict`), with
    its author and image links, revisions, preview tokens and search entry (the foreign keys and
    the index's trigger cascade)."""
    if not await Article.filter(id=article_id, version=expected).delete():
        raise await _conflict(article_id)


async def _conflict(article_id: int) -> CmsError:
    current = await Article.filter(id=article_id).values_list("version", flat=True)
    if not current:
        return NotFound("The article was deleted meanwhile.", field="id")
    version = int(str(current[0]))
    return Conflict(
        f"The article was changed meanwhile: it is at version {version} now. Reload it and "
        "apply your change again.",
        current_version=version,
        field="version",
    )


async def author_ids(article_id: int) -> list[int]:
    """The article's authors' ids, in byline order."""
    links = ArticleAuthor.filter(article_id=article_id).order_by("position")
    return [int(str(i)) for i in await links.values_list("author_id", flat=True)]


async def _set_authors(article: Article, author_ids: Sequence[int]) -> None:
    ordered = list(dict.fromkeys(author_ids))
    await ArticleAuthor.filter(article_id=article.id).delete()
    await ArticleAuthor.bulk_create(
        [
            ArticleAuthor(article_id=article.id, author_id=a, position=n)
            for n, a in enumerate(ordered)
        ]
    )
