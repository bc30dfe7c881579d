"""Images: taking files in (checked by Pillow in a thread), reading their records in batches,
and changing their editorial text."""

from __future__ import annotations

import asyncio
import io
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import PIL.Image
from PIL import ImageDraw, ImageFont
from tortoise.queryset import ValuesListQuery
from tortoise.transactions import in_transaction

from cms.accounts import audit
from cms.accounts.permissions import WRITERS, require
from cms.articles.visibility import visible_sql
from cms.core import db
from cms.core.db import marks
from cms.core.errors import Forbidden, NotFound
from cms.core.fields import KEEP, Keep, line, text
from cms.core.viewer import ANONYMOUS, Viewer
from cms.media import renditions, uploads
from cms.media.storage import MediaStore
from cms.media.uploads import MAX_ALT, MAX_CAPTION, MAX_CREDIT, Text
from cms.media.uploads import Limits as Limits
from cms.models import Article, ArticleAuthor, ArticleImage, ArticleStatus, Author, Image, Role
from cms.notify import outbox


async def ingest(
    store: MediaStore,
    data: bytes,
    filename: str,
    limits: Limits,
    *,
    alt: str = "",
    caption: str = "",
    credit: str = "",
) -> Image:
    """Store an image file once and return its record; the same photo gives the same record.

    Goes through the upload pipeline (:mod:`cms.media.uploads`): sniffed, decoded, its
    metadata removed, its placeholder computed, stored under the hash of the stored bytes.
    """
    return await uploads.ingest_bytes(store, data, filename, limits, Text(alt, caption, credit))


def placeholder_png(label: str, width: int = 1200, height: int = 800) -> bytes:
    """A labelled grey picture standing in for a missing photo (deterministic bytes)."""
    image = PIL.Image.new("RGB", (width, height), (214, 219, 223))
    draw = ImageDraw.Draw(image)
    draw.rectangle((8, 8, width - 9, height - 9), outline=(120, 130, 140), width=4)
    draw.line((8, 8, width - 9, height - 9), fill=(180, 188, 194), width=3)
    draw.line((8, height - 9, width - 9, 8), fill=(180, 188, 194), width=3)
    font = ImageFont.load_default(size=max(24, height // 10))
    box = draw.textbbox((0, 0), label, font=font)
    x, y = (width - (box[2] - box[0])) // 2, (height - (box[3] - box[1])) // 2
    draw.rectangle(
        (x - 24, y - 16, x + box[2] - box[0] + 24, y + box[3] - box[1] + 24), fill="white"
    )
    draw.text((x - box[0], y - box[1]), label, fill=(40, 48, 56), font=font)
    out = io.BytesIO()
    image.save(out, format="PNG", optimize=True)
    return out.getvalue()


async def visible_ids(ids: Sequence[int], now: datetime) -> set[int]:
    """Which of ``ids`` an anonymous reader may see: used by a public article, or an avatar.

    Photos of an embargoed draft stay unreachable through the API until the article is out.
    """
    return await visible_to(ANONYMOUS, ids, now)


async def by_article_ids(article_ids: Sequence[int]) -> list[list[Image]]:
    """Batch reader: each article's images (cover first, then figures) in reading order."""
    links = await ArticleImage.filter(article_id__in=article_ids).select_related("image")
    grouped: dict[int, list[tuple[int, Image]]] = {i: [] for i in article_ids}
    for link in links:
        grouped[link.article_id].append((link.position, link.image))
    return [[image for _, image in sorted(grouped[i], key=lambda p: p[0])] for i in article_ids]


async def set_article_images(article: Article, image_ids: Sequence[int]) -> None:
    """Record which images ``article`` uses, in order (call inside the article's transaction)."""
    ordered = list(dict.fromkeys(image_ids))
    await ArticleImage.filter(article_id=article.id).delete()
    await ArticleImage.bulk_create(
        [ArticleImage(article_id=article.id, image_id=i, position=n) for n, i in enumerate(ordered)]
    )


# --- editorial text: imageUpdate ---------------------------------------------------------------


@dataclass(slots=True)
class ImageChanges:
    """What ``imageUpdate`` may change; ``KEEP`` leaves a field alone, ``None`` empties it."""

    alt: str | Keep | None = KEEP
    caption: str | Keep | None = KEEP
    credit: str | Keep | None = KEEP
    focal_point: tuple[float, float] | Keep | None = KEEP
    """``(x, y)``, 0..1 each: the point crops keep in view; None puts it back in the centre."""


async def visible_to(viewer: Viewer, ids: Sequence[int], now: datetime) -> set[int]:
    """Which of ``ids`` exist and ``viewer`` may see: every image for editors and admins; for
    others those used by an article they may see (:func:`cms.articles.visibility.visible_sql`:
    public ones, and an author's own) and authors' avatars."""
    if not ids:
        return set()
    if viewer.can_preview:
        return await _ids(Image.filter(id__in=ids).values_list("id", flat=True))
    visible, params = visible_sql(viewer, now, "a") or ("TRUE", [])
    used = db.fetch(
        "SELECT l.image_id AS id FROM article_image l JOIN article a ON a.id = l.article_id "
        f"WHERE l.image_id IN ({marks(len(ids))}) AND {visible}",
        [*ids, *params],
    )
    avatars = Author.filter(avatar_id__in=ids).values_list("avatar_id", flat=True)
    first, second = await asyncio.gather(used, avatars)
    return {int(row["id"]) for row in first} | {int(str(i)) for i in second if i is not None}


async def update(viewer: Viewer, image_id: int, changes: ImageChanges, now: datetime) -> Image:
    """Change an image's default alt text, caption and credit (``imageUpdate``).

    Editors and admins change any image. An author changes an image only while it is theirs
    alone: used by their own draft articles or as their own avatar, and by nothing else (the
    text of a published article, or of someone else's, is an editor's to change).
    """
    role = require(viewer, WRITERS, "change image descriptions")
    values = _clean(changes)
    async with in_transaction():
        image = await Image.filter(id=image_id).select_for_update().first()
        if image is None:
            raise NotFound("There is no image with this ID.", field="id")
        if role is Role.AUTHOR:
            await _check_authors_own(viewer, image_id, now)
        changed = {k: v for k, v in values.items() if getattr(image, k) != v}
        if changed:
            await image.update_from_dict(changed).save()
            summary = f"Changed {', '.join(changed)} of {image.filename}"
            await audit.record(viewer, audit.Action.UPDATE, "Image", image.id, summary)
            if image.id in await visible_ids([image.id], now):  # the public sees it
                await outbox.emit(outbox.EventType.IMAGE_UPDATED, "Image", image.id, now)
    return image


def _clean(changes: ImageChanges) -> dict[str, str | float]:
    """The given fields, checked (before anything is read or written)."""
    values: dict[str, str | float] = {}
    if not isinstance(changes.alt, Keep):
        values["alt"] = line(changes.alt or "", "alt", MAX_ALT)
    if not isinstance(changes.caption, Keep):
        values["caption"] = text(changes.caption or "", "caption", MAX_CAPTION)
    if not isinstance(changes.credit, Keep):
        values["credit"] = line(changes.credit or "", "credit", MAX_CREDIT)
    if not isinstance(changes.focal_point, Keep):
        values["focal_x"], values["focal_y"] = renditions.focal_point(changes.focal_point)
    return values


async def _ids(query: ValuesListQuery[Any]) -> set[int]:
    return {int(str(i)) for i in await query}


async def _check_authors_own(viewer: Viewer, image_id: int, now: datetime) -> None:
    """:class:`NotFound` if an author may not see the image; :class:`Forbidden` if it is not
    theirs alone (see :func:`update`)."""
    mine_id = viewer.author_id
    found = ArticleImage.filter(image_id=image_id).values_list("article_id", "article__status")
    uses = {int(str(article_id)): ArticleStatus(status) for article_id, status in await found}
    own: set[int] = set()
    if mine_id is not None and uses:
        links = ArticleAuthor.filter(author_id=mine_id, article_id__in=list(uses))
        own = await _ids(links.values_list("article_id", flat=True))
    avatar_of = await _ids(Author.filter(avatar_id=image_id).values_list("id", flat=True))
    mine = bool(own) or mine_id in avatar_of
    if not mine and image_id not in await visible_ids([image_id], now):
        raise NotFound("There is no image with this ID.", field="id")
    own_drafts = all(
        article_id in own and status is ArticleStatus.DRAFT for article_id, status in uses.items()
    )
    if not (mine and own_drafts) or avatar_of - {mine_id}:
        raise Forbidden(
            "Authors may change an image only while it is theirs alone: used by their own draft "
            "articles or as their avatar, and nowhere else. Ask an editor.",
            field="id",
        )
