"""An image's files: finding the original a rendition is made from, and deleting an image with
its file and every rendition of it (``imageDelete``)."""

from __future__ import annotations

from tortoise.transactions import in_transaction

from cms.accounts import audit
from cms.accounts.permissions import EDITORS, require
from cms.core.errors import InUse, NotFound
from cms.core.viewer import Viewer
from cms.media.renditions import renditions_prefix
from cms.media.storage import MediaStore
from cms.models import Article, ArticleImage, Author, Image


async def source_key(content_hash: str) -> str | None:
    """The store key of the original with this content hash, or None if no image has it."""
    found = await Image.filter(content_hash=content_hash).values_list("store_key", flat=True)
    return str(found[0]) if found else None


async def uses(image_id: int) -> tuple[int, int]:
    """How many articles (as cover or in a figure) and author profiles (as avatar) use it."""
    linked = await ArticleImage.filter(image_id=image_id).values_list("article_id", flat=True)
    covers = await Article.filter(cover_id=image_id).values_list("id", flat=True)
    avatars = await Author.filter(avatar_id=image_id).count()
    return len({*linked, *covers}), avatars


async def delete(viewer: Viewer, image_id: int, store: MediaStore) -> None:
    """Delete an image that nothing uses (editors and admins), then its file and renditions.

    :class:`InUse` while an article or an author profile uses it. The row goes first, in its
    transaction; the files after the commit. A crash in between leaves files that no row names
    (harmless; the same bytes uploaded again reuse them), never a row without its file.
    """
    require(viewer, EDITORS, "delete images")
    async with in_transaction():
        image = await Image.filter(id=image_id).select_for_update().first()
        if image is None:
            raise NotFound("There is no image with this ID.", field="id")
        articles, authors = await uses(image_id)
        if articles or authors:
            raise InUse(_in_use(articles, authors), count=articles + authors, field="id")
        await image.delete()
        await audit.record(viewer, audit.Action.DELETE, "Image", image_id, image.filename)
    await remove_files(store, image)


async def remove_files(store: MediaStore, image: Image) -> None:
    """Remove an image's file and every rendition of it from the store."""
    await store.delete(image.store_key)
    prefix = renditions_prefix(image.content_hash)
    async for key in store.keys(prefix):
        await store.delete(key)


def _in_use(articles: int, authors: int) -> str:
    parts = []
    if articles:
        parts.append(f"{articles} article{'s' if articles > 1 else ''}")
    if authors:
        parts.append(f"{authors} author profile{'s' if authors > 1 else ''}")
    return (
        f"{' and '.join(parts)} use{'s' if articles + authors == 1 else ''} this image: "
        "take it out of them first."
    )
