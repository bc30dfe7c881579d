"""This process's own content writes on PostgreSQL, as the database tells the writing connection:
only sessions that asked are told, once per writing transaction, and a write counts once its
connection is back in the pool (the transaction's end), whatever the server's own settings."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

import asyncpg
import pytest
from tortoise.transactions import in_transaction

from cms.core import db
from cms.models import Article
from cms.notify import local_writes
from settings import Settings
from tests.factories import Factory

pytestmark = pytest.mark.database("postgres", reason="SQLite's own way is its temporary trigger")


def pg(url: str) -> str:
    return url.replace("postgres://", "postgresql://", 1)


async def notices(url: str, server_settings: dict[str, str], *statements: str) -> list[str]:
    """The notices a session with these settings is sent while it runs ``statements``."""
    connection = await asyncpg.connect(pg(url), server_settings=server_settings)
    heard: list[str] = []
    connection.add_log_listener(lambda _, message: heard.append(message.message))
    try:
        for sql in statements:
            await connection.execute(sql)
        await asyncio.sleep(0.05)  # (log listeners are called soon after)
    finally:
        await connection.close()
    return heard


async def test_the_database_tells_only_sessions_that_asked(orm, settings):
    await Factory(settings.media_root).article("Bài cũ")
    edit = "UPDATE article SET title = title || '.'"
    # psql, the importer, any other tool: nothing.
    assert await notices(settings.database_url, {}, edit) == []
    # The app's sessions: once per writing transaction, at its commit.
    twice = ("BEGIN", edit, edit, "COMMIT")
    told = await notices(settings.database_url, local_writes.SERVER_SETTINGS, *twice)
    assert told == [local_writes.NOTICE]
    assert await notices(settings.database_url, local_writes.SERVER_SETTINGS, "SELECT 1") == []


async def test_a_write_counts_once_its_transaction_has_ended(orm, settings):
    article = await Factory(settings.media_root).article("Bài cũ")
    marker = await local_writes.marker_for(db.connection())
    before = marker()
    assert isinstance(before, int)
    async with in_transaction():
        # Told at once (it raises the version itself), not committed yet.
        await db.execute("UPDATE content_state SET version = version + 1 WHERE id = 1")
        await Article.filter(id=article.id).update(title="Đang sửa")
        assert marker() == before
    assert marker() == before + 1  # one writing transaction, one count
    await Article.filter(id=article.id).update(title="Đã sửa")  # outside a transaction
    assert marker() == before + 2


async def test_a_connection_broken_before_it_is_back_counts(orm, settings):
    marker = await local_writes.marker_for(db.connection())
    before = marker()
    admin = await asyncpg.connect(pg(settings.database_url))
    try:
        with pytest.raises((asyncpg.PostgresError, asyncpg.InterfaceError, OSError)):
            async with in_transaction():
                await db.execute("UPDATE content_state SET version = version + 1 WHERE id = 1")
                [row] = await db.fetch("SELECT pg_backend_pid() AS pid")
                await admin.execute("SELECT pg_terminate_backend($1)", row["pid"])
                await db.fetch("SELECT 1")
    finally:
        await admin.close()
    assert marker() not in (None, before)


async def test_a_server_configured_quieter_still_tells(empty_database_url, tmp_path: Path):
    name = empty_database_url.rsplit("/", 1)[1]
    settings = Settings(_env_file=None, database_url=empty_database_url, media_root=tmp_path)
    await db.migrate(settings)
    admin = await asyncpg.connect(pg(empty_database_url))
    try:
        await admin.execute(f'ALTER DATABASE "{name}" SET client_min_messages = warning')
    finally:
        await admin.close()
    async with db.connected(settings, local_writes.counting):
        marker = await local_writes.marker_for(db.connection())
        before = marker()
        await Factory(tmp_path).author("Phóng viên")
        assert marker() not in (None, before)


async def test_an_orm_that_does_not_count_says_it_cannot_tell(settings):
    async with db.connected(settings):  # as the command line opens it
        marker = await local_writes.marker_for(db.connection())
        assert marker() is None


def test_counting_keeps_the_settings_it_is_given():
    config: dict[str, Any] = {
        "connections": {
            "default": {
                "engine": "tortoise.backends.asyncpg",
                "credentials": {"server_settings": {"jit": "off", "client_min_messages": "error"}},
            }
        }
    }
    credentials = local_writes.counting(config)["connections"]["default"]["credentials"]
    assert credentials["server_settings"] == {"jit": "off", **local_writes.SERVER_SETTINGS}
    assert credentials["connection_class"] is local_writes.CountingConnection
