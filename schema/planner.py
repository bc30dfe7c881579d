"""Lists of articles planned ahead: their relations read for the whole list before execution.

The resolvers of a root list (``articles``, ``search``, ``article``) know what the document
selects on its articles (``info.selected_fields``). Left to themselves, the articles' relation
fields would each ask the request's loaders as graphql-core reaches them: a future per article
and relation, and graphql-core on its asynchronous path (a task per list item) for the whole
page. Planned, each selected relation is read for every article of the list in one statement
up front, through the very batch readers the loaders use (:mod:`cms.articles.reads`: the same
rows, so the same answers), and primed into the request's loaders: the articles' resolvers ask
their loaders as always (:func:`schema.context.resolved`), find the values there, return them at
once, and graphql-core stays synchronous.

A relation that is not selected is not read; what a list cannot plan (an author's own articles,
a picture's rendition) still goes through the loaders. Statements per request stay what they
were with the loaders: one per relation selected.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Iterable, Iterator, Sequence
from typing import TYPE_CHECKING, TypeVar

from strawberry.dataloader import DataLoader
from strawberry.types.nodes import FragmentSpread, InlineFragment, SelectedField, Selection

from cms.articles import reads, structure_reads
from schema.context import Info

if TYPE_CHECKING:  # the type asks the planner what its related articles show
    from schema.types.article import Article

R = TypeVar("R")

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
        "section",
        "tags",
        "seoTitle",
        "seoDescription",
        "url",
        "socialImage",
        "jsonLd",
        "related",
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


async def prefetch(info: Info, articles: Sequence[Article], selected: set[str]) -> None:
    """Read the relations ``selected`` (names from :func:`article_fields`) of every article in
    ``articles`` up front, one statement per relation, and prime the request's loaders with
    them: the articles' resolvers then find them there at once (:func:`schema.context.resolved`).
    """
    if not articles:
        return
    rows = [article._row for article in articles]
    ids = list(dict.fromkeys(row.id for row in rows))
    loaders = info.context.loaders
    reading: list[Awaitable[None]] = []
    if "jsonLd" in selected:  # it shows these four relations
        selected = selected | {"authors", "section", "tags", "cover"}
    if "authors" in selected:
        reading.append(
            _prime_lists(loaders.authors_by_article_id, ids, reads.authors_by_article_ids)
        )
    if "event" in selected:
        event_ids = _present(row.event_id for row in rows)
        reading.append(_prime_rows(loaders.event_by_id, event_ids, reads.events_by_ids))
    if selected & {"section", "url"}:
        section_ids = _present(row.section_id for row in rows)
        reading.append(
            _prime_rows(loaders.section_by_id, section_ids, structure_reads.sections_by_ids)
        )
    if "tags" in selected:
        reading.append(
            _prime_lists(loaders.tags_by_article_id, ids, structure_reads.tags_by_article_ids)
        )
    if selected & {"cover", "socialImage"}:
        cover_ids = _present(row.cover_id for row in rows)
        reading.append(_prime_rows(loaders.image_by_id, cover_ids, reads.images_by_ids))
    if selected & {"images", "bodyHtml", "figures"}:
        used = loaders.images_by_article_id
        reading.append(_prime_lists(used, ids, reads.images_by_article_ids, loaders.image_by_id))
    await asyncio.gather(*reading)


async def _prime_lists(
    loader: DataLoader[int, list[R]],
    ids: list[int],
    read: Callable[[Sequence[int]], Awaitable[list[list[R]]]],
    each: DataLoader[int, R | None] | None = None,
) -> None:
    """Prime ``loader`` with the lists ``read`` gives for ``ids`` (and ``each`` with their items
    by id, as the loader's own batch does)."""
    found = await read(ids)
    loader.prime_many(dict(zip(ids, found, strict=True)))
    if each is not None:
        each.prime_many({item.id: item for items in found for item in items})  # type: ignore[attr-defined]


async def _prime_rows(
    loader: DataLoader[int, R | None],
    ids: list[int],
    read: Callable[[Sequence[int]], Awaitable[list[R | None]]],
) -> None:
    """Prime ``loader`` with the rows ``read`` gives for ``ids`` (None for one that is gone)."""
    if ids:
        loader.prime_many(dict(zip(ids, await read(ids), strict=True)))


def _present(ids: Iterable[int | None]) -> list[int]:
    return list(dict.fromkeys(i for i in ids if i is not None))
