"""The inputs of the article mutations, and their translation into what the services take.

Only shapes and IDs are handled here (a global ID becomes a primary key, an omitted field
``KEEP``); every rule about the values lives in :mod:`cms.articles.input`. The body's blocks
have their inputs beside their output types, in :mod:`schema.types.blocks`.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

import strawberry

from cms.articles.input import ArticleChanges, ArticleInput
from cms.core.locales import Locales
from schema.mutations.content_inputs import given, given_pk
from schema.types.blocks import ArticleBlockInput, to_blocks
from schema.types.node import pk_of

_KEEP = " Leave it out to keep it."


def _id() -> Any:
    return strawberry.field(description="The article's ID.")


def _version() -> Any:
    return strawberry.field(
        description="The `version` you last saw: if the article changed since, the answer is a "
        "`ConflictError` and nothing is written."
    )


@strawberry.input(
    description="A new article, saved as a draft. Text is trimmed and NFC-normalised; HTML is "
    "kept as text."
)
class ArticleCreateInput:
    title: str = strawberry.field(description="The headline, 1 to 500 characters.")
    summary: str | None = strawberry.field(
        default=None, description="Standfirst or teaser, at most 2,000 characters."
    )
    byline: str | None = strawberry.field(
        default=None, description="The byline as printed, at most 300 characters."
    )
    body: list[ArticleBlockInput] | None = strawberry.field(
        default=None, description="The whole body, in reading order (at most 500 blocks)."
    )
    author_ids: list[strawberry.ID] | None = strawberry.field(
        default=strawberry.UNSET,
        description="The authors (Author IDs), in byline order. Left out by an `AUTHOR`: their "
        "own profile; an author's list must include it.",
    )
    event_id: strawberry.ID | None = strawberry.field(
        default=None, description="The event the article reports on (an Event ID)."
    )
    cover_id: strawberry.ID | None = strawberry.field(
        default=None, description="The lead picture (an Image ID)."
    )
    slug: str | None = strawberry.field(
        default=None,
        description="The URL name: lower-case ASCII letters and digits joined by hyphens, at "
        "most 120 characters, not taken (`SLUG_TAKEN`). Default: made from the title.",
    )
    section_id: strawberry.ID | None = strawberry.field(
        default=None, description="The section the article is in (a Section ID)."
    )
    tags: list[str] | None = strawberry.field(
        default=None,
        description='The article\'s topics by name, in order, e.g. `["Khu công nghiệp"]`: at '
        "most 20, each at most 60 characters. A name that matches a tag's, whatever its accents "
        "and case, is that tag (`khu cong nghiep` is `Khu công nghiệp`); an unknown one becomes "
        "a new tag.",
    )
    seo_title: str | None = strawberry.field(
        default=None,
        description="The title search engines show, at most 70 characters. Default: the title.",
    )
    seo_description: str | None = strawberry.field(
        default=None,
        description="The description search engines show, at most 160 characters. Default: "
        "the summary.",
    )
    locale: str | None = strawberry.field(
        default=None,
        description="The language it is written in, one of `CMS_LOCALES` (`vi`, `en`); it "
        "never changes (a translation is another article: `articleTranslate`). Default: the "
        "default locale.",
    )


@strawberry.input(
    description="A translation to start: a draft in another locale of the article's story."
)
class ArticleTranslateInput:
    id: strawberry.ID = _id()
    locale: str = strawberry.field(
        description="The locale to translate into, one of `CMS_LOCALES`, not one the story has "
        "already (`VALIDATION`)."
    )


@strawberry.input(
    description="Changes to an article's content: the fields given replace the article's "
    "(`body` and `authorIds` whole), the others stay. The status does not change."
)
class ArticleUpdateInput:
    id: strawberry.ID = _id()
    version: int = _version()
    title: str | None = strawberry.field(default=strawberry.UNSET, description="New headline.")
    summary: str | None = strawberry.field(
        default=strawberry.UNSET, description="New summary; null empties it." + _KEEP
    )
    byline: str | None = strawberry.field(
        default=strawberry.UNSET, description="New byline; null empties it." + _KEEP
    )
    body: list[ArticleBlockInput] | None = strawberry.field(
        default=strawberry.UNSET, description="The new body, whole." + _KEEP
    )
    author_ids: list[strawberry.ID] | None = strawberry.field(
        default=strawberry.UNSET, description="The new list of authors, whole." + _KEEP
    )
    event_id: strawberry.ID | None = strawberry.field(
        default=strawberry.UNSET, description="The new event; null: none." + _KEEP
    )
    cover_id: strawberry.ID | None = strawberry.field(
        default=strawberry.UNSET, description="The new lead picture; null: none." + _KEEP
    )
    slug: str | None = strawberry.field(
        default=strawberry.UNSET,
        description="A new URL name (old links then stop working)." + _KEEP,
    )
    section_id: strawberry.ID | None = strawberry.field(
        default=strawberry.UNSET, description="The new section; null: none." + _KEEP
    )
    tags: list[str] | None = strawberry.field(
        default=strawberry.UNSET,
        description="The new list of tags by name, whole (see `ArticleCreateInput.tags`); "
        "null empties it." + _KEEP,
    )
    seo_title: str | None = strawberry.field(
        default=strawberry.UNSET,
        description="The new title for search engines; null: the title again." + _KEEP,
    )
    seo_description: str | None = strawberry.field(
        default=strawberry.UNSET,
        description="The new description for search engines; null: the summary again." + _KEEP,
    )


@strawberry.input(description="Publish an article now, or schedule it.")
class ArticlePublishInput:
    id: strawberry.ID = _id()
    version: int = _version()
    at: datetime | None = strawberry.field(
        default=None,
        description="When it goes public, with an offset (`2024-03-01T08:00:00+07:00`). Default "
        "now; a future time schedules it: it comes into view by itself then.",
    )


@strawberry.input(description="The article to take back to draft.")
class ArticleUnpublishInput:
    id: strawberry.ID = _id()
    version: int = _version()


@strawberry.input(description="The article to withdraw from public view.")
class ArticleArchiveInput:
    id: strawberry.ID = _id()
    version: int = _version()


@strawberry.input(description="The article to delete.")
class ArticleDeleteInput:
    id: strawberry.ID = _id()
    version: int = _version()


@strawberry.input(description="Bring back an earlier revision's title, summary and body.")
class ArticleRestoreRevisionInput:
    id: strawberry.ID = _id()
    revision: int = strawberry.field(description="The revision's `number`.")
    version: int = _version()


@strawberry.input(description="A preview link for one article.")
class ArticlePreviewLinkInput:
    id: strawberry.ID = _id()
    expires_in: int | None = strawberry.field(
        default=None,
        description="Seconds the link stays valid: default 3600 (one hour); at most the "
        "server's `CMS_PREVIEW_MINUTES_MAX` (a week by default).",
    )


def article_pk(value: strawberry.ID) -> int:
    """The primary key of an article ID given as ``id``."""
    return pk_of(value, "Article", "id")


def to_input(given_input: ArticleCreateInput, locales: Locales) -> ArticleInput:
    """A creation as the services take it."""
    authors = given_input.author_ids
    return ArticleInput(
        title=given_input.title,
        summary=given_input.summary or "",
        byline=given_input.byline or "",
        blocks=to_blocks(given_input.body or []),
        author_ids=None if authors is strawberry.UNSET else _author_pks(authors or []),
        event_id=_pk(given_input.event_id, "Event", "eventId"),
        cover_id=_pk(given_input.cover_id, "Image", "coverId"),
        slug=given_input.slug,
        section_id=_pk(given_input.section_id, "Section", "sectionId"),
        tags=tuple(given_input.tags or ()),
        seo_title=given_input.seo_title or "",
        seo_description=given_input.seo_description or "",
        locale=locales.check(given_input.locale),
    )


def to_changes(changes: ArticleUpdateInput) -> ArticleChanges:
    """An update as the services take it (``KEEP`` for each field left out)."""
    blocks = given(changes.body)
    authors = given(changes.author_ids)
    tags = given(changes.tags)
    return ArticleChanges(
        title=given(changes.title),
        summary=given(changes.summary),
        byline=given(changes.byline),
        blocks=to_blocks(blocks) if isinstance(blocks, list) else blocks,
        author_ids=_author_pks(authors) if isinstance(authors, list) else authors,
        event_id=given_pk(changes.event_id, "Event", "eventId"),
        cover_id=given_pk(changes.cover_id, "Image", "coverId"),
        slug=given(changes.slug),
        section_id=given_pk(changes.section_id, "Section", "sectionId"),
        tags=tuple(tags) if isinstance(tags, list) else tags,
        seo_title=given(changes.seo_title),
        seo_description=given(changes.seo_description),
    )


def _pk(value: strawberry.ID | None, type_name: str, argument: str) -> int | None:
    return pk_of(value, type_name, argument) if value is not None else None


def _author_pks(ids: list[strawberry.ID]) -> tuple[int, ...]:
    return tuple(pk_of(value, "Author", f"authorIds.{n}") for n, value in enumerate(ids))
