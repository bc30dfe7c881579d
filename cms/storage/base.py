"""The media store contract and its key rules."""

from __future__ import annotations

import re
from abc import ABC, abstractmethod
from pathlib import Path

MAX_KEY_LENGTH = 255
_SEGMENT = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]*")


class StorageError(Exception):
    """Root of the media store's errors."""


class InvalidKey(StorageError, ValueError):
    """A key that could escape the store or that a backend cannot represent."""


class MediaNotFound(StorageError, LookupError):
    """No file is stored under this key."""


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


class MediaStore(ABC):
    """Stores bytes under keys. Writes are atomic: a reader sees all of a file or none of it."""

    @abstractmethod
    async def put(self, key: str, data: bytes) -> None:
        """Store ``data`` under ``key``, replacing what was there."""

    @abstractmethod
    async def get(self, key: str) -> bytes:
        """The bytes under ``key``; :class:`MediaNotFound` if there are none."""

    @abstractmethod
    async def exists(self, key: str) -> bool:
        """Whether a file is stored under ``key``."""

    @abstractmethod
    async def delete(self, key: str) -> None:
        """Remove the file under ``key``; removing a missing file is not an error."""

    def local_path(self, key: str) -> Path | None:
        """The file's path when the store is on this machine's disk (served directly), else None."""
        return None
