"""This process's own writes to the content, noticed as they happen, without a statement.

The response cache trusts the content version it last read until something may have changed it
(:mod:`cms.notify.content_watch`). Other processes' writes reach it through PostgreSQL's
notifications or a periodic check; this process's own must count at once, whoever makes them (a
mutation, a service called outside HTTP, an operator's SQL in a test), and for free, since the
cache asks on every answer it gives from memory. :func:`marker_for` gives a function returning a
number that changes whenever this process may have committed a change to the content (``None``
when it cannot tell), and nothing else, so that the background jobs' own bookkeeping (leases,
deliveries) does not make the cache read the version again.

The database tells the connection that wrote (no SQL text is read): whatever raises the content
version (migration 0003's triggers, on every content write; or a statement raising it itself)
reaches this process through that connection alone.

- SQLite: the process has one connection. A temporary trigger of that connection alone (other
  processes do not see it) calls back into this process whenever a write through it raises the
  content version. While the connection is ``in_transaction`` such a write may still be waiting
  for its commit (which raises nothing), so the marker is ``None``.
- PostgreSQL: migration 0011's trigger raises a notice when the version is raised, in sessions
  that set ``cms.report_writes``: the ORM's connections do, from :func:`counting` (which also
  keeps ``client_min_messages`` at ``notice``, so that a server configured quieter still sends
  it; psql and other tools see nothing). The content triggers are deferred, so the notice comes
  with the ``COMMIT`` (or at the end of a statement outside a transaction), but before the commit
  is done: the write counts once its connection goes back to the pool (:class:`CountingConnection`
  ``.reset``), which tortoise does after each statement outside a transaction and after the
  ``COMMIT`` or ``ROLLBACK`` that ends one, before its call returns. That is the transaction
  boundary of every tortoise call. The notice is read before the statement's result, which
  follows it (:class:`~cms.core.compat.NoticeConnection`). A connection that breaks first counts
  too: whatever it wrote is as committed as it will be.
"""

from __future__ import annotations

import sqlite3
import weakref
from collections.abc import Callable
from typing import Any

import asyncpg
from tortoise.backends.base.client import BaseDBAsyncClient

from cms.core import compat

__all__ = ["NOTICE", "CountingConnection", "Marker", "counting", "marker_for"]

Marker = Callable[[], int | None]
"""Returns a number that changes whenever this process may have written; ``None`` if unknown."""

NOTICE = "cms_content_written"
"""The message of migration 0011's notice (which has its own frozen copy)."""

SERVER_SETTINGS = {"cms.report_writes": "on", "client_min_messages": "notice"}
"""What the ORM's PostgreSQL sessions set when they connect (``RESET ALL`` keeps them)."""

_REPORTING = (
    "SELECT COALESCE(current_setting('cms.report_writes', true) = 'on', false) "
    "AND EXISTS (SELECT 1 FROM pg_trigger WHERE tgname = 'content_reported') AS reporting"
)
"""Whether this session is told of its content writes (configured, and migrated to 0011)."""

_ASYNCPG = "tortoise.backends.asyncpg"

_BROKEN = (asyncpg.PostgresError, asyncpg.InterfaceError, asyncpg.InternalClientError, OSError)
"""What resetting a connection the server ended raises."""

_SQLITE_FUNCTION = "cms_local_content_write"
_SQLITE_TRIGGER = (
    "CREATE TEMP TRIGGER IF NOT EXISTS cms_local_content_write "
    "AFTER UPDATE OF version ON main.content_state "
    f"BEGIN SELECT {_SQLITE_FUNCTION}(); END"
)

_written = 0
"""Content writes this process's PostgreSQL connections have ended so far."""

_unreleased: weakref.WeakSet[CountingConnection] = weakref.WeakSet()
"""PostgreSQL connections told of a content write that have not gone back to the pool since."""


def counting(config: dict[str, Any]) -> dict[str, Any]:
    """Tortoise's configuration with this process's PostgreSQL content writes counted: its
    sessions ask to be told of them, on :class:`CountingConnection`\\ s."""
    for connection in config["connections"].values():
        if isinstance(connection, dict) and connection.get("engine") == _ASYNCPG:
            credentials = connection["credentials"]
            given = credentials.get("server_settings") or {}
            credentials["server_settings"] = {**given, **SERVER_SETTINGS}
            credentials["connection_class"] = CountingConnection
    return config


async def marker_for(client: BaseDBAsyncClient) -> Marker:
    """The content write marker of this tortoise connection (always ``None`` if it cannot be
    known); on SQLite it installs the connection's temporary trigger."""
    dialect = client.capabilities.dialect
    if dialect == "postgres":
        rows = await client.execute_query_dict(_REPORTING)
        return _postgres_marker if rows and rows[0]["reporting"] else _unknown
    if dialect == "sqlite":
        return await _sqlite_marker(client)
    return _unknown


def _unknown() -> None:
    return None


# --- PostgreSQL: the database's notice, counted at the pool ---------------------------------------


class CountingConnection(compat.NoticeConnection):
    """A pooled asyncpg connection that counts the content writes the database tells it of, once
    it is back in the pool (module doc)."""

    def noticed(self, message: str) -> None:
        if message == NOTICE:
            _unreleased.add(self)

    async def reset(self, *, timeout: float | None = None) -> None:  # noqa: ASYNC109 (asyncpg's)
        """The pool takes it back, out of any transaction (the pool ends one left open): what it
        wrote is committed (or rolled back). Then the pool's usual reset.

        A connection the server ended (``pg_terminate_backend``, a restart) may not know it yet:
        its protocol still waits for the end of the statement that failed, and the reset's
        query then fails with ``InternalClientError: cannot switch to state 12; another
        operation (2) is in progress`` (or as closed). asyncpg's pool would close it and raise
        that from ``release``, into whoever used the connection last, whose own statement had
        already ended: a token lookup that had found its token failed the request. Such a
        connection is closed here and the error goes no further: the pool connects afresh on its
        next ``acquire``."""
        _count(self)
        try:
            await super().reset(timeout=timeout)
        except _BROKEN:
            self.terminate()


def _count(connection: CountingConnection) -> None:
    global _written
    if connection in _unreleased:
        _unreleased.discard(connection)
        _written += 1


def _postgres_marker() -> int:
    if _unreleased:  # a connection that broke never comes back: count it now
        for connection in [c for c in _unreleased if c.is_closed()]:
            _count(connection)
    return _written


# --- SQLite: a temporary trigger calling back ----------------------------------------------------


async def _sqlite_marker(client: BaseDBAsyncClient) -> Marker:
    await client.execute_query("SELECT 1")  # tortoise opens its connection on first use
    connection = compat.sqlite_connection(client)
    if connection is None:
        return _unknown
    marker = _SqliteMarker(client, connection)
    await connection.create_function(_SQLITE_FUNCTION, 0, marker.written)
    try:
        await connection.execute(_SQLITE_TRIGGER)
    except sqlite3.OperationalError:  # no content_state yet (not migrated): nothing to count
        return _unknown
    return marker


class _SqliteMarker:
    """The count of content writes made through one aiosqlite connection (module doc)."""

    def __init__(self, client: BaseDBAsyncClient, connection: Any) -> None:
        self.client = client
        self.connection = connection
        self.writes = 0

    def written(self) -> None:
        """Called by SQLite (in the connection's thread) when a write raised the version."""
        self.writes += 1

    def __call__(self) -> int | None:
        if compat.sqlite_connection(self.client) is not self.connection:
            return None  # reconnected: the new connection has no trigger
        try:
            return None if self.connection.in_transaction else self.writes
        except (ValueError, sqlite3.Error):  # closed meanwhile
            return None
