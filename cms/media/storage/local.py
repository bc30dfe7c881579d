"""A media store in a folder on the local disk (the embedded default: ``media/``)."""

from __future__ import annotations

import os
import stat
import sys
from collections.abc import AsyncGenerator
from contextlib import aclosing
from datetime import UTC, datetime
from pathlib import Path
from typing import ClassVar
from uuid import uuid4

import aiofiles
import aiofiles.os
import anyio

from cms.media.storage.base import (
    READ_CHUNK_BYTES,
    Data,
    InvalidKey,
    MediaNotFound,
    MediaStat,
    MediaStore,
    check_range,
    chunks_of,
    open_file,
    validate_key,
)

_TMP_NAME_PREFIX = 100
"""How much of the file's name its temporary file repeats (keys may have a 255-byte segment)."""

_NO_FILE = (FileNotFoundError, IsADirectoryError, NotADirectoryError)
"""What the system says for a key with no file: nothing there, a folder of other keys, or a file
above it (``images/a`` stored, ``images/a/b`` asked)."""


class LocalMediaStore(MediaStore):
    """Files under ``root``, written to a temporary file in the same folder and then renamed."""

    on_disk: ClassVar[bool] = True

    def __init__(self, root: Path) -> None:
        self.root = root.resolve()

    async def open(self) -> None:
        """Create the root folder if it is not there yet."""
        await aiofiles.os.makedirs(self.root, exist_ok=True)

    def local_path(self, key: str) -> Path:
        """The file for ``key``, checked to lie inside the root even through symlinks.

        Resolving touches the disk: async code calls :meth:`_path`, which does it in a thread.
        """
        path = (self.root / validate_key(key)).resolve()
        if os.path.commonpath([self.root, path]) != str(self.root):
            raise InvalidKey(f"key escapes the store: {key!r}")
        return path

    async def _path(self, key: str) -> Path:
        return await anyio.to_thread.run_sync(self.local_path, key)

    async def put(self, key: str, data: Data) -> None:
        target = await self._path(key)
        await aiofiles.os.makedirs(target.parent, exist_ok=True)
        # Hidden (no key starts with a dot) and short enough for a 255-byte file name limit.
        tmp = target.with_name(f".{target.name[:_TMP_NAME_PREFIX]}.{uuid4().hex}.part")
        try:
            async with open_file(tmp, "wb") as f, aclosing(chunks_of(data)) as chunks:
                async for chunk in chunks:
                    await f.write(chunk)
                await f.flush()
                await aiofiles.os.wrap(os.fsync)(f.fileno())
            await aiofiles.os.replace(tmp, target)
        except BaseException:
            await _discard(tmp)
            raise
        await anyio.to_thread.run_sync(_sync_folder, target.parent)

    async def stream(
        self, key: str, *, start: int = 0, end: int | None = None
    ) -> AsyncGenerator[bytes, None]:
        check_range(start, end)
        path = await self._path(key)
        try:
            async with open_file(path, "rb") as f:
                await f.seek(start)
                left = sys.maxsize if end is None else end - start
                while left > 0 and (chunk := await f.read(min(left, READ_CHUNK_BYTES))):
                    left -= len(chunk)
                    yield chunk
        except _NO_FILE:
            raise MediaNotFound(key) from None

    async def get(self, key: str, *, start: int = 0, end: int | None = None) -> bytes:
        check_range(start, end)
        path = await self._path(key)
        try:
            async with open_file(path, "rb") as f:
                await f.seek(start)
                return await f.read(-1 if end is None else end - start)
        except _NO_FILE:
            raise MediaNotFound(key) from None

    async def stat(self, key: str) -> MediaStat:
        path = await self._path(key)
        try:
            found = await aiofiles.os.stat(path)
        except _NO_FILE:
            raise MediaNotFound(key) from None
        if not stat.S_ISREG(found.st_mode):
            raise MediaNotFound(key)
        return MediaStat(found.st_size, datetime.fromtimestamp(found.st_mtime, UTC))

    async def exists(self, key: str) -> bool:
        return await aiofiles.os.path.isfile(await self._path(key))

    async def delete(self, key: str) -> None:
        path = await self._path(key)
        try:
            await aiofiles.os.remove(path)
        except _NO_FILE:
            return  # no file under this key (a folder of other keys, or a file above it)

    async def keys(self, prefix: str) -> AsyncGenerator[str, None]:
        folder = await self._path(prefix)
        for key in await anyio.to_thread.run_sync(self._keys_below, folder):
            yield key

    def _keys_below(self, folder: Path) -> list[str]:
        """Stored files below ``folder`` as keys: no temporary file of a write in progress (they
        start with a dot), nothing that is not a key."""
        found: list[str] = []
        for parent, folders, files in os.walk(folder):
            folders[:] = [name for name in folders if not name.startswith(".")]
            for name in files:
                path = Path(parent, name)
                key = path.relative_to(self.root).as_posix()
                if _is_key(key) and path.is_file():
                    found.append(key)
        return found


def _is_key(key: str) -> bool:
    try:
        validate_key(key)
    except InvalidKey:
        return False
    return True


def _sync_folder(folder: Path) -> None:
    """Make a rename in ``folder`` durable: after a power cut the new name is there too."""
    descriptor = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(descriptor)
    finally:
        os.close(descriptor)


async def _discard(path: Path) -> None:
    """Remove a temporary file, even while the task that wrote it is being cancelled."""
    with anyio.CancelScope(shield=True):
        try:
            await aiofiles.os.remove(path)
        except FileNotFoundError:
            return
