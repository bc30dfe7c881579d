"""Images: taking files in (checked by Pillow in a thread) and reading their records in batches."""

from __future__ import annotations

import asyncio
import io
from collections.abc import Sequence
from datetime import datetime

import PIL.Image
from PIL import ImageDraw, ImageFont

from cms.models import Article, ArticleImage, ArticleStatus, Author, Image
from cms.services import uploads
from cms.services.uploads import Limits as Limits
from cms.services.uploads import Text
from cms.storage import MediaStore


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

    Goes through the upload pipeline (:mod:`cms.services.uploads`): sniffed, decoded, its
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


async def by_ids(ids: Sequence[int]) -> list[Image | None]:
    """Batch reader: item ``i`` answers ``ids[i]``."""
    found = {image.id: image for image in await Image.filter(id__in=ids)}
    return [found.get(i) for i in ids]


async def visible_ids(ids: Sequence[int], now: datetime) -> set[int]:
    """Which of ``ids`` an anonymous reader may see: used by a public article, or an avatar.

    Photos of an embargoed draft stay unreachable through the API until the article is out.
    """
    used = ArticleImage.filter(
        image_id__in=ids,
        article__status__in=[ArticleStatus.PUBLISHED, ArticleStatus.SCHEDULED],
        article__published_at__lte=now,
    ).values_list("image_id", flat=True)
    avatars = Author.filter(avatar_id__in=ids).values_list("avatar_id", flat=True)
    first, second = await asyncio.gather(used, avatars)
    return {int(str(i)) for i in [*first, *second] if i is not None}


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
