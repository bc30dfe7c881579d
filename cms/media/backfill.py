"""Placeholders for images taken in before they existed (``cms images backfill``).

Each file is read back from the store into a temporary file (in chunks), decoded in a worker
thread as at upload, and only its placeholder and dominant colour are written: the file, its hash
and its key stay as they are.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable

from cms.core.errors import CmsError
from cms.media.imaging.inspect import inspect
from cms.media.spool import Spool
from cms.media.storage import MediaNotFound, MediaStore
from cms.media.uploads import Limits
from cms.models import Image

Report = Callable[[Image, str | None], None]
"""Told of each image done: None, or why it was skipped."""


async def backfill(store: MediaStore, limits: Limits, report: Report | None = None) -> int:
    """Fill in every missing placeholder; how many were filled. An image whose file is missing
    or unreadable is skipped (and reported), never fatal."""
    done = 0
    for image in await Image.filter(placeholder__isnull=True).order_by("id"):
        problem = await _one(store, image, limits)
        done += problem is None
        if report is not None:
            report(image, problem)
    return done


async def _one(store: MediaStore, image: Image, limits: Limits) -> str | None:
    spool = Spool(limits.tmp_dir, max(limits.max_bytes, image.size), image.filename)
    try:
        async for chunk in store.stream(image.store_key):
            await spool.write(chunk)
        path = await spool.finish()
        picture = await asyncio.to_thread(inspect, path, limits.max_pixels, image.filename)
    except MediaNotFound:
        return f"no file at {image.store_key}"
    except CmsError as error:
        return error.message
    finally:
        await spool.discard()
    shown = picture.placeholder
    await Image.filter(id=image.id).update(placeholder=shown.blurhash, dominant_color=shown.color)
    return None
