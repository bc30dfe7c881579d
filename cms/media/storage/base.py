"""The media store contract, its key rules and what a store says about a file."""

from __future__ import annotations

import mimetypes
import re
from abc import ABC, abstractmethod
from collections.abc import AsyncGenerator, AsyncIterable, AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path, PurePosixPath
from types import TracebackType
from typing import ClassVar, Literal, Self, TypeAlias

import aiofiles
import anyio
from aiofiles.threadpool.binary import AsyncBufferedIOBase

MAX_KEY_LENGTH = 255
_SEGMENT = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]*")

READ_CHUNK_BYTES = 64 * 1024
"""Chunk size of :meth:`MediaStore.stream` (Starlette's ``FileResponse`` sends 64 KiB too)."""

COPY_CHUNK_BYTES = 1024 * 1024
"""Chunk size in which :meth:`MediaStore.put` reads a file it is given."""

IMMUTABLE = "public, max-age=31536000, immutable"
"""``Cache-Control`` of stored files: keys name their content, so a key's bytes never change."""

MEDIA_TYPES = {
    ".jpg": "image/jpeg",
    ".jpeg": "image/jpeg",
    ".png": "image/png",
    ".webp": "image/webp",
    ".gif": "image/gif",
    ".avif": "image/avif",
}
"""Types of the files we store, known without the system's mime.types (slim images lack it, and
Python 3.11's own table has no ``.webp`` or ``.avif``)."""

Data: TypeAlias = bytes | Path | AsyncIterable[bytes]
"""What :meth:`MediaStore.put` takes: bytes, a file on this machine, or chunks as they arrive."""


class StorageError(Exception):
    """Root of the media store's errors."""


class InvalidKey(StorageError, ValueError):
    """A key that could escape the store or that a backend cannot represent."""


class MediaNotFound(StorageError, LookupError):
    """No file is stored under this key."""


@dataclass(frozen=True, slots=True)
class MediaStat:
    """What a store knows about a stored file without reading it."""

    size: int
    """Length in bytes."""
    modified: datetime
    """When it was last written (timezone-aware)."""
    content_type: str | None = None
    """The type the backend keeps with the file (S3), or None (a local file keeps none)."""


def validate_key(key: str) -> str:
    """Return ``key`` if it is a safe, portable key (``images/ab/cd/abcd….jpg``), else raise.

    Keys are relative, slash-separated, ASCII letters, digits, ``.``, ``_`` and ``-``; no segment
    starts with a dot (no ``..``, no hidden files) and none is empty.
    """
    if not key or len(key) > MAX_KEY_LENGTH:
        raise InvalidKey(f"key must be 1 to {MAX_KEY_LENGTH} characters")
    if not all(_SEGMENT.fullmatch(segment) for segment in key.split("/")):
        raise InvalidKey(f"unsafe media key: {key!r}")
    return key


def media_type(key: str) -> str:
    """The ``Content-Type`` of a key, from its extension: ``image/webp`` for ``….webp``."""
    suffix = PurePosixPath(key).suffix.lower()
    known = MEDIA_TYPES.get(suffix) or mimetypes.guess_type(key)[0]
    return known or "application/octet-stream"


def check_range(start: int, end: int | None) -> None:
    """Refuse a byte range that is not ``0 <= start <= end`` (``end`` exclusive, None: to EOF)."""
    if start < 0 or (end is not None and end < start):
        raise ValueError(f"not a byte range: start={start}, end={end}")


@asynccontextmanager
async def open_file(path: Path, mode: Literal["rb", "wb"]) -> AsyncIterator[AsyncBufferedIOBase]:
    """A file opened in a thread, closed whatever happens: even when the task is cancelled (a
    client hanging up), the thread that opens or closes it is waited for, so no handle leaks."""
    with anyio.CancelScope(shield=True):
        f: AsyncBufferedIOBase = await (
            aiofiles.open(path, "rb") if mode == "rb" else aiofiles.open(path, "wb")
        )
    try:
        yield f
    finally:
        with anyio.CancelScope(shield=True):
            await f.close()


async def chunks_of(data: Data, chunk_bytes: int = COPY_CHUNK_BYTES) -> AsyncGenerator[bytes, None]:
    """The bytes of ``data`` as chunks, reading a file a chunk at a time (never whole)."""
    if isinstance(data, Path):
        async with open_file(data, "rb") as f:
            while chunk := await f.read(chunk_bytes):
                yield chunk
    elif isinstance(data, bytes | bytearray | memoryview):
        view = memoryview(data)  # a released buffer raises here, before anything is written
        for offset in range(0, len(view), chunk_bytes):
            yield bytes(view[offset : offset + chunk_bytes])
    else:
        async for chunk in data:
            yield chunk


class MediaStore(ABC):
    """Stores bytes under keys. Writes are atomic: a reader sees all of a file or none of it.

    Every method validates its key (:func:`validate_key`) before any I/O. A store is opened before
    use and closed after (``async with store:``); stores that hold no connection do nothing then.
    """

    on_disk: ClassVar[bool] = False
    """Whether files are on this machine's disk, at :meth:`local_path` (served directly)."""

    async def open(self) -> None:  # noqa: B027 (a hook: most stores hold nothing open)
        """Get ready: connect, check the configuration. Fails loudly on a bad configuration."""

    async def close(self) -> None:  # noqa: B027 (a hook, as ``open``)
        """Release what :meth:`open` took."""

    async def __aenter__(self) -> Self:
        await self.open()
        return self

    async def __aexit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.close()

    @abstractmethod
    async def put(self, key: str, data: Data) -> None:
        """Store ``data`` (bytes, a file's path, or async chunks) under ``key``, replacing what
        was there, all at once: if anything fails, the old file (or no file) stays."""

    @abstractmethod
    def stream(
        self, key: str, *, start: int = 0, end: int | None = None
    ) -> AsyncGenerator[bytes, None]:
        """The bytes ``start`` to ``end`` (exclusive; None: the end of the file) under ``key``, in
        chunks. Past the end there are no bytes, as with a slice. :class:`MediaNotFound` (on the
        first iteration) if no file is stored under ``key``."""

    async def get(self, key: str, *, start: int = 0, end: int | None = None) -> bytes:
        """The bytes ``start`` to ``end`` under ``key`` (by default all of them), in one piece."""
        return b"".join([chunk async for chunk in self.stream(key, start=start, end=end)])

    @abstractmethod
    async def stat(self, key: str) -> MediaStat:
        """Size, time of writing and kept content type; :class:`MediaNotFound` if missing."""

    @abstractmethod
    async def exists(self, key: str) -> bool:
        """Whether a file is stored under ``key``."""

    @abstractmethod
    async def delete(self, key: str) -> None:
        """Remove the file under ``key``; removing a missing file is not an error."""

    @abstractmethod
    def keys(self, prefix: str) -> AsyncGenerator[str, None]:
        """The keys of the files stored below the folder ``prefix`` (itself a valid key, such as
        ``renditions/ab12``), at any depth, in no particular order; none if there are none."""

    def local_path(self, key: str) -> Path | None:
        """The file's path when the store is on this machine's disk (served directly), else None."""
        return None

    def public_url(self, key: str) -> str | None:
        """Where clients fetch ``key`` directly (a bucket's public address), or None when the CMS
        serves it at ``/media/{key}``."""
        validate_key(key)
        return None
