"""The media route: real files ingested into the test's media store, served through the app.

Every test runs against both stores (``store_kind``): the local folder, served by Starlette's
``FileResponse``, and an S3 bucket on moto's server, streamed through by the CMS. Tests of the
folder itself (symlinks, temporary files) pin ``store_kind`` to ``local``.
"""

from __future__ import annotations

import asyncio
import hashlib
import io
import os
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from email.utils import parsedate_to_datetime
from pathlib import Path
from typing import Any

import httpx
import PIL.Image
import pytest

from cms import models
from cms.media import images
from cms.media.storage import MediaStore, store_from_settings
from settings import Settings
from tests.conftest import gql
from tests.factories import LIMITS, Factory, jpeg
from tests.s3 import S3Server, s3_server_fixture  # noqa: F401 (a fixture)

pytestmark = pytest.mark.database("sqlite", "postgres")

IMMUTABLE = "public, max-age=31536000, immutable"
NO_SCRIPT = "default-src 'none'"
SECRET = b"top secret, outside the media folder"

ON_DISK = pytest.mark.parametrize("store_kind", ["local"])
"""For tests of the local folder itself: symlinks and files beside the stored ones."""


@pytest.fixture(params=["local", "s3"])
def store_kind(request: pytest.FixtureRequest) -> str:
    return str(request.param)


@pytest.fixture
def settings(settings: Settings, store_kind: str, request: pytest.FixtureRequest) -> Settings:
    """The test's settings, with a bucket of its own for the S3 store."""
    if store_kind == "local":
        return settings
    server: S3Server = request.getfixturevalue("s3_server")
    return settings.model_copy(update=server.settings(server.new_bucket()))


@pytest.fixture
async def store(settings: Settings) -> AsyncIterator[MediaStore]:
    """The store the app serves from (a second connection to it, for S3)."""
    async with store_from_settings(settings) as opened:
        yield opened


def encode(fmt: str) -> bytes:
    out = io.BytesIO()
    PIL.Image.new("RGB", (48, 32), "orange").save(out, format=fmt)
    return out.getvalue()


async def ingest(store: MediaStore, data: bytes, filename: str = "photo") -> models.Image:
    return await images.ingest(store, data, filename, LIMITS)


@pytest.fixture
async def photo(client: httpx.AsyncClient, store: MediaStore) -> models.Image:
    """A JPEG in the media store (``client`` first: its lifespan starts the ORM)."""
    return await ingest(store, jpeg(), "photo.jpg")


@pytest.fixture
def secret(settings: Settings) -> Path:
    """A file beside the media folder that no URL may reach."""
    path = settings.media_root.parent / "secret"
    path.write_bytes(SECRET)
    return path


async def raw_get(app: Any, path: str) -> tuple[int, bytes]:
    """GET ``path`` exactly as an HTTP server hands it on: httpx would remove ``..`` segments."""
    scope = {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": "GET",
        "scheme": "http",
        "path": path,
        "raw_path": path.encode(),
        "root_path": "",
        "query_string": b"",
        "headers": [(b"host", b"cms.test")],
        "client": ("127.0.0.1", 1234),
        "server": ("cms.test", 80),
    }
    sent: list[dict[str, Any]] = []
    requests = [{"type": "http.request", "body": b"", "more_body": False}]
    finished = asyncio.Event()

    async def receive() -> dict[str, Any]:
        if requests:
            return requests.pop()
        await finished.wait()  # like a client that hangs up once it has the whole response
        return {"type": "http.disconnect"}

    async def send(message: dict[str, Any]) -> None:
        sent.append(message)
        if message["type"] == "http.response.body" and not message.get("more_body"):
            finished.set()

    await app(scope, receive, send)
    status = next(m["status"] for m in sent if m["type"] == "http.response.start")
    content = b"".join(m.get("body", b"") for m in sent if m["type"] == "http.response.body")
    return status, content


def url(image: models.Image) -> str:
    return f"/media/{image.store_key}"


# --- serving a file ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("fmt", "content_type"),
    [
        pytest.param("JPEG", "image/jpeg", id="jpeg"),
        pytest.param("PNG", "image/png", id="png"),
        pytest.param("WEBP", "image/webp", id="webp"),
    ],
)
async def test_a_stored_file_is_served_with_caching_headers(
    client: httpx.AsyncClient, store: MediaStore, fmt: str, content_type: str
) -> None:
    data = encode(fmt)
    before = datetime.now(UTC) - timedelta(seconds=2)
    image = await ingest(store, data)

    response = await client.get(url(image))

    assert response.status_code == 200
    assert response.content == data
    assert response.headers["content-type"] == content_type
    assert response.headers["content-length"] == str(len(data))
    assert response.headers["cache-control"] == IMMUTABLE
    assert response.headers["etag"] == f'"{hashlib.sha256(data).hexdigest()}"'
    assert response.headers["etag"] == f'"{image.content_hash}"'
    assert response.headers["x-content-type-options"] == "nosniff"
    assert response.headers["content-security-policy"] == NO_SCRIPT
    assert response.headers["accept-ranges"] == "bytes"
    modified = parsedate_to_datetime(response.headers["last-modified"])
    assert before <= modified <= datetime.now(UTC)


async def test_head_gives_the_headers_without_the_body(
    client: httpx.AsyncClient, photo: models.Image
) -> None:
    got = await client.get(url(photo))
    response = await client.head(url(photo))

    assert response.status_code == 200
    assert response.content == b""
    assert response.headers["content-length"] == str(photo.size)
    for name in (
        "content-type",
        "cache-control",
        "etag",
        "last-modified",
        "accept-ranges",
        "x-content-type-options",
        "content-security-policy",
    ):
        assert response.headers[name] == got.headers[name]


@pytest.mark.parametrize(
    "if_none_match",
    [
        pytest.param("{etag}", id="same"),
        pytest.param("W/{etag}", id="weak"),
        pytest.param('"other", {etag}', id="in-a-list"),
        pytest.param("*", id="any"),
    ],
)
@pytest.mark.parametrize("method", ["GET", "HEAD"])
async def test_if_none_match_with_the_etag_gives_304(
    client: httpx.AsyncClient, photo: models.Image, method: str, if_none_match: str
) -> None:
    etag = f'"{photo.content_hash}"'
    response = await client.request(
        method, url(photo), headers={"If-None-Match": if_none_match.format(etag=etag)}
    )
    assert response.status_code == 304
    assert response.content == b""
    assert response.headers["etag"] == etag
    assert response.headers["cache-control"] == IMMUTABLE
    assert response.headers["content-security-policy"] == NO_SCRIPT


@pytest.mark.parametrize(
    "if_none_match",
    [
        pytest.param('"0000"', id="other"),
        pytest.param("{hash}", id="unquoted"),
        pytest.param('"{hash}0"', id="longer"),
        pytest.param('"{short}"', id="prefix"),
    ],
)
async def test_if_none_match_with_another_etag_gives_the_file(
    client: httpx.AsyncClient, photo: models.Image, if_none_match: str
) -> None:
    header = if_none_match.format(hash=photo.content_hash, short=photo.content_hash[:10])
    response = await client.get(url(photo), headers={"If-None-Match": header})
    assert response.status_code == 200
    assert len(response.content) == photo.size


@pytest.mark.parametrize(
    ("ranges", "start", "end"),
    [
        pytest.param("bytes=0-9", 0, 10, id="first-ten"),
        pytest.param("bytes=100-199", 100, 200, id="middle"),
        pytest.param("bytes=-16", -16, None, id="last-sixteen"),
        pytest.param("bytes=300-", 300, None, id="open-ended"),
    ],
)
async def test_a_range_request_gives_206_with_those_bytes(
    client: httpx.AsyncClient, store: MediaStore, ranges: str, start: int, end: int | None
) -> None:
    data = jpeg(200, 150)
    image = await ingest(store, data)

    response = await client.get(url(image), headers={"Range": ranges})

    assert response.status_code == 206
    assert response.content == data[start:end]
    first = start % len(data)
    last = (end if end is not None else len(data)) - 1
    assert response.headers["content-range"] == f"bytes {first}-{last}/{len(data)}"
    assert response.headers["content-length"] == str(len(data[start:end]))
    assert response.headers["etag"] == f'"{image.content_hash}"'
    assert response.headers["content-type"] == "image/jpeg"
    assert response.headers["content-security-policy"] == NO_SCRIPT


async def test_a_range_past_the_end_gives_416(
    client: httpx.AsyncClient, photo: models.Image
) -> None:
    response = await client.get(url(photo), headers={"Range": f"bytes={photo.size + 10}-"})
    assert response.status_code == 416
    assert response.headers["content-range"] == f"bytes */{photo.size}"


async def test_a_range_ending_past_the_end_gives_the_rest(
    client: httpx.AsyncClient, store: MediaStore, photo: models.Image
) -> None:
    response = await client.get(url(photo), headers={"Range": f"bytes=10-{photo.size + 100}"})
    assert response.status_code == 206
    assert response.content == (await store.get(photo.store_key))[10:]
    assert response.headers["content-range"] == f"bytes 10-{photo.size - 1}/{photo.size}"


async def test_head_with_a_range_gives_its_headers_only(
    client: httpx.AsyncClient, photo: models.Image
) -> None:
    response = await client.head(url(photo), headers={"Range": "bytes=0-9"})
    assert response.status_code == 206
    assert response.content == b""
    assert response.headers["content-range"] == f"bytes 0-9/{photo.size}"
    assert response.headers["content-length"] == "10"


@pytest.mark.parametrize(
    ("if_range", "status"),
    [
        pytest.param("{etag}", 206, id="this-version"),
        pytest.param('"0000"', 200, id="another-version"),
        pytest.param("W/{etag}", 200, id="weak-never-matches"),
    ],
)
async def test_if_range_gives_the_range_only_for_this_version(
    client: httpx.AsyncClient, photo: models.Image, if_range: str, status: int
) -> None:
    etag = f'"{photo.content_hash}"'
    headers = {"Range": "bytes=0-9", "If-Range": if_range.format(etag=etag)}
    response = await client.get(url(photo), headers=headers)
    assert response.status_code == status
    assert len(response.content) == (10 if status == 206 else photo.size)


async def test_several_ranges_give_them_or_the_whole_file(
    client: httpx.AsyncClient, store: MediaStore, photo: models.Image
) -> None:
    """One range or several: the local store sends each (multipart), S3 the whole file."""
    data = await store.get(photo.store_key)
    response = await client.get(url(photo), headers={"Range": "bytes=0-1, 5-6"})
    if response.status_code == 200:
        assert response.content == data
    else:
        assert response.status_code == 206
        assert response.headers["content-type"].startswith("multipart/byteranges")
        assert data[0:2] in response.content
        assert data[5:7] in response.content


async def test_a_large_file_comes_whole(
    client: httpx.AsyncClient, store: MediaStore, photo: models.Image
) -> None:
    """Bytes the route never looks at: streamed in many chunks and joined again."""
    data = os.urandom(700_000)
    key = photo.store_key.replace(photo.content_hash, "f" * 64)
    await store.put(key, data)
    response = await client.get(f"/media/{key}")
    assert response.status_code == 200
    assert response.content == data
    assert response.headers["content-length"] == str(len(data))


# --- what is not served --------------------------------------------------------------------


async def test_a_missing_file_is_404(client: httpx.AsyncClient, photo: models.Image) -> None:
    missing = photo.store_key.replace(photo.content_hash, "0" * 64)
    response = await client.get(f"/media/{missing}")
    assert response.status_code == 404
    assert (await client.get("/media/images/nothing.jpg")).status_code == 404


@pytest.mark.parametrize(
    "path",
    [
        pytest.param("/media/%2e%2e/secret", id="encoded-dots"),
        pytest.param("/media/%2E%2E/cms.sqlite3", id="encoded-dots-upper"),
        pytest.param("/media/images/..%2f..%2fsecret", id="encoded-slashes"),
        pytest.param("/media/images/%2e%2e%2f%2e%2e%2fsecret", id="all-encoded"),
        pytest.param("/media/..%5csecret", id="encoded-backslash"),
        pytest.param("/media/%2fetc%2fpasswd", id="encoded-absolute"),
        pytest.param("/media//etc/passwd", id="absolute"),
        pytest.param("/media/images/%00secret", id="nul-byte"),
        pytest.param("/media/.media-hidden", id="hidden"),
    ],
)
async def test_traversal_through_the_client_is_404(
    client: httpx.AsyncClient, secret: Path, path: str
) -> None:
    response = await client.get(path)
    assert response.status_code == 404
    assert SECRET not in response.content


@pytest.mark.parametrize(
    "path",
    [
        pytest.param("/media/../cms.sqlite3", id="database"),
        pytest.param("/media/../secret", id="parent"),
        pytest.param("/media/images/../../secret", id="parent-of-parent"),
        pytest.param("/media/./../secret", id="dot-then-parent"),
        pytest.param("/media/images/..\\..\\secret", id="backslashes"),
    ],
)
async def test_traversal_with_literal_dot_segments_is_404(
    app: Any, secret: Path, path: str
) -> None:
    status, content = await raw_get(app, path)
    assert status == 404
    assert SECRET not in content


async def test_the_raw_helper_does_serve_a_real_file(
    app: Any, store: MediaStore, photo: models.Image
) -> None:
    """Guards the test above: the helper does reach the media route."""
    stored = await store.get(photo.store_key)
    assert await raw_get(app, url(photo)) == (200, stored)


@ON_DISK
async def test_a_symlink_out_of_the_media_folder_is_404(
    client: httpx.AsyncClient, settings: Settings, photo: models.Image, secret: Path
) -> None:
    (settings.media_root / "images" / "leak.jpg").symlink_to(secret)
    (settings.media_root / "outside").symlink_to(secret.parent, target_is_directory=True)

    assert (await client.get("/media/images/leak.jpg")).status_code == 404
    assert (await client.get("/media/outside/secret")).status_code == 404


@pytest.mark.parametrize(
    "path",
    [
        pytest.param("/media/images", id="folder"),
        pytest.param("/media/images/", id="folder-with-slash"),
        pytest.param("/media/images/{xx}", id="hash-folder"),
        pytest.param("/media/", id="root"),
        pytest.param("/media", id="root-without-slash"),
    ],
)
async def test_a_folder_is_404(client: httpx.AsyncClient, photo: models.Image, path: str) -> None:
    # Starlette redirects /media to /media/ first: follow it, the end must still be a 404.
    response = await client.get(path.format(xx=photo.content_hash[:2]), follow_redirects=True)
    assert response.status_code == 404


@ON_DISK
async def test_a_temporary_file_is_not_served(
    client: httpx.AsyncClient, settings: Settings, photo: models.Image
) -> None:
    part = (settings.media_root / photo.store_key).with_name(f".{photo.content_hash}.x.part")
    part.write_bytes(b"half a photo")
    assert (await client.get(f"/media/{part.relative_to(settings.media_root)}")).status_code == 404


# --- the URL the API gives -----------------------------------------------------------------


@ON_DISK
async def test_a_cover_url_from_graphql_downloads_the_stored_bytes(
    client: httpx.AsyncClient, settings: Settings
) -> None:
    factory = Factory(settings.media_root)
    article = await factory.article("Ảnh bìa tải về được", cover=True)
    cover = await models.Image.get(id=article.cover_id)

    body = await gql(client, "{ articles { nodes { cover { url } } } }")

    assert "errors" not in body
    [node] = body["data"]["articles"]["nodes"]
    link = httpx.URL(node["cover"]["url"])
    assert (link.scheme, link.host) == ("http", "cms.test")
    response = await client.get(link.path)
    assert response.status_code == 200
    assert response.content == await factory.store.get(cover.store_key)
    assert hashlib.sha256(response.content).hexdigest() == cover.content_hash
    assert response.headers["etag"] == f'"{cover.content_hash}"'
