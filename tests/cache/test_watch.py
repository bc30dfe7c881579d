"""The warm path: answers from memory cost no statement, and are never staler than the bounds the
README states (this process's writes at once; another instance's on PostgreSQL as soon as its
notification arrives; another process's on SQLite within ``cache_check_seconds``)."""

from __future__ import annotations

import shutil
from datetime import UTC, datetime, timedelta
from functools import partial

import asyncpg
import httpx
import pytest
from tortoise.transactions import in_transaction

from cms.core import clock, db
from cms.models import Article, ArticleStatus, Role
from cms.notify import local_writes
from cms.notify.listener import APPLICATION_NAME
from settings import Settings
from tests.cache.conftest import (
    DEMO_ARTICLE,
    app_client,
    ask,
    run_cms,
    served,
    titles,
    until,
    warm,
)
from tests.editing.helpers import published
from tests.factories import Factory

pytestmark = pytest.mark.database("sqlite", "postgres")

QUIET = 3600.0
"""A check period no test waits for: what is seen sooner was heard of, not checked."""


def pg_url(settings: Settings) -> str:
    return settings.database_url.replace("postgres://", "postgresql://", 1)


async def test_hits_cost_no_statement_and_local_writes_count_at_once(settings, count_queries):
    async with app_client(settings, cache_check_seconds=QUIET) as client:
        factory = Factory(settings.media_root)
        await factory.article("Bài cũ")
        await warm(client)
        count_queries.reset()
        for _ in range(5):
            assert (await ask(client)).headers["x-cms-cache"] == "hit"
        assert count_queries.statements == []
        await factory.article("Bài mới", datetime(2025, 1, 1, tzinfo=UTC))  # outside HTTP
        fresh = await ask(client)
        assert fresh.headers["x-cms-cache"] == "miss"
        assert titles(fresh) == ["Bài mới", "Bài cũ"]


async def test_another_process_write_is_seen_within_the_bound(database, settings, tmp_path):
    # On PostgreSQL nothing is checked in time: only the notification can tell this process.
    bound = 1.0 if database == "sqlite" else QUIET
    async with app_client(settings, cache_check_seconds=bound) as client:
        await Factory(settings.media_root).article("Bài cũ")
        assert titles(await warm(client)) == ["Bài cũ"]
        shutil.copy(DEMO_ARTICLE, tmp_path / "hoi-nghi.txt")
        await run_cms(settings, "import", str(tmp_path / "hoi-nghi.txt"), "--placeholder-images")

        async def seen() -> bool:
            return len(titles(await ask(client))) == 2

        waited = await until(seen, 5, "the imported article in the feed")
    # The write was committed before the importer exited: at most the bound (and the time one
    # check takes) after it, the feed shows it.
    assert waited < (1.5 if database == "sqlite" else 1.0), waited


async def test_scheduled_publication_appears_on_time(settings, monkeypatch, count_queries):
    now = datetime.now(UTC).replace(microsecond=0)
    monkeypatch.setattr(clock, "now", lambda: now)
    async with app_client(settings, cache_check_seconds=QUIET) as client:
        factory = Factory(settings.media_root)
        await factory.article("Đã đăng", now - timedelta(hours=1))
        soon = now + timedelta(minutes=5)
        await factory.article("Sắp đăng", soon, status=ArticleStatus.SCHEDULED)
        await warm(client)
        monkeypatch.setattr(clock, "now", lambda: soon - timedelta(seconds=1))
        count_queries.reset()
        early = await ask(client)
        assert titles(early) == ["Đã đăng"]
        assert early.headers["x-cms-cache"] == "hit" and count_queries.statements == []
        monkeypatch.setattr(clock, "now", lambda: soon)  # its time has come
        assert titles(await ask(client)) == ["Sắp đăng", "Đã đăng"]


async def test_only_content_writes_move_the_marker(orm, settings):
    marker = await local_writes.marker_for(db.connection())
    before = marker()
    assert before is not None
    await Factory(settings.media_root).token(Role.EDITOR)  # a user and a token: not content
    await db.execute("UPDATE article SET title = ? WHERE id = ?", ["Không có", -1])  # no row
    assert marker() == before
    article = await Factory(settings.media_root).article("Bài mới")
    after = marker()
    assert after is not None and after != before
    async with in_transaction():
        await Article.filter(id=article.id).update(title="Đang sửa")
        # SQLite cannot tell yet (the write waits for its commit); PostgreSQL counts at the end.
        assert marker() in (None, after)
    changed = marker()
    assert changed not in (None, after)
    await db.execute("UPDATE content_state SET version = version + 1 WHERE id = 1")
    assert marker() not in (None, changed)  # the version raised by hand counts too


@pytest.mark.database("postgres", reason="LISTEN/NOTIFY: SQLite has no listening connection")
async def test_a_lost_listener_never_serves_stale_answers(settings):
    other = "{ articles(first: 1) { totalCount } }"
    async with app_client(settings, cache_check_seconds=QUIET) as client:
        await Factory(settings.media_root).article("Bài cũ")
        admin = await asyncpg.connect(pg_url(settings))
        try:
            await warm(client)
            await warm(client, other)
            await cut(admin, await until_listening(admin))
            # Nothing changed, but once the loss reaches the app (the connection's end, a moment
            # after the backend's), what was kept is dropped: every answer is read again.
            await until(partial(dropped, client, other), 5, "what was kept to be dropped")
            # Written by "another instance" while nobody listens (or before the watch, listening
            # again, has read the version): no notification reaches the app, yet it is seen.
            await admin.execute("UPDATE article SET title = 'Đã sửa'")
            assert titles(await ask(client)) == ["Đã sửa"]

            await until_listening(admin)  # listening again: notifications count again
            await warm(client)
            await admin.execute("UPDATE article SET title = 'Sửa lần hai'")
            await until(partial(shows, client, "Sửa lần hai"), 5, "the change, by its notification")
        finally:
            await admin.close()


@pytest.mark.database("postgres", reason="LISTEN/NOTIFY between instances: PostgreSQL only")
async def test_two_app_instances_hear_each_others_writes(settings, tmp_path):
    quiet = {"CMS_CACHE_CHECK_SECONDS": str(QUIET)}
    async with (
        app_client(settings, cache_check_seconds=QUIET) as here,
        served(settings, tmp_path, **quiet) as there,
    ):
        factory = Factory(settings.media_root)
        await factory.article("Bài cũ")
        editor = await factory.token(Role.EDITOR)
        for client in (here, there):
            assert titles(await warm(client)) == ["Bài cũ"]
        for writer, reader, title in ((there, here, "Từ tiến trình kia"), (here, there, "Từ đây")):
            await published(writer, editor, title)
            what = f"{title!r} on the other instance, by its notification"
            await until(partial(shows, reader, title), 5, what)


async def dropped(client: httpx.AsyncClient, query: str) -> bool:
    return (await ask(client, query)).headers["x-cms-cache"] == "miss"


async def shows(client: httpx.AsyncClient, title: str) -> bool:
    return title in titles(await ask(client))


async def until_listening(admin: asyncpg.Connection) -> int:
    """The backend pid of the app's listening connection, once it listens and has read the
    version (its last statement is then the stamp's)."""
    found: list[int] = []

    async def listening() -> bool:
        pid = await admin.fetchval(
            "SELECT pid FROM pg_stat_activity WHERE application_name = $1 "
            "AND datname = current_database() AND query LIKE 'SELECT (SELECT version%'",
            APPLICATION_NAME,
        )
        found[:] = [pid] if pid else []
        return bool(pid)

    await until(listening, 10, "the content watch to listen")
    return found[0]


async def cut(admin: asyncpg.Connection, pid: int) -> None:
    """End the listening connection from the server's side, and wait until it is gone."""
    assert await admin.fetchval("SELECT pg_terminate_backend($1)", pid)

    async def gone() -> bool:
        return not await admin.fetchval("SELECT count(*) FROM pg_stat_activity WHERE pid = $1", pid)

    await until(gone, 10, "the listening connection's backend to end")
