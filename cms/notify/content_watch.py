"""The content's stamp without a statement per request: trusted until something may change it.

:class:`ContentWatch` keeps the last :class:`~cms.notify.content.Stamp` it read and says, for
free, whether it still holds (:meth:`ContentWatch.current`), so that the response cache answers
from memory without asking the database. A stamp holds until:

- this process may have written: every statement that may write changes the
  :mod:`~cms.notify.local_writes` marker, and a stamp holds only under the marker it was read with;
- another process wrote, on PostgreSQL: the content triggers ``NOTIFY cms_content`` with the new
  version at commit (migration 0007). The process's :class:`~cms.notify.listener.Listener`
  hears it on its connection; a newer version distrusts the stamp and wakes the watch to read it
  again at once, on that connection. The watch reads the stamp every ``check_seconds`` too, a
  safety net should a notification be missed. While that connection is down nothing holds,
  ``on_lost`` is called (the cache drops everything it kept), and once it listens again the
  watch reads the stamp again (only a read begun while listening is trusted: notifications sent
  before are lost);
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
import logging
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from cms.core import clock, db
from cms.notify import content, local_writes
from cms.notify.content import Stamp
from cms.notify.listener import Listener, Reader
from settings import Settings

__all__ = ["CHANNEL", "ContentWatch"]

CHANNEL = "cms_content"
"""What the content triggers notify (migration 0007), with the new version as payload."""

log = logging.getLogger("cms.content_watch")


@dataclass(frozen=True, slots=True)
class _Begun:
    """What was true when a read of the stamp began: it is trusted only if it still is."""

    generation: int
    marker: int | None
    at: float
    listening: bool
    """PostgreSQL: whether notifications were heard (a read begun before may have missed one)."""


@dataclass(frozen=True, slots=True)
class _Reading:
    """A read of the stamp in flight, for the CMS's time ``now``."""

    now: datetime
    task: asyncio.Future[Stamp | None]


class ContentWatch:
    """The content's stamp, kept and trusted while nothing can have changed it (module doc); a
    consumer of the process's :class:`~cms.notify.listener.Listener`."""

    channel = CHANNEL

    def __init__(self, settings: Settings, on_lost: Callable[[], None] | None = None) -> None:
        self._period = settings.cache_check_seconds
        self.check_seconds: float | None = self._period
        self.poll_seconds = self._period / 2
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
        self._reading: _Reading | None = None
        self._listener: Listener | None = None

    async def start(self, listener: Listener) -> None:
        """Before the listener starts (the ORM must be up: this process's writes are counted
        through it)."""
        self._listener = listener
        self._postgres = listener.postgres
        self._marker = await local_writes.marker_for(db.connection())

    # --- what the cache asks -------------------------------------------------------------------

    def current(self, now: datetime) -> Stamp | None:
        """The stamp at ``now`` if it surely holds (no statement, no await); ``None`` otherwise."""
        known = self._known
        if known is None or self._marker() != self._known_marker:
            return None
        if self._postgres:
            listener = self._listener
            if listener is None or not listener.listening:
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
        nothing happened while it was read.

        Requests that need it meanwhile share that one read. Under load every request in flight
        needs it at the same moment (the kept stamp aged out), and dozens of statements queued
        one behind another on SQLite's connection thread, which the busy event loop lets run
        only between its own turns, held some of them for a quarter of a second (issue 23).
        """
        shared = self._reading
        if shared is None or shared.now > now:
            shared = self._reading = _Reading(now, asyncio.ensure_future(self._read(now)))
            shared.task.add_done_callback(lambda _: self._read_done(shared))
        found = await asyncio.shield(shared.task)
        if found is not None and found.next_change is not None and now >= found.next_change:
            return await self._read(now)  # read for a moment before a scheduled publication
        return found

    async def _read(self, now: datetime) -> Stamp | None:
        begun = self._begin()
        found = await content.stamp(now)
        self._adopt(found, now, begun)
        return found

    def _read_done(self, shared: _Reading) -> None:
        if self._reading is shared:
            self._reading = None

    # --- keeping the stamp ---------------------------------------------------------------------

    def _listening(self) -> bool:
        return self._listener is not None and self._listener.listening

    def _begin(self) -> _Begun:
        return _Begun(self._generation, self._marker(), time.monotonic(), self._listening())

    def _adopt(self, found: Stamp | None, now: datetime, begun: _Begun) -> None:
        """Trust ``found`` if nothing that could change it happened since ``begun``."""
        if found is None or begun.marker is None or begun.generation != self._generation:
            return
        if begun.at < self._known_at:
            return  # a later read already gave a stamp
        if self._postgres and not (begun.listening and self._listening()):
            return  # other instances' writes may not have been heard of
        self._known, self._known_marker = found, begun.marker
        self._known_at, self._known_now = begun.at, now

    def _distrust(self) -> None:
        self._generation += 1
        self._known = None

    # --- what the listener tells ------------------------------------------------------------

    async def check(self, reader: Reader, *, missed: bool) -> None:
        """Read the stamp where the listener reads (its own connection on PostgreSQL), and keep
        it."""
        begun, now = self._begin(), clock.now()
        sql, params = content.stamp_sql(now)
        row = await reader(sql, params)
        found = content.stamp_of(row[0], row[1])
        if self._known is not None and found is not None and found != self._known:
            log.debug("the content changed without this process hearing of it: %s", found)
        self._adopt(found, now, begun)

    def notified(self, payload: str) -> bool:
        """A new version, committed by any process: read it at once."""
        known = self._known
        if known is not None and payload.isdigit() and int(payload) <= known.version:
            return False  # a write the kept stamp already includes
        self._distrust()
        return True

    def lost(self) -> None:
        """Other processes' writes go unheard: trust nothing, and let the cache drop its
        answers."""
        self._distrust()
        self._on_lost()
