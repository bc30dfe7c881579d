"""A media store in a folder on the local disk (the embedded default: ``media/``)."""

from __future__ import annotations

import os
from pathlib import Path
from uuid import uuid4

import aiofiles
import aiofiles.os

from cms.storage.base import InvalidKey, MediaNotFound, MediaStore, validate_key

_TMP_NAME_PREFIX = 100
"""How much of the file's name its temporary file repeats (keys may have a 255-byte segment)."""


class LocalMediaStore(MediaStore):
    """Files under ``root``, written to a temporary file in the same folder and then renamed."""

    def __init__(self, root: Path) -> None:
        self.root = root.resolve()

    def local_path(self, key: str) -> Path:
        """The file for ``key``, checked to lie inside the root even through symlinks."""
        path = (self.root / validate_key(key)).resolve()
        if os.path.commonpath([self.root, path]) != str(self.root):
            raise InvalidKey(f"key escapes the store: {key!r}")
        return path

    async def put(self, key: str, data: bytes) -> None:
        target = self.local_path(key)
        await aiofiles.os.makedirs(target.parent, exist_ok=True)
        # Hidden (no key starts with a dot) and short enough for a 255-byte file name limit.
        tmp = target.with_name(f".{target.name[:_TMP_NAME_PREFIX]}.{uuid4().hex}.part")
        try:
            async with aiofiles.open(tmp, "wb") as f:
                await f.write(data)
                await f.flush()
                await aiofiles.os.wrap(os.fsync)(f.fileno())
            await aiofiles.os.replace(tmp, target)
        except BaseException:
            await _discard(tmp)
            raise

    async def get(self, key: str) -> bytes:
        try:
            async with aiofiles.open(self.local_path(key), "rb") as f:
                return await f.read()
        except (FileNotFoundError, IsADirectoryError, NotADirectoryError):
            raise MediaNotFound(key) from None

    async def exists(self, key: str) -> bool:
        return await aiofiles.os.path.isfile(self.local_path(key))

    async def delete(self, key: str) -> None:
        path = self.local_path(key)
        try:
            await aiofiles.os.remove(path)
        except (FileNotFoundError, IsADirectoryError, NotADirectoryError):
            return  # no file under this key (a folder of other keys, or a file above it)


async def _discard(path: Path) -> None:
    try:
        await aiofiles.os.remove(path)
    except FileNotFoundError:
        return
