"""The audit log: every write records who did what to which object, in the same transaction;
admins read it newest first (``auditLog``)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from cms.accounts.permissions import ADMINS, require
from cms.core import clock
from cms.core.clock import utc
from cms.core.db import Fragment, all_of, marks
from cms.core.pagination import Ordering, Page, Source, Window, fetch
from cms.core.viewer import Viewer
from cms.models import AuditEntry, User

NEWEST_FIRST = Ordering("audit:at:desc", "at", descending=True)
"""The log's one order: the latest entry first, ties broken by id."""


class Action(StrEnum):
    """What was done."""

    CREATE = "create"
    UPDATE = "update"
    DELETE = "delete"
    PUBLISH = "publish"
    UNPUBLISH = "unpublish"
    ARCHIVE = "archive"
    RESTORE = "restore"
    PREVIEW_LINK = "preview_link"
    LOGIN = "login"
    LOGIN_FAILED = "login_failed"
    LOGOUT = "logout"
    TOKEN_CREATED = "token_created"
    TOKEN_REVOKED = "token_revoked"
    DEACTIVATE = "deactivate"


async def record(
    viewer: Viewer,
    action: Action,
    object_type: str,
    object_id: int | None,
    summary: str = "",
    *,
    actor: str | None = None,
    locale: str | None = None,
) -> None:
    """Write one entry (call inside the transaction of the change it records).

    ``actor`` overrides who it was (a failed login names the email tried, not "anonymous");
    ``locale`` is the locale of the article it is about.
    """
    await AuditEntry.create(
        at=clock.now(),  # the CMS's clock, as every other time it keeps
        user_id=viewer.user_id,
        actor=(actor or viewer.label)[:300],
        action=action.value,
        object_type=object_type,
        object_id=object_id,
        summary=summary[:500],
        locale=locale,
    )


@dataclass(frozen=True, slots=True)
class AuditFilter:
    """Entries that match every condition given. Times: ``since <= at < until``."""

    actions: tuple[str, ...] = ()
    object_type: str | None = None
    object_id: int | None = None
    user_id: int | None = None
    since: datetime | None = None
    until: datetime | None = None


def require_reader(viewer: Viewer) -> None:
    """Only admins read the log: :class:`Unauthenticated` or :class:`Forbidden` for others."""
    require(viewer, ADMINS, "read the audit log")


async def page(viewer: Viewer, where: AuditFilter, win: Window) -> Page[AuditEntry]:
    """One page of the log, newest first, with each entry's user (admins only)."""
    require_reader(viewer)
    source = Source.of_model(AuditEntry, "x", _conditions(where), {"user": (User, "u")})
    return await fetch(source, NEWEST_FIRST, win)


def _conditions(where: AuditFilter) -> Fragment:
    actions = list(where.actions)
    return all_of(
        (f"x.action IN ({marks(len(actions))})", actions) if actions else None,
        _when(where.object_type, "x.object_type = ?"),
        _when(where.object_id, "x.object_id = ?"),
        _when(where.user_id, "x.user_id = ?"),
        _when(utc(where.since) if where.since is not None else None, "x.at >= ?"),
        _when(utc(where.until) if where.until is not None else None, "x.at < ?"),
    )


def _when(value: object, sql: str) -> Fragment | None:
    """``sql`` with its one marker standing for ``value``; None when ``value`` is None."""
    return None if value is None else (sql, [value])
