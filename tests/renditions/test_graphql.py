"""``Image.rendition``, ``Image.srcset`` and ``Image.focalPoint`` through the API: URLs only, no
Pillow and no SQL statement beyond what the images cost anyway."""

from __future__ import annotations

import re

import httpx
import pytest
from asgi_lifespan import LifespanManager

from cms import models
from cms.app import create_app
from cms.media.storage.renditions import RENDERS
from settings import Settings
from tests.conftest import QueryLog, gql
from tests.factories import Factory
from tests.renditions.helpers import cover, halves, ingest, opened, path_of, publish

pytestmark = pytest.mark.database("sqlite", "postgres")

FEED = """
query ($first: Int) {
  articles(first: $first) { nodes { title cover { url %s } } }
}
"""
RENDITIONS = """
  small: rendition(width: 320) { url width height format }
  card: rendition(width: 640, height: 360) { url }
  box: rendition(width: 640, height: 640, fit: CONTAIN, format: JPEG) { url }
  srcset
  srcset2: srcset(widths: [100, 700], format: AVIF)
  focalPoint { x y }
"""


@pytest.fixture
async def photo(settings: Settings) -> models.Image:
    image = await ingest(settings, halves(1000, 500))
    await publish(image)
    return image


async def test_renditions_cost_no_sql_and_run_no_pillow(
    client: httpx.AsyncClient, settings: Settings, count_queries: QueryLog
) -> None:
    factory = Factory(settings.media_root)
    await factory.feed(10, cover=True)
    plain = FEED % ""
    count_queries.reset()
    assert "errors" not in await gql(client, plain, {"first": 10})
    without = count_queries.count
    before = RENDERS.value
    count_queries.reset()
    answer = await gql(client, FEED % RENDITIONS, {"first": 10})
    assert "errors" not in answer, answer
    assert count_queries.count == without, count_queries.statements
    assert RENDERS.value == before
    assert not (settings.media_root / "renditions").exists()
    assert len(answer["data"]["articles"]["nodes"]) == 10


async def test_srcset_lists_each_width_once_up_to_the_original(
    client: httpx.AsyncClient, photo: models.Image
) -> None:
    answer = await gql(
        client,
        "{ articles(first: 1) { nodes { cover { all: srcset "
        "some: srcset(widths: [100, 300, 320, 5000], format: JPEG) } } } }",
    )
    found = answer["data"]["articles"]["nodes"][0]["cover"]
    entries = [entry.rsplit(" ", 1) for entry in found["all"].split(", ")]
    assert [w for _, w in entries] == ["160w", "320w", "480w", "640w", "960w", "1000w"]
    assert all(
        re.fullmatch(r"http://cms\.test/media/r/[0-9a-f]{64}/\S+\.webp", u) for u, _ in entries
    )
    some = [entry.rsplit(" ", 1) for entry in found["some"].split(", ")]
    assert [w for _, w in some] == ["160w", "320w", "1000w"]
    assert all(u.endswith(".jpg") for u, _ in some)


async def test_a_srcset_entry_is_a_working_url(
    client: httpx.AsyncClient, photo: models.Image
) -> None:
    answer = await gql(
        client, "{ articles(first: 1) { nodes { cover { srcset(widths: [480]) } } } }"
    )
    url, width = answer["data"]["articles"]["nodes"][0]["cover"]["srcset"].split(" ")
    assert width == "480w"
    response = await client.get(path_of(url))
    assert response.status_code == 200
    assert opened(response.content).size == (480, 240)


async def test_the_focal_point_is_the_centre_by_default(
    client: httpx.AsyncClient, photo: models.Image
) -> None:
    assert (await cover(client, w=320))["focalPoint"] == {"x": 0.5, "y": 0.5}


async def test_moving_the_focal_point_changes_only_cropped_urls(
    client: httpx.AsyncClient, photo: models.Image
) -> None:
    cropped, whole = (await cover(client, w=320, h=320)), (await cover(client, w=320))
    await models.Image.filter(id=photo.id).update(focal_x=0.2, focal_y=0.4)
    moved, whole_after = (await cover(client, w=320, h=320)), (await cover(client, w=320))
    assert moved["rendition"]["url"] != cropped["rendition"]["url"]
    assert "/320x320-f200-400-" in moved["rendition"]["url"]
    assert whole_after["rendition"]["url"] == whole["rendition"]["url"]


async def test_avif_where_pillow_writes_it(client: httpx.AsyncClient, photo: models.Image) -> None:
    rendition = (await cover(client, w=320, format="AVIF"))["rendition"]
    assert rendition["format"] == "AVIF"
    response = await client.get(path_of(rendition["url"]))
    assert response.headers["content-type"] == "image/avif"
    assert opened(response.content).format == "AVIF"


@pytest.mark.parametrize(
    ("arguments", "field"),
    [
        ("width: 0", "width"),
        ("width: -1", "width"),
        ("width: 320, height: 0", "height"),
        ("width: 1000000", "width"),
    ],
)
async def test_nonsense_sizes_get_a_typed_error(
    client: httpx.AsyncClient, photo: models.Image, arguments: str, field: str
) -> None:
    answer = await gql(
        client,
        f"{{ articles(first: 1) {{ nodes {{ cover {{ rendition({arguments}) {{ url }} }} }} }} }}",
    )
    [error] = answer["errors"]
    assert error["extensions"] == {"code": "BAD_USER_INPUT", "field": field}
    assert "between 1 and" in error["message"]


@pytest.mark.parametrize("widths", ["[]", str(list(range(1, 22)))])
async def test_a_srcset_of_no_or_too_many_widths_is_refused(
    client: httpx.AsyncClient, photo: models.Image, widths: str
) -> None:
    answer = await gql(
        client, f"{{ articles(first: 1) {{ nodes {{ cover {{ srcset(widths: {widths}) }} }} }} }}"
    )
    [error] = answer["errors"]
    assert error["extensions"] == {"code": "BAD_USER_INPUT", "field": "widths"}


async def test_urls_follow_the_public_url(settings: Settings) -> None:
    public = settings.model_copy(update={"public_url": "https://cms.example.org"})
    async with LifespanManager(create_app(public)) as manager:
        transport = httpx.ASGITransport(app=manager.app)
        async with httpx.AsyncClient(transport=transport, base_url="http://cms.test") as client:
            image = await ingest(settings, halves(1000, 500))
            await publish(image)
            url = (await cover(client, w=320))["rendition"]["url"]
    assert url.startswith(f"https://cms.example.org/media/r/{image.content_hash}/320x160-")
