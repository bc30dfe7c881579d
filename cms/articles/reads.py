"""Rows for the read API: articles, authors, events and images as plain records, read with SQL.

The public reads (the feed, an article page, search results) are the CMS's hottest path, and
building ORM models for them costs more than the statements themselves: every query built
anew, every column converted, every article's whole body decoded. The batch readers here send
one hand-written statement each (through :mod:`cms.core.db`, in both dialects) and return slotted
records with the models' attribute names (:mod:`cms.core.rows`: each declared once, its columns
and conversions derived from the declaration). The API's types read rows only: a mutation's
answer is the row of the model it wrote (``ArticleRow.of``), made without a statement.

Which articles a viewer may see is decided by :mod:`cms.articles.visibility` (its SQL form)
and :func:`cms.articles.queries.conditions`, as everywhere else: nothing here decides it anew.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field, fields
from datetime import datetime
from typing import Any, TypeVar

from cms.articles.visibility import visible_sql
from cms.core import db
from cms.core.db import all_of, marks
from cms.core.rows import Shape, json_value, shape, stored_as
from cms.core.viewer import Viewer
from cms.models import Article, ArticleStatus, Author, Event, Image

R = TypeVar("R")

__all__ = [
    "ARTICLE",
    "AUTHOR",
    "EVENT",
    "IMAGE",
    "ArticleRow",
    "AuthorRow",
    "EventRow",
    "ImageRow",
    "articles_by_ids",
    "articles_by_slugs",
    "articles_by_story",
    "authors_by_article_ids",
    "authors_by_ids",
    "authors_by_slugs",
    "events_by_ids",
    "events_by_slugs",
    "images_by_article_ids",
    "images_by_ids",
    "listed",
    "rows_by",
    "rows_by_article",
]


@dataclass(slots=True)
class ArticleRow:
    """An article as the read API sees it (the columns of ``cms.models.Article`` it reads)."""

    id: int
    slug: str
    title: str
    title_sort: str
    summary: str
    status: ArticleStatus
    published_at: datetime | None
    created_at: datetime
    updated_at: datetime
    version: int
    byline: str
    event_id: int | None
    cover_id: int | None
    section_id: int | None
    seo_title: str
    seo_description: str
    locale: str
    story_id: int | None
    raw_body: Any = field(default=None, metadata=stored_as("body"))
    """The stored body, decoded only when a field reads it (see :attr:`body`); None when the
    row was read without it (:func:`listed`)."""
    cover_caption: str | None = field(default=None, metadata=stored_as(None))
    """The caption the body gives the cover (None: none), read instead of the body by
    :func:`listed` (see migration 0010)."""

    @property
    def has_body(self) -> bool:
        """Whether the body was read (:func:`listed` reads only the cover's caption)."""
        return self.raw_body is not None

    @property
    def body(self) -> list[dict[str, Any]]:
        """The body's blocks in their stored form (see :mod:`cms.articles.body`), decoded on
        first use and kept."""
        if self.raw_body is None:
            raise RuntimeError(f"article {self.id} was read without its body")
        found: list[dict[str, Any]] = json_value(self.raw_body)
        self.raw_body = found
        return found

    @classmethod
    def of(cls, article: Article) -> ArticleRow:
        """The row of an article model just written (a mutation's answer): no statement."""
        return _of(cls, article, raw_body=article.body)


ARTICLE = shape(ArticleRow, "article")
"""How article rows are read: ``ARTICLE.select("a")`` and ``ARTICLE.build(row)``."""


def listed(alias: str) -> str:
    """The article columns without the body, and with the caption the body gives the cover: what
    a list of articles that shows nothing else of their bodies reads (a feed: the body is most
    of an article's bytes)."""
    columns = ARTICLE.select(alias).replace(f"{alias}.body", "NULL AS body")
    return (
        f"{columns}, (SELECT c.caption FROM article_cover_caption c "
        f"WHERE c.article_id = {alias}.id) AS cover_caption"
    )


def _of(row_type: type[R], model: Any, **given: Any) -> R:
    """A row with the values of a model instance (same attribute names), ``given`` overriding."""
    names = [f.name for f in fields(row_type)]  # type: ignore[arg-type]
    return row_type(*(given[n] if n in given else getattr(model, n, None) for n in names))


async def articles_by_ids(
    viewer: Viewer | None, now: datetime, ids: Sequence[int]
) -> list[ArticleRow | None]:
    """Batch reader: item ``i`` answers ``ids[i]``; articles ``viewer`` may not see answer None.

    ``viewer`` None reads without a visibility rule: for ids a visible list already chose (the
    hits of a search).
    """
    return await _articles_by("id", ids, viewer, now)


async def articles_by_slugs(
    viewer: Viewer, now: datetime, keys: Sequence[tuple[str, str]]
) -> list[ArticleRow | None]:
    """Batch reader by locale and slug (slugs are unique per locale); articles ``viewer`` may
    not see answer None."""
    if not keys:
        return []
    locales = sorted({locale for locale, _ in keys})
    slugs = sorted({slug for _, slug in keys})
    where, params = all_of(
        (f"a.slug IN ({marks(len(slugs))})", slugs),
        (f"a.locale IN ({marks(len(locales))})", locales),
        visible_sql(viewer, now, "a"),
    )
    rows = await db.fetch(f"SELECT {ARTICLE.select('a')} FROM article a WHERE {where}", params)
    found = {(row["locale"], row["slug"]): ARTICLE.build(row) for row in rows}
    return [found.get(key) for key in keys]


async def articles_by_story(
    viewer: Viewer, now: datetime, story_ids: Sequence[int], locales: Sequence[str]
) -> list[list[ArticleRow]]:
    """Batch reader: the articles of each story (its translations) in ``locales`` (the
    configured ones) ``viewer`` may see, in locale order, in one statement."""
    if not story_ids:
        return []
    where, params = all_of(
        (f"a.story_id IN ({marks(len(story_ids))})", list(story_ids)),
        (f"a.locale IN ({marks(len(locales))})", list(locales)),
        visible_sql(viewer, now, "a"),
    )
    sql = f"SELECT {ARTICLE.select('a')} FROM article a WHERE {where} ORDER BY a.locale, a.id"
    found: dict[int, list[ArticleRow]] = {}
    for row in await db.fetch(sql, params):
        built = ARTICLE.build(row)
        found.setdefault(int(row["story_id"]), []).append(built)
    return [found.get(story_id, []) for story_id in story_ids]


async def _articles_by(
    column_name: str, keys: Sequence[Any], viewer: Viewer | None, now: datetime
) -> list[ArticleRow | None]:
    if not keys:
        return []
    where, params = all_of(
        (f"a.{column_name} IN ({marks(len(keys))})", list(keys)),
        visible_sql(viewer, now, "a") if viewer is not None else None,
    )
    rows = await db.fetch(f"SELECT {ARTICLE.select('a')} FROM article a WHERE {where}", params)
    found = {row[column_name]: ARTICLE.build(row) for row in rows}
    return [found.get(key) for key in keys]


@dataclass(slots=True)
class AuthorRow:
    """An author (the columns of ``cms.models.Author`` the read API reads)."""

    id: int
    slug: str
    name: str
    bio: str
    email: str | None
    avatar_id: int | None
    translations: dict[str, dict[str, str]] | None = None
    """Its texts in the locales other than the default (``cms.core.locales``)."""

    @classmethod
    def of(cls, author: Author) -> AuthorRow:
        """The row of an author model just written (a mutation's answer)."""
        return _of(cls, author)


AUTHOR = shape(AuthorRow, "author")


async def authors_by_ids(ids: Sequence[int]) -> list[AuthorRow | None]:
    """Batch reader: item ``i`` answers ``ids[i]``."""
    return await rows_by(AUTHOR, "id", ids)


async def authors_by_slugs(slugs: Sequence[str]) -> list[AuthorRow | None]:
    """Batch reader by slug."""
    return await rows_by(AUTHOR, "slug", slugs)


async def authors_by_article_ids(article_ids: Sequence[int]) -> list[list[AuthorRow]]:
    """Batch reader: each article's authors in byline order, in one statement."""
    return await rows_by_article(AUTHOR, "article_author", "author_id", article_ids)


@dataclass(slots=True)
class EventRow:
    """An event (the columns of ``cms.models.Event`` the read API reads)."""

    id: int
    slug: str
    name: str
    description: str
    starts_at: datetime
    ends_at: datetime | None
    location: str
    organizer: str
    host: str
    participants: list[str]
    translations: dict[str, dict[str, str]] | None = None
    """Its texts in the locales other than the default (``cms.core.locales``)."""

    @classmethod
    def of(cls, event: Event) -> EventRow:
        """The row of an event model just written (a mutation's answer)."""
        return _of(cls, event, participants=list(event.participants))


EVENT = shape(EventRow, "event")


async def events_by_ids(ids: Sequence[int]) -> list[EventRow | None]:
    """Batch reader: item ``i`` answers ``ids[i]``."""
    return await rows_by(EVENT, "id", ids)


async def events_by_slugs(slugs: Sequence[str]) -> list[EventRow | None]:
    """Batch reader by slug."""
    return await rows_by(EVENT, "slug", slugs)


@dataclass(slots=True)
class ImageRow:
    """A picture (the columns of ``cms.models.Image`` the read API reads)."""

    id: int
    store_key: str
    filename: str
    mime_type: str
    size: int
    width: int
    height: int
    content_hash: str
    alt: str
    caption: str
    credit: str
    placeholder: str | None
    dominant_color: str | None
    focal_x: float
    focal_y: float
    translations: dict[str, dict[str, str]] | None = None
    """Its texts in the locales other than the default (``cms.core.locales``)."""

    @classmethod
    def of(cls, image: Image) -> ImageRow:
        """The row of an image model just written (a mutation's answer)."""
        return _of(cls, image)


IMAGE = shape(ImageRow, "image")


async def images_by_ids(ids: Sequence[int]) -> list[ImageRow | None]:
    """Batch reader: item ``i`` answers ``ids[i]``."""
    return await rows_by(IMAGE, "id", ids)


async def images_by_article_ids(article_ids: Sequence[int]) -> list[list[ImageRow]]:
    """Batch reader: each article's pictures (cover first, then figures) in reading order."""
    return await rows_by_article(IMAGE, "article_image", "image_id", article_ids)


# --- the statements every reader shares -------------------------------------------------------


async def rows_by(of: Shape[R], column_name: str, keys: Sequence[Any]) -> list[R | None]:
    """Rows of ``of`` whose ``column_name`` is one of ``keys``: item ``i`` answers ``keys[i]``."""
    if not keys:
        return []
    rows = await db.fetch(
        f"SELECT {of.select('x')} FROM {of.table} x WHERE x.{column_name} IN ({marks(len(keys))})",
        list(keys),
    )
    found = {row[column_name]: of.build(row) for row in rows}
    return [found.get(key) for key in keys]


async def rows_by_article(
    of: Shape[R], links: str, link_column: str, article_ids: Sequence[int]
) -> list[list[R]]:
    """Each article's rows of ``of`` through the link table ``links`` (by its ``position``)."""
    if not article_ids:
        return []
    grouped: dict[int, list[R]] = {i: [] for i in article_ids}
    rows = await db.fetch(
        f"SELECT l.article_id AS linked_article_id, {of.select('x')} FROM {links} l "
        f"JOIN {of.table} x ON x.id = l.{link_column} "
        f"WHERE l.article_id IN ({marks(len(article_ids))}) ORDER BY l.article_id, l.position",
        list(article_ids),
    )
    for row in rows:
        grouped[row["linked_article_id"]].append(of.build(row))
    return [grouped[i] for i in article_ids]
