"""Housekeeping: rows and files that have served their purpose, pruned in bounded batches.

One function, :func:`prune`, does it all; ``cms prune`` (for cron) and :class:`Housekeeper` (the
app's background job, one instance at a time through a lease) both call it. What goes:

- webhook deliveries that succeeded over ``CMS_OUTBOX_RETENTION_DAYS`` ago, failed ones over
  :data:`FAILED_DAYS` ago, and then the content events no delivery still refers to (older than
  the retention too);
- sign-in throttle rows whose key is forgotten anyway (:attr:`Policy.forget_after`);
- sessions, API tokens and preview links expired or revoked over :data:`TOKEN_DAYS` ago;
- the change feed's tombstones (rows of deleted articles) over ``CMS_CHANGES_RETENTION_DAYS``
  old, raising the feed's horizon (an app whose cursor is older gets ``CHANGES_EXPIRED``);
- rendition files of images that no longer exist (``renditions/<hash>/…`` with no image of that
  hash).

Revisions and the audit log are kept. Each statement deletes at most :data:`BATCH` rows, in its
own short transaction, so a large backlog never holds a long lock; the loop goes on until a
batch comes back short.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from dataclasses import asdict, dataclass
from datetime import datetime, timedelta

from tortoise.transactions import in_transaction

from cms.accounts.throttle import Policy
from cms.articles import publishing
from cms.core import clock, db, metrics
from cms.core.clock import utc
from cms.media.storage import MediaStore
from cms.models import DeliveryStatus, Image
from cms.notify.jobs import TASK_PREFIX
from settings import Settings

log = logging.getLogger("cms.housekeeping")

BATCH = 1000
"""Most rows one statement deletes (and most rendition files looked up at once)."""
FAILED_DAYS = 90
"""Days a failed webhook delivery is kept (for the admins to see why), at least."""
TOKEN_DAYS = 30
"""Days an expired or revoked token is kept after its end (sign-in history, preview links)."""
LEASE = "housekeeping"
"""The lease that lets one instance at a time do the background round."""
FIRST_ROUND_SECONDS = 60.0
"""The background job's first round comes this long after start (or after one period if that
is shorter): an instance restarted often still prunes, a short-lived one does not bother."""


@dataclass(frozen=True, slots=True)
class Pruned:
    """How many of each were pruned (or, in a dry run, would be)."""

    deliveries: int = 0
    events: int = 0
    throttles: int = 0
    tokens: int = 0
    tombstones: int = 0
    renditions: int = 0

    def counts(self) -> dict[str, int]:
        """Each count by name (``deliveries``, ``events``, ...): a metric's labels."""
        return asdict(self)

    @property
    def total(self) -> int:
        return sum(self.counts().values())


async def prune(
    settings: Settings, store: MediaStore, now: datetime, *, dry_run: bool = False
) -> Pruned:
    """Prune everything that is due at ``now``; with ``dry_run``, only count it."""
    now = utc(now)
    retention = timedelta(days=settings.outbox_retention_days)
    delivered = now - retention
    failed = now - max(timedelta(days=FAILED_DAYS), retention)
    deliveries_due = (
        "((status = ? AND finished_at < ?) OR (status = ? AND finished_at < ?))",
        [DeliveryStatus.SUCCEEDED.value, delivered, DeliveryStatus.FAILED.value, failed],
    )
    deliveries = await _delete("webhook_delivery", "id", deliveries_due, dry_run)
    # An event goes once no delivery of it is left (or, in a dry run, would be left).
    events_due = (
        "occurred_at < ? AND NOT EXISTS (SELECT 1 FROM webhook_delivery d "
        f"WHERE d.event_id = outbox_event.id AND NOT {deliveries_due[0]})",
        [delivered, *deliveries_due[1]],
    )
    events = await _delete("outbox_event", "id", events_due, dry_run)
    forgotten = now - Policy.of(settings).forget_after
    throttles = await _delete(
        "login_throttle", "key", ("last_failure_at < ?", [forgotten]), dry_run
    )
    ended = now - timedelta(days=TOKEN_DAYS)
    tokens = await _delete(
        "token", "id", ("(expires_at < ? OR revoked_at < ?)", [ended, ended]), dry_run
    )
    tombstones = await _prune_tombstones(
        now, now - timedelta(days=settings.changes_retention_days), dry_run
    )
    renditions = await _prune_renditions(store, dry_run)
    return Pruned(deliveries, events, throttles, tokens, tombstones, renditions)


async def _delete(table: str, key: str, where: db.Fragment, dry_run: bool) -> int:
    """Delete the rows of ``table`` that match ``where``, :data:`BATCH` at a time."""
    condition, params = where
    if dry_run:
        rows = await db.fetch(f"SELECT COUNT(*) AS n FROM {table} WHERE {condition}", params)
        return int(rows[0]["n"])
    total = 0
    while True:
        deleted = await db.fetch(
            f"DELETE FROM {table} WHERE {key} IN "
            f"(SELECT {key} FROM {table} WHERE {condition} LIMIT {BATCH}) RETURNING {key}",
            params,
        )
        total += len(deleted)
        if len(deleted) < BATCH:
            return total


_GONE = "NOT EXISTS (SELECT 1 FROM article a WHERE a.id = article_change.article_id)"


async def _prune_tombstones(now: datetime, cutoff: datetime, dry_run: bool) -> int:
    """Date the tombstones first seen now, then prune those older than ``cutoff``, raising the
    feed's horizon to the newest pruned one in the same transaction."""
    due = f"removed_at < ? AND {_GONE}"
    if dry_run:
        rows = await db.fetch(f"SELECT COUNT(*) AS n FROM article_change WHERE {due}", [cutoff])
        return int(rows[0]["n"])
    await db.execute(
        f"UPDATE article_change SET removed_at = ? WHERE removed_at IS NULL AND {_GONE}", [now]
    )
    await db.execute(  # an id that came back (SQLite may reuse the largest): no tombstone now
        f"UPDATE article_change SET removed_at = NULL WHERE removed_at IS NOT NULL AND NOT {_GONE}"
    )
    total = 0
    while True:
        async with in_transaction():
            rows = await db.fetch(
                f"SELECT article_id, seq FROM article_change WHERE {due} "
                f"ORDER BY seq LIMIT {BATCH}",
                [cutoff],
            )
            if not rows:
                return total
            await db.execute(
                "UPDATE content_state SET changes_horizon = ? WHERE id = 1 AND changes_horizon < ?",
                [max(int(r["seq"]) for r in rows)] * 2,
            )
            ids = [int(r["article_id"]) for r in rows]
            await db.execute(
                f"DELETE FROM article_change WHERE article_id IN ({db.marks(len(ids))})", ids
            )
        total += len(rows)
        if len(rows) < BATCH:
            return total


async def _prune_renditions(store: MediaStore, dry_run: bool) -> int:
    """Delete the rendition files whose original (by content hash) no image has any more."""
    total = 0
    pending: dict[str, list[str]] = {}
    listed = 0
    async for key in store.keys("renditions"):
        parts = key.split("/")
        if len(parts) < 3:
            continue
        pending.setdefault(parts[1], []).append(key)
        listed += 1
        if listed >= BATCH:
            total += await _drop_orphans(store, pending, dry_run)
            pending, listed = {}, 0
    return total + await _drop_orphans(store, pending, dry_run)


async def _drop_orphans(store: MediaStore, found: dict[str, list[str]], dry_run: bool) -> int:
    if not found:
        return 0
    hashes = await Image.filter(content_hash__in=list(found)).values_list("content_hash", flat=True)
    known = {str(digest) for digest in hashes}
    orphans = [key for digest, keys in found.items() if digest not in known for key in keys]
    if not dry_run:
        for key in orphans:
            await store.delete(key)
    return len(orphans)


class Housekeeper:
    """The background job: every ``CMS_HOUSEKEEPING_SECONDS``, on one instance at a time."""

    def __init__(self, settings: Settings, store: MediaStore) -> None:
        self.settings = settings
        self.store = store
        self.period = settings.housekeeping_seconds
        self.first_round = min(self.period, FIRST_ROUND_SECONDS)
        self.last: Pruned | None = None
        """What the last round of this instance pruned (None before its first)."""
        self._stop = asyncio.Event()
        self._task: asyncio.Task[None] | None = None

    async def __aenter__(self) -> Housekeeper:
        if self.period > 0:
            self._task = asyncio.create_task(self._loop(), name=f"{TASK_PREFIX}-housekeeping")
        return self

    async def __aexit__(self, *exc: object) -> None:
        self._stop.set()
        if self._task is None:
            return
        _, late = await asyncio.wait([self._task], timeout=30)
        for task in late:  # a round stuck on a store that does not answer
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task

    async def round(self) -> Pruned | None:
        """One round: prune if this instance holds the lease (None if another one does)."""
        now = clock.now()
        if not await publishing.hold_lease(LEASE, now, self.period):
            return None
        pruned = await prune(self.settings, self.store, now)
        self.last = pruned
        for kind, count in pruned.counts().items():
            metrics.PRUNED.labels(kind).inc(count)
        metrics.JOB_LAST_SUCCESS.labels(LEASE).set(time.time())
        if pruned.total:
            log.info("housekeeping pruned %s", pruned.counts())
        return pruned

    async def _loop(self) -> None:
        wait = self.first_round
        while True:
            with contextlib.suppress(TimeoutError):
                async with asyncio.timeout(wait):
                    await self._stop.wait()
            if self._stop.is_set():
                return
            wait = self.period
            try:
                await self.round()
            except asyncio.CancelledError:
                raise
            except Exception:  # logged, and tried again next period
                log.exception("housekeeping failed")
