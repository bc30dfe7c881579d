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

from cms.storage import InvalidKey, MediaStore

CACHE_CONTROL = "public, max-age=31536000, immutable"
"""Keys are content hashes: a key's bytes never change, so clients and CDNs may keep them."""


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
        if etag in request.headers.get("if-none-match", ""):
            return Response(status_code=304, headers=headers)
        media_type = mimetypes.guess_type(key)[0] or "application/octet-stream"
        return FileResponse(path, headers=headers, media_type=media_type, stat_result=found)

    return serve


def _regular_file(path: Path) -> os.stat_result | None:
    try:
        found = path.stat()
    except OSError:
        return None
    return found if stat.S_ISREG(found.st_mode) else None
