"""The process's one listener: one connection serves the content watch and the live events on
PostgreSQL, both catch up on what they missed when it is lost, and on SQLite both poll."""

from __future__ import annotations

import asyncio
import sqlite3
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from datetime import UTC, datetime
from typing import Any

import asyncpg
import pytest

from cms.core import clock
from cms.notify.content import Stamp
from cms.notify.content_watch import ContentWatch
from cms.notify.listener import APPLICATION_NAME, Listener, connect_args
from cms.notify.live import Broker, Event
from settings import Settings
from tests.factories import Factory

pytestmark = pytest.mark.database("sqlite", "postgres")

QUIET = 3600.0
"""A check period no test waits for: what is seen sooner was heard of, not checked."""


@asynccontextmanager
async def listening(
    settings: Settings, check_seconds: float = QUIET
) -> AsyncIterator[tuple[Listener, ContentWatch, Broker]]:
    """Both consumers on one listener, as the app has them (the ORM is up)."""
    watch = ContentWatch(settings.model_copy(update={"cache_check_seconds": check_seconds}))
    live = Broker(poll=0.1)
    async with Listener(settings, [watch, live]) as listener:
        yield listener, watch, live


async def until(
    condition: Callable[[], Awaitable[bool] | bool], what: str, seconds: float = 10
) -> None:
    deadline = time.monotonic() + seconds
    while True:
        result = condition()
        if isinstance(result, Awaitable):
            result = await result
        if result:
            return
        if time.monotonic() > deadline:
            raise AssertionError(f"not within {seconds} s: {what}")
        await asyncio.sleep(0.02)


def trusted(watch: ContentWatch) -> Stamp | None:
    return watch.current(clock.now())


EVENT = (
    "INSERT INTO outbox_event (uid, type, occurred_at, object_type, object_id, body) "
    "VALUES ({}, 'article.updated', {}, 'Article', 1, '{{}}')"
)


async def next_event(queue: asyncio.Queue[Event]) -> Event:
    return await asyncio.wait_for(queue.get(), 10)


@pytest.mark.database("postgres", reason="LISTEN/NOTIFY: SQLite has no listening connection")
async def test_one_connection_serves_both(orm, settings, monkeypatch):
    opened: list[dict[str, Any]] = []
    connect = asyncpg.connect

    async def counted(**kwargs: Any) -> Any:
        opened.append(kwargs)
        return await connect(**kwargs)

    await Factory(settings.media_root).article("Bài cũ")
    admin = await asyncpg.connect(pg(settings))
    monkeypatch.setattr(asyncpg, "connect", counted)
    try:
        async with listening(settings) as (_, watch, live), live.subscribe() as queue:
            await until(lambda: trusted(watch) is not None, "the watch to read the version")
            known = trusted(watch)
            assert known is not None
            # Another instance writes content and an event: both are heard, on one connection.
            await admin.execute("UPDATE article SET title = 'Đã sửa'")
            await until(lambda: _newer(watch, known), "the watch to hear the new version")
            await admin.execute(EVENT.format("'msg_1'", "now()"))
            assert (await next_event(queue)).type == "article.updated"
            assert len(opened) == 1
            assert opened[0]["server_settings"]["application_name"] == APPLICATION_NAME
            backends = await admin.fetchval(
                "SELECT count(*) FROM pg_stat_activity WHERE application_name = $1 "
                "AND datname = current_database()",
                APPLICATION_NAME,
            )
            assert backends == 1
    finally:
        await admin.close()


def _newer(watch: ContentWatch, known: Stamp) -> bool:
    stamp = trusted(watch)
    return stamp is not None and stamp.version > known.version


@pytest.mark.database("postgres", reason="LISTEN/NOTIFY: SQLite has no listening connection")
async def test_both_catch_up_after_the_connection_is_lost(orm, settings):
    await Factory(settings.media_root).article("Bài cũ")
    admin = await asyncpg.connect(pg(settings))
    lost: list[float] = []
    try:
        async with listening(settings) as (listener, watch, live), live.subscribe() as queue:
            watch._on_lost = lambda: lost.append(time.monotonic())
            await until(lambda: trusted(watch) is not None and live.listening.is_set(), "listening")
            before = trusted(watch)
            assert before is not None
            pid = await admin.fetchval(
                "SELECT pid FROM pg_stat_activity WHERE application_name = $1 "
                "AND datname = current_database()",
                APPLICATION_NAME,
            )
            assert await admin.fetchval("SELECT pg_terminate_backend($1)", pid)
            # The loss reaches both consumers at once: nothing is trusted, the cache is told.
            await until(lambda: bool(lost), "the loss to reach the watch")
            assert trusted(watch) is None
            assert not live.listening.is_set() or listener.listening  # (or listening again)
            # Written while nobody listens (or before the consumers read again): no
            # notification reaches the process, yet both catch up once it listens again.
            await admin.execute("UPDATE article SET title = 'Đã sửa'")
            await admin.execute(EVENT.format("'msg_missed'", "now()"))
            await until(lambda: _newer(watch, before), "the watch to read the missed version")
            event = await next_event(queue)
            assert event.type == "article.updated"
            assert await admin.fetchval("SELECT uid FROM outbox_event WHERE id = $1", event.id) == (
                "msg_missed"
            )
            assert listener.listening and live.listening.is_set()
    finally:
        await admin.close()


@pytest.mark.database("sqlite", reason="SQLite has no notifications: both consumers poll")
async def test_on_sqlite_both_poll(orm, settings):
    await Factory(settings.media_root).article("Bài cũ")
    path = settings.database_url.removeprefix("sqlite://")
    async with (
        listening(settings, check_seconds=0.2) as (listener, watch, live),
        live.subscribe() as queue,
    ):
        await until(lambda: trusted(watch) is not None, "the watch to read the version")
        before = trusted(watch)
        assert before is not None
        # Another process (the importer, say) writes content and an event.
        now = datetime.now(UTC).isoformat()
        await asyncio.to_thread(
            _write,
            path,
            "UPDATE article SET title = 'Đã sửa'",
            EVENT.format("'msg_other'", f"'{now}'"),
        )
        await until(lambda: _newer(watch, before), "the watch to read the new version")
        assert (await next_event(queue)).type == "article.updated"
        assert not listener.listening  # no connection of its own on SQLite


def _write(path: str, *statements: str) -> None:
    connection = sqlite3.connect(path)
    try:
        with connection:
            for sql in statements:
                connection.execute(sql)
    finally:
        connection.close()


def pg(settings: Settings) -> str:
    return settings.database_url.replace("postgres://", "postgresql://", 1)


def test_connect_arguments_are_read_as_the_orm_reads_the_url():
    args = connect_args("postgres://ed:pw@db.example.org:6543/news?schema=cms&ssl=require")
    assert args == {
        "host": "db.example.org",
        "port": 6543,
        "user": "ed",
        "password": "pw",
        "database": "news",
        "ssl": True,  # as tortoise reads ssl=require for the ORM's own connections
        "server_settings": {"application_name": APPLICATION_NAME, "search_path": "cms"},
    }
