"""The app process's own jobs: scheduled publication and webhook delivery, in the background.

Every instance runs both loops; which instance announces a scheduled article is decided by a
lease (:mod:`cms.articles.publishing`), and each delivery is claimed by one instance
(:mod:`cms.notify.delivery`). The loops wake every ``interval`` seconds, and at once when
:meth:`Jobs.wake` is called (a content event was committed here or, through PostgreSQL's
``NOTIFY``, elsewhere). A failure in one round is logged and the loop goes on: a database that
is briefly away must not stop deliveries for good.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import Awaitable, Callable

from cms.articles import publishing
from cms.core import clock
from cms.core.metrics import JOB_LAST_SUCCESS
from cms.notify import delivery
from settings import Settings

log = logging.getLogger("cms.background")

TASK_PREFIX = "cms-background"
"""The name every background task starts with (tests tell their SQL apart by it)."""


class Jobs:
    """The background loops of one app process (start, wake, stop)."""

    def __init__(self, settings: Settings, interval: float = 1.0) -> None:
        self.interval = interval
        self.sender = delivery.Sender(settings)
        self.grace = settings.webhook_timeout + 1
        self._woken = asyncio.Event()
        self._ticked = asyncio.Event()
        self._stopping = False
        self._tasks: list[asyncio.Task[None]] = []

    async def __aenter__(self) -> Jobs:
        self._tasks = [
            asyncio.create_task(
                self._loop(self._publish, self._ticked), name=f"{TASK_PREFIX}-publish"
            ),
            asyncio.create_task(
                self._loop(self._deliver, self._woken), name=f"{TASK_PREFIX}-deliver"
            ),
        ]
        return self

    async def __aexit__(self, *exc: object) -> None:
        # Let a round in progress finish (a task cancelled inside a database call can leave
        # its pooled connection taken, and closing the pool would then wait for it forever);
        # one that takes too long (a receiver that does not answer) is cancelled.
        self._stopping = True
        self._woken.set()
        self._ticked.set()
        _, late = await asyncio.wait(self._tasks, timeout=self.grace)
        for task in late:
            task.cancel()
        for task in late:
            with contextlib.suppress(asyncio.CancelledError):
                await task
        await self.sender.close()

    def _stopped(self) -> bool:
        return self._stopping

    def wake(self) -> None:
        """Deliver now rather than at the next tick."""
        self._woken.set()

    async def _publish(self) -> None:
        now = clock.now()
        if not await publishing.any_due(now):  # most rounds: a read, and no write at all
            return
        leading = await publishing.hold_lease(publishing.LEASE, now, self.interval * 5)
        if leading and await publishing.publish_due(now):
            self.wake()

    async def _deliver(self) -> None:
        while not self._stopping and await self.sender.run_once(clock.now(), self._stopped):
            pass

    async def _loop(self, job: Callable[[], Awaitable[None]], woken: asyncio.Event) -> None:
        succeeded = JOB_LAST_SUCCESS.labels(job.__name__.lstrip("_"))  # publish, deliver
        while not self._stopping:
            try:
                await job()
            except asyncio.CancelledError:
                raise
            except Exception:  # logged, and tried again next round
                log.exception("background job failed")
            else:
                succeeded.set(time.time())
            with contextlib.suppress(TimeoutError):
                async with asyncio.timeout(self.interval):
                    await woken.wait()
            woken.clear()
