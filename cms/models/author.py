"""A person who writes for the publication."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from tortoise import fields
from tortoise.models import Model

from cms.text import sort_key

if TYPE_CHECKING:
    from cms.models.image import Image


class Author(Model):
    """A writer or photographer credited in bylines."""

    id = fields.IntField(primary_key=True)
    name = fields.CharField(max_length=200)
    name_sort = fields.CharField(
        max_length=255,
        default="",
        db_default="",
        description="Vietnamese alphabetical sort key of the name.",
    )
    slug = fields.CharField(max_length=160, unique=True)
    bio = fields.TextField(default="")
    translations: fields.Field[dict[str, dict[str, str]] | None] = fields.JSONField(
        null=True,
        description="Its bio in the locales other than the default: "
        "{locale: {field: text}} (null: none).",
    )
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
        indexes = (("name_sort", "id"),)

    async def save(self, *args: Any, **kwargs: Any) -> None:
        """Save, keeping the sort key in step with the name."""
        self.name_sort = sort_key(self.name)
        update_fields = kwargs.get("update_fields")
        if update_fields is not None:
            kwargs["update_fields"] = {*update_fields, "name_sort"}
        await super().save(*args, **kwargs)

    def __str__(self) -> str:
        return self.name
