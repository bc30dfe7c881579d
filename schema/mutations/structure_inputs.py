"""Inputs of the section, tag and collection mutations, and their translation into what the
services take (a global ID becomes a primary key, an omitted field ``KEEP``).

In an ``…UpdateInput`` every field but ``id`` (and ``version``) is optional: leave a field out
to keep it as it is. A name or slug cannot be cleared.
"""

from __future__ import annotations

from typing import Any, TypeVar

import strawberry

from cms.core.errors import InvalidInput
from cms.core.fields import KEEP, Keep
from schema.types.node import pk_of
from schema.types.translation import SectionTranslationInput, TagTranslationInput

T = TypeVar("T")

_SLUG = (
    "URL name: lower-case ASCII letters and digits joined by hyphens, at most 120 characters; it "
    "must be free (else `SLUG_TAKEN`)."
)


def _id(kind: str) -> Any:
    return strawberry.field(description=f"The {kind}'s ID.")


def _version() -> Any:
    return strawberry.field(
        description="The `version` you last saw: if the collection changed since, the answer is "
        "a `ConflictError` and nothing is written."
    )


def kept(value: T | None, field: str) -> T | Keep:
    """A field that may be left out but not cleared: ``KEEP`` when left out; null refused."""
    if value is strawberry.UNSET:
        return KEEP
    if value is None:
        raise InvalidInput(f"`{field}` cannot be cleared: leave it out to keep it.", field=field)
    return value


@strawberry.input(description="A new section.")
class SectionCreateInput:
    name: str = strawberry.field(
        description="Name as shown, e.g. `Hoạt động của Ban` (at most 200 characters)."
    )
    slug: str | None = strawberry.field(
        default=None, description=f"{_SLUG} Default: made from the name."
    )
    description: str | None = strawberry.field(
        default=None, description="What the section holds (at most 5,000 characters)."
    )
    parent_id: strawberry.ID | None = strawberry.field(
        default=None,
        description="The section to put it under (a Section ID); null: at the top of the tree. "
        "Sections nest at most 8 deep.",
    )
    position: int | None = strawberry.field(
        default=None,
        description="Its place among its siblings, from 0 (the first). Default: after them.",
    )
    translations: list[SectionTranslationInput] | None = strawberry.field(
        default=None,
        description="Its texts in the other locales of `CMS_LOCALES`, one item per locale.",
    )


@strawberry.input(
    description="Changes to a section: leave a field out to keep it. A new slug or parent "
    "changes the paths of the section and of every section below it."
)
class SectionUpdateInput:
    id: strawberry.ID = _id("section")
    name: str | None = strawberry.field(default=strawberry.UNSET, description="New name.")
    slug: str | None = strawberry.field(
        default=strawberry.UNSET, description=f"New {_SLUG} Links to the old path stop working."
    )
    description: str | None = strawberry.field(
        default=strawberry.UNSET,
        description="New description; null empties it. Leave it out to keep it.",
    )
    parent_id: strawberry.ID | None = strawberry.field(
        default=strawberry.UNSET,
        description="Move it under this section (a Section ID); null: to the top of the tree. "
        "Not under itself or a section below it (`VALIDATION`). Leave it out to keep it.",
    )
    position: int | None = strawberry.field(
        default=strawberry.UNSET,
        description="Its place among its siblings, from 0. Default on a move: after them; "
        "otherwise it keeps its place.",
    )
    translations: list[SectionTranslationInput] | None = strawberry.field(
        default=strawberry.UNSET,
        description="Its texts in the other locales: the list replaces the ones it has (an "
        "empty list removes them all). Leave it out to keep them.",
    )


@strawberry.input(description="The section to delete.")
class SectionDeleteInput:
    id: strawberry.ID = _id("section")


@strawberry.input(
    description="Changes to a tag: leave a field out to keep it. Giving the name of another tag "
    "(whatever its accents and case) merges this tag into that one."
)
class TagUpdateInput:
    id: strawberry.ID = _id("tag")
    name: str | None = strawberry.field(
        default=strawberry.UNSET, description="New name (at most 60 characters)."
    )
    slug: str | None = strawberry.field(
        default=strawberry.UNSET, description=f"New {_SLUG} Links to the old one stop working."
    )
    translations: list[TagTranslationInput] | None = strawberry.field(
        default=strawberry.UNSET,
        description="Its texts in the other locales: the list replaces the ones it has (an "
        "empty list removes them all). Leave it out to keep them.",
    )


@strawberry.input(description="The tag to delete.")
class TagDeleteInput:
    id: strawberry.ID = _id("tag")


@strawberry.input(description="A new, empty collection.")
class CollectionCreateInput:
    name: str = strawberry.field(description="Name, e.g. `Trang chủ` (at most 200 characters).")
    slug: str | None = strawberry.field(
        default=None, description=f"{_SLUG} Default: made from the name (`trang-chu`)."
    )
    description: str | None = strawberry.field(
        default=None, description="What the list is for (at most 2,000 characters)."
    )


@strawberry.input(description="Changes to a collection: leave a field out to keep it.")
class CollectionUpdateInput:
    id: strawberry.ID = _id("collection")
    version: int = _version()
    name: str | None = strawberry.field(default=strawberry.UNSET, description="New name.")
    slug: str | None = strawberry.field(
        default=strawberry.UNSET, description=f"New {_SLUG} Links to the old one stop working."
    )
    description: str | None = strawberry.field(
        default=strawberry.UNSET,
        description="New description; null empties it. Leave it out to keep it.",
    )


@strawberry.input(description="The articles of a collection, whole, in order.")
class CollectionSetItemsInput:
    id: strawberry.ID = _id("collection")
    article_ids: list[strawberry.ID] = strawberry.field(
        description="Article IDs in the order readers get them, each once, at most 100. Drafts "
        "may be listed: readers see an article once they may."
    )
    version: int = _version()


@strawberry.input(description="The collection to delete (its articles stay).")
class CollectionDeleteInput:
    id: strawberry.ID = _id("collection")
    version: int = _version()


def section_parent(value: strawberry.ID | None) -> int | Keep | None:
    """``parentId`` as the services take it: ``KEEP`` left out, None for the top of the tree."""
    if value is strawberry.UNSET or value is None:
        return KEEP if value is strawberry.UNSET else None
    return pk_of(value, "Section", "parentId")


def article_pks(ids: list[strawberry.ID]) -> list[int]:
    return [pk_of(value, "Article", f"articleIds.{n}") for n, value in enumerate(ids)]
