"""Failed sign-ins slow down further attempts, per email and per client address.

The counters live in the ``login_throttle`` table, so every instance behind a load balancer sees
the same ones. After the free failures, each further attempt for a key must wait 2, 4, 8 ...
seconds (at most ``max_wait``) since that key's last failure; an attempt that comes too early is
refused without looking at the password, and is not counted. A key with no failure for
:attr:`Policy.forget_after` starts again from zero, so a typo a week ago costs nothing today.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from cms.core import db
from cms.core.clock import utc
from cms.core.errors import RateLimited
from cms.core.metrics import SIGNINS_THROTTLED
from cms.models import LoginThrottle

if TYPE_CHECKING:
    from settings import Settings

FORGET_FACTOR = 4
"""A key is forgotten after this many times the longest wait without a failure."""
_MAX_EXPONENT = 30
"""2**30 seconds is more than any wait: larger counts need not be raised to a power."""
_KEY_LENGTH = 300
"""The width of the ``key`` column."""


@dataclass(frozen=True, slots=True)
class Policy:
    """How many failures are free, per kind of key, and the longest wait."""

    free_per_email: int
    free_per_address: int
    max_wait: int
    """Seconds."""

    @classmethod
    def of(cls, settings: Settings) -> Policy:
        return cls(
            free_per_email=settings.login_free_failures,
            free_per_address=settings.login_free_failures_per_address,
            max_wait=settings.login_max_wait,
        )

    @property
    def forget_after(self) -> timedelta:
        return timedelta(seconds=self.max_wait * FORGET_FACTOR)

    def wait(self, key: str, failures: int) -> int:
        """Seconds an attempt must wait after the last of ``failures`` failures for ``key``."""
        free = self.free_per_address if key.startswith("address:") else self.free_per_email
        if failures < free:
            return 0
        exponent = min(failures - free + 1, _MAX_EXPONENT)
        return min(1 << exponent, self.max_wait)


def email_key(email: str) -> str:
    """The counter of an email (as typed, normalised: the same for every instance)."""
    return f"email:{email}"[:_KEY_LENGTH]


def address_key(address: str | None) -> str:
    """The counter of a client address (``request.client.host``)."""
    return f"address:{address or 'unknown'}"[:_KEY_LENGTH]


async def check(keys: tuple[str, ...], policy: Policy, now: datetime) -> None:
    """:class:`RateLimited` if any of ``keys`` must still wait; one statement."""
    retry_after = 0
    for row in await LoginThrottle.filter(key__in=keys):
        if now - row.last_failure_at >= policy.forget_after:
            continue
        until = row.last_failure_at + timedelta(seconds=policy.wait(row.key, row.failures))
        retry_after = max(retry_after, math.ceil((until - now).total_seconds()))
    if retry_after > 0:
        SIGNINS_THROTTLED.inc()
        raise RateLimited(
            f"Too many failed sign-ins: try again in {retry_after} seconds.",
            retry_after=retry_after,
        )


async def failed(keys: tuple[str, ...], policy: Policy, now: datetime) -> None:
    """Count one failure for each of ``keys`` (one statement; call inside a transaction)."""
    rows = ", ".join("(?, 1, ?)" for _ in keys)
    await db.execute(
        f'INSERT INTO login_throttle ("key", failures, last_failure_at) VALUES {rows} '
        'ON CONFLICT ("key") DO UPDATE SET failures = CASE '
        "WHEN login_throttle.last_failure_at <= ? THEN 1 "
        "ELSE login_throttle.failures + 1 END, "
        "last_failure_at = excluded.last_failure_at",
        [*(value for key in keys for value in (key, utc(now))), utc(now - policy.forget_after)],
    )


async def forget(key: str) -> None:
    """Start ``key`` again from zero (a successful sign-in does so for its email)."""
    await LoginThrottle.filter(key=key).delete()
