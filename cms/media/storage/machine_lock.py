"""A lock between the processes of one machine: ``cms serve --workers N`` makes a rendition once.

Each worker process has its own :class:`~cms.media.storage.renditions.Renderer`, whose single
flight is per process; two workers asked for the same new rendition at once would both make it.
For a store on this machine's disk they first take an ``flock`` on one of :data:`STRIPES` lock
files (chosen by a hash of the key), then look whether the file is there already.
The lock is waited for without a thread: a non-blocking attempt every :data:`POLL` seconds.
A process that dies lets go of its locks with its file descriptors.
"""

from __future__ import annotations

import asyncio
import fcntl
import hashlib
import os
import tempfile
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

STRIPES = 1024
"""Lock files per machine: two renditions share one (and wait for each other) rarely."""
POLL = 0.01
"""Seconds between attempts while another process holds the lock."""


def lock_dir() -> Path:
    """Where the lock files live: the machine's temporary folder, one folder per user."""
    return Path(tempfile.gettempdir()) / f"cms-locks-{os.getuid()}"


@asynccontextmanager
async def held(key: str) -> AsyncIterator[None]:
    """Hold the machine-wide lock for ``key`` while inside."""
    digest = hashlib.sha256(key.encode()).digest()
    stripe = int.from_bytes(digest[:4], "big") % STRIPES
    fd = await asyncio.to_thread(_open, lock_dir() / f"{stripe:04d}.lock")
    try:
        while not _try_lock(fd):  # noqa: ASYNC110 (held by another process: nothing to await)
            await asyncio.sleep(POLL)
        yield
    finally:
        os.close(fd)  # releases the lock


def _open(path: Path) -> int:
    path.parent.mkdir(mode=0o700, exist_ok=True)
    return os.open(path, os.O_RDWR | os.O_CREAT, 0o600)


def _try_lock(fd: int) -> bool:
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        return False
    return True
