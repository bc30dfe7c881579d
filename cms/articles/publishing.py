"""Scheduled articles coming into view: ``article.published`` exactly once, when their time comes.

A scheduled article becomes visible by itself when its time passes: no write happens then, so
something must notice it. :func:`publish_due` marks every due scheduled article ``published``
and emits its event in one transaction; the ``UPDATE ... WHERE status = 'scheduled'`` is the
exactly-once guard (of two instances that run it together, PostgreSQL makes the second wait for
the first's row locks and then finds the rows no longer scheduled). Readers see no difference:
the article was already shown as published (:func:`~cms.articles.visibility.effective_status`);
its version does not change. Instances take turns through a lease (:func:`hold_lease`), so that
usually one of them does the work; after a restart that skipped the time, the first run emits
what is due. Writes that would emit events about such an article run it first (see
:mod:`cms.articles.editing`), so that its ``published`` comes before its ``updated``.
"""

from __future__ import annotations

import secrets
from datetime import datetime, timedelta

from tortoise.transactions import in_transaction

from cms.core import db
from cms.core.clock import utc
from cms.notify import outbox

OWNER = secrets.token_hex(8)
"""This process's name in leases."""

LEASE = "scheduled-publication"


async def publish_due(now: datetime) -> int:
    """Publish every scheduled article whose time is ``now`` or earlier; how many. Nothing is
    written (no transaction, no lease) while none is due: the change feed and every
    instance's loop ask all the time."""
    if not await any_due(now):
        return 0
    async with in_transaction():
        return await publish_due_here(now)


async def any_due(now: datetime) -> bool:
    """Whether a scheduled article's time is ``now`` or earlier (one read)."""
    rows = await db.fetch(
        "SELECT 1 AS due FROM article WHERE status = 'scheduled' AND published_at <= ? LIMIT 1",
        [utc(now)],
    )
    return bool(rows)


async def publish_due_here(now: datetime) -> int:
    """:func:`publish_due` inside the caller's transaction."""
    rows = await db.fetch(
        "UPDATE article SET status = 'published' "
        "WHERE status = 'scheduled' AND published_at <= ? RETURNING id, slug, version, locale",
        [utc(now)],
    )
    for row in sorted(rows, key=lambda r: int(r["id"])):
        await outbox.emit(
            outbox.EventType.ARTICLE_PUBLISHED,
            "Article",
            int(row["id"]),
            now,
            slug=str(row["slug"]),
            version=int(row["version"]),
            locale=str(row["locale"]),
        )
    return len(rows)


async def hold_lease(name: str, now: datetime, seconds: float, owner: str = OWNER) -> bool:
    """Take or renew the lease ``name`` until ``now + seconds``; whether this owner holds it.

    One ``UPDATE`` decides (one row changed: ours), on SQLite and PostgreSQL alike; the row is
    made the first time anyone asks.
    """
    until = utc(now) + timedelta(seconds=seconds)
    await db.execute(
        "INSERT INTO lease (name, owner, expires_at) VALUES (?, ?, ?) "
        "ON CONFLICT (name) DO NOTHING",
        [name, owner, utc(now) - timedelta(seconds=1)],
    )
    rows = await db.fetch(
        "UPDATE lease SET owner = ?, expires_at = ? "
        "WHERE name = ? AND (expires_at < ? OR owner = ?) RETURNING name",
        [owner, until, name, utc(now), owner],
    )
    return len(rows) == 1
