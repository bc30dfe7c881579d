"""The media route: real files ingested into the test's media folder, served through the app."""

from __future__ import annotations

import asyncio
import hashlib
import io
from pathlib import Path
from typing import Any

import httpx
import PIL.Image
import pytest

from cms import models
from cms.services import images
from cms.storage import LocalMediaStore
from settings import Settings
from tests.conftest import gql
from tests.factories import LIMITS, Factory, jpeg

pytestmark = pytest.mark.database("sqlite", "postgres")

IMMUTABLE = "public, max-age=31536000, immutable"
SECRET = b"top secret, outside the media folder"


def encode(fmt: str) -> bytes:
    out = io.BytesIO()
    PIL.Image.new("RGB", (48, 32), "orange").save(out, format=fmt)
    return out.getvalue()


async def ingest(settings: Settings, data: bytes, filename: str = "photo") -> models.Image:
    return await images.ingest(LocalMediaStore(settings.media_root), data, filename, LIMITS)


@pytest.fixture
async def photo(client: httpx.AsyncClient, settings: Settings) -> models.Image:
    """A JPEG in the media folder (``client`` first: its lifespan starts the ORM)."""
    return await ingest(settings, jpeg(), "photo.jpg")


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
    client: httpx.AsyncClient, settings: Settings, fmt: str, content_type: str
) -> None:
    data = encode(fmt)
    image = await ingest(settings, data)

    response = await client.get(url(image))

    assert response.status_code == 200
    assert response.content == data
    assert response.headers["content-type"] == content_type
    assert response.headers["content-length"] == str(len(data))
    assert response.headers["cache-control"] == IMMUTABLE
    assert response.headers["etag"] == f'"{hashlib.sha256(data).hexdigest()}"'
    assert response.headers["etag"] == f'"{image.content_hash}"'
    assert response.headers["x-content-type-options"] == "nosniff"


async def test_head_gives_the_headers_without_the_body(
    client: httpx.AsyncClient, photo: models.Image
) -> None:
    got = await client.get(url(photo))
    response = await client.head(url(photo))

    assert response.status_code == 200
    assert response.content == b""
    assert response.headers["content-length"] == str(photo.size)
    for name in ("content-type", "cache-control", "etag", "x-content-type-options"):
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
    client: httpx.AsyncClient, settings: Settings, ranges: str, start: int, end: int | None
) -> None:
    data = jpeg(200, 150)
    image = await ingest(settings, data)

    response = await client.get(url(image), headers={"Range": ranges})

    assert response.status_code == 206
    assert response.content == data[start:end]
    first = start % len(data)
    last = (end if end is not None else len(data)) - 1
    assert response.headers["content-range"] == f"bytes {first}-{last}/{len(data)}"
    assert response.headers["etag"] == f'"{image.content_hash}"'


async def test_a_range_past_the_end_gives_416(
    client: httpx.AsyncClient, photo: models.Image
) -> None:
    response = await client.get(url(photo), headers={"Range": f"bytes={photo.size + 10}-"})
    assert response.status_code == 416


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
    app: Any, settings: Settings, photo: models.Image
) -> None:
    """Guards the test above: the helper does reach the media route."""
    stored = (settings.media_root / photo.store_key).read_bytes()
    assert await raw_get(app, url(photo)) == (200, stored)


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


async def test_a_temporary_file_is_not_served(
    client: httpx.AsyncClient, settings: Settings, photo: models.Image
) -> None:
    part = (settings.media_root / photo.store_key).with_name(f".{photo.content_hash}.x.part")
    part.write_bytes(b"half a photo")
    assert (await client.get(f"/media/{part.relative_to(settings.media_root)}")).status_code == 404


# --- the URL the API gives -----------------------------------------------------------------


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
