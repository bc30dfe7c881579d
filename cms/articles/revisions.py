"""Revisions: every save of an article keeps a copy of what was saved, numbered from 1.

A revision holds the title, summary and body as saved, the status, the names of the tags, what
the article was linked to (its authors in byline order, event, cover and section: ``links``), who
saved it (null for the importer and API tokens) and when. They are written in the saving
transaction (see :func:`cms.articles.store.save`), listed newest first, and deleted with their
article.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from tortoise.functions import Count, Max

from cms.articles.structure_reads import tag_names
from cms.core import db
from cms.core.db import marks
from cms.core.errors import InvalidCursor, NotFound
from cms.core.pagination import Cursor, Ordering, Page, Window, constant
from cms.models import Article, ArticleAuthor, ArticleRevision


@dataclass(frozen=True, slots=True)
class Links:
    """What a revision's article was linked to; ``None`` for a revision saved before they were
    recorded (restoring it leaves the article's links as they are)."""

    author_ids: tuple[int, ...]
    event_id: int | None
    cover_id: int | None
    section_id: int | None

    def to_json(self) -> dict[str, Any]:
        return {
            "authors": list(self.author_ids),
            "event": self.event_id,
            "cover": self.cover_id,
            "section": self.section_id,
        }

    @classmethod
    def of(cls, revision: ArticleRevision) -> Links | None:
        saved = revision.links
        if saved is None:
            return None
        return cls(
            tuple(int(i) for i in saved.get("authors", ())),
            saved.get("event"),
            saved.get("cover"),
            saved.get("section"),
        )


async def record(
    article: Article,
    user_id: int | None,
    *,
    first: bool = False,
    tags: list[str] | None = None,
    author_ids: Sequence[int] | None = None,
) -> ArticleRevision:
    """Store the article as it now stands as its next revision (call in the saving transaction,
    after the article's row is written: on PostgreSQL its row lock then orders the numbers).
    ``tags``, ``author_ids``: its tags' names and its authors, when the caller knows them (else
    they are read)."""
    number = 1 if first else await _last_number(article.id) + 1
    if tags is None:
        tags = await tag_names(article.id)
    if author_ids is None:
        links = ArticleAuthor.filter(article_id=article.id).order_by("position")
        author_ids = [int(str(i)) for i in await links.values_list("author_id", flat=True)]
    links_ = Links(tuple(author_ids), article.event_id, article.cover_id, article.section_id)
    return await ArticleRevision.create(
        article_id=article.id,
        number=number,
        user_id=user_id,
        title=article.title,
        summary=article.summary,
        body=article.body,
        status=article.status,
        tags=tags,
        links=links_.to_json(),
    )


async def _last_number(article_id: int) -> int:
    found = await (
        ArticleRevision.filter(article_id=article_id)
        .annotate(last=Max("number"))
        .values_list("last", flat=True)
    )
    return int(str(found[0])) if found and found[0] is not None else 0


@dataclass(frozen=True, slots=True)
class LastSave:
    """Who saved an article last (the user's name; None for imports, API tokens, the clock
    publishing a scheduled article, removed users) and when."""

    by: str | None
    at: datetime


async def last_save(article_id: int) -> LastSave | None:
    """The article's newest revision's user and time, in one statement; None without any."""
    rows = await (
        ArticleRevision.filter(article_id=article_id)
        .order_by("-number")
        .limit(1)
        .values("created_at", "user__name")
    )
    if not rows:
        return None
    name = rows[0]["user__name"]
    return LastSave(str(name) if name is not None else None, rows[0]["created_at"])


async def get(article_id: int, number: int) -> ArticleRevision:
    """Revision ``number`` of an article; :class:`NotFound` if it has none of that number."""
    found = await ArticleRevision.get_or_none(article_id=article_id, number=number)
    if found is None:
        raise NotFound(f"The article has no revision {number}.", field="revision")
    return found


NEWEST_FIRST = Ordering("revision:number:desc", "number", descending=True)
"""The one order of an article's revisions: the latest first."""


async def pages(
    article_ids: Sequence[int], win: Window, total: Callable[[int], Callable[[], Awaitable[int]]]
) -> list[Page[ArticleRevision]]:
    """Batch reader: one newest-first page of revisions per article, in two statements for all
    the articles (``total(article_id)`` supplies each page's lazy ``totalCount``)."""
    older = _number(win.after) if win.after is not None else None
    ranked = await _ranked_ids(article_ids, win.size + 1, older) if win.size else []
    grouped: dict[int, list[ArticleRevision]] = {i: [] for i in article_ids}
    found = await ArticleRevision.filter(id__in=ranked).order_by("-number") if ranked else []
    for revision in found:
        grouped[revision.article_id].append(revision)
    return [
        Page(
            items=grouped[i][: win.size],
            ordering=NEWEST_FIRST,
            has_next=constant(len(grouped[i]) > win.size),
            has_previous=constant(older is not None),
            total=total(i),
        )
        for i in article_ids
    ]


def _number(cursor: Cursor) -> int:
    try:
        return int(str(cursor.value))
    except ValueError:
        raise InvalidCursor("`after` is not a cursor of revisions.", field="after") from None


async def _ranked_ids(article_ids: Sequence[int], most: int, older: int | None) -> list[int]:
    """The ids of up to ``most`` revisions per article numbered below ``older``, newest first."""
    below = " AND number < ?" if older is not None else ""
    sql = (
        "SELECT id FROM (SELECT id, ROW_NUMBER() OVER (PARTITION BY article_id ORDER BY number "
        f"DESC) AS rn FROM article_revision WHERE article_id IN ({marks(len(article_ids))})"
        f"{below}) ranked WHERE rn <= ?"
    )
    params = [*article_ids, *([older] if older is not None else []), most]
    return [int(row["id"]) for row in await db.fetch(sql, params)]


def empty_page() -> Page[ArticleRevision]:
    """No revisions (what readers who may not see them get)."""
    return Page([], NEWEST_FIRST, constant(False), constant(False), constant(0))


async def counts(article_ids: Sequence[int]) -> list[int]:
    """Batch reader: how many revisions each article has."""
    rows = await (
        ArticleRevision.filter(article_id__in=article_ids)
        .annotate(n=Count("id"))
        .group_by("article_id")
        .values_list("article_id", "n")
    )
    found = {int(k): int(n) for k, n in rows}
    return [found.get(i, 0) for i in article_ids]
