"""Housekeeping: what ``prune`` removes (old deliveries, events, throttles, tokens, tombstones,
orphan renditions), what it keeps, in small batches; the change feed's horizon; the background
job under its lease; ``cms prune`` as cron runs it; S3 renditions on the test server."""

from __future__ import annotations

import asyncio
import hashlib
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
from prometheus_client import REGISTRY

from cms.accounts.throttle import Policy
from cms.articles import publishing
from cms.core import clock, db
from cms.media.renditions import renditions_prefix
from cms.media.storage import LocalMediaStore, MediaStore, store_from_settings
from cms.models import (
    Article,
    ArticleChange,
    DeliveryStatus,
    LoginThrottle,
    OutboxEvent,
    Token,
    TokenKind,
    Webhook,
    WebhookDelivery,
)
from cms.ops import housekeeping
from cms.ops.housekeeping import Housekeeper, Pruned, prune
from settings import Settings
from tests.cli.test_cli import cms_env, run_cms
from tests.editing.helpers import post
from tests.factories import Factory, jpeg
from tests.s3 import S3Server, s3_server_fixture  # noqa: F401 (a fixture)

pytestmark = pytest.mark.database("sqlite", "postgres")

NOW = datetime.now(UTC)
DAY = timedelta(days=1)


async def _event(uid: str, age: timedelta) -> OutboxEvent:
    return await OutboxEvent.create(
        uid=uid,
        type="article.published",
        occurred_at=NOW - age,
        object_type="Article",
        object_id=1,
        body="{}",
    )


async def _delivery(hook: Webhook, event: OutboxEvent, status: DeliveryStatus) -> None:
    finished = None if status is DeliveryStatus.PENDING else event.occurred_at
    await WebhookDelivery.create(
        webhook=hook, event=event, status=status, created_at=event.occurred_at, finished_at=finished
    )


async def _seed(settings: Settings, store: MediaStore, factory: Factory) -> dict[str, Any]:
    """Rows and files of every kind, some due for pruning, some not; what must survive."""
    hook = await Webhook.create(url="https://example.org/hook", secret="whsec_x")
    delivered_old = await _event("msg_delivered_old", 40 * DAY)
    await _delivery(hook, delivered_old, DeliveryStatus.SUCCEEDED)
    delivered_young = await _event("msg_delivered_young", 1 * DAY)
    await _delivery(hook, delivered_young, DeliveryStatus.SUCCEEDED)
    failed_mid = await _event("msg_failed_mid", 40 * DAY)  # failed: kept 90 days
    await _delivery(hook, failed_mid, DeliveryStatus.FAILED)
    failed_old = await _event("msg_failed_old", 100 * DAY)
    await _delivery(hook, failed_old, DeliveryStatus.FAILED)
    pending_old = await _event("msg_pending_old", 40 * DAY)  # still being tried: kept
    await _delivery(hook, pending_old, DeliveryStatus.PENDING)
    for n in range(3):  # no endpoint wanted these: they go after the retention alone
        await _event(f"msg_unwanted_{n}", 31 * DAY)
    await _event("msg_unwanted_young", 29 * DAY)

    forget = Policy.of(settings).forget_after
    for n in range(3):
        await LoginThrottle.create(
            key=f"email:old{n}", failures=3, last_failure_at=NOW - forget - timedelta(seconds=1)
        )
    await LoginThrottle.create(key="email:young", failures=3, last_failure_at=NOW)

    ended = NOW - 31 * DAY
    await Token.create(kind=TokenKind.SESSION, hash="a" * 64, expires_at=ended)
    await Token.create(kind=TokenKind.SESSION, hash="b" * 64, revoked_at=ended)
    await Token.create(kind=TokenKind.SESSION, hash="c" * 64, expires_at=NOW - DAY)
    await Token.create(kind=TokenKind.API, hash="d" * 64)

    kept = await factory.article("Bài còn lại", cover=True)
    gone = await factory.article("Bài bị xoá")
    await gone.delete()

    image = await factory.image()
    await store.put(f"{renditions_prefix(image.content_hash)}/64x48.webp", jpeg())
    orphan = hashlib.sha256(b"an image deleted long ago").hexdigest()
    for name in ("64x48.webp", "32x24.jpg", "16x12.png"):
        await store.put(f"{renditions_prefix(orphan)}/{name}", jpeg())
    return {"kept": kept, "gone": gone, "image": image, "orphan": orphan}


async def _left() -> dict[str, set[str]]:
    return {
        "events": set(await OutboxEvent.all().values_list("uid", flat=True)),  # type: ignore[arg-type]
        "throttles": set(await LoginThrottle.all().values_list("key", flat=True)),  # type: ignore[arg-type]
        "tokens": {str(h)[0] for h in await Token.all().values_list("hash", flat=True)},
        "deliveries": {
            str(uid) for uid in await WebhookDelivery.all().values_list("event__uid", flat=True)
        },
    }


async def test_prune_takes_what_is_due_and_keeps_the_rest(
    settings: Settings, orm: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(housekeeping, "BATCH", 2)  # several batches of each kind
    factory = Factory(settings.media_root)
    store = factory.store
    seeded = await _seed(settings, store, factory)
    before = await _left()

    # The first round dates the tombstone; a dry run counts and changes nothing.
    first = await prune(settings, store, NOW)
    assert first == Pruned(
        deliveries=2, events=5, throttles=3, tokens=2, tombstones=0, renditions=3
    ), first
    tombstone = await ArticleChange.get(article_id=seeded["gone"].id)
    assert tombstone.removed_at is not None

    left = await _left()
    assert left["events"] == before["events"] - {
        "msg_delivered_old",
        "msg_failed_old",
        "msg_unwanted_0",
        "msg_unwanted_1",
        "msg_unwanted_2",
    }
    assert left["deliveries"] == {
        "msg_delivered_young",
        "msg_failed_mid",
        "msg_pending_old",
    }
    assert left["throttles"] == {"email:young"}
    assert left["tokens"] == {"c", "d"}
    image = seeded["image"]
    assert [k async for k in store.keys(renditions_prefix(image.content_hash))]
    assert not [k async for k in store.keys(renditions_prefix(seeded["orphan"]))]
    assert await store.exists(image.store_key)

    later = NOW + 91 * DAY
    counted = await prune(settings, store, later, dry_run=True)
    assert counted.tombstones == 1
    assert await ArticleChange.filter(article_id=seeded["gone"].id).exists()
    pruned = await prune(settings, store, later)
    assert pruned.tombstones == 1 and pruned == counted, (pruned, counted)
    assert not await ArticleChange.filter(article_id=seeded["gone"].id).exists()
    assert await ArticleChange.filter(article_id=seeded["kept"].id).exists()
    horizon = await db.fetch("SELECT changes_horizon FROM content_state WHERE id = 1")
    assert int(horizon[0]["changes_horizon"]) == tombstone.seq

    assert (await prune(settings, store, later)).total == 0  # nothing left to do
    assert await Article.filter(id=seeded["kept"].id).exists()  # articles are never touched


async def test_a_dry_run_deletes_nothing(settings: Settings, orm: None) -> None:
    factory = Factory(settings.media_root)
    await _seed(settings, factory.store, factory)
    before = await _left()
    counted = await prune(settings, factory.store, NOW, dry_run=True)
    assert counted.deliveries == 2 and counted.events == 5 and counted.renditions == 3
    assert await _left() == before
    assert await prune(settings, factory.store, NOW) == counted


FEED = "query ($since: String) { changes(since: $since, first: 100) { cursor changes { id } } }"


async def test_an_older_cursor_than_the_feed_remembers_is_expired(
    settings: Settings, client: httpx.AsyncClient
) -> None:
    factory = Factory(settings.media_root)
    doomed = await factory.article("Bài sẽ bị xoá")
    await factory.article("Bài ở lại")
    old = (await post(client, FEED, {"since": None}))["data"]["changes"]["cursor"]
    await doomed.delete()
    store = LocalMediaStore(settings.media_root)
    await prune(settings, store, NOW)
    answer = await post(client, FEED, {"since": old})
    assert "errors" not in answer, answer  # removals not yet forgotten: the cursor still works

    await prune(settings, store, NOW + 91 * DAY)
    answer = await post(client, FEED, {"since": old})
    assert answer["errors"][0]["extensions"]["code"] == "CHANGES_EXPIRED", answer
    assert answer["errors"][0]["extensions"]["field"] == "since"
    fresh = await post(client, FEED, {"since": None})  # from scratch: a new cursor, which works
    cursor = fresh["data"]["changes"]["cursor"]
    assert len(fresh["data"]["changes"]["changes"]) == 1
    assert "errors" not in await post(client, FEED, {"since": cursor})


async def test_the_background_job_prunes_on_one_instance_at_a_time(
    settings: Settings,
) -> None:
    from asgi_lifespan import LifespanManager

    from cms.app import create_app

    fast = settings.model_copy(update={"housekeeping_seconds": 0.2})
    async with LifespanManager(create_app(fast), startup_timeout=30, shutdown_timeout=30):
        await Token.create(kind=TokenKind.SESSION, hash="e" * 64, expires_at=NOW - 31 * DAY)
        for _ in range(100):
            if not await Token.filter(hash="e" * 64).exists():
                break
            await asyncio.sleep(0.1)
        else:
            pytest.fail("the background job did not prune the old token")
        # Another instance holds the lease: this one's round does nothing.
        async with store_from_settings(fast) as store:
            keeper = Housekeeper(fast, store)
            await db.execute("DELETE FROM lease WHERE name = ?", [housekeeping.LEASE])
            later = datetime.now(UTC)
            assert await publishing.hold_lease(housekeeping.LEASE, later, 60, owner="other")
            assert await keeper.round() is None
            await db.execute("DELETE FROM lease WHERE name = ?", [housekeeping.LEASE])
            assert await keeper.round() is not None


def test_cms_prune_prints_each_count(settings: Settings, database_url: str, tmp_path: Path) -> None:
    async def seed() -> None:
        async with db.connected(settings):
            factory = Factory(settings.media_root)
            await _seed(settings, factory.store, factory)

    asyncio.run(seed())
    env = cms_env(database_url, settings.media_root)
    dry = run_cms(env, tmp_path, "prune", "--dry-run")
    assert dry.returncode == 0, dry.stderr
    assert "deliveries: 2 would be pruned" in dry.stdout
    assert "renditions: 3 would be pruned" in dry.stdout
    done = run_cms(env, tmp_path, "prune")
    assert done.returncode == 0, done.stderr
    assert "events: 5 pruned" in done.stdout and "tokens: 2 pruned" in done.stdout
    again = run_cms(env, tmp_path, "prune")
    assert "deliveries: 0 pruned" in again.stdout, again.stdout


@pytest.mark.database("sqlite", reason="the store is what this test is about")
async def test_orphan_renditions_go_from_s3_too(
    settings: Settings, orm: None, s3_server: S3Server
) -> None:
    bucket = s3_server.new_bucket()
    on_s3 = settings.model_copy(update=s3_server.settings(bucket))
    async with store_from_settings(on_s3) as store:
        factory = Factory(settings.media_root)
        image = await factory.image()
        kept = f"{renditions_prefix(image.content_hash)}/64x48.webp"
        await store.put(kept, jpeg())
        orphan = hashlib.sha256(b"gone").hexdigest()
        for name in ("a.webp", "b.jpg"):
            await store.put(f"{renditions_prefix(orphan)}/{name}", jpeg())
        assert (await prune(on_s3, store, NOW, dry_run=True)).renditions == 2
        assert (await prune(on_s3, store, NOW)).renditions == 2
    assert s3_server.objects(bucket) == {kept}


async def test_a_round_goes_by_the_cms_clock(
    settings: Settings, orm: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    factory = Factory(settings.media_root)
    gone = await factory.article("Bài bị xoá")
    await gone.delete()
    await Token.create(kind=TokenKind.SESSION, hash="f" * 64, expires_at=datetime.now(UTC))
    keeper = Housekeeper(settings, factory.store)
    first = await keeper.round()  # today: nothing is old yet; the tombstone is dated
    assert first is not None and first.total == 0, first
    monkeypatch.setattr(clock, "now", lambda: datetime.now(UTC) + 91 * DAY)
    await db.execute("DELETE FROM lease WHERE name = ?", [housekeeping.LEASE])
    later = await keeper.round()
    assert later is not None and (later.tokens, later.tombstones) == (1, 1), later
    assert keeper.last == later


async def test_a_round_is_counted_in_the_metrics(
    settings: Settings, orm: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    def sample(name: str, **labels: str) -> float:
        return REGISTRY.get_sample_value(name, labels) or 0.0

    factory = Factory(settings.media_root)
    await Token.create(kind=TokenKind.SESSION, hash="e" * 64, expires_at=datetime.now(UTC))
    tokens_before = sample("cms_pruned_total", kind="tokens")
    started = time.time()
    monkeypatch.setattr(clock, "now", lambda: datetime.now(UTC) + 31 * DAY)
    await db.execute("DELETE FROM lease WHERE name = ?", [housekeeping.LEASE])
    pruned = await Housekeeper(settings, factory.store).round()
    assert pruned is not None and pruned.tokens == 1, pruned
    assert sample("cms_pruned_total", kind="tokens") == tokens_before + 1
    last = sample("cms_job_last_success_timestamp_seconds", job="housekeeping")
    assert last >= started
