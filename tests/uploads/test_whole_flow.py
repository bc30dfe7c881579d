"""The photos issue's "Done when", end to end: a multipart upload by an editor, the photo in a
figure, publish, and the anonymous feed's URLs answering with the right bytes and headers."""

from __future__ import annotations

import io
from typing import Any
from urllib.parse import urlsplit

import httpx
import PIL.Image
import pytest

from cms.models import Role
from tests.factories import Factory
from tests.uploads.helpers import answer, picture, upload

pytestmark = pytest.mark.database("sqlite", "postgres")

CAPTION = "Toàn cảnh Hội nghị sơ kết 6 tháng đầu năm 2023 tại Bắc Kạn"

CREATE = """
mutation ($input: ArticleCreateInput!) {
  articleCreate(input: $input) {
    __typename ... on ArticleCreateSuccess { article { id version } }
    ... on UserError { code message field }
  }
}
"""
UPDATE = """
mutation ($input: ArticleUpdateInput!) {
  articleUpdate(input: $input) {
    __typename ... on ArticleUpdateSuccess { article { id version } }
    ... on UserError { code message field }
  }
}
"""
PUBLISH = """
mutation ($input: ArticlePublishInput!) {
  articlePublish(input: $input) {
    __typename ... on ArticlePublishSuccess { article { id version status } }
    ... on UserError { code message field }
  }
}
"""
FEED = """
{ articles(first: 5) { nodes { title body { __typename ... on FigureBlock { caption
    images { url placeholder dominantColor
             rendition(width: 300, format: WEBP) { url width format } }
} } } } }
"""


async def run(
    client: httpx.AsyncClient, token: str, query: str, variables: dict[str, Any]
) -> dict[str, Any]:
    response = await client.post(
        "/graphql",
        json={"query": query, "variables": variables},
        headers={"authorization": f"Bearer {token}"},
    )
    assert response.status_code == 200, response.text
    body = response.json()
    assert "errors" not in body, body
    data: dict[str, Any] = body["data"]
    return data


def path_of(url: str) -> str:
    return urlsplit(url).path


async def test_upload_figure_publish_and_serve(client, settings):
    editor = await Factory(settings.media_root).token(Role.EDITOR)
    photo = picture("JPEG", (800, 600))
    image = answer(
        await upload(client, editor, ("Hội nghị.jpg", photo, "image/jpeg"), caption=CAPTION)
    )
    image = image["image"]
    assert (image["width"], image["height"]) == (800, 600)
    assert image["placeholder"] and image["dominantColor"].startswith("#")
    assert image["caption"] == CAPTION

    created = await run(
        client,
        editor,
        CREATE,
        {"input": {"title": "Bài có ảnh", "body": [{"paragraph": {"text": "Đoạn đầu."}}]}},
    )
    article = created["articleCreate"]["article"]
    updated = await run(
        client,
        editor,
        UPDATE,
        {
            "input": {
                "id": article["id"],
                "version": article["version"],
                "body": [
                    {"paragraph": {"text": "Đoạn đầu."}},
                    {"figure": {"imageIds": [image["id"]], "caption": CAPTION}},
                ],
            }
        },
    )
    article = updated["articleUpdate"]["article"]
    published = await run(
        client, editor, PUBLISH, {"input": {"id": article["id"], "version": article["version"]}}
    )
    assert published["articlePublish"]["__typename"] == "ArticlePublishSuccess"

    feed = (await client.post("/graphql", json={"query": FEED})).json()
    assert "errors" not in feed, feed
    first = feed["data"]["articles"]["nodes"][0]
    assert first["title"] == "Bài có ảnh"
    [figure] = [b for b in first["body"] if b["__typename"] == "FigureBlock"]
    assert figure["caption"] == CAPTION
    [shown] = figure["images"]
    assert shown["rendition"]["width"] == 320 and shown["rendition"]["format"] == "WEBP"

    original = await client.get(path_of(shown["url"]))
    assert original.status_code == 200
    assert original.headers["content-type"] == "image/jpeg"
    assert original.headers["cache-control"] == "public, max-age=31536000, immutable"
    assert original.headers["x-content-type-options"] == "nosniff"
    assert PIL.Image.open(io.BytesIO(original.content)).size == (800, 600)
    again = await client.get(
        path_of(shown["url"]), headers={"if-none-match": original.headers["etag"]}
    )
    assert again.status_code == 304
    part = await client.get(path_of(shown["url"]), headers={"range": "bytes=0-99"})
    assert part.status_code == 206 and part.content == original.content[:100]

    small = await client.get(path_of(shown["rendition"]["url"]), follow_redirects=True)
    assert small.status_code == 200
    assert small.headers["content-type"] == "image/webp"
    made = PIL.Image.open(io.BytesIO(small.content))
    assert made.format == "WEBP" and made.size[0] == 320
    cached = await client.get(
        path_of(shown["rendition"]["url"]), headers={"if-none-match": small.headers["etag"]}
    )
    assert cached.status_code == 304
    ranged = await client.get(path_of(shown["rendition"]["url"]), headers={"range": "bytes=0-9"})
    assert ranged.status_code == 206 and ranged.content == small.content[:10]
