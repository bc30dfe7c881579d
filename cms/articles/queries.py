"""Which articles a list shows, in which order: the filters, orderings and pages of articles.

Every list of articles (the feed, an author's or an event's, search's candidates, the change
feed's) takes its conditions from here, written once as SQL (:func:`conditions`), with the
visibility rule of :mod:`cms.articles.visibility`. Code that needs model instances (editing)
selects with the same SQL (:func:`cms.articles.store.visible_model`).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from cms.articles.reads import ARTICLE, ArticleRow, listed
from cms.articles.structure_reads import within_sql
from cms.articles.visibility import in_locale, visible_sql, with_status_sql
from cms.core.clock import utc
from cms.core.db import Fragment, all_of, marks
from cms.core.pagination import Ordering, Page, Source, Window, fetch
from cms.core.viewer import Viewer
from cms.models import ArticleStatus

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
    section_id: int | None = None
    """In this section or any section below it."""
    section_slug: str | None = None
    """In the section with this slug, or this path (``tin-tuc/hoat-dong-cua-ban``), or below."""
    tag_ids: tuple[int, ...] = ()
    """Carrying every one of these tags."""
    tag_slugs: tuple[str, ...] = ()
    """Carrying every one of the tags with these slugs."""
    locale: str | None = None
    """Written in this locale (the API always names one: the default when a client does not)."""
    locales: tuple[str, ...] = ()
    """Written in one of these (the configured ones: sitemaps list every configured locale's)."""


def filtered(viewer: Viewer, now: datetime, where: ArticleFilter) -> Fragment:
    """SQL selecting the ids of the articles ``viewer`` may see, narrowed by ``where``.

    For raw queries (search) that embed it as ``a.id IN (...)``: written with ``?`` markers, so
    the caller numbers all its parameters in one pass.
    """
    sql, params = conditions(viewer, now, where, "f")
    return f"SELECT f.id FROM article f WHERE {sql}", params


def conditions(viewer: Viewer, now: datetime, where: ArticleFilter, row: str) -> Fragment:
    """The articles ``viewer`` may see at ``now``, narrowed by ``where``, as SQL conditions over
    the article table aliased ``row``: the one statement of who sees which article in a list
    (visibility itself is :mod:`cms.articles.visibility`'s)."""
    return all_of(
        visible_sql(viewer, now, row),
        in_locale(where.locale, row),
        _among(where.locales, f"{row}.locale"),
        _by_author(where.author_id, where.author_slug, row),
        _when(where.event_id, f"{row}.event_id = ?"),
        _when(where.event_slug, f"{row}.event_id IN (SELECT e.id FROM event e WHERE e.slug = ?)"),
        _when(where.published_after, f"{row}.published_at >= ?"),
        _when(where.published_before, f"{row}.published_at < ?"),
        with_status_sql(where.statuses, now, row) if where.statuses else None,
        _in_section(where.section_id, where.section_slug, row),
        *(_when(tag_id, _TAGGED.format(row=row, tag="l.tag_id = ?")) for tag_id in where.tag_ids),
        *(_when(slug, _TAGGED.format(row=row, tag=_TAG_SLUG)) for slug in where.tag_slugs),
    )


_TAGGED = "{row}.id IN (SELECT l.article_id FROM article_tag l WHERE {tag})"
_TAG_SLUG = "l.tag_id IN (SELECT t.id FROM tag t WHERE t.slug = ?)"


def _in_section(section_id: int | None, slug: str | None, row: str) -> Fragment | None:
    """Articles in one section or below it, the section named by id, slug or path."""
    if section_id is None and slug is None:
        return None
    named, params = all_of(
        _when(section_id, "s.id = ?"),
        _when(slug, "s.path = ?" if slug is not None and "/" in slug else "s.slug = ?"),
    )
    return (
        f"{row}.section_id IN (SELECT d.id FROM section s JOIN section d "
        f"ON {within_sql('s', 'd')} WHERE {named})",
        params,
    )


def _by_author(author_id: int | None, slug: str | None, row: str) -> Fragment | None:
    if author_id is None and slug is None:
        return None
    joined = " JOIN author au ON au.id = l.author_id" if slug is not None else ""
    sql, params = all_of(_when(author_id, "l.author_id = ?"), _when(slug, "au.slug = ?"))
    return f"{row}.id IN (SELECT l.article_id FROM article_author l{joined} WHERE {sql})", params


def _among(values: tuple[str, ...], column: str) -> Fragment | None:
    """``column`` is one of ``values`` (None: no condition when there are none)."""
    if not values:
        return None
    return f"{column} IN ({marks(len(values))})", list(values)


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

    As rows (:mod:`cms.articles.reads`), not models: the feed is the most asked read of all.
    """
    nulls = ordering.field == "published_at" and sees_undated(viewer)
    source = Source(
        "article",
        "a",
        ARTICLE.select("a") if bodies else listed("a"),
        conditions(viewer, now, where, "a"),
        ARTICLE.build,
    )
    return await fetch(source, ordering, win, nulls=nulls)
