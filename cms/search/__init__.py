"""Accent-insensitive search over articles. One backend per database, one base for all."""

from __future__ import annotations

from tortoise.backends.base.client import BaseDBAsyncClient

from cms.core.db import dialect
from cms.search.backend import SearchBackend
from cms.search.postgres import PostgresSearch
from cms.search.sqlite import SqliteSearch


def backend_for(db: BaseDBAsyncClient) -> SearchBackend:
    """The search backend of ``db``'s database (SQLite or PostgreSQL)."""
    return SqliteSearch(db) if dialect(db) == "sqlite" else PostgresSearch(db)


__all__ = ["PostgresSearch", "SearchBackend", "SqliteSearch", "backend_for"]
