"""The search index: what it holds for each article, written in the article's own transaction.

Saving an article or an event re-indexes the articles concerned; ``cms search reindex`` rebuilds
every entry. How the index is stored depends on the database: see :mod:`cms.search.sqlite` and
:mod:`cms.search.postgres` (the migration ``0002_search`` creates it).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Awaitable, Callable, Sequence

from tortoise.transactions import in_transaction

from cms.core import compat
from cms.core.db import connection
from cms.models import Article, ArticleAuthor, Event
from cms.search import backend_for
from cms.search.documents import Document, build


async def index_articles(articles: Sequence[Article]) -> None:
    """Write the index entries of ``articles`` (call inside the transaction that saved them)."""
    if not articles:
        return
    docs = await documents_of(articles)
    await backend_for(connection()).write(docs)


async def remove(article_ids: Sequence[int]) -> None:
    """Drop the index entries of these articles (deleting an article does it by itself)."""
    if article_ids:
        await backend_for(connection()).remove(article_ids)


async def reindex(
    batch_size: int = 200, progress: Callable[[int, int], Awaitable[None] | None] | None = None
) -> int:
    """Rebuild every article's entry, ``batch_size`` articles per transaction; returns the count.

    ``progress(done, total)`` is called after each batch. Entries of articles that no longer
    exist are dropped first.
    """
    total = await Article.all().count()
    backend = backend_for(connection())
    await backend.drop_orphans()
    done, last_id = 0, 0
    while True:
        batch = await Article.filter(id__gt=last_id).order_by("id").limit(batch_size)
        if not batch:
            break
        async with in_transaction(compat.model_connection_name(Article)):
            await index_articles(batch)
        done += len(batch)
        last_id = batch[-1].id
        if progress is not None:
            result = progress(done, total)
            if result is not None:
                await result
    await backend.analyze()
    return done


async def documents_of(articles: Sequence[Article]) -> list[Document]:
    """The index documents of ``articles``, with their authors' and events' names."""
    ids = [a.id for a in articles]
    links = await ArticleAuthor.filter(article_id__in=ids).select_related("author")
    names: defaultdict[int, list[tuple[int, str]]] = defaultdict(list)
    for link in links:
        names[link.article_id].append((link.position, link.author.name))
    event_ids = {a.event_id for a in articles if a.event_id is not None}
    events = (
        {
            pk: (name, translations or {})
            for pk, name, translations in await Event.filter(id__in=event_ids).values_list(
                "id", "name", "translations"
            )
        }
        if event_ids
        else {}
    )
    return [
        build(
            article,
            [name for _, name in sorted(names[article.id])],
            _event_name(events.get(article.event_id), article.locale),
        )
        for article in articles
    ]


def _event_name(event: tuple[str, dict[str, dict[str, str]]] | None, locale: str) -> str | None:
    """The event's name in ``locale``: its translation there, else the name itself (the default
    locale's, which is never among the translations)."""
    if event is None:
        return None
    name, translations = event
    return translations.get(locale, {}).get("name") or name
