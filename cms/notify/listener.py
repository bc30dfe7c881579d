"""What other processes change in the database, heard by this one: one listener for the process.

Two consumers want to know: the :class:`~cms.notify.content_watch.ContentWatch` (the content's
version, for the response cache) and the :class:`~cms.notify.live.Broker` (committed events, for
subscriptions and webhooks). The :class:`Listener` serves both, with one connection and one
policy:

- PostgreSQL: one dedicated asyncpg connection (a pooled one would lose its listeners when
  released), ``LISTEN``\\ ing on every consumer's channel. Notifications sent while it is down
  are lost, so each consumer reads what it may have missed once it listens again, and is told
  at once when the connection is lost (asyncpg's termination listener). Reconnection waits
  0.1 s, doubling up to :data:`RECONNECT_MAX`. A consumer woken by a notification reads what it
  needs; one with a ``check_seconds`` also reads that often, a safety net should a notification
  be missed. The connection is ``cms-content-watch`` in ``pg_stat_activity``.
- SQLite has no notifications: each consumer reads every ``poll_seconds`` on its own.

Reads run in background tasks (their statements are the app's own, not a request's), and a
failed read is logged: on PostgreSQL the connection is then opened again, on SQLite the next
poll tries again.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable, Coroutine, Iterable, Sequence
from typing import Any, Protocol

import asyncpg
from tortoise.backends.base.config_generator import expand_db_url

from cms.core import compat, db
from cms.notify.jobs import TASK_PREFIX
from settings import Settings

__all__ = ["APPLICATION_NAME", "RECONNECT_MAX", "Consumer", "Listener", "Reader", "connect_args"]

APPLICATION_NAME = "cms-content-watch"
"""The listening connection's ``application_name`` (to find it in ``pg_stat_activity``)."""

RECONNECT_MAX = 5.0
"""Longest wait, in seconds, between two attempts to listen again."""

STOP_GRACE = 5.0
"""How long stopping waits for a read in progress (a task cancelled inside a pooled statement
can leave its connection taken) before it cancels it."""

log = logging.getLogger("cms.listener")

Reader = Callable[[str, list[Any]], Awaitable[Any]]
"""Runs one statement written with ``?`` markers where the listener reads (its own connection on
PostgreSQL, the ORM's on SQLite, unlogged); the first row."""


class Consumer(Protocol):
    """What the listener serves: one channel, and reads when notifications may not tell all."""

    channel: str
    """The PostgreSQL channel it hears."""
    poll_seconds: float
    """SQLite: how often it reads."""
    check_seconds: float | None
    """PostgreSQL: how often it reads while nothing is heard; ``None``: only when woken."""

    async def start(self, listener: Listener) -> None:
        """Before the listener starts (the ORM is up)."""

    def notified(self, payload: str) -> bool:
        """A notification on its channel (asyncpg's callback: no awaiting); true to be woken."""

    async def check(self, reader: Reader, *, missed: bool) -> None:
        """Read what changed: everything since it last read if ``missed`` (listening again on
        PostgreSQL, each poll on SQLite), else what it was woken for."""

    def lost(self) -> None:
        """Nothing is heard from now on, until its next check with ``missed``."""


class Listener:
    """The process's ear on the database (module doc): start it once the ORM is up."""

    def __init__(self, settings: Settings, consumers: Sequence[Consumer]) -> None:
        self._url = settings.database_url
        self._consumers = tuple(consumers)
        self._wakes = {id(c): asyncio.Event() for c in self._consumers}
        self._stopping = asyncio.Event()
        self._connection: Any = None  # the listening asyncpg connection, once it listens
        self._task: asyncio.Task[None] | None = None
        self.postgres = False

    @property
    def listening(self) -> bool:
        """PostgreSQL: whether notifications are heard now (no await)."""
        connection = self._connection
        return connection is not None and not connection.is_closed()

    async def __aenter__(self) -> Listener:
        self._stopping.clear()
        self.postgres = db.dialect(db.connection()) == "postgres"
        for consumer in self._consumers:
            await consumer.start(self)
        runner = self._listen() if self.postgres else self._poll()
        self._task = asyncio.create_task(runner, name=f"{TASK_PREFIX}-listener")
        return self

    async def __aexit__(self, *exc: object) -> None:
        self._stopping.set()
        for wake in self._wakes.values():
            wake.set()
        if self._task is not None:
            await _ended(self._task, STOP_GRACE)
            self._task = None
        for consumer in self._consumers:
            consumer.lost()

    # --- SQLite: each consumer polls ---------------------------------------------------------

    async def _poll(self) -> None:
        client = db.connection()

        async def reader(sql: str, params: list[Any]) -> Any:
            # The ORM's own connection, taken as the ORM takes it (after any transaction on it):
            # SQLite runs one statement at a time per connection, so a read begun after this
            # process's write is read after that write is done.
            async with compat.driver_connection(client) as connection:
                return next(iter(await connection.execute_fetchall(sql, params)))

        await _all(self._polled(c, reader) for c in self._consumers)

    async def _polled(self, consumer: Consumer, reader: Reader) -> None:
        while not self._stopping.is_set():
            try:
                await consumer.check(reader, missed=True)
            except Exception as error:  # a busy or broken file: the next poll tries again
                log.warning("%s: reading failed: %.200s", consumer.channel, error)
            await self._sleep(consumer, consumer.poll_seconds)

    # --- PostgreSQL: one connection, LISTEN on every channel -------------------------------------

    async def _listen(self) -> None:
        delay = 0.1
        while not self._stopping.is_set():
            try:
                await self._listen_once()
                delay = 0.1
            except Exception as error:  # whatever broke it, listen again
                log.warning(
                    "not listening (%.200s): every request reads the content's version and live "
                    "events wait until it listens again",
                    error,
                )
            finally:
                self._lost()
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._stopping.wait(), delay)
            delay = min(delay * 2, RECONNECT_MAX)

    async def _listen_once(self) -> None:
        connection = await asyncpg.connect(**connect_args(self._url), timeout=10)
        closed = asyncio.Event()

        def terminated(_: object) -> None:
            closed.set()
            if self._connection is connection:  # not after this task has let it go
                self._lost()  # at once, not when the consumers next run
            for wake in self._wakes.values():
                wake.set()  # to see that it is gone

        try:
            connection.add_termination_listener(terminated)
            for consumer in self._consumers:
                await connection.add_listener(consumer.channel, self._hearing(consumer))
            self._connection = connection
            lock = asyncio.Lock()  # one statement at a time on the connection

            async def reader(sql: str, params: list[Any], seconds: float) -> Any:
                async with lock:
                    native = db.native(sql, db.connection())
                    return await connection.fetchrow(native, *params, timeout=seconds)

            await _all(self._follow(c, reader, closed) for c in self._consumers)
        finally:
            self._connection = None
            try:
                if self._stopping.is_set():
                    with contextlib.suppress(Exception):
                        await connection.close(timeout=2)  # the app stops: a clean goodbye
            finally:
                connection.terminate()

    async def _follow(
        self, consumer: Consumer, reader: Callable[..., Awaitable[Any]], closed: asyncio.Event
    ) -> None:
        """Catch up on what was missed, then read whenever woken (or checking), until the
        connection is lost or the listener stops."""
        # A connection that does not answer within the check period (one to ten seconds) is
        # taken for lost.
        timeout = min(max(consumer.check_seconds or 10.0, 1.0), 10.0)

        async def read(sql: str, params: list[Any]) -> Any:
            return await reader(sql, params, timeout)

        await consumer.check(read, missed=True)
        while True:
            await self._sleep(consumer, consumer.check_seconds)
            if closed.is_set() or self._stopping.is_set():
                return
            await consumer.check(read, missed=False)

    def _hearing(self, consumer: Consumer) -> Callable[..., None]:
        """asyncpg's callback for ``consumer``'s channel."""
        wake = self._wakes[id(consumer)]

        def notified(connection: object, pid: int, channel: str, payload: str) -> None:
            if consumer.notified(payload):
                wake.set()

        return notified

    def _lost(self) -> None:
        """The connection is gone: every consumer hears of it at once."""
        self._connection = None
        for consumer in self._consumers:
            consumer.lost()

    async def _sleep(self, consumer: Consumer, seconds: float | None) -> None:
        """Wait ``seconds`` (``None``: without end), or less if the consumer is woken."""
        wake = self._wakes[id(consumer)]
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(wake.wait(), seconds)
        wake.clear()


def connect_args(url: str) -> dict[str, Any]:
    """``asyncpg.connect`` arguments for the database at ``url`` (a tortoise URL, read as the ORM
    reads it: ``ssl`` and ``schema`` included), named :data:`APPLICATION_NAME`."""
    credentials = expand_db_url(url)["credentials"]
    args = {
        name: credentials[name]
        for name in ("host", "port", "user", "password", "database", "ssl")
        if credentials.get(name) is not None
    }
    server_settings = {"application_name": APPLICATION_NAME}
    if credentials.get("schema"):
        server_settings["search_path"] = str(credentials["schema"])
    return {**args, "server_settings": server_settings}


async def _all(runs: Iterable[Coroutine[Any, Any, None]]) -> None:
    """Run each of ``runs`` in a background task of its own (its statements are no request's)
    until all end; the first failure cancels the others and is raised."""
    tasks = [asyncio.create_task(run, name=f"{TASK_PREFIX}-listener") for run in runs]
    try:
        done, _ = await asyncio.wait(tasks, return_when=asyncio.FIRST_EXCEPTION)
    finally:
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
    for task in done:
        if not task.cancelled() and (error := task.exception()) is not None:
            raise error


async def _ended(task: asyncio.Task[None], grace: float) -> None:
    """Wait up to ``grace`` seconds for ``task`` to end on its own, then cancel it."""
    done, _ = await asyncio.wait([task], timeout=grace)
    if not done:
        task.cancel()
    with contextlib.suppress(asyncio.CancelledError, Exception):
        await task
