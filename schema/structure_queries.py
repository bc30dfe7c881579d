"""The site's structure, for everyone: ``sections``, ``section``, ``tags``, ``tag``,
``collections`` and ``collection``."""

from __future__ import annotations

from typing import Annotated, Any

import strawberry
from strawberry.dataloader import DataLoader

from cms.articles import collections, structure_reads, tags
from cms.core import surrogate
from cms.core.bounds import EDITED, holds
from cms.core.errors import InvalidInput
from schema.context import Info
from schema.inputs import section_slug
from schema.inputs import slug as checked_slug
from schema.types.collection import Collection
from schema.types.node import pk_of
from schema.types.pagination import Connection, page_window
from schema.types.section import Section
from schema.types.tag import Tag

First = Annotated[
    int | None,
    strawberry.argument(description="Page forward: how many items (default 20, max 100)."),
]
After = Annotated[
    str | None, strawberry.argument(description="Page forward: items after this cursor.")
]
IdArg = Annotated[strawberry.ID | None, strawberry.argument(description="The object's ID.")]
SlugArg = Annotated[str | None, strawberry.argument(description="The object's slug.")]


@strawberry.type
class StructureQueries:
    @strawberry.field(
        description="The sections at the top of the tree, in their order (each one's "
        "`children` for the rest): a site's menu.",
        metadata=holds(EDITED),
    )
    async def sections(self, info: Info) -> list[Section]:
        found = await structure_reads.roots()
        info.context.loaders.section_by_id.prime_many({row.id: row for row in found})
        surrogate.record_list("sections")
        return [Section.from_row(row) for row in found]

    @strawberry.field(description="One section by ID, slug or path; null if there is none.")
    async def section(
        self,
        info: Info,
        id: IdArg = None,
        slug: Annotated[
            str | None,
            strawberry.argument(
                description="The section's slug (`hoat-dong-cua-ban`) or its path "
                "(`tin-tuc/hoat-dong-cua-ban`)."
            ),
        ] = None,
    ) -> Section | None:
        loaders = info.context.loaders
        slug = section_slug(slug, "slug")
        by_path = slug is not None and "/" in slug
        by_slug: DataLoader[str, Any] = (
            loaders.section_by_path if by_path else loaders.section_by_slug
        )
        found = await _one(info, "Section", by_slug, id, slug)
        return Section.from_row(found) if found is not None else None

    @strawberry.field(
        description="Tags, the most used first; with `query`, those with a word starting with "
        "it, accents and case aside (`cong ng` finds `Khu công nghiệp`): an autocomplete. "
        "Readers see the tags of articles they may see; editors every tag."
    )
    async def tags(
        self,
        info: Info,
        first: First = None,
        after: After = None,
        query: Annotated[
            str | None,
            strawberry.argument(description="What was typed so far, e.g. `khu cong`."),
        ] = None,
    ) -> Connection[Tag]:
        win = page_window(info, tags.MOST_USED, first=first, after=after)
        ctx = info.context
        surrogate.record_list("tags")
        return Connection.of(await tags.page(ctx.viewer, ctx.now, query, win), Tag.from_row)

    @strawberry.field(
        description="One tag by ID or slug; null if there is none, or if no article you may "
        "see carries it."
    )
    async def tag(self, info: Info, id: IdArg = None, slug: SlugArg = None) -> Tag | None:
        by_slug = info.context.loaders.tag_by_slug
        found = await _one(info, "Tag", by_slug, id, checked_slug(slug, "slug"))
        return Tag.from_row(found) if found is not None else None

    @strawberry.field(description="Every collection, in the order they were made.")
    async def collections(
        self, info: Info, first: First = None, after: After = None
    ) -> Connection[Collection]:
        win = page_window(info, collections.OLDEST_FIRST, first=first, after=after)
        surrogate.record_list("collections")
        return Connection.of(await collections.page(win), Collection.from_row)

    @strawberry.field(description="One collection by ID or slug; null if there is none.")
    async def collection(
        self, info: Info, id: IdArg = None, slug: SlugArg = None
    ) -> Collection | None:
        by_slug = info.context.loaders.collection_by_slug
        found = await _one(info, "Collection", by_slug, id, checked_slug(slug, "slug"))
        return Collection.from_row(found) if found is not None else None


async def _one(
    info: Info, kind: str, by_slug: DataLoader[str, Any], id_: str | None, slug: str | None
) -> Any:
    """The row named by exactly one of its global ID and its slug (None if there is none)."""
    if (id_ is None) == (slug is None):
        raise InvalidInput("Pass exactly one of `id` and `slug`.", field="id")
    if slug is not None:
        return await by_slug.load(slug)
    loaders = info.context.loaders
    pk = pk_of(id_ or "", kind, "id")
    if kind == "Section":
        return await loaders.section_by_id.load(pk)
    if kind == "Tag":
        return await loaders.tag_by_id.load(pk)
    return await loaders.collection_by_id.load(pk)
