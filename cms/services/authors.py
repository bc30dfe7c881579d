"""Authors: pages, batch readers, and finding or creating an author by name."""

from __future__ import annotations

from collections.abc import Sequence

from cms.models import ArticleAuthor, Author
from cms.services.pagination import Ordering, Page, Window, fetch
from cms.services.slugs import unique_slug
from cms.text import normalize

BY_NAME = Ordering("author:name:asc", "name_sort", descending=False)
"""Vietnamese alphabetical order of the name (``cms.text.sort_key``), ties broken by id."""


async def page(win: Window) -> Page[Author]:
    """One page of all authors, alphabetically."""
    return await fetch(Author.all(), BY_NAME, win)


async def by_ids(ids: Sequence[int]) -> list[Author | None]:
    """Batch reader: item ``i`` answers ``ids[i]``."""
    found = {a.id: a for a in await Author.filter(id__in=ids)}
    return [found.get(i) for i in ids]


async def by_slugs(slugs: Sequence[str]) -> list[Author | None]:
    """Batch reader by slug."""
    found = {a.slug: a for a in await Author.filter(slug__in=slugs)}
    return [found.get(s) for s in slugs]


async def by_article_ids(article_ids: Sequence[int]) -> list[list[Author]]:
    """Batch reader: each article's authors in byline order, in one query."""
    links = await ArticleAuthor.filter(article_id__in=article_ids).select_related("author")
    grouped: dict[int, list[ArticleAuthor]] = {i: [] for i in article_ids}
    for link in links:
        grouped[link.article_id].append(link)
    return [
        [link.author for link in sorted(grouped[i], key=lambda link: link.position)]
        for i in article_ids
    ]


async def get_or_create(name: str) -> tuple[Author, bool]:
    """The author called exactly ``name`` (after NFC), created if there is none yet."""
    clean = " ".join(normalize(name).split())
    existing = await Author.filter(name=clean).order_by("id").first()
    if existing is not None:
        return existing, False
    slug = await unique_slug(Author, clean, fallback="author")
    return await Author.create(name=clean, slug=slug), True
