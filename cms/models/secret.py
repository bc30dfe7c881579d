"""Secrets every instance of the CMS shares, kept in the database they share."""

from __future__ import annotations

from tortoise import fields
from tortoise.models import Model


class InstanceSecret(Model):
    """One named secret, made once (by a migration) and read by every instance at start-up."""

    name = fields.CharField(max_length=64, primary_key=True)
    value = fields.CharField(max_length=200)
    created_at = fields.DatetimeField(auto_now_add=True)

    class Meta:
        table = "instance_secret"
        table_description = (
            "Secrets shared by every instance (the key that signs rendition URLs, unless "
            "CMS_SECRET_KEY sets one). Never shown through the API."
        )

    def __str__(self) -> str:
        return self.name
