"""A scheduled article's ``article.published``: once when its time comes, whether two instances
race for it or everything was down when the time passed."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
from standardwebhooks.webhooks import Webhook as Verifier

from cms.articles import publishing
from cms.core import clock
from cms.models import Article, ArticleStatus, Lease, Role
from schema.types.node import pk_of
from settings import Settings
from tests.editing.helpers import FakeClock, created, mutate, post
from tests.notify.conftest import token
from tests.notify.helpers import (
    Receiver,
    create_webhook,
    deliveries,
    instance,
    outbox,
    read,
    running,
)

pytestmark = pytest.mark.database("sqlite", "postgres")

FEED = "query ($since: String) { changes(since: $since) { changes { kind id } cursor hasMore } }"


async def schedule(client: httpx.AsyncClient, editor: str, at: datetime) -> dict[str, Any]:
    """A new article, scheduled for ``at``."""
    draft = await created(client, editor, "Hẹn giờ đăng")
    input = {"id": draft["id"], "version": draft["version"], "at": at.isoformat()}
    answer = await mutate(client, "articlePublish", input, editor)
    assert answer["article"]["status"] == "SCHEDULED", answer
    article: dict[str, Any] = answer["article"]
    return article


async def rounds(fake_clock: FakeClock) -> None:
    """Move the clock a second on and give the app's loops (one round a second) time for two
    rounds at it. Rounds with nothing due write nothing, so there is nothing to wait for but
    time; the assertions that follow hold whenever the rounds run."""
    fake_clock.advance(seconds=1)
    await asyncio.sleep(2.5)


async def test_once_after_a_restart_that_skipped_its_time(
    settings: Settings, receiver: Receiver, fake_clock: FakeClock
):
    async with running(settings) as client:
        admin = await token(Role.ADMIN, "admin@example.org")
        editor = await token(Role.EDITOR, "editor@example.org")
        secret = (await create_webhook(client, admin, receiver.url()))["secret"]
        article = await schedule(client, editor, fake_clock.now() + timedelta(hours=1))
        await rounds(fake_clock)
        assert await outbox() == []
        assert await Lease.all().count() == 0  # rounds with nothing due write nothing

    fake_clock.advance(hours=3)  # everything was down when its time came

    async with running(settings) as client:
        [got] = await receiver.wait_for(1)
        payload = Verifier(secret).verify(got.body, got.headers)
        assert payload["type"] == "article.published"
        assert payload["data"]["id"] == article["id"]
        assert payload["data"]["version"] == article["version"]
        assert await Lease.get_or_none(name=publishing.LEASE)  # the loop announced it
        await rounds(fake_clock)
        [delivery] = await deliveries(client, admin)
        assert (delivery["status"], delivery["attempts"]) == ("SUCCEEDED", 1)

    async with running(settings) as client:  # and again: nothing more is due
        await rounds(fake_clock)
        feed = (await post(client, FEED, {"since": None}))["data"]["changes"]
        assert feed["changes"] == [{"kind": "UPSERT", "id": article["id"]}]

    n = pk_of(article["id"], "Article", "id")
    assert len(receiver.requests) == 1
    async with running(settings):
        assert await outbox() == [("article.published", "Article", n)]
        assert (await Article.get(id=n)).status is ArticleStatus.PUBLISHED
        assert await publishing.publish_due(clock.now()) == 0


@pytest.mark.database(
    "postgres",
    reason="several instances share one PostgreSQL in production; a SQLite file serves one "
    "instance (its single writer is no place for two)",
)
async def test_once_with_two_instances_running_their_jobs(
    settings: Settings, receiver: Receiver, orm: None, tmp_path: Path
):
    """Two processes, each with its background loops, on one database; when the clock passes
    the article's time, both loops and anonymous readers of the change feed on both instances
    (who announce due articles themselves, without the lease) race to announce it."""
    clock_file = tmp_path / "clock-offset"
    clock_file.write_text("0")
    admin = await token(Role.ADMIN, "admin@example.org")
    editor = await token(Role.EDITOR, "editor@example.org")
    logs = [tmp_path / "a.log", tmp_path / "b.log"]

    async with (
        instance(settings, clock_file, logs[0]) as a,
        instance(settings, clock_file, logs[1]) as b,
        httpx.AsyncClient(base_url=a, timeout=30) as on_a,
        httpx.AsyncClient(base_url=b, timeout=30) as on_b,
    ):
        secret = (await create_webhook(on_a, admin, receiver.url()))["secret"]
        article = await schedule(on_b, editor, datetime.now(UTC) + timedelta(hours=1))
        await asyncio.sleep(1.5)  # both loops have run before its time: nothing to announce
        assert await outbox() == []

        clock_file.write_text(str(3600 + 2))  # both instances' clocks pass its time
        feeds = await asyncio.gather(*(post(c, FEED, {"since": None}) for c in [on_a, on_b] * 6))
        for feed in feeds:
            assert feed["data"]["changes"]["changes"] == [{"kind": "UPSERT", "id": article["id"]}]

        [got] = await receiver.wait_for(1)
        await asyncio.sleep(3)  # a few more rounds of both instances' loops
        assert len(receiver.requests) == 1
        payload = Verifier(secret).verify(got.body, got.headers)
        assert (payload["type"], payload["data"]["id"]) == ("article.published", article["id"])
        [delivery] = await deliveries(on_b, admin)
        assert (delivery["status"], delivery["attempts"]) == ("SUCCEEDED", 1)
        assert delivery["eventId"] == got.headers["webhook-id"]

    assert await outbox() == [
        ("article.published", "Article", pk_of(article["id"], "Article", "id"))
    ]
    for log in logs:
        text = await read(log)
        assert "Traceback" not in text and "ERROR" not in text, text


async def test_the_feed_and_writes_announce_due_articles_before_their_own_events(
    client, editor, fake_clock: FakeClock
):
    """A write that finds a scheduled article due announces it first, so that its
    ``article.published`` comes before the write's own ``article.updated``."""
    article = await schedule(client, editor, fake_clock.now() + timedelta(minutes=5))
    fake_clock.advance(minutes=10)
    input = {"id": article["id"], "version": article["version"], "title": "Sửa sau giờ đăng"}
    answer = await mutate(client, "articleUpdate", input, editor)
    assert answer["__typename"] == "ArticleUpdateSuccess", answer
    n = pk_of(article["id"], "Article", "id")
    events = await outbox()
    assert events == [("article.published", "Article", n), ("article.updated", "Article", n)]
