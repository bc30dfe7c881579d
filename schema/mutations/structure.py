"""Sections, tags and collections: ``sectionCreate``, ``sectionUpdate``, ``sectionDelete``,
``tagUpdate``, ``tagDelete``, ``collectionCreate``, ``collectionUpdate``, ``collectionSetItems``
and ``collectionDelete``.

The rules (editors and admins only, the tree, folding and merging tags, versions) live in
:mod:`cms.articles.sections`, :mod:`cms.articles.tags` and :mod:`cms.articles.collections`; each
mutation turns its input into a service call and its refusal into a ``UserError``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated

import strawberry

from cms.articles import collections, sections, tags
from cms.articles.translated import with_translations
from cms.core.fields import KEEP
from schema.context import Info
from schema.mutations.content_inputs import given
from schema.mutations.errors import (
    SIGNED_IN,
    ConflictError,
    InUseError,
    NotFoundError,
    Refusals,
    SlugTakenError,
    UserError,
    ValidationError,
    attempt,
    result,
)
from schema.mutations.structure_inputs import (
    CollectionCreateInput,
    CollectionDeleteInput,
    CollectionSetItemsInput,
    CollectionUpdateInput,
    SectionCreateInput,
    SectionDeleteInput,
    SectionUpdateInput,
    TagDeleteInput,
    TagUpdateInput,
    article_pks,
    kept,
    section_parent,
)
from schema.types.collection import Collection
from schema.types.node import pk_of
from schema.types.section import Section
from schema.types.tag import Tag
from schema.types.translation import SECTION_LIMITS, TAG_LIMITS, given_translations


@strawberry.type(description="The section was created.")
class SectionCreateSuccess:
    section: Section = strawberry.field(description="The new section.")


@strawberry.type(description="The section was changed (or already was as asked).")
class SectionUpdateSuccess:
    section: Section = strawberry.field(description="The section as it is now.")


@strawberry.type(description="The section was deleted.")
class SectionDeleteSuccess:
    deleted_id: strawberry.ID = strawberry.field(description="The ID the section had.")


@strawberry.type(description="The tag was changed, or merged into another.")
class TagUpdateSuccess:
    tag: Tag = strawberry.field(
        description="The tag as it is now: after a merge, the tag it was merged into."
    )


@strawberry.type(description="The tag was deleted and taken off its articles.")
class TagDeleteSuccess:
    deleted_id: strawberry.ID = strawberry.field(description="The ID the tag had.")


@strawberry.type(description="The collection was created, empty.")
class CollectionCreateSuccess:
    collection: Collection = strawberry.field(description="The new collection (version 1).")


@strawberry.type(description="The collection was changed (or already was as asked).")
class CollectionUpdateSuccess:
    collection: Collection = strawberry.field(description="The collection as it is now.")


@strawberry.type(description="The collection lists the articles given, in that order.")
class CollectionSetItemsSuccess:
    collection: Collection = strawberry.field(description="The collection as it is now.")


@strawberry.type(description="The collection was deleted (its articles stay).")
class CollectionDeleteSuccess:
    deleted_id: strawberry.ID = strawberry.field(description="The ID the collection had.")


_CHANGE: Refusals = (*SIGNED_IN, ValidationError, NotFoundError, SlugTakenError)
"""A change to a section or a tag: a bad field or ID, one that does not exist, a slug taken."""
_VERSIONED: Refusals = (*SIGNED_IN, ValidationError, NotFoundError, ConflictError)
"""A change to a collection: as :data:`_CHANGE`, and a stale ``version``."""

REFUSALS: dict[str, Refusals] = {
    "sectionCreate": (*SIGNED_IN, ValidationError, SlugTakenError),
    "sectionUpdate": _CHANGE,
    "sectionDelete": (*SIGNED_IN, ValidationError, NotFoundError, InUseError),
    "tagUpdate": _CHANGE,
    "tagDelete": (*SIGNED_IN, ValidationError, NotFoundError),
    "collectionCreate": (*SIGNED_IN, ValidationError, SlugTakenError),
    "collectionUpdate": (*_VERSIONED, SlugTakenError),
    "collectionSetItems": _VERSIONED,
    "collectionDelete": _VERSIONED,
}
"""The errors each mutation can answer, traced from the services: its union lists exactly
these besides its success type."""

if TYPE_CHECKING:  # what mypy sees; strawberry reads the unions named below
    SectionCreateResult = SectionCreateSuccess | UserError
    SectionUpdateResult = SectionUpdateSuccess | UserError
    SectionDeleteResult = SectionDeleteSuccess | UserError
    TagUpdateResult = TagUpdateSuccess | UserError
    TagDeleteResult = TagDeleteSuccess | UserError
    CollectionCreateResult = CollectionCreateSuccess | UserError
    CollectionUpdateResult = CollectionUpdateSuccess | UserError
    CollectionSetItemsResult = CollectionSetItemsSuccess | UserError
    CollectionDeleteResult = CollectionDeleteSuccess | UserError
else:
    SectionCreateResult = result("sectionCreate", SectionCreateSuccess, REFUSALS)
    SectionUpdateResult = result("sectionUpdate", SectionUpdateSuccess, REFUSALS)
    SectionDeleteResult = result("sectionDelete", SectionDeleteSuccess, REFUSALS)
    TagUpdateResult = result("tagUpdate", TagUpdateSuccess, REFUSALS)
    TagDeleteResult = result("tagDelete", TagDeleteSuccess, REFUSALS)
    CollectionCreateResult = result("collectionCreate", CollectionCreateSuccess, REFUSALS)
    CollectionUpdateResult = result("collectionUpdate", CollectionUpdateSuccess, REFUSALS)
    CollectionSetItemsResult = result("collectionSetItems", CollectionSetItemsSuccess, REFUSALS)
    CollectionDeleteResult = result("collectionDelete", CollectionDeleteSuccess, REFUSALS)


@strawberry.type
class StructureMutations:
    @strawberry.mutation(
        description="Create a section (editors and admins). An explicit `slug` must be free "
        "(`SLUG_TAKEN`)."
    )
    async def section_create(
        self,
        info: Info,
        input: Annotated[SectionCreateInput, strawberry.argument(description="The new section.")],
    ) -> SectionCreateResult:
        ctx = info.context

        async def run() -> SectionCreateSuccess:
            parent = pk_of(input.parent_id, "Section", "parentId") if input.parent_id else None
            data = sections.SectionInput(
                input.name, input.slug, input.description, parent, input.position
            )
            texts = given_translations(input.translations, SECTION_LIMITS, ctx.locales())
            made = await with_translations(
                lambda: sections.create(ctx.viewer, ctx.now, data), texts
            )
            return SectionCreateSuccess(section=Section.from_model(made))

        return await attempt(info, run)

    @strawberry.mutation(
        description="Rename, describe, move or reorder a section (editors and admins). A move "
        "under the section itself or under one below it is `VALIDATION` on `parentId`."
    )
    async def section_update(
        self,
        info: Info,
        input: Annotated[SectionUpdateInput, strawberry.argument(description="The changes.")],
    ) -> SectionUpdateResult:
        ctx = info.context

        async def run() -> SectionUpdateSuccess:
            position = input.position
            changes = sections.SectionChanges(
                name=kept(input.name, "name"),
                slug=kept(input.slug, "slug"),
                description=given(input.description),
                parent_id=section_parent(input.parent_id),
                position=KEEP if position is strawberry.UNSET or position is None else position,
            )
            pk = pk_of(input.id, "Section", "id")
            texts = given_translations(input.translations, SECTION_LIMITS, ctx.locales())
            changed = await with_translations(
                lambda: sections.update(ctx.viewer, ctx.now, pk, changes), texts
            )
            return SectionUpdateSuccess(section=Section.from_model(changed))

        return await attempt(info, run)

    @strawberry.mutation(
        description="Delete a section (editors and admins). Refused with `IN_USE` (and how many "
        "use it) while articles, of any status, are in it or sections are below it."
    )
    async def section_delete(
        self,
        info: Info,
        input: Annotated[SectionDeleteInput, strawberry.argument(description="Which section.")],
    ) -> SectionDeleteResult:
        ctx = info.context

        async def run() -> SectionDeleteSuccess:
            await sections.delete(ctx.viewer, ctx.now, pk_of(input.id, "Section", "id"))
            return SectionDeleteSuccess(deleted_id=input.id)

        return await attempt(info, run)

    @strawberry.mutation(
        description="Rename a tag, or merge it into another by giving that tag's name (editors "
        "and admins). A merge gives the other tag to this tag's articles, each recorded as a new "
        "revision, and deletes this tag."
    )
    async def tag_update(
        self,
        info: Info,
        input: Annotated[TagUpdateInput, strawberry.argument(description="The changes.")],
    ) -> TagUpdateResult:
        ctx = info.context

        async def run() -> TagUpdateSuccess:
            changes = tags.TagChanges(name=kept(input.name, "name"), slug=kept(input.slug, "slug"))
            pk = pk_of(input.id, "Tag", "id")
            texts = given_translations(input.translations, TAG_LIMITS, ctx.locales())
            changed = await with_translations(
                lambda: tags.update(ctx.viewer, ctx.now, pk, changes), texts
            )
            return TagUpdateSuccess(tag=Tag.from_model(changed))

        return await attempt(info, run)

    @strawberry.mutation(
        description="Delete a tag and take it off every article that carries it, each recorded "
        "as a new revision (editors and admins)."
    )
    async def tag_delete(
        self,
        info: Info,
        input: Annotated[TagDeleteInput, strawberry.argument(description="Which tag.")],
    ) -> TagDeleteResult:
        ctx = info.context

        async def run() -> TagDeleteSuccess:
            await tags.delete(ctx.viewer, ctx.now, pk_of(input.id, "Tag", "id"))
            return TagDeleteSuccess(deleted_id=input.id)

        return await attempt(info, run)

    @strawberry.mutation(
        description="Create an empty collection (editors and admins); fill it with "
        "`collectionSetItems`."
    )
    async def collection_create(
        self,
        info: Info,
        input: Annotated[
            CollectionCreateInput, strawberry.argument(description="The new collection.")
        ],
    ) -> CollectionCreateResult:
        ctx = info.context

        async def run() -> CollectionCreateSuccess:
            data = collections.CollectionInput(input.name, input.slug, input.description)
            made = await collections.create(ctx.viewer, ctx.now, data)
            return CollectionCreateSuccess(collection=Collection.from_model(made))

        return await attempt(info, run)

    @strawberry.mutation(
        description="Rename, re-slug or describe a collection (editors and admins). Stale "
        "`version`: `ConflictError`, nothing written."
    )
    async def collection_update(
        self,
        info: Info,
        input: Annotated[CollectionUpdateInput, strawberry.argument(description="The changes.")],
    ) -> CollectionUpdateResult:
        ctx = info.context

        async def run() -> CollectionUpdateSuccess:
            changes = collections.CollectionChanges(
                name=kept(input.name, "name"),
                slug=kept(input.slug, "slug"),
                description=given(input.description),
            )
            pk = pk_of(input.id, "Collection", "id")
            done = await collections.update(ctx.viewer, ctx.now, pk, input.version, changes)
            return CollectionUpdateSuccess(collection=Collection.from_model(done))

        return await attempt(info, run)

    @strawberry.mutation(
        description="Set a collection's articles, whole, in order (editors and admins; at most "
        "100). Stale `version`: `ConflictError`, nothing written."
    )
    async def collection_set_items(
        self,
        info: Info,
        input: Annotated[
            CollectionSetItemsInput, strawberry.argument(description="The list and its version.")
        ],
    ) -> CollectionSetItemsResult:
        ctx = info.context

        async def run() -> CollectionSetItemsSuccess:
            pk, ids = pk_of(input.id, "Collection", "id"), article_pks(input.article_ids)
            done = await collections.set_items(ctx.viewer, ctx.now, pk, input.version, ids)
            return CollectionSetItemsSuccess(collection=Collection.from_model(done))

        return await attempt(info, run)

    @strawberry.mutation(
        description="Delete a collection (editors and admins); its articles stay. Stale "
        "`version`: `ConflictError`, nothing deleted."
    )
    async def collection_delete(
        self,
        info: Info,
        input: Annotated[
            CollectionDeleteInput, strawberry.argument(description="Which collection.")
        ],
    ) -> CollectionDeleteResult:
        ctx = info.context

        async def run() -> CollectionDeleteSuccess:
            pk = pk_of(input.id, "Collection", "id")
            await collections.delete(ctx.viewer, ctx.now, pk, input.version)
            return CollectionDeleteSuccess(deleted_id=input.id)

        return await attempt(info, run)
