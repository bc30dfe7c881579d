"""Something that happened and that articles report on: a conference, a festival, a session."""

from __future__ import annotations

from tortoise import fields
from tortoise.models import Model


class Event(Model):
    """An event with its time, place, organiser, host and participants."""

    id = fields.IntField(primary_key=True)
    name = fields.CharField(max_length=500)
    slug = fields.CharField(max_length=160, unique=True)
    description = fields.TextField(default="")
    starts_at = fields.DatetimeField(db_index=True)
    ends_at = fields.DatetimeField(null=True)
    location = fields.CharField(max_length=500, default="")
    organizer = fields.CharField(max_length=500, default="")
    host = fields.CharField(max_length=500, default="", description="Who chaired or hosted it.")
    translations: fields.Field[dict[str, dict[str, str]] | None] = fields.JSONField(
        null=True,
        description="Its name, description, location, organizer and host in the locales other "
        "than the default: {locale: {field: text}} (null: none).",
    )
    participants: fields.Field[list[str]] = fields.JSONField(
        default=list, description="Names of attending agencies and people, in order."
    )
    created_at = fields.DatetimeField(auto_now_add=True)
    updated_at = fields.DatetimeField(auto_now=True)

    class Meta:
        table = "event"

    def __str__(self) -> str:
        return self.name
