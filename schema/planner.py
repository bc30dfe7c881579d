"""Lists of articles planned ahead: their relations read for the whole list before execution.

The resolvers of a root list (``articles``, ``search``, ``article``) know what the document
selects on its articles (``info.selected_fields``). Left to themselves, the articles' relation
fields would each ask the request's loaders as graphql-core reaches them: a future per article
and relation, and graphql-core on its asynchronous path (a task per list item) for the whole
page. Planned, each selected relation is read for every article of the list in one statement
up front, through the very batch readers the loaders use (:mod:`cms.articles.reads`: the same
rows, so the same answers), and handed to the articles (:class:`~schema.types.article.Prefetched`):
their resolvers then return plain values and graphql-core stays synchronous.

A relation that is not selected is not read; what a list cannot plan (an author's own articles,
a picture's rendition) still goes through the loaders. Statements per request stay what they
were with the loaders: one per relation selected.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Iterable, Iterator, Sequence
from typing import Any

from strawberry.types.nodes import FragmentSpread, InlineFragment, SelectedField, Selection

from cms.articles import reads
from schema.context import Info
from schema.types.article import Article, Prefetched
from schema.types.author import Author
from schema.types.event import Event

LISTS = frozenset({"authors", "used"})
"""The relations read as a list per article (the others are one row, by the article's column)."""
FIGURE_FIELDS = frozenset({"images", "caption", "credit"})
"""The fields of a body block that read the article's pictures (``FigureBlock``'s)."""
BODILESS = frozenset(
    {
        "__typename",
        "id",
        "slug",
        "title",
        "summary",
        "publishedAt",
        "createdAt",
        "updatedAt",
        "version",
        "byline",
        "status",
        "authors",
        "event",
        "cover",
    }
)
"""The fields of an article that read nothing of its body but the cover's caption: a list
selecting no other reads its articles without their bodies (:func:`needs_bodies`)."""


def _fields(selections: Iterable[Selection]) -> Iterator[SelectedField]:
    """The fields of a selection set, with those of its fragments (they select on the same
    object, or on a member of the same union)."""
    for selection in selections:
        if isinstance(selection, SelectedField):
            yield selection
        elif isinstance(selection, FragmentSpread | InlineFragment):
            yield from _fields(selection.selections)


def _named(selections: Iterable[Selection], name: str) -> Iterator[SelectedField]:
    return (field for field in _fields(selections) if field.name == name)


def article_fields(info: Info, *, connection: bool) -> set[str]:
    """What the current field selects on its articles: the field's own selection (``article``),
    or its ``nodes`` and ``edges { node }`` (a connection)."""
    tops = [sel for field in info.selected_fields for sel in field.selections]
    if connection:
        nodes = [*_named(tops, "nodes")]
        nodes += [
            node for edges in _named(tops, "edges") for node in _named(edges.selections, "node")
        ]
        tops = [sel for node in nodes for sel in node.selections]
    names = set()
    for field in _fields(tops):
        names.add(field.name)
        if field.name == "body" and any(f.name in FIGURE_FIELDS for f in _fields(field.selections)):
            names.add("figures")
    return names


def needs_bodies(selected: set[str]) -> bool:
    """Whether articles showing the fields ``selected`` (from :func:`article_fields`) need their
    bodies: not when only :data:`BODILESS` fields are selected."""
    return not selected <= BODILESS


async def prefetch(articles: Sequence[Article], selected: set[str]) -> None:
    """Read the relations ``selected`` (names from :func:`article_fields`) of every article in
    ``articles`` up front, one statement per relation, and hand them to the articles."""
    if not articles:
        return
    ids = list(dict.fromkeys(article._model.id for article in articles))
    reading: dict[str, Awaitable[Sequence[Any]]] = {}
    if "authors" in selected:
        reading["authors"] = reads.authors_by_article_ids(ids)
    if "event" in selected:
        reading["event"] = reads.events_by_ids(_present(a._model.event_id for a in articles))
    if "cover" in selected:
        reading["cover"] = reads.images_by_ids(_present(a._model.cover_id for a in articles))
    if selected & {"images", "bodyHtml", "figures"}:
        reading["used"] = reads.images_by_article_ids(ids)
    if not reading:
        return
    found = dict(zip(reading, await asyncio.gather(*reading.values()), strict=True))
    lists = {name: dict(zip(ids, found[name], strict=True)) for name in LISTS & found.keys()}
    rows = {name: _by_id(found[name]) for name in found.keys() - LISTS}
    for article in articles:
        article._prefetched = _prefetched(article, lists, rows)


def _present(ids: Iterable[int | None]) -> list[int]:
    return list(dict.fromkeys(i for i in ids if i is not None))


def _by_id(rows: Iterable[Any]) -> dict[int, Any]:
    return {row.id: row for row in rows if row is not None}


def _prefetched(
    article: Article, lists: dict[str, dict[int, Any]], rows: dict[str, dict[int, Any]]
) -> Prefetched:
    """What was read for ``article``: lists by article id, single rows by their own id."""
    model, done = article._model, Prefetched()
    if "authors" in lists:
        done.authors = [Author.from_model(author) for author in lists["authors"][model.id]]
    if "used" in lists:
        done.used = lists["used"][model.id]
    if "event" in rows:
        event = rows["event"].get(model.event_id) if model.event_id is not None else None
        done.event, done.has_event = (Event.from_model(event) if event else None), True
    if "cover" in rows:
        cover = rows["cover"].get(model.cover_id) if model.cover_id is not None else None
        done.cover, done.has_cover = article.cover_of(cover), True
    return done
