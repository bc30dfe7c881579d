"""Telling the world: the outbox of content events, webhook endpoints and their deliveries,
leases between instances, and the per-article change log behind the change feed."""

from __future__ import annotations

from enum import StrEnum
from typing import TYPE_CHECKING

from tortoise import fields
from tortoise.models import Model

if TYPE_CHECKING:
    from cms.models.account import User


class DeliveryStatus(StrEnum):
    """Where one delivery of one event to one endpoint stands."""

    PENDING = "pending"
    SUCCEEDED = "succeeded"
    FAILED = "failed"


class OutboxEvent(Model):
    """One content event, written in the transaction of the change it tells of."""

    id = fields.BigIntField(primary_key=True)
    uid = fields.CharField(max_length=40, unique=True, description="The event's id (`msg_…`).")
    type = fields.CharField(max_length=40, description="`article.published`, ...")
    occurred_at = fields.DatetimeField()
    object_type = fields.CharField(max_length=20)
    object_id = fields.IntField()
    body = fields.TextField(description="The JSON payload every receiver gets, as sent.")

    class Meta:
        table = "outbox_event"
        table_description = "Content events, written with the change they tell of."


class Webhook(Model):
    """An endpoint that receives signed content events."""

    id = fields.IntField(primary_key=True)
    url = fields.CharField(max_length=2000)
    events: fields.Field[list[str]] = fields.JSONField(
        default=list, description="Event types it receives."
    )
    active = fields.BooleanField(default=True)
    secret = fields.CharField(max_length=100, description="`whsec_…`: signs every delivery.")
    disabled_reason = fields.CharField(max_length=300, default="")
    created_by: fields.ForeignKeyNullableRelation[User] = fields.ForeignKeyField(
        "cms.User", related_name=False, null=True, on_delete=fields.SET_NULL
    )
    created_by_id: int | None
    created_at = fields.DatetimeField(auto_now_add=True)
    updated_at = fields.DatetimeField(auto_now=True)

    class Meta:
        table = "webhook"
        table_description = "Endpoints that receive signed content events."


class WebhookDelivery(Model):
    """One event on its way to one endpoint: claimed, sent, retried with backoff, then done."""

    id = fields.BigIntField(primary_key=True)
    webhook: fields.ForeignKeyRelation[Webhook] = fields.ForeignKeyField(
        "cms.Webhook", related_name="deliveries", on_delete=fields.CASCADE
    )
    webhook_id: int
    event: fields.ForeignKeyRelation[OutboxEvent] = fields.ForeignKeyField(
        "cms.OutboxEvent", related_name=False, on_delete=fields.CASCADE
    )
    event_id: int
    status = fields.CharEnumField(DeliveryStatus, default=DeliveryStatus.PENDING)
    attempts = fields.IntField(default=0)
    next_attempt_at = fields.DatetimeField(null=True)
    claimed_until = fields.DatetimeField(null=True)
    last_status_code = fields.IntField(null=True)
    last_error = fields.CharField(max_length=500, default="")
    duration_ms = fields.IntField(null=True)
    created_at = fields.DatetimeField()
    finished_at = fields.DatetimeField(null=True)

    class Meta:
        table = "webhook_delivery"
        table_description = "Each event's delivery to each endpoint that wants it."
        unique_together = (("webhook", "event"),)
        indexes = (("status", "next_attempt_at"), ("webhook_id", "id"))


class Lease(Model):
    """Which instance does a job that only one may do at a time, until when."""

    name = fields.CharField(max_length=64, primary_key=True)
    owner = fields.CharField(max_length=64)
    expires_at = fields.DatetimeField()

    class Meta:
        table = "lease"
        table_description = "Jobs one instance at a time does (scheduled publication)."


class ArticleChange(Model):
    """Each article's latest change, in commit order: the change feed reads it.

    Kept up by database triggers (whatever writes), and kept after the article is deleted (so
    that apps learn of the removal).
    """

    article_id = fields.IntField(primary_key=True, generated=False)
    seq = fields.BigIntField(db_index=True)
    ever_public = fields.BooleanField(default=False)
    removed_at = fields.DatetimeField(
        null=True,
        description="When housekeeping first found the article deleted (tombstones only).",
    )

    class Meta:
        table = "article_change"
        table_description = "Each article's latest change (commit order), kept after deletion."
