"""Setting the focal point through ``imageUpdate``: cropped renditions follow it."""

from __future__ import annotations

from typing import Any

import httpx
import PIL.Image
import pytest

from cms import models
from settings import Settings
from tests.factories import Factory
from tests.renditions.helpers import cover, halves, ingest, opened, path_of, publish
from tests.renditions.test_delete import global_id

pytestmark = pytest.mark.database("sqlite", "postgres")

UPDATE = """
mutation ($id: ID!, $point: FocalPointInput) {
  imageUpdate(input: {id: $id, focalPoint: $point}) {
    __typename
    ... on ImageUpdateSuccess { image { focalPoint { x y } } }
    ... on UserError { code message field }
  }
}
"""


async def update(
    client: httpx.AsyncClient, image: models.Image, point: object, token: str
) -> dict[str, Any]:
    response = await client.post(
        "/graphql",
        json={"query": UPDATE, "variables": {"id": global_id(image), "point": point}},
        headers={"authorization": f"Bearer {token}"},
    )
    answer = response.json()
    assert "errors" not in answer, answer
    found: dict[str, Any] = answer["data"]["imageUpdate"]
    return found


@pytest.fixture
async def photo(settings: Settings) -> models.Image:
    image = await ingest(settings, halves(800, 400))
    await publish(image)
    return image


@pytest.fixture
async def editor(settings: Settings, client: httpx.AsyncClient) -> str:
    return await Factory(settings.media_root).token(models.Role.EDITOR)


async def test_an_editor_moves_the_focal_point_and_crops_follow(
    client: httpx.AsyncClient, photo: models.Image, editor: str
) -> None:
    before = (await cover(client, w=320, h=320, format="PNG"))["rendition"]["url"]
    updated = await update(client, photo, {"x": 0.9, "y": 0.25}, editor)
    assert updated["image"]["focalPoint"] == {"x": 0.9, "y": 0.25}
    answer = await cover(client, w=320, h=320, format="PNG")
    assert answer["focalPoint"] == {"x": 0.9, "y": 0.25}
    assert answer["rendition"]["url"] != before
    picture = opened((await client.get(path_of(answer["rendition"]["url"]))).content)
    assert _channel(picture.convert("RGB"), (10, 160), 2) > 180  # the blue half
    await update(client, photo, {"x": 0.05, "y": 0.5}, editor)
    left = (await cover(client, w=320, h=320, format="PNG"))["rendition"]["url"]
    picture = opened((await client.get(path_of(left))).content).convert("RGB")
    assert _channel(picture, (310, 160), 0) > 180  # the red half


async def test_null_puts_it_back_in_the_centre(
    client: httpx.AsyncClient, photo: models.Image, editor: str
) -> None:
    await update(client, photo, {"x": 0.1, "y": 0.9}, editor)
    assert (await update(client, photo, None, editor))["image"]["focalPoint"] == {
        "x": 0.5,
        "y": 0.5,
    }


async def test_it_is_kept_to_a_thousandth(
    client: httpx.AsyncClient, photo: models.Image, editor: str
) -> None:
    updated = await update(client, photo, {"x": 0.12345, "y": 1}, editor)
    assert updated["image"]["focalPoint"] == {"x": 0.123, "y": 1.0}


@pytest.mark.parametrize("point", [{"x": -0.1, "y": 0.5}, {"x": 0.5, "y": 1.01}])
async def test_a_point_outside_the_picture_is_refused(
    client: httpx.AsyncClient, photo: models.Image, editor: str, point: dict[str, float]
) -> None:
    refused = await update(client, photo, point, editor)
    assert (refused["code"], refused["field"]) == ("VALIDATION", "focalPoint")
    assert (await models.Image.get(id=photo.id)).focal_x == 0.5


async def test_an_author_may_not_move_it_on_a_published_photo(
    client: httpx.AsyncClient, settings: Settings, photo: models.Image
) -> None:
    author = await Factory(settings.media_root).token(models.Role.AUTHOR)
    assert (await update(client, photo, {"x": 0.2, "y": 0.2}, author))["code"] == "FORBIDDEN"


def _channel(picture: PIL.Image.Image, xy: tuple[int, int], channel: int) -> int:
    pixel = picture.getpixel(xy)
    assert isinstance(pixel, tuple)
    return int(pixel[channel])
