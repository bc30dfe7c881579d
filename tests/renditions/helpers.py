"""Pictures for the rendition tests: real files made with Pillow, ingested and published."""

from __future__ import annotations

import io
from typing import Any

import httpx
import PIL.Image
from tortoise.transactions import in_transaction

from cms import models
from cms.articles import body
from cms.articles import store as articles
from cms.media import images
from cms.media.storage import LocalMediaStore
from settings import Settings
from tests.conftest import gql
from tests.factories import LIMITS, T0

RED, BLUE, GREEN = (220, 20, 20), (20, 20, 220), (20, 200, 20)

COVER = """
query ($w: Int!, $h: Int, $fit: Fit, $format: ImageFormat) {
  articles(first: 1) { nodes { cover {
    id width height focalPoint { x y }
    rendition(width: $w, height: $h, fit: $fit, format: $format) { url width height format }
  } } }
}
"""


def halves(width: int = 800, height: int = 400, fmt: str = "JPEG") -> bytes:
    """A picture whose left half is red and right half blue (a crop shows which it kept)."""
    picture = PIL.Image.new("RGB", (width, height), RED)
    picture.paste(BLUE, (width // 2, 0, width, height))
    out = io.BytesIO()
    picture.save(out, format=fmt, quality=95)
    return out.getvalue()


async def ingest(settings: Settings, data: bytes, name: str = "photo.jpg") -> models.Image:
    return await images.ingest(LocalMediaStore(settings.media_root), data, name, LIMITS)


async def publish(image: models.Image, title: str = "Ảnh bìa") -> models.Article:
    """A published article with ``image`` as its cover (so anonymous readers see the image)."""
    data = articles.ArticleData(
        title=title,
        blocks=[body.Paragraph("Đoạn văn.")],
        status=models.ArticleStatus.PUBLISHED,
        published_at=T0,
        cover_id=image.id,
    )
    async with in_transaction():
        return await articles.save(data)


async def cover(client: httpx.AsyncClient, **variables: Any) -> dict[str, Any]:
    """The newest article's cover, with the rendition asked for by ``variables``."""
    answer = await gql(client, COVER, variables)
    assert "errors" not in answer, answer
    found: dict[str, Any] = answer["data"]["articles"]["nodes"][0]["cover"]
    return found


def path_of(url: str) -> str:
    """A media URL as the path to request from the test client."""
    return httpx.URL(url).raw_path.decode()


def opened(data: bytes) -> PIL.Image.Image:
    picture = PIL.Image.open(io.BytesIO(data))
    picture.load()
    return picture
