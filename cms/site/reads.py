"""What the feeds and sitemaps show, read with SQL: only what an anonymous reader may see.

Every statement takes its rule from :func:`cms.articles.queries.conditions` (the visibility rule
of :mod:`cms.articles.visibility` for :data:`~cms.core.viewer.ANONYMOUS`): drafts, archived
articles and scheduled ones before their time are never read. A feed reads its articles with
their bodies in one statement and their authors, tags, pictures and sections in one statement
each; a sitemap is one statement, and one more for the other locales' versions of its articles
(:func:`stories_by_ids`) when some of them are translated.

A feed lists one locale's articles (``Article.locale``); sitemaps list every configured
locale's (an article left in a locale since removed from ``CMS_LOCALES`` is in none).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, date, datetime, timedelta, timezone

from cms.articles.queries import ArticleFilter, conditions
from cms.articles.reads import (
    ARTICLE,
    ArticleRow,
    AuthorRow,
    ImageRow,
    authors_by_article_ids,
    images_by_article_ids,
)
from cms.articles.structure_reads import SectionRow, TagRow, sections_by_ids, tags_by_article_ids
from cms.core import db
from cms.core.db import marks
from cms.core.rows import shape, stored_as, utc_datetime
from cms.core.viewer import ANONYMOUS

__all__ = [
    "VIETNAM",
    "FeedArticle",
    "LinkRow",
    "Month",
    "NewsRow",
    "SectionLinkRow",
    "StoryLinkRow",
    "feed_articles",
    "month_links",
    "months",
    "news_links",
    "section_links",
    "stories_by_ids",
]

VIETNAM = timezone(timedelta(hours=7), "ICT")
"""Vietnam time (no daylight saving): the months of the sitemaps, the dates feeds show."""


@dataclass(frozen=True, slots=True)
class FeedArticle:
    """An article as a feed shows it, with what it shows of it."""

    row: ArticleRow
    section: SectionRow | None
    tags: list[TagRow]
    authors: list[AuthorRow]
    images: list[ImageRow]
    """Every picture the article uses (the cover first), for the body and the cover."""


async def feed_articles(
    now: datetime, where: ArticleFilter, limit: int, locale: str
) -> list[FeedArticle]:
    """The ``limit`` newest articles in ``locale`` an anonymous reader sees at ``now`` among
    ``where``."""
    sql, params = conditions(ANONYMOUS, now, replace(where, locale=locale), "a")
    rows = await db.fetch(
        f"SELECT {ARTICLE.select('a')} FROM article a WHERE {sql} "
        f"ORDER BY a.published_at DESC, a.id DESC LIMIT {int(limit)}",
        params,
    )
    found = [ARTICLE.build(row) for row in rows]
    if not found:
        return []
    ids = [row.id for row in found]
    authors = await authors_by_article_ids(ids)
    tags = await tags_by_article_ids(ids)
    images = await images_by_article_ids(ids)
    section_ids = sorted({row.section_id for row in found if row.section_id is not None})
    sections = {s.id: s for s in await sections_by_ids(section_ids) if s is not None}
    return [
        FeedArticle(
            row,
            sections.get(row.section_id) if row.section_id is not None else None,
            tags[n],
            authors[n],
            images[n],
        )
        for n, row in enumerate(found)
    ]


# --- sitemaps ---------------------------------------------------------------------------------


@dataclass(slots=True)
class LinkRow:
    """An article as a sitemap lists it."""

    id: int
    slug: str
    locale: str
    story_id: int | None
    published_at: datetime
    updated_at: datetime
    section_path: str | None = field(default=None, metadata=stored_as(None))


@dataclass(slots=True)
class NewsRow:
    """An article as a news sitemap lists it."""

    id: int
    slug: str
    locale: str
    title: str
    published_at: datetime
    section_path: str | None = field(default=None, metadata=stored_as(None))


@dataclass(slots=True)
class StoryLinkRow:
    """One locale's version of a story, as the links between translations name it."""

    id: int
    slug: str
    locale: str
    story_id: int
    section_path: str | None = field(default=None, metadata=stored_as(None))


@dataclass(slots=True)
class SectionLinkRow:
    """A section as a sitemap lists it."""

    slug: str
    path: str
    updated_at: datetime


_LINK = shape(LinkRow, "article")
_NEWS = shape(NewsRow, "article")
_STORY = shape(StoryLinkRow, "article")
_SECTION = shape(SectionLinkRow, "section")
_WITH_SECTION = "LEFT JOIN section s ON s.id = a.section_id"


@dataclass(frozen=True, slots=True)
class Month:
    """A month (Vietnam time) with articles: how many an anonymous reader sees, and the latest
    change among them."""

    first_day: date
    count: int
    lastmod: datetime

    @property
    def start(self) -> datetime:
        """The month's first instant (Vietnam time)."""
        return datetime(self.first_day.year, self.first_day.month, 1, tzinfo=VIETNAM)


def month_bounds(year: int, month: int) -> tuple[datetime, datetime]:
    """The first instant of the month (Vietnam time) and of the next, in UTC."""
    start = datetime(year, month, 1, tzinfo=VIETNAM)
    end = datetime(year + month // 12, month % 12 + 1, 1, tzinfo=VIETNAM)
    return start.astimezone(UTC), end.astimezone(UTC)


async def months(now: datetime, locales: tuple[str, ...]) -> list[Month]:
    """Every month (Vietnam time) with visible articles in ``locales``, oldest first."""
    sql, params = conditions(ANONYMOUS, now, ArticleFilter(locales=locales), "a")
    rows = await db.fetch(
        f"SELECT {_month_sql()} AS month, COUNT(*) AS n, MAX(a.updated_at) AS lastmod "
        f"FROM article a WHERE {sql} GROUP BY 1 ORDER BY 1",
        params,
    )
    return [
        Month(
            date(int(row["month"][:4]), int(row["month"][5:7]), 1),
            int(row["n"]),
            utc_datetime(row["lastmod"]),
        )
        for row in rows
    ]


async def month_links(
    now: datetime, year: int, month: int, offset: int, limit: int, locales: tuple[str, ...]
) -> list[LinkRow]:
    """The visible articles in ``locales`` published in the month (Vietnam time), oldest
    first: ``limit`` of them from ``offset``."""
    start, end = month_bounds(year, month)
    where = ArticleFilter(published_after=start, locales=locales)
    sql, params = conditions(ANONYMOUS, now, where, "a")
    rows = await db.fetch(
        f"SELECT {_LINK.select('a')}, s.path AS section_path FROM article a {_WITH_SECTION} "
        f"WHERE {sql} AND a.published_at < ? ORDER BY a.published_at, a.id "
        f"LIMIT {int(limit)} OFFSET {int(offset)}",
        [*params, end],
    )
    return [_LINK.build(row) for row in rows]


async def news_links(
    now: datetime, since: datetime, limit: int, locales: tuple[str, ...]
) -> list[NewsRow]:
    """The visible articles in ``locales`` published after ``since``, newest first, at most
    ``limit``."""
    where = ArticleFilter(published_after=since, locales=locales)
    sql, params = conditions(ANONYMOUS, now, where, "a")
    rows = await db.fetch(
        f"SELECT {_NEWS.select('a')}, s.path AS section_path FROM article a {_WITH_SECTION} "
        f"WHERE {sql} ORDER BY a.published_at DESC, a.id DESC LIMIT {int(limit)}",
        params,
    )
    return [_NEWS.build(row) for row in rows]


async def stories_by_ids(
    now: datetime, story_ids: Sequence[int], locales: tuple[str, ...]
) -> list[list[StoryLinkRow]]:
    """Batch reader: the articles of each story (``Article.story_id``) an anonymous reader sees
    at ``now``, those of ``locales`` (the configured ones), by id, in one statement. Item ``i``
    answers ``story_ids[i]``."""
    if not story_ids:
        return []
    sql, params = conditions(ANONYMOUS, now, ArticleFilter(locales=locales), "a")
    rows = await db.fetch(
        f"SELECT {_STORY.select('a')}, s.path AS section_path FROM article a {_WITH_SECTION} "
        f"WHERE a.story_id IN ({marks(len(story_ids))}) AND {sql} ORDER BY a.id",
        [*story_ids, *params],
    )
    found: dict[int, list[StoryLinkRow]] = {pk: [] for pk in story_ids}
    for row in rows:
        link = _STORY.build(row)
        found[link.story_id].append(link)
    return [found[pk] for pk in story_ids]


async def section_links(limit: int) -> list[SectionLinkRow]:
    """Every section (sections are public), by path, at most ``limit``."""
    rows = await db.fetch(
        f"SELECT {_SECTION.select('x')} FROM section x ORDER BY x.path LIMIT {int(limit)}"
    )
    return [_SECTION.build(row) for row in rows]


def _month_sql() -> str:
    """SQL: the article's publication month in Vietnam time, ``YYYY-MM``."""
    if db.dialect(db.connection()) == "postgres":
        return "to_char((a.published_at AT TIME ZONE 'UTC') + INTERVAL '7 hours', 'YYYY-MM')"
    return "strftime('%Y-%m', a.published_at, '+7 hours')"
