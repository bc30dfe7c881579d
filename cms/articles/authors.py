"""Authors: pages, batch readers, finding or creating an author by name, and the profile
mutations (``authorCreate``, ``authorUpdate``, ``authorDelete``).

Editors and admins manage every profile. An author (a user with the ``AUTHOR`` role) may change
their own profile, but not its slug, and may not create or delete profiles. An author's email is
for editors and admins only.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from tortoise.transactions import in_transaction

from cms.accounts import audit
from cms.accounts.permissions import EDITORS, WRITERS, require
from cms.articles.reads import AUTHOR, AuthorRow
from cms.core.errors import Forbidden, InUse, InvalidInput, NotFound
from cms.core.fields import (
    KEEP,
    Keep,
    camel,
    email,
    free_slug,
    line,
    slug_format,
    slug_race,
    text,
)
from cms.core.pagination import Ordering, Page, Source, Window, fetch
from cms.core.slugs import unique_slug
from cms.core.viewer import Viewer
from cms.media import images
from cms.models import Article, ArticleAuthor, Author, Role
from cms.notify import outbox
from cms.search import index as search_index
from cms.text import normalize

MAX_NAME = 200
"""The width of the name column."""
MAX_BIO = 5000

BY_NAME = Ordering("author:name:asc", "name_sort", descending=False)
"""Vietnamese alphabetical order of the name (``cms.text.sort_key``), ties broken by id."""


async def page(win: Window) -> Page[AuthorRow]:
    """One page of all authors, alphabetically."""
    return await fetch(
        Source("author", "x", AUTHOR.select("x"), ("TRUE", []), AUTHOR.build), BY_NAME, win
    )


async def get_or_create(name: str) -> tuple[Author, bool]:
    """The author called exactly ``name`` (after NFC), created if there is none yet."""
    clean = " ".join(normalize(name).split())
    existing = await Author.filter(name=clean).order_by("id").first()
    if existing is not None:
        return existing, False
    slug = await unique_slug(Author, clean, fallback="author")
    return await Author.create(name=clean, slug=slug), True


def visible_email(viewer: Viewer, email: str | None) -> str | None:
    """An author's ``email`` as ``viewer`` may see it: editors and admins only, else ``None``."""
    return email if viewer.role in EDITORS else None


# --- the profile mutations -----------------------------------------------------------------------


@dataclass(slots=True)
class AuthorInput:
    """A new profile, as typed. Without a slug, one is made from the name (``bich-lien``)."""

    name: str
    slug: str | None = None
    bio: str | None = None
    email: str | None = None
    avatar_id: int | None = None


@dataclass(slots=True)
class AuthorChanges:
    """What ``authorUpdate`` changes: ``KEEP`` leaves a field alone, ``None`` clears it (the name
    and slug cannot be cleared)."""

    name: str | Keep | None = KEEP
    slug: str | Keep | None = KEEP
    bio: str | Keep | None = KEEP
    email: str | Keep | None = KEEP
    avatar_id: int | Keep | None = KEEP


async def create(viewer: Viewer, given: AuthorInput, now: datetime) -> Author:
    """A new author profile (editors and admins)."""
    require(viewer, EDITORS, "create author profiles")
    values = _clean(AuthorChanges(given.name, KEEP, given.bio, given.email, given.avatar_id))
    slug = slug_format(given.slug, "slug") if given.slug is not None else None
    async with slug_race("slug"), in_transaction():
        if slug is not None:
            await free_slug(Author, slug, "slug")
        else:
            slug = await unique_slug(Author, values["name"], fallback="author")
        await _check_avatar(viewer, values.get("avatar_id"), now)
        author = await Author.create(slug=slug, **values)
        await audit.record(viewer, audit.Action.CREATE, "Author", author.id, author.name)
    return author


async def update(viewer: Viewer, author_id: int, changes: AuthorChanges, now: datetime) -> Author:
    """Change a profile: editors and admins any, an author their own (not its slug).

    A new name is re-indexed for search with the articles that list the author.
    """
    if require(viewer, WRITERS, "change author profiles") is Role.AUTHOR:
        _check_own(viewer, author_id, changes)
    values = _clean(changes)
    async with slug_race("slug"), in_transaction():
        author = await _locked(author_id)
        changed = {k: v for k, v in values.items() if getattr(author, k) != v}
        if "slug" in changed:
            await free_slug(Author, changed["slug"], "slug", own_id=author.id)
        if "avatar_id" in changed:
            await _check_avatar(viewer, changed["avatar_id"], now)
        if changed:
            await author.update_from_dict(changed).save()
            if "name" in changed:
                await search_index.index_articles(
                    await Article.filter(author_links__author_id=author.id)
                )
            summary = f"Changed {', '.join(map(camel, changed))} of {author.name}"
            await audit.record(viewer, audit.Action.UPDATE, "Author", author.id, summary)
            await outbox.emit(
                outbox.EventType.AUTHOR_UPDATED, "Author", author.id, now, slug=author.slug
            )
    return author


async def delete(viewer: Viewer, author_id: int) -> None:
    """Delete a profile that no article lists (editors and admins); :class:`InUse` otherwise.

    An account linked to the profile stays, unlinked.
    """
    require(viewer, EDITORS, "delete author profiles")
    async with in_transaction():
        author = await _locked(author_id)  # an article saved meanwhile cannot link it now
        count = await ArticleAuthor.filter(author_id=author_id).count()
        if count:
            raise InUse(
                f"{count} article{'s list' if count > 1 else ' lists'} this author: take the "
                "author off them first.",
                count=count,
                field="id",
            )
        await author.delete()
        await audit.record(viewer, audit.Action.DELETE, "Author", author_id, author.name)


def _check_own(viewer: Viewer, author_id: int, changes: AuthorChanges) -> None:
    """An author changes only their own profile, and not its slug (links to it would break)."""
    if viewer.author_id != author_id:
        raise Forbidden("Authors may change only their own profile.", field="id")
    if not isinstance(changes.slug, Keep):
        raise Forbidden("Only editors may change a profile's slug.", field="slug")


def _clean(changes: AuthorChanges) -> dict[str, Any]:
    """The given fields, checked and normalised (before anything is read or written)."""
    values: dict[str, Any] = {}
    if not isinstance(changes.name, Keep):
        values["name"] = line(changes.name or "", "name", MAX_NAME, required=True)
    if not isinstance(changes.slug, Keep):
        if changes.slug is None:
            raise InvalidInput("`slug` cannot be cleared.", field="slug")
        values["slug"] = slug_format(changes.slug, "slug")
    if not isinstance(changes.bio, Keep):
        values["bio"] = text(changes.bio or "", "bio", MAX_BIO)
    if not isinstance(changes.email, Keep):
        values["email"] = email(changes.email, "email")
    if not isinstance(changes.avatar_id, Keep):
        values["avatar_id"] = changes.avatar_id
    return values


async def _locked(author_id: int) -> Author:
    """The author, its row locked until the transaction ends (PostgreSQL); :class:`NotFound`."""
    author = await Author.filter(id=author_id).select_for_update().first()
    if author is None:
        raise NotFound("There is no author with this ID.", field="id")
    return author


async def _check_avatar(viewer: Viewer, image_id: int | None, now: datetime) -> None:
    """An avatar must be an image ``viewer`` may see (a portrait is public once set)."""
    if image_id is not None and image_id not in await images.visible_to(viewer, [image_id], now):
        raise InvalidInput("There is no image with this ID.", field="avatarId")
