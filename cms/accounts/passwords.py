"""Passwords: argon2id hashes, computed in worker threads, a bounded number at once.

Each hash or verification takes about 64 MiB and a tenth of a second of CPU (argon2-cffi's
defaults, RFC 9106's second recommendation), so it never runs on the event loop, and at most
``concurrency`` run at once per process (a burst of sign-ins queues instead of exhausting memory).
"""

from __future__ import annotations

import asyncio
import secrets
import unicodedata
import weakref
from collections.abc import Callable
from typing import TypeVar

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

from cms.core.errors import InvalidInput

T = TypeVar("T")

MIN_LENGTH = 10
"""The shortest password taken (in characters, after NFC)."""
MAX_LENGTH = 1000
"""The longest password taken: longer input is refused before it is hashed."""

hasher: PasswordHasher = PasswordHasher()
"""The one hasher (argon2id). A module attribute so that tests can put a counting one in."""

_slots: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, dict[int, asyncio.Semaphore]] = (
    weakref.WeakKeyDictionary()
)
_dummy: tuple[PasswordHasher, str] | None = None
"""The hasher's hash of a random password nobody knows: an unknown email is checked
against it, so that it costs the same time as a known one."""


def checked(password: str, field: str = "password") -> str:
    """``password`` in NFC if it is long enough and not too long, else :class:`InvalidInput`.

    Nothing else is demanded of it (no character classes): length is what makes a password
    strong, and a passphrase in any script is welcome. Spaces count; nothing is trimmed.
    """
    password = unicodedata.normalize("NFC", password)
    if not MIN_LENGTH <= len(password) <= MAX_LENGTH:
        raise InvalidInput(
            f"A password must be {MIN_LENGTH} to {MAX_LENGTH:,} characters long "
            f"(this one has {len(password):,}).",
            field=field,
        )
    return password


async def hash_password(password: str, concurrency: int) -> str:
    """The argon2id hash of ``password`` (already :func:`checked`)."""
    return await _in_thread(concurrency, lambda: hasher.hash(password))


async def verify(stored: str | None, password: str, concurrency: int) -> bool:
    """Whether ``password`` matches the hash ``stored``.

    ``None`` (no such user) and a hash that is no argon2 hash (an account that signs in by token
    only) are checked against a dummy hash all the same, and are never a match: whatever the
    account, the answer costs one argon2 verification.
    """
    # One character too many is enough to never match, and keeps a huge input cheap.
    candidate = unicodedata.normalize("NFC", password)[: MAX_LENGTH + 1]
    dummy = await _dummy_hash(concurrency)
    usable = stored is not None and stored.startswith("$argon2")
    against = stored if stored is not None and usable else dummy
    matched = await _in_thread(concurrency, lambda: _matches(against, candidate))
    return usable and matched


def needs_rehash(stored: str) -> bool:
    """Whether ``stored`` was made with other parameters than today's (then hash again)."""
    try:
        return hasher.check_needs_rehash(stored)
    except InvalidHashError:
        return True


def _matches(stored: str, password: str) -> bool:
    try:
        return hasher.verify(stored, password)
    except (VerificationError, InvalidHashError):
        return False


async def _dummy_hash(concurrency: int) -> str:
    global _dummy
    current = hasher
    if _dummy is None or _dummy[0] is not current:
        made = await _in_thread(concurrency, lambda: current.hash(secrets.token_urlsafe(32)))
        _dummy = (current, made)
    return _dummy[1]


async def _in_thread(concurrency: int, work: Callable[[], T]) -> T:
    """Run ``work`` in a worker thread once one of ``concurrency`` slots is free."""
    async with _slot(concurrency):
        return await asyncio.to_thread(work)


def _slot(concurrency: int) -> asyncio.Semaphore:
    """The process's semaphore for this event loop (a semaphore belongs to one loop)."""
    per_loop = _slots.setdefault(asyncio.get_running_loop(), {})
    return per_loop.setdefault(concurrency, asyncio.Semaphore(concurrency))
