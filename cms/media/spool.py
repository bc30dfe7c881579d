"""Files arriving in chunks: written to a temporary file, counted and hashed as they come.

A spool never holds more than one chunk in memory. Over its byte limit it stops at once
(:class:`ImageTooLarge`); whatever happens, :meth:`Spool.discard` removes its file.
"""

from __future__ import annotations

import hashlib
import os
import tempfile
import unicodedata
from pathlib import Path, PureWindowsPath

import aiofiles.os
import anyio
from aiofiles.threadpool.binary import AsyncBufferedIOBase

from cms.core.errors import ImageTooLarge
from cms.text import normalize

PREFIX = "cms-upload-"
"""How the temporary files of uploads are named (``cms-upload-*.part``), to be found if left."""

MAX_NAME = 255


def file_name(name: str | None) -> str:
    """A client's file name as kept (metadata only, never a path): its last part, NFC (macOS
    sends NFD), without control characters, at most 255 characters."""
    last = PureWindowsPath(name or "").name  # splits on "/" and "\\" alike
    return unicodedata.normalize("NFC", normalize(last).strip())[:MAX_NAME]


class Spool:
    """One file being received into ``folder`` (the system's temporary folder if None)."""

    def __init__(self, folder: Path | None, max_bytes: int, name: str, field: str = "file"):
        self.folder = folder
        self.max_bytes = max_bytes
        self.name = name
        self.field = field
        self.size = 0
        self.path: Path | None = None
        self._digest = hashlib.sha256()
        self._file: AsyncBufferedIOBase | None = None

    @property
    def sha256(self) -> str:
        """The SHA-256 (hex) of the bytes written so far."""
        return self._digest.hexdigest()

    async def open(self) -> None:
        descriptor, name = await anyio.to_thread.run_sync(self._make)
        self.path = Path(name)
        self._file = await aiofiles.open(descriptor, "wb")

    def _make(self) -> tuple[int, str]:
        folder = self.folder or Path(tempfile.gettempdir())
        folder.mkdir(parents=True, exist_ok=True)
        return tempfile.mkstemp(prefix=PREFIX, suffix=".part", dir=folder)

    async def write(self, chunk: bytes) -> None:
        """Add ``chunk``; :class:`ImageTooLarge` (nothing more written) past ``max_bytes``."""
        self.size += len(chunk)
        if self.size > self.max_bytes:
            raise ImageTooLarge(
                f"{self.name or 'The file'}: larger than {_mib(self.max_bytes)}.", field=self.field
            )
        self._digest.update(chunk)
        if self._file is None:
            await self.open()
        assert self._file is not None
        await self._file.write(chunk)

    async def finish(self) -> Path:
        """Close the file (every byte is on disk, for other readers); its path."""
        if self._file is None:
            await self.open()
        assert self._file is not None and self.path is not None
        with anyio.CancelScope(shield=True):
            await self._file.close()
        return self.path

    async def discard(self) -> None:
        """Close and remove the file, even while the task is being cancelled."""
        with anyio.CancelScope(shield=True):
            if self._file is not None and not self._file.closed:
                await self._file.close()
            if self.path is not None:
                await remove(self.path)


async def remove(path: Path) -> None:
    """Remove a temporary file if it is there."""
    with anyio.CancelScope(shield=True):
        try:
            await aiofiles.os.remove(path)
        except FileNotFoundError:
            return


def temporary_path(folder: Path | None, suffix: str = ".part") -> Path:
    """A new, empty temporary file's path in ``folder`` (created, so the name is ours)."""
    folder = folder or Path(tempfile.gettempdir())
    folder.mkdir(parents=True, exist_ok=True)
    descriptor, name = tempfile.mkstemp(prefix=PREFIX, suffix=suffix, dir=folder)
    os.close(descriptor)
    return Path(name)


def _mib(size: int) -> str:
    return f"{size / 1024 / 1024:g} MiB" if size >= 1024 * 1024 else f"{size} bytes"
