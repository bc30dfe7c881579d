"""The media route: serves stored files with long-lived caching (their keys never change).

A store on this machine's disk is served by Starlette's ``FileResponse`` (ranges included); any
other store is streamed through from its ranged reads, with the same headers.
"""

from __future__ import annotations

import os
import stat
from collections.abc import AsyncGenerator, Awaitable, Callable
from contextlib import aclosing
from email.utils import formatdate
from pathlib import Path, PurePosixPath

import anyio.to_thread
from starlette.requests import Request
from starlette.responses import FileResponse, PlainTextResponse, Response, StreamingResponse
from starlette.types import Receive, Scope, Send

from cms.media.storage import (
    InvalidKey,
    MediaNotFound,
    MediaStat,
    MediaStore,
    media_type,
    validate_key,
)
from cms.media.storage.base import IMMUTABLE
from cms.web.conditional import etag_matches
from cms.web.media.ranges import RangeNotSatisfiable, byte_range

CACHE_CONTROL = IMMUTABLE
"""Keys are content hashes: a key's bytes never change, so clients and CDNs may keep them."""

POLICY = "default-src 'none'"
"""``Content-Security-Policy`` of every media file: an SVG or HTML file, were one ever stored or
sniffed, could run no script and load nothing."""

Handler = Callable[[MediaStore, str, Request, str], Awaitable[Response]]


def media_endpoint(store: MediaStore) -> Callable[[Request], Awaitable[Response]]:
    """``GET|HEAD /media/{key}``: the file, or 404 for a missing file or a key that is not ours."""

    async def endpoint(request: Request) -> Response:
        key = request.path_params["key"]
        try:
            return await serve(store, validate_key(key), request)
        except (InvalidKey, MediaNotFound):
            return PlainTextResponse("Not Found", status_code=404)

    return endpoint


async def serve(store: MediaStore, key: str, request: Request, etag: str | None = None) -> Response:
    """The stored file ``key`` (a valid key) as the answer to ``request``, with the media
    headers; ``etag`` (a quoted tag) defaults to the key's file name without its extension.
    :class:`MediaNotFound` when no file is stored under ``key``."""
    handler: Handler = _from_disk if store.on_disk else _streamed
    return await handler(store, key, request, etag or f'"{PurePosixPath(key).stem}"')


def _headers(etag: str) -> dict[str, str]:
    """The headers every answer for a file carries, a 304 included."""
    return {
        "Cache-Control": CACHE_CONTROL,
        "ETag": etag,
        "X-Content-Type-Options": "nosniff",
        "Content-Security-Policy": POLICY,
    }


async def _from_disk(store: MediaStore, key: str, request: Request, etag: str) -> Response:
    """Starlette's ``FileResponse``: ``sendfile`` where the server has it, and its own ranges."""
    path, found = await anyio.to_thread.run_sync(_regular_file, store, key)
    headers = _headers(etag)
    if etag_matches(request.headers.get("if-none-match"), headers["ETag"]):
        return Response(status_code=304, headers=headers)
    return FileResponse(path, headers=headers, media_type=media_type(key), stat_result=found)


def _regular_file(store: MediaStore, key: str) -> tuple[Path, os.stat_result]:
    """The file for ``key`` and its status, in one trip to a worker thread."""
    path = store.local_path(key)
    if path is None:
        raise MediaNotFound(key)
    try:
        found = path.stat()
    except OSError:
        raise MediaNotFound(key) from None
    if not stat.S_ISREG(found.st_mode):
        raise MediaNotFound(key)
    return path, found


async def _streamed(store: MediaStore, key: str, request: Request, etag: str) -> Response:
    """The file's bytes as the store streams them: whole, or the one range asked for."""
    found = await store.stat(key)
    answer = _partial(key, found, request, etag)
    if isinstance(answer, Response):
        return answer
    status, headers, (start, end) = answer
    if request.method == "HEAD":
        return Response(status_code=status, headers=headers, media_type=media_type(key))
    chunks = store.stream(key, start=start, end=end)
    return _StoreStream(chunks, status_code=status, headers=headers, media_type=media_type(key))


def serve_bytes(key: str, data: bytes, found: MediaStat, request: Request, etag: str) -> Response:
    """A stored file whose bytes are at hand (``found``: what the store says of it now), answered
    as :func:`serve` would: the same headers, ``304``, ranges."""
    answer = _partial(key, found, request, etag)
    if isinstance(answer, Response):
        return answer
    status, headers, (start, end) = answer
    return Response(data[start:end], status, headers, media_type=media_type(key))


def _partial(
    key: str, found: MediaStat, request: Request, etag: str
) -> Response | tuple[int, dict[str, str], tuple[int, int]]:
    """A ``304`` or ``416`` answer; or the status, headers and byte span of the answer to send."""
    headers = _headers(etag)
    if etag_matches(request.headers.get("if-none-match"), headers["ETag"]):
        return Response(status_code=304, headers=headers)
    headers["Last-Modified"] = formatdate(found.modified.timestamp(), usegmt=True)
    headers["Accept-Ranges"] = "bytes"
    try:
        span = byte_range(_range_header(request, headers), found.size)
    except RangeNotSatisfiable:
        return Response(status_code=416, headers={"Content-Range": f"bytes */{found.size}"})
    start, end = span or (0, found.size)
    headers["Content-Length"] = str(end - start)
    if span:
        headers["Content-Range"] = f"bytes {start}-{end - 1}/{found.size}"
    return 206 if span else 200, headers, (start, end)


class _StoreStream(StreamingResponse):
    """Closes the store's stream when the answer ends, however it ends: a client that hangs up
    mid-file leaves no connection to the bucket open."""

    body_iterator: AsyncGenerator[bytes, None]

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        async with aclosing(self.body_iterator):
            await super().__call__(scope, receive, send)


def _range_header(request: Request, headers: dict[str, str]) -> str | None:
    """The ``Range`` to honour: none if ``If-Range`` names another version of the file."""
    if_range = request.headers.get("if-range")
    if if_range is not None and if_range not in (headers["ETag"], headers["Last-Modified"]):
        return None
    return request.headers.get("range")
