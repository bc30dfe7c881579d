"""The content's stamp without a statement per request: trusted until something may change it.

:class:`ContentWatch` keeps the last :class:`~cms.notify.content.Stamp` it read and says, for
free, whether it still holds (:meth:`ContentWatch.current`), so that the response cache answers
from memory without asking the database. A stamp holds until:

- this process may have written: every statement that may write changes the
  :mod:`~cms.notify.local_writes` marker, and a stamp holds only under the marker it was read with;
- another process wrote, on PostgreSQL: the content triggers ``NOTIFY cms_content`` with the new
  version at commit (migration 0007). The watch listens on a connection of its own (a pooled one
  would lose its listeners); a newer version distrusts the stamp and wakes the watch to read it
  again at once. The same connection reads the stamp every ``check_seconds`` too, a safety net
  should a notification be missed. While that connection is down nothing holds, ``on_lost`` is
  called (the cache drops everything it kept), and the watch reconnects, listening before it
  reads again, since notifications sent meanwhile are lost;
- another process wrote, on SQLite (the importer while the server runs): the watch reads the
  stamp every half ``check_seconds``, and a stamp read ``check_seconds`` ago no longer holds, so
  such a write is seen within ``check_seconds``;
- the next scheduled article's time comes (``next_change``), by the CMS's clock.

When nothing holds, the caller reads the stamp itself with :meth:`ContentWatch.read` (one
statement, as every request did before the watch), which the watch then trusts in turn if
nothing happened while it was read.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime
from types import TracebackType
from typing import Any

import asyncpg
from tortoise.backends.base.config_generator import expand_db_url

from cms.core import clock, db
from cms.notify import content, local_writes
from cms.notify.content import Stamp
from settings import Settings

__all__ = ["APPLICATION_NAME", "CHANNEL", "ContentWatch"]

CHANNEL = "cms_content"
"""What the content triggers notify (migration 0007), with the new version as payload."""

APPLICATION_NAME = "cms-content-watch"
"""The listening connection's ``application_name`` (to find it in ``pg_stat_activity``)."""

RECONNECT_MAX = 5.0
"""Longest wait, in seconds, between two attempts to listen again."""

log = logging.getLogger("cms.content_watch")

Reader = Callable[[str, list[Any]], Awaitable[Any]]
"""Runs the stamp's statement on the watch's own connection; the row (version, next_change)."""


@dataclass(frozen=True, slots=True)
class _Begun:
    """What was true when a read of the stamp began: it is trusted only if it still is."""

    generation: int
    marker: int | None
    at: float


class ContentWatch:
    """The content's stamp, kept and trusted while nothing can have changed it (module doc)."""

    def __init__(self, settings: Settings, on_lost: Callable[[], None] | None = None) -> None:
        self._url = settings.database_url
        self._period = settings.cache_check_seconds
        self._on_lost = on_lost or (lambda: None)
        self._known: Stamp | None = None
        self._known_marker: int | None = None
        self._known_at = 0.0
        """When (monotonic) the read that gave ``_known`` began."""
        self._known_now: datetime | None = None
        """The CMS's time the stamp was read for (an earlier time is not covered)."""
        self._generation = 0
        """Raised by every event that makes a read begun before it untrustworthy."""
        self._marker: local_writes.Marker = lambda: None
        self._postgres = False
        self._listener: Any = None  # the listening asyncpg connection, while it is up
        self._wake = asyncio.Event()
        self._task: asyncio.Task[None] | None = None

    async def __aenter__(self) -> ContentWatch:
        await self.start()
        return self

    async def __aexit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        await self.stop()

    async def start(self) -> None:
        """Start watching (the ORM must be up: this process's writes are counted through it)."""
        client = db.connection()
        self._marker = await local_writes.marker_for(client)
        self._postgres = db.dialect(client) == "postgres"
        self._task = asyncio.create_task(self._listen() if self._postgres else self._poll())

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
            self._task = None
        self._distrust()

    # --- what the cache asks -------------------------------------------------------------------

    def current(self, now: datetime) -> Stamp | None:
        """The stamp at ``now`` if it surely holds (no statement, no await); ``None`` otherwise."""
        known = self._known
        if known is None or self._marker() != self._known_marker:
            return None
        if self._postgres:
            if self._listener is None or self._listener.is_closed():
                return None
        elif time.monotonic() - self._known_at >= self._period:
            return None
        if self._known_now is None or now < self._known_now:
            return None
        if known.next_change is not None and now >= known.next_change:
            return None
        return known

    async def read(self, now: datetime) -> Stamp | None:
        """The stamp at ``now``, read through the ORM (one statement), and trusted from then on if
        nothing happened while it was read."""
        begun = self._begin()
        found = await content.stamp(now)
        self._adopt(found, now, begun)
        return found

    # --- keeping the stamp ---------------------------------------------------------------------

    def _begin(self) -> _Begun:
        return _Begun(self._generation, self._marker(), time.monotonic())

    def _adopt(self, found: Stamp | None, now: datetime, begun: _Begun) -> None:
        """Trust ``found`` if nothing that could change it happened since ``begun``."""
        if found is None or begun.marker is None or begun.generation != self._generation:
            return
        if begun.at < self._known_at or (self._postgres and self._listener is None):
            return  # a later read already gave a stamp; or nothing is heard of other instances
        self._known, self._known_marker = found, begun.marker
        self._known_at, self._known_now = begun.at, now

    def _distrust(self) -> None:
        self._generation += 1
        self._known = None

    async def _check(self, run: Reader) -> None:
        """Read the stamp on the watch's own connection, and keep it."""
        begun, now = self._begin(), clock.now()
        sql, params = content.stamp_sql(now)
        row = await run(sql, params)
        found = content.stamp_of(row[0], row[1])
        if self._known is not None and found is not None and found != self._known:
            log.debug("the content changed without this process hearing of it: %s", found)
        self._adopt(found, now, begun)

    # --- SQLite: a periodic read -------------------------------------------------------------

    async def _poll(self) -> None:
        # On the ORM's own connection, taken as the ORM takes it (after any transaction on it),
        # but not through the ORM's query methods, which log every statement as a request's:
        # SQLite runs one statement at a time per connection, so a read begun after this
        # process's write is read after that write is done.
        client = db.connection()

        async def run(sql: str, params: list[Any]) -> Any:
            async with client.acquire_connection() as connection:
                return next(iter(await connection.execute_fetchall(sql, params)))

        while True:
            try:
                await self._check(run)
            except Exception as error:  # a busy or broken file: the stamp ages out meanwhile
                log.warning("content watch: reading the version failed: %.200s", error)
            await asyncio.sleep(self._period / 2)

    # --- PostgreSQL: LISTEN, and a periodic read as a safety net -------------------------------

    async def _listen(self) -> None:
        delay = 0.1
        while True:
            try:
                await self._listen_once()
                delay = 0.1
            except Exception as error:  # whatever broke it, listen again
                log.warning(
                    "content watch: not listening (%.200s); every request reads the version "
                    "until it listens again",
                    error,
                )
            finally:
                self._lost()
            await asyncio.sleep(delay)
            delay = min(delay * 2, RECONNECT_MAX)

    async def _listen_once(self) -> None:
        connection = await asyncpg.connect(**_connect_args(self._url), timeout=10)
        closed = asyncio.Event()

        def terminated(_: object) -> None:
            self._lost()  # at once, not when this task next runs
            closed.set()
            self._wake.set()

        try:
            connection.add_termination_listener(terminated)
            await connection.add_listener(CHANNEL, self._notified)
            self._listener = connection
            self._distrust()  # reads begun before the LISTEN may have missed a notification
            while not closed.is_set():
                await self._check(lambda sql, params: self._fetchrow(connection, sql, params))
                await self._sleep(self._period)
        finally:
            self._listener = None
            connection.terminate()

    async def _fetchrow(self, connection: Any, sql: str, params: list[Any]) -> Any:
        """The stamp's row; a connection that does not answer within the check period (one to
        ten seconds) is taken for lost."""
        timeout = min(max(self._period, 1.0), 10.0)
        return await connection.fetchrow(db.native(sql, db.connection()), *params, timeout=timeout)

    def _notified(self, connection: object, pid: int, channel: str, payload: str) -> None:
        known = self._known
        if known is not None and payload.isdigit() and int(payload) <= known.version:
            return  # a write the kept stamp already includes
        self._distrust()
        self._wake.set()

    def _lost(self) -> None:
        """The listening connection is gone: trust nothing, and let the cache drop its answers."""
        self._listener = None
        self._distrust()
        self._on_lost()

    async def _sleep(self, seconds: float) -> None:
        """Wait ``seconds``, or less if a notification (or the connection's end) wakes us."""
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self._wake.wait(), seconds)
        self._wake.clear()


def _connect_args(url: str) -> dict[str, Any]:
    """``asyncpg.connect`` arguments for the database at ``url`` (a tortoise URL)."""
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
