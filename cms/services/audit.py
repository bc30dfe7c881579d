"""The audit log: every write records who did what to which object, in the same transaction."""

from __future__ import annotations

from enum import StrEnum

from cms.models import AuditEntry
from cms.services.visibility import Viewer


class Action(StrEnum):
    """What was done."""

    CREATE = "create"
    UPDATE = "update"
    DELETE = "delete"
    PUBLISH = "publish"
    UNPUBLISH = "unpublish"
    ARCHIVE = "archive"
    RESTORE = "restore"
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
) -> None:
    """Write one entry (call inside the transaction of the change it records).

    ``actor`` overrides who it was (a failed login names the email tried, not "anonymous").
    """
    await AuditEntry.create(
        user_id=viewer.user_id,
        actor=(actor or viewer.label)[:300],
        action=action.value,
        object_type=object_type,
        object_id=object_id,
        summary=summary[:500],
    )
