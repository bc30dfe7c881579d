"""The CMS mounted under a prefix (a proxy's ``root_path``): uploads are still uploads."""

from __future__ import annotations

import io
import os

import httpx
import PIL.Image
import pytest
from asgi_lifespan import LifespanManager

from cms.app import create_app
from cms.models import Role
from settings import Settings
from tests.factories import Factory
from tests.uploads.helpers import UPLOAD, answer, auth, multipart

pytestmark = pytest.mark.database("sqlite", "postgres")


def noise_png(side: int) -> bytes:
    """A PNG of random pixels: about ``3 * side * side`` bytes, whatever the compression."""
    image = PIL.Image.frombytes("RGB", (side, side), os.urandom(3 * side * side))
    out = io.BytesIO()
    image.save(out, "PNG")
    return out.getvalue()


async def test_an_upload_under_a_root_path_streams_within_the_upload_limits(
    factory: Factory, settings: Settings
) -> None:
    """Under ``/cms``, a photo larger than a JSON body may be is taken: it streams through
    within the upload limits instead of being buffered and cut off at the JSON limit (413)."""
    app = create_app(settings.model_copy(update={"max_body_bytes": 64 * 1024}))
    data = noise_png(200)
    assert len(data) > 64 * 1024
    async with LifespanManager(app) as manager:
        transport = httpx.ASGITransport(app=manager.app, root_path="/cms")
        async with httpx.AsyncClient(transport=transport, base_url="http://cms.test") as client:
            token = await factory.token(Role.EDITOR)
            parts = multipart(
                UPLOAD, {"input": {"file": None}}, {"variables.input.file": ("n.png", data, "")}
            )
            response = await client.post("/cms/graphql", headers=auth(token), **parts)
            asked = await client.get(
                "/cms/graphql", params={"query": "{ articles { totalCount } }"}
            )
    image = answer(response)["image"]
    assert (image["width"], image["height"], image["mimeType"]) == (200, 200, "image/png")
    assert asked.json() == {"data": {"articles": {"totalCount": 0}}}
