"""The audit log: who did what to which object, and when."""

from __future__ import annotations

from typing import TYPE_CHECKING

from tortoise import fields
from tortoise.models import Model

if TYPE_CHECKING:
    from cms.models.account import User


class AuditEntry(Model):
    """One action, written in the same transaction as the change it records."""

    id = fields.IntField(primary_key=True)
    at = fields.DatetimeField(auto_now_add=True)
    user: fields.ForeignKeyNullableRelation[User] = fields.ForeignKeyField(
        "cms.User", related_name=False, null=True, on_delete=fields.SET_NULL
    )
    user_id: int | None
    actor = fields.CharField(max_length=300, description="Who, as they were then.")
    action = fields.CharField(max_length=32)
    object_type = fields.CharField(max_length=32)
    object_id = fields.IntField(null=True)
    summary = fields.CharField(max_length=500, default="")
    locale = fields.CharField(
        max_length=35, null=True, description="The locale of the article it is about (null: none)."
    )

    class Meta:
        table = "audit_log"
        indexes = (("at", "id"), ("object_type", "object_id"))
