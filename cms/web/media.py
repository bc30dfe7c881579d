"""The media route: serves stored files with long-lived caching (their keys never change)."""

from __future__ import annotations

import mimetypes
import os
import stat
from collections.abc import Awaitable, Callable
from pathlib import Path, PurePosixPath

import anyio.to_thread
from starlette.requests import Request
from starlette.responses import FileResponse, PlainTextResponse, Response

from cms.services.images import FORMATS
from cms.storage import InvalidKey, MediaStore
from cms.web.conditional import etag_matches

CACHE_CONTROL = "public, max-age=31536000, immutable"
"""Keys are content hashes: a key's bytes never change, so clients and CDNs may keep them."""

_MEDIA_TYPES = {f".{extension}": mime for mime, extension in FORMATS.values()}
"""The types of the files we store, known without the system's mime.types (slim images lack
it, and Python 3.11's own table has no ``.webp``)."""


def media_endpoint(store: MediaStore) -> Callable[[Request], Awaitable[Response]]:
    """``GET /media/{key}``: the file, or 404 for a missing file or a key that is not ours."""

    async def serve(request: Request) -> Response:
        key = request.path_params["key"]
        try:
            path = store.local_path(key)
        except InvalidKey:
            path = None
        found = await anyio.to_thread.run_sync(_regular_file, path) if path else None
        if path is None or found is None:
            return PlainTextResponse("Not Found", status_code=404)
        etag = f'"{PurePosixPath(key).stem}"'
        headers = {
            "Cache-Control": CACHE_CONTROL,
            "ETag": etag,
            "X-Content-Type-Options": "nosniff",
        }
        if etag_matches(request.headers.get("if-none-match"), etag):
            return Response(status_code=304, headers=headers)
        return FileResponse(path, headers=headers, media_type=_media_type(key), stat_result=found)

    return serve


def _media_type(key: str) -> str:
    known = _MEDIA_TYPES.get(PurePosixPath(key).suffix) or mimetypes.guess_type(key)[0]
    return known or "application/octet-stream"


def _regular_file(path: Path) -> os.stat_result | None:
    try:
        found = path.stat()
    except OSError:
        return None
    return found if stat.S_ISREG(found.st_mode) else None
