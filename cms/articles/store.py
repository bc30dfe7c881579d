"""Storing articles: saving (with the version check that keeps two editors from overwriting each
other), status changes, deletion, and the article a writer may change, as a model.

Which articles a list shows is :mod:`cms.articles.queries`'; what readers get, as rows,
:mod:`cms.articles.reads`.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from cms.articles import body as body_
from cms.articles import revisions, tags
from cms.articles.visibility import visible_sql
from cms.core import clock, db
from cms.core.db import all_of
from cms.core.errors import CmsError, Conflict, InvalidInput, NotFound
from cms.core.pagination import Source
from cms.core.slugs import unique_slug
from cms.core.viewer import Viewer
from cms.media import images
from cms.models import Article, ArticleAuthor, ArticleStatus
from cms.search import index as search_index


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
    section_id: int | None = None
    tags: list[str] | None = None
    """The tags' names (checked by :func:`cms.articles.tags.checked`); None keeps them as they
    are (none for a new article)."""
    seo_title: str = ""
    seo_description: str = ""
    locale: str | None = None
    """The language it is written in (a checked locale); None: the model's default. Set on
    creation only: an article's locale never changes (a translation is another article)."""
    story_id: int | None = None
    """On creation: the story it is a translation in (``Article.story_id``)."""


async def save(
    data: ArticleData,
    article: Article | None = None,
    *,
    expected_version: int | None = None,
    user_id: int | None = None,
) -> Article:
    """Create (``article`` None) or update an article with its authors, tags, images and index
    entry, and store the result as its next revision (saved by ``user_id``; None for the importer).

    ``data`` is already checked and normalised (:func:`cms.articles.input.check`, or the
    importer's parser): it is written as it is. Call inside a transaction: the article, its
    author links and image links change together. The slug is made from the title on creation,
    so links keep working after a retitle; only an explicit ``data.slug`` changes it. With
    ``expected_version``, the update happens only if the article is still at that version (else
    :class:`Conflict`): see :func:`write_if_unchanged`.
    """
    if data.status != ArticleStatus.DRAFT and data.published_at is None:
        raise InvalidInput("Scheduled and published articles need a date.", field="publishedAt")
    values: dict[str, Any] = {
        "title": data.title,
        "body": body_.to_json(data.blocks),
        "status": data.status,
        "published_at": data.published_at,
        "summary": data.summary,
        "byline": data.byline,
        "event_id": data.event_id,
        "cover_id": data.cover_id,
        "source_key": data.source_key,
        "source_hash": data.source_hash,
        "section_id": data.section_id,
        "seo_title": data.seo_title,
        "seo_description": data.seo_description,
    }
    created = article is None
    if article is None:
        locale = data.locale or str(Article._meta.fields_map["locale"].default)
        slug = data.slug or await unique_slug(
            Article, data.title, fallback="article", within={"locale": locale}
        )
        article = await Article.create(slug=slug, locale=locale, story_id=data.story_id, **values)
    else:
        values |= {"slug": data.slug} if data.slug else {}
        if expected_version is None:
            await article.update_from_dict(values).save()
        else:
            await write_if_unchanged(article, expected_version, values)
    await _set_authors(article, data.author_ids)
    names = [] if created and data.tags is None else data.tags
    if data.tags is not None:
        names = await tags.set_on_article(article.id, data.tags, clock.now())
    cover = [data.cover_id] if data.cover_id is not None else []
    await images.set_article_images(article, [*cover, *body_.image_ids(data.blocks)])
    await search_index.index_articles([article])
    await revisions.record(
        article, user_id, first=created, tags=names, author_ids=list(dict.fromkeys(data.author_ids))
    )
    return article


async def write_if_unchanged(article: Article, expected: int, values: dict[str, Any]) -> None:
    """Write ``values`` to ``article`` if it is still at version ``expected``, as its next
    version (:meth:`Article.next_version`, the one place versions go up); else
    :class:`Conflict` with the version it is at (:class:`NotFound` if it is gone).

    The check and the write are one ``UPDATE ... WHERE id = ? AND version = ?``: of two writers
    that saw the same version, the second finds no row at that version (on PostgreSQL it waits
    for the first's row lock, then reads the new version), so it can never overwrite the first.
    """
    article.update_from_dict(values)
    article.version = expected
    written = {**values, **article.next_version(clock.now())}
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


def check_version(article: Article, expected: int) -> None:
    """:class:`Conflict` early, before any other check, when the writer's copy is stale."""
    if article.version != expected:
        raise conflict(article.version)


def conflict(current: int) -> Conflict:
    """The answer to a writer whose copy is older than the article's ``current`` version."""
    return Conflict(
        f"The article was changed meanwhile: it is at version {current} now. Reload it and "
        "apply your change again.",
        current_version=current,
        field="version",
    )


async def _conflict(article_id: int) -> CmsError:
    current = await Article.filter(id=article_id).values_list("version", flat=True)
    if not current:
        return NotFound("The article was deleted meanwhile.", field="id")
    return conflict(int(str(current[0])))


async def visible_model(viewer: Viewer, now: datetime, article_id: int) -> Article | None:
    """The article with this id as a model (to change it), if ``viewer`` may see it at ``now``:
    selected with the one visibility rule (:func:`cms.articles.visibility.visible_sql`)."""
    source = Source.of_model(Article, "a")
    where, params = all_of(("a.id = ?", [article_id]), visible_sql(viewer, now, "a"))
    rows = await db.fetch(f"SELECT {source.columns} FROM article a WHERE {where}", params)
    return source.item(rows[0]) if rows else None


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
