"""A stored image file and its editorial defaults."""

from __future__ import annotations

from tortoise import fields
from tortoise.models import Model


class Image(Model):
    """One image file in the media store. Identical bytes are stored once (``content_hash``)."""

    id = fields.IntField(primary_key=True)
    store_key = fields.CharField(max_length=255, description="Key of the file in the media store.")
    filename = fields.CharField(max_length=255, description="Original file name, as uploaded.")
    mime_type = fields.CharField(max_length=64)
    size = fields.BigIntField(description="File size in bytes.")
    width = fields.IntField()
    height = fields.IntField()
    content_hash = fields.CharField(max_length=64, unique=True, description="SHA-256, hex.")
    alt = fields.TextField(default="", description="Default alternative text.")
    caption = fields.TextField(default="", description="Default caption, a fallback only.")
    credit = fields.CharField(max_length=255, default="")
    translations: fields.Field[dict[str, dict[str, str]] | None] = fields.JSONField(
        null=True,
        description="Its default alt, caption and credit in the locales other than the default: "
        "{locale: {field: text}} (null: none).",
    )
    placeholder = fields.CharField(
        max_length=100,
        null=True,
        description="BlurHash of the picture, painted while the file loads (null until computed).",
    )
    dominant_color = fields.CharField(
        max_length=7,
        null=True,
        description="The picture's main colour, #rrggbb (null until computed).",
    )
    focal_x = fields.FloatField(
        default=0.5, description="Horizontal centre of interest, 0 (left) to 1 (right)."
    )
    focal_y = fields.FloatField(
        default=0.5, description="Vertical centre of interest, 0 (top) to 1 (bottom)."
    )
    created_at = fields.DatetimeField(auto_now_add=True)
    updated_at = fields.DatetimeField(auto_now=True)

    class Meta:
        table = "image"

    def __str__(self) -> str:
        return self.filename
