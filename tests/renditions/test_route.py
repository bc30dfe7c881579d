"""The rendition route: made on the first request, in the store from then on, once however many
ask at the same moment; signed paths only."""

from __future__ import annotations

import asyncio
from pathlib import Path

import httpx
import pytest

from cms import models
from cms.media.storage.renditions import RENDERS
from settings import Settings
from tests.renditions.helpers import BLUE, RED, cover, halves, ingest, opened, path_of, publish

pytestmark = pytest.mark.database("sqlite", "postgres")


def stored_renditions(settings: Settings) -> list[Path]:
    folder = settings.media_root / "renditions"
    return sorted(p for p in folder.rglob("*") if p.is_file()) if folder.exists() else []


@pytest.fixture
async def photo(settings: Settings) -> models.Image:
    image = await ingest(settings, halves(800, 400))
    await publish(image)
    return image


async def test_the_first_request_makes_the_file(
    client: httpx.AsyncClient, settings: Settings, photo: models.Image
) -> None:
    rendition = (await cover(client, w=300))["rendition"]
    assert (rendition["width"], rendition["height"], rendition["format"]) == (320, 160, "WEBP")
    assert stored_renditions(settings) == []  # asking through GraphQL made nothing
    before = RENDERS.value
    response = await client.get(path_of(rendition["url"]))
    assert response.status_code == 200
    assert RENDERS.value == before + 1
    assert response.headers["content-type"] == "image/webp"
    picture = opened(response.content)
    assert (picture.format, picture.size) == ("WEBP", (320, 160))
    [stored] = stored_renditions(settings)
    assert stored.relative_to(settings.media_root).as_posix() == (
        f"renditions/{photo.content_hash}/320x160.webp"
    )
    assert stored.read_bytes() == response.content


async def test_later_requests_are_served_from_the_store(
    client: httpx.AsyncClient, photo: models.Image
) -> None:
    url = path_of((await cover(client, w=640, format="JPEG"))["rendition"]["url"])
    first = await client.get(url)
    before = RENDERS.value
    again = await client.get(url)
    assert RENDERS.value == before
    assert again.content == first.content
    etag = again.headers["etag"]
    assert etag == f'"{photo.content_hash}-640x320-jpg"'
    assert again.headers["cache-control"] == "public, max-age=31536000, immutable"
    assert again.headers["x-content-type-options"] == "nosniff"
    assert again.headers["content-security-policy"] == "default-src 'none'"
    assert again.headers["content-type"] == "image/jpeg"
    assert "last-modified" in again.headers
    not_modified = await client.get(url, headers={"If-None-Match": etag})
    assert not_modified.status_code == 304
    assert not_modified.headers["etag"] == etag
    part = await client.get(url, headers={"Range": "bytes=0-99"})
    assert part.status_code == 206
    assert part.content == first.content[:100]
    assert part.headers["content-range"] == f"bytes 0-99/{len(first.content)}"
    head = await client.head(url)
    assert head.status_code == 200
    assert int(head.headers["content-length"]) == len(first.content)


@pytest.mark.parametrize(
    ("focal", "colour"), [((0.1, 0.5), RED), ((0.9, 0.5), BLUE)], ids=["left", "right"]
)
async def test_cover_crops_around_the_focal_point(
    client: httpx.AsyncClient,
    photo: models.Image,
    focal: tuple[float, float],
    colour: tuple[int, int, int],
) -> None:
    await models.Image.filter(id=photo.id).update(focal_x=focal[0], focal_y=focal[1])
    answer = await cover(client, w=320, h=320, format="PNG")
    assert answer["focalPoint"] == {"x": focal[0], "y": focal[1]}
    rendition = answer["rendition"]
    assert (rendition["width"], rendition["height"]) == (320, 320)
    picture = opened((await client.get(path_of(rendition["url"]))).content).convert("RGB")
    assert picture.size == (320, 320)
    for x in (2, 160, 317):  # all one colour: the square came from one half
        assert _near(picture.getpixel((x, 160)), colour)


async def test_contain_shows_the_whole_picture(
    client: httpx.AsyncClient, photo: models.Image
) -> None:
    rendition = (await cover(client, w=320, h=320, fit="CONTAIN", format="PNG"))["rendition"]
    assert (rendition["width"], rendition["height"]) == (320, 160)
    picture = opened((await client.get(path_of(rendition["url"]))).content).convert("RGB")
    assert _near(picture.getpixel((5, 80)), RED)
    assert _near(picture.getpixel((314, 80)), BLUE)


async def test_fifty_concurrent_first_requests_make_it_once(
    client: httpx.AsyncClient, settings: Settings, photo: models.Image
) -> None:
    url = path_of((await cover(client, w=480, h=270))["rendition"]["url"])
    before = RENDERS.value
    answers = await asyncio.gather(*(client.get(url) for _ in range(50)))
    assert RENDERS.value == before + 1
    assert {a.status_code for a in answers} == {200}
    assert len({a.content for a in answers}) == 1
    assert len(stored_renditions(settings)) == 1


@pytest.mark.parametrize(
    ("old", "new"),
    [("320x160", "321x160"), ("320x160", "160x80"), (".webp", ".png"), ("-", "-f500-500-")],
)
async def test_an_altered_url_is_404_and_makes_nothing(
    client: httpx.AsyncClient, settings: Settings, photo: models.Image, old: str, new: str
) -> None:
    url = path_of((await cover(client, w=320))["rendition"]["url"])
    name = url.rsplit("/", 1)[1]
    altered = url.removesuffix(name) + name.replace(old, new, 1)
    before = RENDERS.value
    response = await client.get(altered)
    assert response.status_code == 404
    assert RENDERS.value == before
    assert stored_renditions(settings) == []


async def test_a_deleted_pictures_rendition_is_404(
    client: httpx.AsyncClient, settings: Settings, photo: models.Image
) -> None:
    url = path_of((await cover(client, w=320))["rendition"]["url"])
    await models.Article.all().delete()
    await models.Image.filter(id=photo.id).delete()
    before = RENDERS.value
    assert (await client.get(url)).status_code == 404
    assert RENDERS.value == before


async def test_a_lost_original_is_404(
    client: httpx.AsyncClient, settings: Settings, photo: models.Image
) -> None:
    url = path_of((await cover(client, w=320))["rendition"]["url"])
    (settings.media_root / photo.store_key).unlink()
    assert (await client.get(url)).status_code == 404
    assert stored_renditions(settings) == []


async def test_an_unreadable_original_is_a_500_without_details(
    client: httpx.AsyncClient, settings: Settings, photo: models.Image
) -> None:
    url = path_of((await cover(client, w=320))["rendition"]["url"])
    (settings.media_root / photo.store_key).write_bytes(b"<html>not a picture</html>")
    response = await client.get(url)
    assert response.status_code == 500
    assert response.text == "This rendition could not be made."
    assert response.headers["cache-control"] == "no-store"
    assert stored_renditions(settings) == []


def _near(pixel: object, colour: tuple[int, int, int], tolerance: int = 40) -> bool:
    assert isinstance(pixel, tuple)
    return all(abs(a - b) <= tolerance for a, b in zip(pixel, colour, strict=True))
