"""Signing in and out: a session token for an email and password, and its end.

The answer to a failed sign-in never says whether the email or the password was wrong (nor
whether the account is inactive), and costs the same either way: an unknown email is checked
against a dummy argon2 hash (see :func:`cms.accounts.passwords.verify`). Failures are counted per
email and per client address (:mod:`cms.accounts.throttle`) in a transaction of their own, which
commits although the sign-in fails.
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from tortoise.transactions import in_transaction

from cms.accounts import audit, passwords, throttle, tokens
from cms.accounts.users import MAX_EMAIL_LENGTH
from cms.core.errors import InvalidCredentials
from cms.core.metrics import SIGNINS_FAILED
from cms.core.viewer import ANONYMOUS, Viewer
from cms.models import TokenKind, User

if TYPE_CHECKING:
    from settings import Settings

_WRONG = "The email or the password is wrong."


@dataclass(frozen=True, slots=True)
class Session:
    """A signed-in session: ``secret`` is the bearer token, shown to its owner once."""

    secret: str
    expires_at: datetime
    user: User


async def login(
    email: str, password: str, address: str | None, settings: Settings, now: datetime
) -> Session:
    """A new session for the active account with this email and password.

    :class:`~cms.core.errors.RateLimited` while the email or the client ``address`` must wait
    (the password is not even checked), else :class:`InvalidCredentials` for any mismatch.
    """
    typed = unicodedata.normalize("NFC", email).strip().lower()[:MAX_EMAIL_LENGTH]
    keys = (throttle.email_key(typed), throttle.address_key(address))
    policy = throttle.Policy.of(settings)
    await throttle.check(keys, policy, now)
    user = await User.get_or_none(email=typed)
    concurrency = settings.password_hash_concurrency
    stored = user.password_hash if user is not None else None
    matched = await passwords.verify(stored, password, concurrency)
    if user is None or not matched or not user.is_active:
        await _failed(keys, policy, now, typed, user, address)
        SIGNINS_FAILED.inc()
        raise InvalidCredentials(_WRONG)
    rehashed = None
    if passwords.needs_rehash(user.password_hash):
        same = unicodedata.normalize("NFC", password)
        rehashed = await passwords.hash_password(same, concurrency)
    return await _signed_in(user, keys[0], rehashed, settings, now, address)


async def logout(viewer: Viewer, now: datetime) -> bool:
    """End the session the viewer signed in with; False if it is no session (or already over)."""
    if viewer.token_id is None or viewer.user_id is None:
        return False
    async with in_transaction():
        ended = await tokens.revoke(viewer.token_id, now, kind=TokenKind.SESSION)
        if ended:
            await audit.record(viewer, audit.Action.LOGOUT, "User", viewer.user_id)
    return ended


def viewer_of(user: User) -> Viewer:
    """The viewer a session of ``user`` signs in (for the audit log of the sign-in itself)."""
    return Viewer(user_id=user.id, role=user.role, label=user.email)


async def _failed(
    keys: tuple[str, ...],
    policy: throttle.Policy,
    now: datetime,
    typed: str,
    user: User | None,
    address: str | None,
) -> None:
    async with in_transaction():
        await throttle.failed(keys, policy, now)
        await audit.record(
            ANONYMOUS,
            audit.Action.LOGIN_FAILED,
            "User",
            user.id if user is not None else None,
            f"from {address or 'an unknown address'}",
            actor=typed,
        )


async def _signed_in(
    user: User,
    email_key: str,
    rehashed: str | None,
    settings: Settings,
    now: datetime,
    address: str | None,
) -> Session:
    expires_at = now + timedelta(hours=settings.session_hours)
    user.last_login_at = now
    fields = ["last_login_at"]
    if rehashed is not None:
        user.password_hash = rehashed
        fields.append("password_hash")
    async with in_transaction():
        await throttle.forget(email_key)
        await user.save(update_fields=fields)
        issued = await tokens.issue(TokenKind.SESSION, expires_at=expires_at, user=user)
        summary = f"from {address or 'an unknown address'}"
        await audit.record(viewer_of(user), audit.Action.LOGIN, "User", user.id, summary)
    return Session(issued.secret, expires_at, user)
