"""Committed content events, handed to this process's live subscribers as they happen.

On PostgreSQL every instance listens on the ``cms_events`` channel (migration 0009's trigger
sends each event's id at commit) on a dedicated connection, so a subscriber connected to one
instance hears of a change made through any other. On SQLite (one process) the outbox is read
after the last id seen, every ``poll`` seconds. Either way each event is read from the outbox once
per process and offered to every subscriber's bounded queue; a subscriber that falls more than
:data:`QUEUE_SIZE` events behind loses the oldest (it is a live view, not a log: the change feed
is the log). Notifications sent while the listening connection is down are lost; after a
reconnection the broker reads what it missed from the outbox, by id.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from datetime import datetime

import asyncpg

from cms.core import db
from cms.models import OutboxEvent
from settings import Settings

log = logging.getLogger("cms.live")

QUEUE_SIZE = 256
"""Events a slow subscriber may lag behind before the oldest are dropped."""

CHANNEL = "cms_events"


@dataclass(frozen=True, slots=True)
class Event:
    """One committed content event, as subscribers get it."""

    id: int
    type: str
    object_type: str
    object_id: int
    occurred_at: datetime


class Broker:
    """Reads committed events and fans them out to this process's subscribers."""

    def __init__(
        self, settings: Settings, on_event: Callable[[], None] | None = None, poll: float = 0.5
    ) -> None:
        self.settings = settings
        self.poll = poll
        self.on_event = on_event
        self._queues: set[asyncio.Queue[Event]] = set()
        self._last_id = 0
        self._notified_ids: list[int] = []
        self._task: asyncio.Task[None] | None = None
        self._wake = asyncio.Event()
        self._stopping = False
        self.listening = asyncio.Event()
        """Set once the broker reads events (tests wait for it before writing)."""

    async def __aenter__(self) -> Broker:
        self._last_id = await _latest_id()
        postgres = self.settings.database_url.startswith(("postgres://", "postgresql://"))
        runner = self._listen if postgres else self._poll_forever
        self._task = asyncio.create_task(runner(), name="cms-background-live")
        return self

    async def __aexit__(self, *exc: object) -> None:
        self._stopping = True
        self._wake.set()
        if self._task is not None:
            with contextlib.suppress(asyncio.CancelledError):
                await asyncio.wait_for(self._task, timeout=5)

    @contextlib.asynccontextmanager
    async def subscribe(self) -> AsyncIterator[asyncio.Queue[Event]]:
        """A queue that receives every event committed from now on, until the block ends."""
        queue: asyncio.Queue[Event] = asyncio.Queue(QUEUE_SIZE)
        self._queues.add(queue)
        try:
            yield queue
        finally:
            self._queues.discard(queue)

    async def _poll_forever(self) -> None:
        self.listening.set()
        while not self._stopping:
            await self._read_new()
            with contextlib.suppress(TimeoutError):
                async with asyncio.timeout(self.poll):
                    await self._wake.wait()
            self._wake.clear()

    async def _listen(self) -> None:
        """LISTEN on a connection of its own, reconnecting (and catching up) when it drops."""
        delay = 0.5
        while not self._stopping:
            try:
                await self._listen_once()
                delay = 0.5
            except (OSError, asyncpg.PostgresError) as error:
                log.warning("live events: listening connection lost (%s); reconnecting", error)
            self.listening.clear()
            if not self._stopping:
                await asyncio.sleep(delay)
                delay = min(delay * 2, 10)

    async def _listen_once(self) -> None:
        url = self.settings.database_url.replace("postgres://", "postgresql://", 1)
        connection = await asyncpg.connect(url)
        lost = asyncio.Event()
        try:
            connection.add_termination_listener(lambda _: lost.set())
            await connection.add_listener(CHANNEL, self._notified)
            self.listening.set()
            await self._read_new()  # what was committed while nobody listened
            while not self._stopping and not lost.is_set():
                with contextlib.suppress(TimeoutError):
                    async with asyncio.timeout(self.poll * 10):
                        await self._wake.wait()
                self._wake.clear()
                if connection.is_closed():
                    return
                ids, self._notified_ids = self._notified_ids, []
                if ids:
                    await self._read(" WHERE id IN (" + db.marks(len(ids)) + ")", ids)
        finally:
            if not connection.is_closed():
                await connection.close(timeout=2)

    def _notified(self, *args: object) -> None:
        """asyncpg's callback: the payload is the id of an event just committed."""
        payload = args[-1]
        if isinstance(payload, str) and payload.isdigit():
            self._notified_ids.append(int(payload))
            self._wake.set()

    async def _read_new(self) -> None:
        """Every event after the last one read. On PostgreSQL ids are taken before commit, so
        a later id may commit first: there, this only catches up after (re)connecting, and
        the notifications' own ids are read otherwise."""
        await self._read(" WHERE id > ?", [self._last_id])

    async def _read(self, where: str, params: list[int]) -> None:
        """Offer the events ``where`` selects to every subscriber, in id order."""
        rows = await db.fetch(
            "SELECT id, type, object_type, object_id, occurred_at FROM outbox_event"
            f"{where} ORDER BY id LIMIT 1000",
            params,
        )
        for row in rows:
            event = Event(
                int(row["id"]),
                str(row["type"]),
                str(row["object_type"]),
                int(row["object_id"]),
                _instant(row["occurred_at"]),
            )
            self._last_id = max(self._last_id, event.id)
            for queue in list(self._queues):
                _offer(queue, event)
        if rows and self.on_event is not None:
            self.on_event()


def _offer(queue: asyncio.Queue[Event], event: Event) -> None:
    if queue.full():
        with contextlib.suppress(asyncio.QueueEmpty):
            queue.get_nowait()  # a live view: the newest matter most
    queue.put_nowait(event)


def _instant(value: object) -> datetime:
    return value if isinstance(value, datetime) else datetime.fromisoformat(str(value))


async def _latest_id() -> int:
    rows = await OutboxEvent.all().order_by("-id").limit(1).values_list("id", flat=True)
    return int(str(rows[0])) if rows else 0
