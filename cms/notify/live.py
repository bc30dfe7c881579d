"""Committed content events, handed to this process's live subscribers as they happen.

The :class:`Broker` is a consumer of the process's :class:`~cms.notify.listener.Listener`. On
PostgreSQL it hears the ``cms_events`` channel (migration 0009's trigger sends each event's id
at commit), so a subscriber connected to one instance hears of a change made through any other.
On SQLite (one process) the outbox is read after the last id seen, every ``poll`` seconds.
Either way each event is read from the outbox once per process and offered to every
subscriber's bounded queue; a subscriber that falls more than :data:`QUEUE_SIZE` events behind
loses the oldest (it is a live view, not a log: the change feed is the log). Notifications sent
while the listening connection is down are lost; once it listens again the broker reads what it
missed from the outbox, by id.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING

from cms.core import db
from cms.models import OutboxEvent

if TYPE_CHECKING:
    from cms.notify.listener import Listener, Reader

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

    channel = CHANNEL
    check_seconds: float | None = None
    """Woken by notifications only: the outbox is the log, read again after a reconnection."""

    def __init__(self, on_event: Callable[[], None] | None = None, poll: float = 0.5) -> None:
        self.poll_seconds = poll
        self.on_event = on_event
        self._queues: set[asyncio.Queue[Event]] = set()
        self._last_id = 0
        self._notified_ids: list[int] = []
        self.listening = asyncio.Event()
        """Set once the broker reads events (tests wait for it before writing)."""

    @contextlib.asynccontextmanager
    async def subscribe(self) -> AsyncIterator[asyncio.Queue[Event]]:
        """A queue that receives every event committed from now on, until the block ends."""
        queue: asyncio.Queue[Event] = asyncio.Queue(QUEUE_SIZE)
        self._queues.add(queue)
        try:
            yield queue
        finally:
            self._queues.discard(queue)

    # --- what the listener tells ------------------------------------------------------------

    async def start(self, listener: Listener) -> None:
        """Subscribers get the events committed from now on."""
        self._last_id = await _latest_id()

    def notified(self, payload: str) -> bool:
        """The payload is the id of an event just committed: read it."""
        if payload.isdigit():
            self._notified_ids.append(int(payload))
            return True
        return False

    async def check(self, reader: Reader, *, missed: bool) -> None:
        """Offer the events committed since the last read (``missed``: after the last id seen),
        read through the ORM."""
        if missed:
            self.listening.set()
            await self._read_new()  # what was committed while nobody listened
            return
        ids, self._notified_ids = self._notified_ids, []
        if ids:
            await self._read(" WHERE id IN (" + db.marks(len(ids)) + ")", ids)

    def lost(self) -> None:
        self.listening.clear()

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
