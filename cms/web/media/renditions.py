"""The rendition route: ``GET|HEAD /media/r/<hash>/<name>-<signature>.<ext>``.

A signed path (see :mod:`cms.media.rendition_urls`) names one rendition. The first request
for it makes the file (Pillow in a worker thread, once however many ask at the same moment) and
keeps it in the media store; from then on it is served like any media file, with the same
headers (``ETag``, immutable caching, ranges, ``nosniff``, the CSP). A made-up or altered path is
a 404 before anything is read or made.

With a store that has a public URL (a bucket behind a CDN), the answer is a redirect to the file
there (``302``, cacheable for a day); otherwise the CMS serves the bytes itself.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable

from starlette.requests import Request
from starlette.responses import PlainTextResponse, RedirectResponse, Response

from cms.media import files as image_files
from cms.media.rendition_urls import RenditionUrls
from cms.media.renditions import Rendition
from cms.media.storage import MediaNotFound, MediaStore
from cms.media.storage.renditions import Renderer, RenditionFailed
from cms.web.errors import NO_STORE
from cms.web.media.file_cache import FileCache
from cms.web.media.files import serve, serve_bytes

REDIRECT_CACHE = "public, max-age=86400"
"""How long a redirect to a public bucket may be kept: the target never changes, but the bucket's
address might (a new CDN), so not for ever."""

_log = logging.getLogger(__name__)


def rendition_endpoint(
    store: MediaStore, renderer: Renderer, urls: RenditionUrls, cache: FileCache
) -> Callable[[Request], Awaitable[Response]]:
    """The route's endpoint: the rendition, made first if needed; 404 unless the path is signed
    and names a picture the CMS still has. Small renditions are answered from ``cache`` once
    read (the store still says each time that they are there, unchanged)."""

    async def endpoint(request: Request) -> Response:
        rendition = urls.parse(f"r/{request.path_params['path']}")
        if rendition is None:
            return _not_found()
        try:
            return await _answer(store, rendition, request, cache)
        except MediaNotFound:
            cache.forget(rendition.key)  # not made yet (or deleted): make it
        source = await image_files.source_key(rendition.content_hash)
        if source is None:
            return _not_found()
        try:
            await renderer.ensure(rendition, source)
            return await _answer(store, rendition, request, cache)
        except MediaNotFound:  # the original is gone from the store
            return _not_found()
        except RenditionFailed as error:
            _log.warning("%s", error)
            return PlainTextResponse(
                "This rendition could not be made.", 500, headers={"Cache-Control": NO_STORE}
            )

    return endpoint


async def _answer(
    store: MediaStore, rendition: Rendition, request: Request, cache: FileCache
) -> Response:
    """The stored rendition, or a redirect to it; :class:`MediaNotFound` if not made yet."""
    key, public = rendition.key, store.public_url(rendition.key)
    if public is not None:
        if not await store.exists(key):
            raise MediaNotFound(key)
        return RedirectResponse(public, 302, headers={"Cache-Control": REDIRECT_CACHE})
    if not cache.max_bytes:
        return await serve(store, key, request, _etag(rendition))
    found = await store.stat(key)
    data = cache.get(key, found)
    if data is None:
        if not cache.wants(found):
            return await serve(store, key, request, _etag(rendition))
        data = await store.get(key)
        cache.put(key, data, found)
    return serve_bytes(key, data, found, request, _etag(rendition))


def _etag(rendition: Rendition) -> str:
    return f'"{rendition.content_hash}-{rendition.name}-{rendition.format.extension}"'


def _not_found() -> Response:
    return PlainTextResponse("Not Found", status_code=404)
