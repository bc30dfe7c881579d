"""Collections: lists of articles in the editors' order, such as the front page's top stories
(``collectionCreate``, ``collectionUpdate``, ``collectionSetItems``, ``collectionDelete``).

Editors and admins keep them. Every change but a creation names the ``version`` the editor last
saw, as for articles: if the collection changed since, the answer is :class:`Conflict` with the
version it is at, and nothing is written. A list may hold any article, a draft too (an editor
prepares tomorrow's front page): readers see only the items they may see (see
:mod:`cms.articles.collection_items`).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from tortoise.transactions import in_transaction

from cms.accounts import audit
from cms.accounts.permissions import EDITORS, require
from cms.articles.structure_reads import COLLECTION, CollectionRow
from cms.core.errors import CmsError, Conflict, InvalidInput, NotFound
from cms.core.fields import KEEP, Keep, camel, free_slug, line, slug_format, slug_race, text
from cms.core.pagination import Ordering, Page, Source, Window, fetch
from cms.core.slugs import unique_slug
from cms.core.viewer import Viewer
from cms.models import Article, Collection, CollectionItem
from cms.notify import outbox

MAX_NAME = 200
MAX_DESCRIPTION = 2000
MAX_ITEMS = 100

OLDEST_FIRST = Ordering("collection:id:asc", "id", descending=False)
"""The order of ``collections``: as they were made."""


async def page(win: Window) -> Page[CollectionRow]:
    """One page of every collection, the oldest first."""
    return await fetch(Source.of_rows(COLLECTION, "x"), OLDEST_FIRST, win)


@dataclass(frozen=True, slots=True)
class CollectionInput:
    """A new collection. Without a slug, one is made from the name (``trang-chu``)."""

    name: str
    slug: str | None = None
    description: str | None = None


@dataclass(frozen=True, slots=True)
class CollectionChanges:
    """What ``collectionUpdate`` changes: ``KEEP`` leaves a field alone; ``None`` empties the
    description."""

    name: str | Keep = KEEP
    slug: str | Keep = KEEP
    description: str | Keep | None = KEEP


async def create(viewer: Viewer, now: datetime, given: CollectionInput) -> Collection:
    """A new, empty collection (editors and admins)."""
    require(viewer, EDITORS, "manage collections")
    values = _clean(CollectionChanges(given.name, KEEP, given.description or ""))
    slug = slug_format(given.slug, "slug") if given.slug is not None else None
    async with slug_race("slug"), in_transaction():
        if slug is not None:
            await free_slug(Collection, slug, "slug")
        else:
            slug = await unique_slug(Collection, values["name"], fallback="collection")
        collection = await Collection.create(slug=slug, **values)
        await audit.record(
            viewer, audit.Action.CREATE, "Collection", collection.id, collection.name
        )
        await _event(outbox.EventType.COLLECTION_CREATED, collection, now)
    return collection


async def update(
    viewer: Viewer, now: datetime, collection_id: int, version: int, changes: CollectionChanges
) -> Collection:
    """Rename, re-slug or describe a collection (editors and admins); a change that changes
    nothing writes nothing (the version stays)."""
    require(viewer, EDITORS, "manage collections")
    values = _clean(changes)
    async with slug_race("slug"), in_transaction():
        collection = await _found(collection_id, version)
        changed = {k: v for k, v in values.items() if getattr(collection, k) != v}
        if not changed:
            return collection
        if "slug" in changed:
            await free_slug(Collection, changed["slug"], "slug", own_id=collection.id)
        await _write(collection, version, now, changed)
        summary = f"Changed {', '.join(map(camel, changed))} of {collection.name}"
        await audit.record(viewer, audit.Action.UPDATE, "Collection", collection.id, summary)
        await _event(outbox.EventType.COLLECTION_UPDATED, collection, now)
    return collection


async def set_items(
    viewer: Viewer, now: datetime, collection_id: int, version: int, article_ids: Sequence[int]
) -> Collection:
    """Make ``article_ids`` the collection's items, in that order (editors and admins)."""
    require(viewer, EDITORS, "manage collections")
    if len(article_ids) > MAX_ITEMS:
        raise InvalidInput(f"A collection holds at most {MAX_ITEMS} articles.", field="articleIds")
    for n, article_id in enumerate(article_ids):
        if article_id in article_ids[:n]:
            raise InvalidInput("This article is in the list already.", field=f"articleIds.{n}")
    async with in_transaction():
        collection = await _found(collection_id, version)
        await _check_articles(article_ids)
        # The version first: of two editors who saw one version, the second waits here for the
        # first's commit and gets its Conflict before touching the items.
        await _write(collection, version, now, {})
        await CollectionItem.filter(collection_id=collection.id).delete()
        await CollectionItem.bulk_create(
            [
                CollectionItem(collection_id=collection.id, article_id=article_id, position=n)
                for n, article_id in enumerate(article_ids)
            ]
        )
        summary = f"Listed {len(article_ids)} articles in {collection.name}"
        await audit.record(viewer, audit.Action.UPDATE, "Collection", collection.id, summary)
        await _event(outbox.EventType.COLLECTION_UPDATED, collection, now)
    return collection


async def delete(viewer: Viewer, now: datetime, collection_id: int, version: int) -> None:
    """Delete a collection (its articles stay; editors and admins)."""
    require(viewer, EDITORS, "manage collections")
    async with in_transaction():
        collection = await _found(collection_id, version)
        if not await Collection.filter(id=collection.id, version=version).delete():
            raise await _stale(collection.id)
        await audit.record(
            viewer, audit.Action.DELETE, "Collection", collection_id, collection.name
        )
        await _event(outbox.EventType.COLLECTION_DELETED, collection, now)


# --- the steps every change shares --------------------------------------------------------------


async def _found(collection_id: int, version: int) -> Collection:
    """The collection, if it is still at ``version`` (:class:`Conflict` early otherwise)."""
    found = await Collection.get_or_none(id=collection_id)
    if found is None:
        raise NotFound("There is no collection with this ID.", field="id")
    if found.version != version:
        raise conflict(found.version)
    return found


async def _write(
    collection: Collection, expected: int, now: datetime, values: dict[str, Any]
) -> None:
    """Write ``values`` as the collection's next version, if it is still at ``expected``: one
    ``UPDATE ... WHERE version = ?``, so that of two editors who saw one version only the first
    saves (as :func:`cms.articles.store.write_if_unchanged`)."""
    written = {**values, "version": expected + 1, "updated_at": now}
    if not await Collection.filter(id=collection.id, version=expected).update(**written):
        raise await _stale(collection.id)
    collection.update_from_dict(written)


def conflict(current: int) -> Conflict:
    """The answer to an editor whose copy is older than the collection's ``current`` version."""
    return Conflict(
        f"The collection was changed meanwhile: it is at version {current} now. Reload it and "
        "apply your change again.",
        current_version=current,
        field="version",
    )


async def _stale(collection_id: int) -> CmsError:
    current = await Collection.filter(id=collection_id).values_list("version", flat=True)
    if not current:
        return NotFound("The collection was deleted meanwhile.", field="id")
    return conflict(int(str(current[0])))


async def _check_articles(article_ids: Sequence[int]) -> None:
    """Every article exists (editors see them all, drafts too)."""
    found = {
        int(str(i)) for i in await Article.filter(id__in=article_ids).values_list("id", flat=True)
    }
    for n, article_id in enumerate(article_ids):
        if article_id not in found:
            raise InvalidInput("There is no article with this ID.", field=f"articleIds.{n}")


def _clean(changes: CollectionChanges) -> dict[str, Any]:
    """The given fields, checked and normalised (before anything is read or written)."""
    values: dict[str, Any] = {}
    if not isinstance(changes.name, Keep):
        values["name"] = line(changes.name, "name", MAX_NAME, required=True)
    if not isinstance(changes.slug, Keep):
        values["slug"] = slug_format(changes.slug, "slug")
    if not isinstance(changes.description, Keep):
        values["description"] = text(changes.description or "", "description", MAX_DESCRIPTION)
    return values


async def _event(kind: outbox.EventType, collection: Collection, now: datetime) -> None:
    await outbox.emit(
        kind, "Collection", collection.id, now, slug=collection.slug, version=collection.version
    )
