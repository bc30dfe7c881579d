"""``imageDelete``: refused while anything uses the image; otherwise the row, the file and every
rendition go."""

from __future__ import annotations

import base64
from typing import Any

import httpx
import pytest
from tortoise.transactions import in_transaction

from cms import models
from cms.articles import body
from cms.articles import store as articles
from settings import Settings
from tests.factories import Factory
from tests.renditions.helpers import cover, halves, ingest, path_of, publish

pytestmark = pytest.mark.database("sqlite", "postgres")

DELETE = """
mutation ($id: ID!) {
  imageDelete(input: {id: $id}) {
    __typename
    ... on ImageDeleteSuccess { deletedId }
    ... on UserError { code message field }
    ... on InUseError { count }
  }
}
"""


def global_id(image: models.Image) -> str:
    return base64.b64encode(f"Image:{image.id}".encode()).decode()


async def delete(
    client: httpx.AsyncClient, image: models.Image | str, token: str | None
) -> dict[str, Any]:
    headers = {"authorization": f"Bearer {token}"} if token else {}
    image_id = image if isinstance(image, str) else global_id(image)
    response = await client.post(
        "/graphql", json={"query": DELETE, "variables": {"id": image_id}}, headers=headers
    )
    assert response.status_code == 200, response.text
    answer = response.json()
    assert "errors" not in answer, answer
    found: dict[str, Any] = answer["data"]["imageDelete"]
    return found


async def draft_with_figure(image: models.Image, title: str) -> models.Article:
    data = articles.ArticleData(title=title, blocks=[body.Figure((image.id,), "Chú thích")])
    async with in_transaction():
        return await articles.save(data)


@pytest.fixture
async def editor(settings: Settings, client: httpx.AsyncClient) -> str:
    return await Factory(settings.media_root).token(models.Role.EDITOR)


async def test_an_image_in_use_is_refused_with_the_count(
    client: httpx.AsyncClient, settings: Settings, editor: str
) -> None:
    image = await ingest(settings, halves())
    await publish(image)  # as a cover
    await draft_with_figure(image, "Bản nháp một")
    await draft_with_figure(image, "Bản nháp hai")
    author = await Factory(settings.media_root).author("Thu Trang")
    await models.Author.filter(id=author.id).update(avatar_id=image.id)
    refused = await delete(client, image, editor)
    assert refused["__typename"] == "InUseError"
    assert (refused["code"], refused["count"], refused["field"]) == ("IN_USE", 4, "id")
    assert refused["message"] == (
        "3 articles and 1 author profile use this image: take it out of them first."
    )
    assert await models.Image.exists(id=image.id)
    assert (settings.media_root / image.store_key).is_file()


async def test_an_avatar_alone_keeps_it(
    client: httpx.AsyncClient, settings: Settings, editor: str
) -> None:
    image = await ingest(settings, halves())
    author = await Factory(settings.media_root).author("Đức Anh")
    await models.Author.filter(id=author.id).update(avatar_id=image.id)
    refused = await delete(client, image, editor)
    assert (refused["code"], refused["count"]) == ("IN_USE", 1)
    assert refused["message"].startswith("1 author profile uses this image")


async def test_an_unused_image_goes_with_its_file_and_renditions(
    client: httpx.AsyncClient, settings: Settings, editor: str
) -> None:
    image = await ingest(settings, halves())
    article = await publish(image)
    urls = [
        path_of((await cover(client, w=w, h=h))["rendition"]["url"])
        for w, h in [(320, None), (640, 640), (480, 270)]
    ]
    for url in urls:
        assert (await client.get(url)).status_code == 200
    folder = settings.media_root / "renditions" / image.content_hash
    assert len(list(folder.iterdir())) == 3
    await models.Article.filter(id=article.id).delete()

    deleted = await delete(client, image, editor)
    assert deleted == {"__typename": "ImageDeleteSuccess", "deletedId": global_id(image)}
    assert not await models.Image.exists(id=image.id)
    assert not (settings.media_root / image.store_key).exists()
    assert not [p for p in folder.rglob("*") if p.is_file()]
    for url in urls:
        assert (await client.get(url)).status_code == 404
    entry = await models.AuditEntry.filter(object_type="Image", object_id=image.id).get()
    assert (entry.action, entry.summary) == ("delete", "photo.jpg")


async def test_other_images_and_their_renditions_stay(
    client: httpx.AsyncClient, settings: Settings, editor: str
) -> None:
    doomed = await ingest(settings, halves(800, 400))
    kept = await ingest(settings, halves(900, 450), "kept.jpg")
    await publish(kept)
    url = path_of((await cover(client, w=320))["rendition"]["url"])
    assert (await client.get(url)).status_code == 200
    assert (await delete(client, doomed, editor))["__typename"] == "ImageDeleteSuccess"
    assert (settings.media_root / kept.store_key).is_file()
    assert (await client.get(url)).status_code == 200


@pytest.mark.parametrize(
    ("role", "code"),
    [(None, "UNAUTHENTICATED"), (models.Role.AUTHOR, "FORBIDDEN")],
    ids=["anonymous", "author"],
)
async def test_only_editors_and_admins_delete(
    client: httpx.AsyncClient, settings: Settings, role: models.Role | None, code: str
) -> None:
    image = await ingest(settings, halves())
    token = await Factory(settings.media_root).token(role) if role else None
    refused = await delete(client, image, token)
    assert refused["code"] == code
    assert await models.Image.exists(id=image.id)
    assert (settings.media_root / image.store_key).is_file()


async def test_an_admin_deletes_too(client: httpx.AsyncClient, settings: Settings) -> None:
    image = await ingest(settings, halves())
    admin = await Factory(settings.media_root).token(models.Role.ADMIN)
    assert (await delete(client, image, admin))["__typename"] == "ImageDeleteSuccess"


async def test_a_missing_image_is_not_found(
    client: httpx.AsyncClient, settings: Settings, editor: str
) -> None:
    missing = base64.b64encode(b"Image:999999").decode()
    assert (await delete(client, missing, editor))["code"] == "NOT_FOUND"
    assert (await delete(client, "not-an-id", editor))["code"] == "VALIDATION"
