"""Images: taking files in (checked by Pillow in a thread) and reading their records in batches."""

from __future__ import annotations

import asyncio
import hashlib
import io
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from pathlib import PurePath
from typing import Any

import PIL.Image
from PIL import ImageDraw, ImageFont, UnidentifiedImageError
from tortoise.exceptions import IntegrityError

from cms.models import Article, ArticleImage, ArticleStatus, Author, Image
from cms.services.errors import ImageTooLarge, InvalidImage
from cms.storage import MediaStore
from cms.text import normalize

FORMATS = {
    "JPEG": ("image/jpeg", "jpg"),
    "PNG": ("image/png", "png"),
    "WEBP": ("image/webp", "webp"),
}
"""What we take, with the MIME type and extension we store it under."""

_ROTATED = {5, 6, 7, 8}  # EXIF orientations that display the picture turned by 90 degrees


@dataclass(frozen=True, slots=True)
class Limits:
    max_bytes: int
    max_pixels: int


@dataclass(frozen=True, slots=True)
class _Probe:
    mime_type: str
    extension: str
    width: int
    height: int
    sha256: str


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
    """Store an image file once and return its record; identical bytes give the same record.

    The file is written before the row, outside any transaction: a crash in between leaves an
    unreferenced file (harmless, content-addressed), never a row without its file.
    """
    if len(data) > limits.max_bytes:
        raise ImageTooLarge(f"{filename}: larger than {limits.max_bytes} bytes.", field="file")
    probe = await asyncio.to_thread(_probe, data, limits.max_pixels, filename)
    existing = await Image.get_or_none(content_hash=probe.sha256)
    if existing is not None:
        if not await store.exists(existing.store_key):  # lost from the store: put it back
            await store.put(existing.store_key, data)
        return existing
    key = f"images/{probe.sha256[:2]}/{probe.sha256[2:4]}/{probe.sha256}.{probe.extension}"
    await store.put(key, data)
    fields: dict[str, Any] = {
        "alt": normalize(alt).strip(),
        "caption": normalize(caption).strip(),
        "credit": normalize(credit).strip()[:255],
    }
    try:
        return await Image.create(
            store_key=key,
            filename=normalize(PurePath(filename).name)[:255],
            mime_type=probe.mime_type,
            size=len(data),
            width=probe.width,
            height=probe.height,
            content_hash=probe.sha256,
            **fields,
        )
    except IntegrityError:  # the same bytes arrived concurrently: theirs won
        return await Image.get(content_hash=probe.sha256)


def _probe(data: bytes, max_pixels: int, filename: str) -> _Probe:
    """Identify, check and decode an image (runs in a worker thread: Pillow is CPU work)."""
    with _pillow_errors(filename):
        with PIL.Image.open(io.BytesIO(data)) as image:
            image.verify()  # the file's structure (and PNG checksums); it decodes no pixels
        with PIL.Image.open(io.BytesIO(data)) as image:
            fmt, (width, height) = image.format or "", image.size
            if fmt not in FORMATS:
                raise InvalidImage(
                    f"{filename}: {fmt or 'unknown'} images are not taken.", field="file"
                )
            if width * height > max_pixels:
                raise ImageTooLarge(f"{filename}: more than {max_pixels} pixels.", field="file")
            orientation = image.getexif().get(0x0112)
            image.load()  # every pixel, now that their number is known: a truncated file fails
    if orientation in _ROTATED:
        width, height = height, width
    mime, ext = FORMATS[fmt]
    return _Probe(mime, ext, width, height, hashlib.sha256(data).hexdigest())


@contextmanager
def _pillow_errors(filename: str) -> Iterator[None]:
    """Pillow's ways of refusing a file, as the errors the API shows."""
    try:
        yield
    except PIL.Image.DecompressionBombError:
        raise ImageTooLarge(f"{filename}: too many pixels.", field="file") from None
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError):
        raise InvalidImage(f"{filename}: not a readable image.", field="file") from None


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
