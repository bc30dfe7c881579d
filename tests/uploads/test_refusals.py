"""Uploads refused with a clear error, leaving nothing in the store or the temporary folder."""

from __future__ import annotations

import struct
import zlib
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager
from typing import Any

import httpx
import pytest
from asgi_lifespan import LifespanManager

from cms import models
from cms.app import create_app
from cms.models import Role
from settings import Settings
from tests.factories import Factory
from tests.uploads.helpers import (
    UPLOAD,
    answer,
    auth,
    files_in,
    multipart,
    picture,
    upload,
)

pytestmark = pytest.mark.database("sqlite", "postgres")

MIB = 1024 * 1024


async def assert_nothing_left(settings: Settings) -> None:
    assert await models.Image.all().count() == 0
    assert files_in(settings.media_root) == []
    assert files_in(settings.upload_tmp_dir) == []  # type: ignore[arg-type]


@asynccontextmanager
async def client_with(settings: Settings, **overrides: Any) -> AsyncIterator[httpx.AsyncClient]:
    """A client of an app with other settings; on the way out, checks that nothing is left."""
    app = create_app(settings.model_copy(update=overrides))
    async with LifespanManager(app) as manager:
        transport = httpx.ASGITransport(app=manager.app)
        async with httpx.AsyncClient(transport=transport, base_url="http://cms.test") as client:
            yield client
        await assert_nothing_left(settings)


def bomb_png(width: int = 20_000, height: int = 20_000) -> bytes:
    """A 100-byte PNG that declares ``width`` x ``height`` pixels."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        return (
            struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))
        )

    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(b"\0" * 4096))
        + chunk(b"IEND", b"")
    )


SVG = b'<svg xmlns="http://www.w3.org/2000/svg"><script>alert(document.cookie)</script></svg>'
HTML = b"<!DOCTYPE html><html><body><script>alert(document.cookie)</script></body></html>\n"


@pytest.mark.parametrize(
    ("data", "says"),
    [
        pytest.param(SVG, "SVG", id="svg-with-script"),
        pytest.param("Xin chào, tôi là văn bản.".encode(), "not an image", id="text-named-jpg"),
        pytest.param(HTML + picture(), "HTML", id="html-then-jpeg-polyglot"),
        pytest.param(b"%PDF-1.7\n" + picture(), "PDF", id="pdf"),
        pytest.param(b"#!/bin/sh\nrm -rf /\n", "script", id="script"),
        pytest.param(picture("BMP"), "BMP", id="bmp"),
        pytest.param(b"", "empty", id="empty"),
        pytest.param(picture()[:-300], "not a whole", id="truncated-jpeg"),
    ],
)
async def test_files_that_are_not_photos_are_refused(
    client: httpx.AsyncClient, factory: Factory, settings: Settings, data: bytes, says: str
) -> None:
    token = await factory.token(Role.EDITOR)
    found = answer(await upload(client, token, ("photo.jpg", data, "image/jpeg")))

    assert (found["__typename"], found["code"], found["field"]) == (
        "ValidationError",
        "INVALID_IMAGE",
        "file",
    )
    assert found["message"].startswith("photo.jpg: ") and says in found["message"]
    await assert_nothing_left(settings)


async def test_a_decompression_bomb_is_refused_before_decoding(
    client: httpx.AsyncClient, factory: Factory, settings: Settings
) -> None:
    token = await factory.token(Role.EDITOR)
    data = bomb_png()
    assert len(data) < 200

    found = answer(await upload(client, token, ("bomb.png", data, "image/png")))

    assert (found["code"], found["field"]) == ("TOO_LARGE", "file")
    assert "20000x20000" in found["message"] or "too many pixels" in found["message"]
    await assert_nothing_left(settings)


async def test_an_animation_counts_the_pixels_of_every_frame(
    factory: Factory, settings: Settings
) -> None:
    frames = [picture("PNG", (100, 100), (n * 40, 0, 0)) for n in range(5)]
    import io

    import PIL.Image

    images = [PIL.Image.open(io.BytesIO(f)) for f in frames]
    out = io.BytesIO()
    images[0].save(out, "GIF", save_all=True, append_images=images[1:])
    async with client_with(settings, max_image_pixels=30_000) as client:
        token = await factory.token(Role.EDITOR)
        found = answer(await upload(client, token, ("a.gif", out.getvalue(), "image/gif")))
    assert found["code"] == "TOO_LARGE" and "5 frames" in found["message"]


async def test_a_file_over_the_byte_limit_is_cut_off(factory: Factory, settings: Settings) -> None:
    # 60 KB over a 50 KB limit stands for 60 MB over 50 MB (the real sizes: the next test).
    async with client_with(settings, max_upload_bytes=50_000) as client:
        token = await factory.token(Role.EDITOR)
        data = picture("PNG", (60, 60)) + b"\0" * 60_000
        response = await upload(client, token, ("big.png", data, "image/png"))

    assert response.status_code == 413
    assert response.headers["connection"] == "close"
    error = response.json()["errors"][0]
    assert error["extensions"]["code"] == "PAYLOAD_TOO_LARGE"
    assert "big.png" in error["message"] and "48.8281 MiB" not in error["message"]


async def test_a_60_mb_upload_over_the_50_mb_limit_is_cut_off_as_it_streams(
    client: httpx.AsyncClient, factory: Factory, settings: Settings
) -> None:
    token = await factory.token(Role.EDITOR)
    boundary = "cms-test-boundary"
    head, tail = spec_body(boundary)
    sent = 0

    async def body() -> AsyncIterator[bytes]:
        nonlocal sent
        yield head
        chunk = b"\xff" * MIB
        for _ in range(60):
            sent += len(chunk)
            yield chunk
        yield tail

    response = await client.post(
        "/graphql",
        content=body(),
        headers={**auth(token), "content-type": f"multipart/form-data; boundary={boundary}"},
    )

    assert response.status_code == 413
    assert "50 MiB" in response.json()["errors"][0]["message"]
    assert sent <= 52 * MIB  # cut off as soon as the limit passed, not read to the end
    await assert_nothing_left(settings)


def spec_body(boundary: str, filename: str = "big.jpg") -> tuple[bytes, bytes]:
    """A spec request's bytes around one file's content: what comes before it, and after."""
    query = "mutation ($f: Upload!) { imageUpload(input: {file: $f}) { __typename } }"
    operations = b'{"query": "' + query.encode() + b'", "variables": {"f": null}}'
    head = (
        f'--{boundary}\r\nContent-Disposition: form-data; name="operations"\r\n\r\n'.encode()
        + operations
        + f'\r\n--{boundary}\r\nContent-Disposition: form-data; name="map"\r\n\r\n'.encode()
        + b'{"0": ["variables.f"]}'
        + f'\r\n--{boundary}\r\nContent-Disposition: form-data; name="0"; '
        f'filename="{filename}"\r\nContent-Type: image/jpeg\r\n\r\n'.encode()
    )
    return head, f"\r\n--{boundary}--\r\n".encode()


async def test_a_request_over_the_total_limit_is_refused_before_it_is_read(
    factory: Factory, settings: Settings
) -> None:
    async with client_with(settings, max_upload_request_bytes=100_000) as client:
        token = await factory.token(Role.EDITOR)
        files = {
            f"variables.input.files.{n}.file": (
                f"{n}.png",
                picture("PNG", (200, 200)) + b"\0" * 40_000,
                "image/png",
            )
            for n in range(3)
        }
        inputs = {"input": {"files": [{"file": None}] * 3}}
        response = await client.post(
            "/graphql", headers=auth(token), **multipart(UPLOAD_MANY_QUERY, inputs, files)
        )
    assert response.status_code == 413
    assert "100000 bytes in all" in response.json()["errors"][0]["message"]


UPLOAD_MANY_QUERY = (
    "mutation ($input: ImagesUploadInput!) { imagesUpload(input: $input) { __typename } }"
)


async def test_too_many_files_are_refused(factory: Factory, settings: Settings) -> None:
    async with client_with(settings, max_upload_files=2) as client:
        token = await factory.token(Role.EDITOR)
        files = {
            f"variables.input.files.{n}.file": (f"{n}.jpg", picture(), "image/jpeg")
            for n in range(3)
        }
        inputs = {"input": {"files": [{"file": None}] * 3}}
        response = await client.post(
            "/graphql", headers=auth(token), **multipart(UPLOAD_MANY_QUERY, inputs, files)
        )
    assert response.status_code == 413
    assert "At most 2 files" in response.json()["errors"][0]["message"]


# --- refused before the body is read ------------------------------------------------------


async def raw_call(app: Any, headers: dict[str, str], receive: Any) -> list[dict[str, Any]]:
    """One POST /graphql straight to the ASGI app; what it sent back."""
    scope = {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": "POST",
        "scheme": "http",
        "path": "/graphql",
        "raw_path": b"/graphql",
        "root_path": "",
        "query_string": b"",
        "headers": [(b"host", b"cms.test")]
        + [(k.encode(), v.encode()) for k, v in headers.items()],
        "client": ("127.0.0.1", 1234),
        "server": ("cms.test", 80),
    }
    sent: list[dict[str, Any]] = []

    async def send(message: dict[str, Any]) -> None:
        sent.append(message)

    await app(scope, receive, send)
    return sent


def spec_request(token: str | None, csrf: bool = True) -> tuple[dict[str, str], bytes]:
    parts = multipart(
        UPLOAD,
        {"input": {"file": None}},
        {"variables.input.file": ("a.jpg", picture(), "image/jpeg")},
    )
    request = httpx.Request("POST", "http://cms.test/graphql", headers=auth(token, csrf), **parts)
    return dict(request.headers), request.read()


async def never_read() -> dict[str, Any]:
    raise AssertionError("the body was read")


@pytest.mark.parametrize(
    ("role", "csrf", "status", "says"),
    [
        pytest.param(Role.EDITOR, False, 400, "Apollo-Require-Preflight", id="no-csrf-header"),
        pytest.param(None, True, 401, "Sign in", id="anonymous"),
        pytest.param(None, False, 400, "Apollo-Require-Preflight", id="anonymous-no-csrf"),
    ],
)
async def test_refused_before_anything_is_read_or_run(
    app: Any,
    factory: Factory,
    settings: Settings,
    role: Role | None,
    csrf: bool,
    status: int,
    says: str,
) -> None:
    token = await factory.token(role) if role else None
    headers, _ = spec_request(token, csrf)
    sent = await raw_call(app, headers, never_read)

    assert sent[0]["status"] == status
    assert says in sent[1]["body"].decode()
    challenge = dict(sent[0]["headers"]).get(b"www-authenticate")
    assert challenge == (b"Bearer" if status == 401 else None)
    await assert_nothing_left(settings)


async def test_a_cross_site_form_cannot_run_a_mutation(
    client: httpx.AsyncClient, factory: Factory
) -> None:
    token = await factory.token(Role.ADMIN)
    query = "mutation { logout { __typename } }"
    data = {"operations": f'{{"query": "{query}"}}', "map": "{}"}
    response = await client.post(
        "/graphql", data=data, files={"x": ("x", b"", "text/plain")}, headers=auth(token, False)
    )
    assert response.status_code == 400
    form = await client.post("/graphql", data={"query": query}, headers=auth(token, False))
    assert form.status_code == 400  # url-encoded forms are no GraphQL request at all


async def test_a_connection_dropped_half_way_leaves_nothing(
    app: Any, factory: Factory, settings: Settings
) -> None:
    token = await factory.token(Role.EDITOR)
    headers, body = spec_request(token)
    half = len(body) // 2
    messages: Iterator[dict[str, Any]] = iter(
        [
            {"type": "http.request", "body": body[:half], "more_body": True},
            {"type": "http.disconnect"},
        ]
    )

    async def receive() -> dict[str, Any]:
        return next(messages)

    sent = await raw_call(app, headers, receive)

    assert sent == []  # nobody left to answer
    await assert_nothing_left(settings)


async def test_a_bad_map_is_a_clear_400(client: httpx.AsyncClient, factory: Factory) -> None:
    token = await factory.token(Role.EDITOR)
    parts = multipart(
        UPLOAD,
        {"input": {"file": None}},
        {"variables.input.nothing": ("a.jpg", picture(), "image/jpeg")},
    )
    response = await client.post("/graphql", headers=auth(token), **parts)
    assert response.status_code == 400
    assert "variables.input.nothing" in response.json()["errors"][0]["message"]
