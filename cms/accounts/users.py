"""User accounts: who may sign in, with which role. Admins manage them (and the command line).

Emails are kept in NFC, trimmed and lower-cased, so ``Lan@Example.org`` and ``lan@example.org``
are one account. There is always an active admin: nobody can demote or deactivate themselves,
and the last active admin cannot be demoted or deactivated by anyone (an admin API token either).
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass
from enum import Enum
from typing import Literal

from tortoise.exceptions import IntegrityError
from tortoise.transactions import in_transaction

from cms import text
from cms.accounts import audit, passwords
from cms.accounts.permissions import ADMINS, EDITORS, require
from cms.core import clock
from cms.core.errors import Forbidden, InvalidInput, NotFound
from cms.core.pagination import Ordering, Page, Source, Window, fetch
from cms.core.viewer import Viewer
from cms.models import Author, Role, Token, User

MAX_EMAIL_LENGTH = 254
"""The longest address SMTP carries (RFC 5321), and the width of the column."""
MAX_NAME_LENGTH = 200
BY_EMAIL = Ordering("users", "email", descending=False)
"""The order of ``users``: alphabetical by email."""

CONSOLE = Viewer(can_preview=True, role=Role.ADMIN, label="command line")
"""Who acts for ``cms user create``: whoever may run the CLI on the server is an admin."""

# One @, something before it (at most 64 characters, RFC 5321), a domain with a dot and no
# empty label after it; no spaces anywhere. Deliberately loose: the only real test of an address
# is mail reaching it, and international addresses (hoa@báo.vn) are welcome.
_EMAIL = re.compile(r"[^@\s]{1,64}@[^@\s.]+(\.[^@\s.]+)+")


class _Keep(Enum):
    KEEP = "keep"


KEEP = _Keep.KEEP
"""In :class:`UserChanges`, "leave the author link as it is" (None unlinks it)."""


@dataclass(frozen=True, slots=True)
class NewUser:
    """What a new account is made of (the password in clear: it is hashed here)."""

    email: str
    name: str
    role: Role
    password: str
    author_id: int | None = None


@dataclass(frozen=True, slots=True)
class UserChanges:
    """What to change on an account; None (or :data:`KEEP`) leaves a field as it is."""

    name: str | None = None
    role: Role | None = None
    password: str | None = None
    author_id: int | Literal[_Keep.KEEP] | None = KEEP
    active: bool | None = None


def checked_email(value: str, field: str = "email") -> str:
    """``value`` as stored: NFC, trimmed, lower-case; :class:`InvalidInput` if it is no email."""
    email = unicodedata.normalize("NFC", value).strip().lower()
    if len(email) > MAX_EMAIL_LENGTH:
        raise InvalidInput(
            f"An email address has at most {MAX_EMAIL_LENGTH} characters.", field=field
        )
    if not _EMAIL.fullmatch(email) or not email.isprintable():
        raise InvalidInput("Give an email address such as lan@example.org.", field=field)
    return email


def checked_name(value: str, field: str = "name") -> str:
    """A display name: NFC, trimmed, 1 to 200 characters."""
    name = text.normalize(value).strip()
    if not 1 <= len(name) <= MAX_NAME_LENGTH or "\n" in name:
        raise InvalidInput(f"A name is one line of 1 to {MAX_NAME_LENGTH} characters.", field=field)
    return name


def may_see_private(viewer: Viewer, user_id: int) -> bool:
    """Whether ``viewer`` may see a user's email and sign-in times: themselves, or an editor."""
    return viewer.user_id == user_id or viewer.role in EDITORS


async def create(viewer: Viewer, new: NewUser, concurrency: int) -> User:
    """Make an account (admins only). Everything is checked before anything is written."""
    require(viewer, ADMINS, "manage users")
    email, name = checked_email(new.email), checked_name(new.name)
    password = passwords.checked(new.password)
    if await User.exists(email=email):
        raise _taken()
    password_hash = await passwords.hash_password(password, concurrency)  # not in a transaction
    try:
        async with in_transaction():
            await _check_author(new.author_id)
            user = await User.create(
                email=email,
                name=name,
                password_hash=password_hash,
                role=new.role,
                author_id=new.author_id,
            )
            await audit.record(
                viewer, audit.Action.CREATE, "User", user.id, f"{email} as {new.role}"
            )
    except IntegrityError:  # the same email, created meanwhile
        raise _taken() from None
    return user


async def update(viewer: Viewer, user_id: int, changes: UserChanges, concurrency: int) -> User:
    """Change an account (admins only). A new password ends the user's other sessions;
    deactivating ends all of them."""
    require(viewer, ADMINS, "manage users")
    name = checked_name(changes.name) if changes.name is not None else None
    password = passwords.checked(changes.password) if changes.password is not None else None
    password_hash = await passwords.hash_password(password, concurrency) if password else None
    async with in_transaction():
        user = await _locked(user_id)
        await _keep_an_admin(viewer, user, changes.role, changes.active)
        said = _apply(user, name, changes.role, changes.active)
        if changes.author_id is not KEEP and changes.author_id != user.author_id:
            await _check_author(changes.author_id)
            user.author_id = changes.author_id
            said.append("author profile")
        if password_hash is not None:
            user.password_hash = password_hash
            said.append("password")
            await _end_sessions(user.id, keep=viewer.token_id)
        if changes.active is False:
            await _end_sessions(user.id)
        await user.save()
        summary = ", ".join(said) if said else "nothing changed"
        await audit.record(viewer, audit.Action.UPDATE, "User", user.id, summary)
    return user


async def deactivate(viewer: Viewer, user_id: int) -> User:
    """Stop an account from signing in (admins only): every token of it stops working at once.
    Deactivating an inactive account changes nothing."""
    require(viewer, ADMINS, "manage users")
    async with in_transaction():
        user = await _locked(user_id)
        if not user.is_active:
            return user
        await _keep_an_admin(viewer, user, None, False)
        user.is_active = False
        await user.save(update_fields=["is_active"])
        ended = await _end_sessions(user.id)
        summary = f"{user.email}; {ended} token{'s' if ended != 1 else ''} revoked"
        await audit.record(viewer, audit.Action.DEACTIVATE, "User", user.id, summary)
    return user


async def page(viewer: Viewer, win: Window) -> Page[User]:
    """Every account, by email (admins only)."""
    require(viewer, ADMINS, "list users")
    return await fetch(Source.of_model(User, "x"), BY_EMAIL, win)


async def by_ids(ids: Sequence[int]) -> list[User | None]:
    """Batch reader: item i is the user with ``ids[i]``, or None."""
    found = {user.id: user for user in await User.filter(id__in=ids)}
    return [found.get(i) for i in ids]


def _taken() -> InvalidInput:
    return InvalidInput("Another account has this email address.", field="email")


async def _check_author(author_id: int | None) -> None:
    if author_id is not None and not await Author.exists(id=author_id):
        raise InvalidInput("There is no author with this ID.", field="authorId")


async def _locked(user_id: int) -> User:
    """The user, its row locked until the transaction ends (PostgreSQL; SQLite has one writer)."""
    user = await User.filter(id=user_id).select_for_update().first()
    if user is None:
        raise NotFound("There is no user with this ID.", field="id")
    return user


async def _keep_an_admin(
    viewer: Viewer, user: User, role: Role | None, active: bool | None
) -> None:
    """Refuse a change that would leave no active admin, or that an admin makes to themselves."""
    demoted = role is not None and role is not Role.ADMIN
    deactivated = active is False
    if user.role is not Role.ADMIN or not user.is_active or not (demoted or deactivated):
        return
    if viewer.user_id == user.id:
        raise Forbidden(
            "You may not demote or deactivate yourself: another admin must.",
            field="role" if demoted else "active",
        )
    admins = User.filter(role=Role.ADMIN, is_active=True).select_for_update()
    if len(await admins.values_list("id", flat=True)) < 2:
        raise Forbidden("This is the last active admin: make another admin first.", field="id")


def _apply(user: User, name: str | None, role: Role | None, active: bool | None) -> list[str]:
    """Set the given fields; what changed, for the audit log."""
    said: list[str] = []
    if name is not None and name != user.name:
        user.name = name
        said.append("name")
    if role is not None and role is not user.role:
        said.append(f"role {user.role} → {role}")
        user.role = role
    if active is not None and active != user.is_active:
        user.is_active = active
        said.append("activated" if active else "deactivated")
    return said


async def _end_sessions(user_id: int, keep: int | None = None) -> int:
    """Revoke the user's live tokens (but ``keep``); how many."""
    live = Token.filter(user_id=user_id, revoked_at=None)
    if keep is not None:
        live = live.exclude(id=keep)
    return await live.update(revoked_at=clock.now())
