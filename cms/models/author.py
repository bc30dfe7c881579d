"""A person who writes for the publication."""

from __future__ import annotations

from typing import TYPE_CHECKING

from tortoise import fields
from tortoise.models import Model

if TYPE_CHECKING:
    from cms.models.image import Image


class Author(Model):
    """A writer or photographer credited in bylines."""

    id = fields.IntField(primary_key=True)
    name = fields.CharField(max_length=200)
    slug = fields.CharField(max_length=160, unique=True)
    bio = fields.TextField(default="")
    email = fields.CharField(
        max_length=254, null=True, description="Private: never shown to anonymous clients."
    )
    avatar: fields.ForeignKeyNullableRelation[Image] = fields.ForeignKeyField(
        "cms.Image", related_name=False, null=True, on_delete=fields.SET_NULL
    )
    avatar_id: int | None
    created_at = fields.DatetimeField(auto_now_add=True)
    updated_at = fields.DatetimeField(auto_now=True)

    class Meta:
        table = "author"

    def __str__(self) -> str:
        return self.name
