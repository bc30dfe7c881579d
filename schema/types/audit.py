"""The audit log as admins read it: ``auditLog(first, after, filter)`` and its ``AuditEntry``."""

from __future__ import annotations

from datetime import datetime

import strawberry

from cms import models
from cms.accounts import audit
from cms.core.errors import InvalidInput
from cms.core.viewer import Viewer
from schema.inputs import aware
from schema.types.node import from_global_id, pk_of, to_global_id
from schema.types.user import User

_ACTIONS = ", ".join(f"`{action.value}`" for action in audit.Action)


@strawberry.type(description="One action in the audit log: who did what to which object, and when.")
class AuditEntry:
    id: strawberry.ID = strawberry.field(description="Opaque ID of the entry.")
    at: datetime = strawberry.field(description="When it was done.")
    actor: str = strawberry.field(
        description="Who, as they were then: a user's email, `token:<name>` for an API token, "
        "or the email that was tried (a failed sign-in)."
    )
    action: str = strawberry.field(description=f"What was done: one of {_ACTIONS}.")
    object_type: str = strawberry.field(
        description="The kind of object it was done to, e.g. `Article`, `Author`, `User`."
    )
    object_id: strawberry.ID | None = strawberry.field(
        description="The object's ID (as `node(id:)` takes it for content); null if none. It "
        "may name an object that has since been deleted."
    )
    summary: str = strawberry.field(
        description="A short description, e.g. `Changed name, bio of Bích Liên`."
    )
    locale: str | None = strawberry.field(
        description="The locale of the article it was done to (`vi`, `en`); null when it was "
        "not done to an article."
    )
    user: User | None = strawberry.field(
        description="The signed-in user who did it; null for an API token, anonymous "
        "attempts, and deleted users."
    )

    @classmethod
    def from_model(cls, entry: models.AuditEntry, viewer: Viewer) -> AuditEntry:
        """The entry (read with its user) as ``viewer`` sees it."""
        object_id = entry.object_id
        return cls(
            id=to_global_id("AuditEntry", entry.id),
            at=entry.at,
            actor=entry.actor,
            action=entry.action,
            object_type=entry.object_type,
            object_id=to_global_id(entry.object_type, object_id) if object_id else None,
            summary=entry.summary,
            locale=entry.locale,
            user=User.from_model(entry.user, viewer) if entry.user is not None else None,
        )


@strawberry.input(
    description="Narrows `auditLog`: every condition given must hold. Date-times need an offset."
)
class AuditLogFilter:
    actions: list[str] | None = strawberry.field(
        default=None, description=f"Only these actions, any of {_ACTIONS}."
    )
    object_type: str | None = strawberry.field(
        default=None, description="Only actions on this kind of object, e.g. `Author`."
    )
    object_id: strawberry.ID | None = strawberry.field(
        default=None, description="Only actions on this object (an ID, e.g. an Author's)."
    )
    user_id: strawberry.ID | None = strawberry.field(
        default=None, description="Only actions by this user (a User ID)."
    )
    since: datetime | None = strawberry.field(
        default=None, description="Done at or after this time, e.g. `2024-03-01T00:00:00+07:00`."
    )
    until: datetime | None = strawberry.field(
        default=None, description="Done strictly before this time."
    )

    def to_service(self) -> audit.AuditFilter:
        """The filter as the audit service takes it (IDs checked, date-times with offsets)."""
        object_type, object_id = self.object_type, None
        if self.object_id is not None:
            named, object_id = from_global_id(self.object_id, "objectId")
            if object_type not in {None, named}:
                raise InvalidInput(
                    f"`objectId` names a {named}, not a {object_type}.", field="objectId"
                )
            object_type = named
        return audit.AuditFilter(
            actions=tuple(self.actions or ()),
            object_type=object_type,
            object_id=object_id,
            user_id=pk_of(self.user_id, "User", "userId") if self.user_id is not None else None,
            since=aware(self.since, "since"),
            until=aware(self.until, "until"),
        )
