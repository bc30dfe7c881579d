"""Trusted documents: GraphQL documents an operator registered, run by their SHA-256."""

from __future__ import annotations

from tortoise import fields
from tortoise.models import Model


class PersistedQuery(Model):
    """One registered document (``cms queries register``), kept as its exact text.

    Automatic persisted queries that clients register themselves are not kept here: they live in
    each process's memory (see :mod:`cms.web.graphql.persisted`), so no anonymous client can
    write to the database.
    """

    sha256 = fields.CharField(max_length=64, primary_key=True)
    """The SHA-256 of ``document`` (UTF-8), in lower-case hex: what clients send."""
    document = fields.TextField()
    source = fields.CharField(max_length=500, default="")
    """Where it was registered from (a file name), for ``cms queries list``."""
    created_at = fields.DatetimeField(auto_now_add=True)

    class Meta:
        table = "persisted_query"
        table_description = (
            "GraphQL documents registered by an operator (cms queries register), by the SHA-256 "
            "of their text: with CMS_PERSISTED_QUERIES_ONLY, the only ones anonymous clients run."
        )

    def __str__(self) -> str:
        return self.sha256
