"""Making renditions: Pillow in a worker thread, each file once, then kept in the media store.

:class:`Renderer` makes a rendition the first time it is asked for and never again: concurrent
requests for one rendition share one making (single flight, per process), and at most
``workers`` are made at once. The worker processes of one machine (``cms serve --workers``)
making into a store on its disk take a lock between processes first
(:mod:`cms.media.storage.machine_lock`), so a rendition is made once on the machine. Instances
on other machines (an S3 store) may make the same file at the same moment; the store's atomic
writes make that harmless (the same bytes land twice, whole each time).
"""

from __future__ import annotations

import asyncio
import io
import logging
import math
import os
import tempfile
import threading
from collections.abc import AsyncIterator
from contextlib import AbstractAsyncContextManager, aclosing, asynccontextmanager
from pathlib import Path
from typing import Any

import aiofiles.os
import PIL.features
import PIL.Image
from PIL import ImageOps, UnidentifiedImageError

from cms.core.metrics import RENDITIONS_MADE
from cms.media.renditions import CENTRE, Format, Rendition, crop_box
from cms.media.storage import machine_lock
from cms.media.storage.base import MediaNotFound, MediaStore, StorageError, open_file

SOURCE_FORMATS = ("JPEG", "PNG", "WEBP", "GIF", "AVIF")
"""What Pillow may read an original as: nothing else is even tried."""

SAVE_OPTIONS: dict[Format, tuple[str, dict[str, Any]]] = {
    Format.WEBP: ("WEBP", {"quality": 80, "method": 4}),
    Format.JPEG: ("JPEG", {"quality": 82, "optimize": True, "progressive": True}),
    Format.PNG: ("PNG", {"compress_level": 6}),
    Format.AVIF: ("AVIF", {"quality": 60, "speed": 6}),
}
"""Pillow's format name and encoder options for each rendition format."""

_ROTATED = {5, 6, 7, 8}
"""EXIF orientations that show the stored pixels turned by 90 degrees."""

_log = logging.getLogger(__name__)


def writable_formats() -> frozenset[Format]:
    """The rendition formats this installation's Pillow writes (AVIF needs Pillow 11.3+)."""
    return frozenset(f for f, (name, _) in SAVE_OPTIONS.items() if _writes(name))


def _writes(name: str) -> bool:
    return name != "AVIF" or bool(PIL.features.check("avif"))


class RenditionFailed(StorageError):
    """The original could not be read or turned into the rendition (the message says why)."""


class RenderCounter:
    """How many renditions Pillow made in this process (read by tests and the benchmark)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self.value = 0

    def increment(self) -> None:
        with self._lock:
            self.value += 1


RENDERS = RenderCounter()
"""Every call of :func:`render` counts here, whichever :class:`Renderer` made it."""


class Renderer:
    """Makes renditions into ``store``, once each, ``workers`` at a time."""

    def __init__(self, store: MediaStore, *, workers: int, max_pixels: int) -> None:
        self.store = store
        self.max_pixels = max_pixels
        self._slots = asyncio.Semaphore(workers)
        self._making: dict[str, asyncio.Future[None]] = {}

    async def ensure(self, rendition: Rendition, source_key: str) -> None:
        """Make sure the rendition's file is in the store, making it from the original stored
        under ``source_key`` if needed. A caller that gives up (a client hanging up) does not
        stop the making that others wait for."""
        making = self._making.get(rendition.key)
        if making is None:
            making = asyncio.ensure_future(self._make(rendition, source_key))
            self._making[rendition.key] = making
            making.add_done_callback(lambda done: self._forget(rendition.key, done))
        await asyncio.shield(making)

    def _forget(self, key: str, done: asyncio.Future[None]) -> None:
        if self._making.get(key) is done:
            del self._making[key]
        if not done.cancelled() and done.exception() is not None:  # retrieved: logged by callers
            _log.debug("rendition %s failed: %s", key, done.exception())

    async def _make(self, rendition: Rendition, source_key: str) -> None:
        async with self._across_processes(rendition.key):
            if await self.store.exists(rendition.key):  # made earlier, or by another process
                return
            async with self._slots, self._source(source_key) as path:
                data = await asyncio.to_thread(render, path, rendition, self.max_pixels)
            await self.store.put(rendition.key, data)
            RENDITIONS_MADE.inc()

    def _across_processes(self, key: str) -> AbstractAsyncContextManager[None]:
        """The machine-wide lock: the worker processes of one ``cms serve``, and the instances
        on one machine, make a rendition once, whatever the store (with S3, instances on other
        machines may each make it once: the same file under the same key)."""
        return machine_lock.held(key)

    @asynccontextmanager
    async def _source(self, key: str) -> AsyncIterator[Path]:
        """The original as a file on this machine: the store's own, or a temporary copy."""
        if self.store.on_disk:
            path = await asyncio.to_thread(self.store.local_path, key)
            if path is not None:
                if not await aiofiles.os.path.isfile(path):
                    raise MediaNotFound(key)
                yield path
                return
        fd, name = await asyncio.to_thread(tempfile.mkstemp, prefix="cms-rendition-")
        await asyncio.to_thread(os.close, fd)
        copy = Path(name)
        try:
            async with open_file(copy, "wb") as out, aclosing(self.store.stream(key)) as chunks:
                async for chunk in chunks:
                    await out.write(chunk)
            yield copy
        finally:
            await aiofiles.os.remove(copy)


def render(path: Path, rendition: Rendition, max_pixels: int) -> bytes:
    """The rendition's file made from the original at ``path`` (CPU work: run it in a thread).

    The original is decoded at the smallest size JPEG allows that still covers the rendition,
    turned as its EXIF orientation says, cropped around the focal point and resized in one pass.
    """
    RENDERS.increment()
    size = (rendition.width, rendition.height)
    try:
        with PIL.Image.open(path, formats=SOURCE_FORMATS) as original:
            picture, box = _prepared(original, rendition, max_pixels)
            resized = picture.resize(size, PIL.Image.Resampling.LANCZOS, box=box, reducing_gap=3.0)
    except (OSError, UnidentifiedImageError, PIL.Image.DecompressionBombError, ValueError) as e:
        raise RenditionFailed(f"cannot make {rendition.key}: {e}") from e
    return _encoded(resized, rendition.format)


def _prepared(
    original: PIL.Image.Image, rendition: Rendition, max_pixels: int
) -> tuple[PIL.Image.Image, tuple[float, float, float, float]]:
    """The original's pixels the right way up, as small as the rendition allows, and the box
    of them that the rendition shows."""
    width, height = original.size
    if width * height > max_pixels:
        raise ValueError(f"the original has more than {max_pixels} pixels")
    turned = original.getexif().get(0x0112) in _ROTATED
    shown = (height, width) if turned else (width, height)
    box = crop_box(*shown, rendition.width, rendition.height, rendition.focal or CENTRE)
    scale = rendition.width / (box[2] - box[0])
    needed = (math.ceil(shown[0] * scale), math.ceil(shown[1] * scale))
    original.draft(original.mode, needed[::-1] if turned else needed)  # JPEG: 1/2, 1/4, 1/8
    upright = _rgb(ImageOps.exif_transpose(original))
    x, y = upright.width / shown[0], upright.height / shown[1]
    return upright, (box[0] * x, box[1] * y, box[2] * x, box[3] * y)


def _rgb(picture: PIL.Image.Image) -> PIL.Image.Image:
    """RGB, or RGBA when the picture has transparency (what every output format takes)."""
    alpha = picture.mode in {"RGBA", "LA", "PA"} or "transparency" in picture.info
    wanted = "RGBA" if alpha else "RGB"
    return picture if picture.mode == wanted else picture.convert(wanted)


def _encoded(picture: PIL.Image.Image, fmt: Format) -> bytes:
    """The picture as a file of ``fmt``: no metadata kept but its colour profile."""
    name, options = SAVE_OPTIONS[fmt]
    if fmt is Format.JPEG and picture.mode == "RGBA":  # no transparency in JPEG: on white
        flat = PIL.Image.new("RGB", picture.size, (255, 255, 255))
        flat.paste(picture, mask=picture.getchannel("A"))
        picture = flat
    icc = picture.info.get("icc_profile")
    out = io.BytesIO()
    picture.save(out, format=name, **options, **({"icc_profile": icc} if icc else {}))
    return out.getvalue()
