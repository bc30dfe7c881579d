"""Rows for the read API: articles, authors, events and images as plain records, read with SQL.

The public reads (the feed, an article page, search results) are the CMS's hottest path, and
building ORM models for them costs more than the statements themselves: every query built
anew, every column converted, every article's whole body decoded. The batch readers here send
one hand-written statement each (through :mod:`cms.core.db`, in both dialects) and return slotted
records with the models' attribute names, so the API's types read either.

Which articles a viewer may see is decided by :mod:`cms.articles.visibility` (its SQL form)
and :func:`cms.articles.store.conditions`, as everywhere else: nothing here decides it anew.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import orjson

from cms.articles.visibility import visible_sql
from cms.core import db
from cms.core.db import all_of, marks
from cms.core.viewer import Viewer
from cms.models import ArticleStatus

__all__ = [
    "ARTICLE_COLUMNS",
    "ArticleRow",
    "AuthorRow",
    "EventRow",
    "ImageRow",
    "article_row",
    "articles_by_ids",
    "articles_by_slugs",
    "authors_by_article_ids",
    "events_by_ids",
    "images_by_article_ids",
    "images_by_ids",
    "listed",
]


def _datetime(value: Any) -> datetime:
    """A stored date-time as an aware UTC value (SQLite keeps text, PostgreSQL a timestamp);
    one stored without an offset is UTC, as the ORM reads it."""
    found = value if isinstance(value, datetime) else datetime.fromisoformat(value)
    return found.replace(tzinfo=UTC) if found.utcoffset() is None else found.astimezone(UTC)


def _maybe_datetime(value: Any) -> datetime | None:
    return None if value is None else _datetime(value)


def _json(value: Any) -> Any:
    """A stored JSON column: text on SQLite (and from asyncpg without a codec), else decoded."""
    return orjson.loads(value) if isinstance(value, str | bytes) else value


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
    raw_body: Any
    """The stored body, decoded only when a field reads it (see :attr:`body`); None when the
    row was read without it (:func:`listed`)."""
    cover_caption: str | None = None
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
        found: list[dict[str, Any]] = _json(self.raw_body)
        self.raw_body = found
        return found


ARTICLE_COLUMNS = (
    "id, slug, title, title_sort, summary, status, published_at, created_at, updated_at, "
    "version, byline, event_id, cover_id, body"
)
"""The columns :func:`article_row` reads, unqualified (prefix them with an alias as needed)."""


def article_row(row: dict[str, Any]) -> ArticleRow:
    """The record of a row holding :data:`ARTICLE_COLUMNS`."""
    return ArticleRow(
        id=row["id"],
        slug=row["slug"],
        title=row["title"],
        title_sort=row["title_sort"],
        summary=row["summary"],
        status=ArticleStatus(row["status"]),
        published_at=_maybe_datetime(row["published_at"]),
        created_at=_datetime(row["created_at"]),
        updated_at=_datetime(row["updated_at"]),
        version=row["version"],
        byline=row["byline"],
        event_id=row["event_id"],
        cover_id=row["cover_id"],
        raw_body=row["body"],
        cover_caption=row.get("cover_caption"),
    )


def qualified(alias: str) -> str:
    """:data:`ARTICLE_COLUMNS` prefixed with a table alias: ``a.id, a.slug, ...``."""
    return ", ".join(f"{alias}.{column}" for column in ARTICLE_COLUMNS.split(", "))


def listed(alias: str) -> str:
    """:func:`qualified` without the body, and with the caption the body gives the cover: what
    a list of articles that shows nothing else of their bodies reads (a feed: the body is most
    of an article's bytes)."""
    columns = qualified(alias).replace(f"{alias}.body", "NULL AS body")
    return (
        f"{columns}, (SELECT c.caption FROM article_cover_caption c "
        f"WHERE c.article_id = {alias}.id) AS cover_caption"
    )


async def articles_by_ids(
    viewer: Viewer | None, now: datetime, ids: Sequence[int]
) -> list[ArticleRow | None]:
    """Batch reader: item ``i`` answers ``ids[i]``; articles ``viewer`` may not see answer None.

    ``viewer`` None reads without a visibility rule: for ids a visible list already chose (the
    hits of a search).
    """
    return await _articles_by("id", ids, viewer, now)


async def articles_by_slugs(
    viewer: Viewer, now: datetime, slugs: Sequence[str]
) -> list[ArticleRow | None]:
    """Batch reader by slug; articles ``viewer`` may not see answer None."""
    return await _articles_by("slug", slugs, viewer, now)


async def _articles_by(
    column: str, keys: Sequence[Any], viewer: Viewer | None, now: datetime
) -> list[ArticleRow | None]:
    if not keys:
        return []
    where, params = all_of(
        (f"a.{column} IN ({marks(len(keys))})", list(keys)),
        visible_sql(viewer, now, "a") if viewer is not None else None,
    )
    rows = await db.fetch(f"SELECT {qualified('a')} FROM article a WHERE {where}", params)
    found = {row[column]: article_row(row) for row in rows}
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


async def authors_by_article_ids(article_ids: Sequence[int]) -> list[list[AuthorRow]]:
    """Batch reader: each article's authors in byline order, in one statement."""
    if not article_ids:
        return []
    grouped: dict[int, list[AuthorRow]] = {i: [] for i in article_ids}
    rows = await db.fetch(
        "SELECT l.article_id, au.id, au.slug, au.name, au.bio, au.email, au.avatar_id "
        "FROM article_author l JOIN author au ON au.id = l.author_id "
        f"WHERE l.article_id IN ({marks(len(article_ids))}) ORDER BY l.article_id, l.position",
        list(article_ids),
    )
    for row in rows:
        grouped[row["article_id"]].append(
            AuthorRow(
                id=row["id"],
                slug=row["slug"],
                name=row["name"],
                bio=row["bio"],
                email=row["email"],
                avatar_id=row["avatar_id"],
            )
        )
    return [grouped[i] for i in article_ids]


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


async def events_by_ids(ids: Sequence[int]) -> list[EventRow | None]:
    """Batch reader: item ``i`` answers ``ids[i]``."""
    if not ids:
        return []
    rows = await db.fetch(
        "SELECT id, slug, name, description, starts_at, ends_at, location, organizer, host, "
        f"participants FROM event WHERE id IN ({marks(len(ids))})",
        list(ids),
    )
    found = {
        row["id"]: EventRow(
            id=row["id"],
            slug=row["slug"],
            name=row["name"],
            description=row["description"],
            starts_at=_datetime(row["starts_at"]),
            ends_at=_maybe_datetime(row["ends_at"]),
            location=row["location"],
            organizer=row["organizer"],
            host=row["host"],
            participants=list(_json(row["participants"])),
        )
        for row in rows
    }
    return [found.get(i) for i in ids]


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


_IMAGE_COLUMNS = (
    "i.id, i.store_key, i.filename, i.mime_type, i.size, i.width, i.height, i.content_hash, "
    "i.alt, i.caption, i.credit, i.placeholder, i.dominant_color, i.focal_x, i.focal_y"
)


def _image(row: dict[str, Any]) -> ImageRow:
    return ImageRow(
        id=row["id"],
        store_key=row["store_key"],
        filename=row["filename"],
        mime_type=row["mime_type"],
        size=row["size"],
        width=row["width"],
        height=row["height"],
        content_hash=row["content_hash"],
        alt=row["alt"],
        caption=row["caption"],
        credit=row["credit"],
        placeholder=row["placeholder"],
        dominant_color=row["dominant_color"],
        focal_x=row["focal_x"],
        focal_y=row["focal_y"],
    )


async def images_by_ids(ids: Sequence[int]) -> list[ImageRow | None]:
    """Batch reader: item ``i`` answers ``ids[i]``."""
    if not ids:
        return []
    rows = await db.fetch(
        f"SELECT {_IMAGE_COLUMNS} FROM image i WHERE i.id IN ({marks(len(ids))})", list(ids)
    )
    found = {row["id"]: _image(row) for row in rows}
    return [found.get(i) for i in ids]


async def images_by_article_ids(article_ids: Sequence[int]) -> list[list[ImageRow]]:
    """Batch reader: each article's pictures (cover first, then figures) in reading order."""
    if not article_ids:
        return []
    grouped: dict[int, list[ImageRow]] = {i: [] for i in article_ids}
    rows = await db.fetch(
        f"SELECT l.article_id, {_IMAGE_COLUMNS} FROM article_image l "
        f"JOIN image i ON i.id = l.image_id WHERE l.article_id IN ({marks(len(article_ids))}) "
        "ORDER BY l.article_id, l.position",
        list(article_ids),
    )
    for row in rows:
        grouped[row["article_id"]].append(_image(row))
    return [grouped[i] for i in article_ids]
