"""cms.core.compat, section "asyncpg and tortoise connections": each hook against the installed
libraries. A failure here means an update changed what the hook leans on: fix the hook."""

from __future__ import annotations

import asyncio
from importlib.metadata import version

import aiosqlite
import asyncpg
import pytest
from tortoise.transactions import in_transaction

from cms.core import compat, db

TORTOISE = f"tortoise-orm {version('tortoise-orm')}"
ASYNCPG = f"asyncpg {version('asyncpg')}"


@pytest.mark.database("sqlite", reason="tortoise's SQLite client")
async def test_sqlite_connection(orm):
    client = db.connection()
    await client.execute_query("SELECT 1")
    found = compat.sqlite_connection(client)
    assert isinstance(found, aiosqlite.Connection), (
        f"{TORTOISE}: its SQLite client no longer keeps its connection in _connection ({found!r})"
    )


@pytest.mark.database("sqlite", reason="tortoise's SQLite client")
async def test_driver_connection(orm):
    client = db.connection()
    await client.execute_query("SELECT 1")
    async with compat.driver_connection(client) as connection:
        assert connection is compat.sqlite_connection(client), f"{TORTOISE}: acquire_connection"
    # Taken as tortoise takes it: after a transaction on it has ended.
    order: list[str] = []
    begun = asyncio.Event()

    async def transaction() -> None:
        async with in_transaction():
            begun.set()
            await asyncio.sleep(0.1)
            order.append("committed")

    writing = asyncio.create_task(transaction())
    await begun.wait()
    async with compat.driver_connection(client):
        order.append("taken")
    await writing
    assert order == ["committed", "taken"], f"{TORTOISE}: acquire_connection waits no more"


class Recording(compat.NoticeConnection):
    def noticed(self, message: str) -> None:
        self.heard = [*getattr(self, "heard", []), message]


@pytest.mark.database("postgres", reason="asyncpg")
async def test_notice_connection(settings):
    url = settings.database_url.replace("postgres://", "postgresql://", 1)
    raise_one = "DO $$ BEGIN RAISE NOTICE 'cms_test'; END $$"
    pool = await asyncpg.create_pool(url, min_size=1, max_size=1, connection_class=Recording)
    try:
        async with pool.acquire() as proxy:
            await proxy.execute(raise_one)
            # Heard when the statement returns, not later; and the pool takes it back without a
            # warning (pytest turns warnings into errors).
            assert getattr(proxy, "heard", None) == ["cms_test"], (
                f"{ASYNCPG}: Connection._process_log_message is no longer called with each notice"
            )
    finally:
        await pool.close()
