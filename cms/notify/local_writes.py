"""This process's own writes to the content, noticed as they happen, without a statement.

The response cache trusts the content version it last read until something may have changed it
(:mod:`cms.notify.content_watch`). Other processes' writes reach it through PostgreSQL's
notifications or a periodic check; this process's own must count at once, whoever makes them (a
mutation, a service called outside HTTP, an operator's SQL in a test), and for free, since the
cache asks on every answer it gives from memory. :func:`marker_for` gives a function returning a
number that changes whenever this process may have committed a change to the content (``None``
when it cannot tell), and nothing else, so that the background jobs' own bookkeeping (leases,
deliveries) does not make the cache read the version again:

- SQLite: the process has one connection. A temporary trigger of that connection alone (other
  processes do not see it) calls back into this process whenever a write through it raises the
  content version (migration 0003's triggers do, on every row they see change). While the
  connection is ``in_transaction`` such a write may still be waiting for its commit (which raises
  nothing), so the marker is ``None``.
- PostgreSQL: the pool's connections are :class:`CountingConnection`\\ s (installed by
  :func:`counting`). A statement that names a content table (or ``content_state``, the version
  itself) and changed rows marks its connection; once that connection is out of any transaction
  (after a write in autocommit, or the end of the transaction that wrote) the count goes up.
"""

from __future__ import annotations

import re
import sqlite3
from collections.abc import Callable
from typing import Any

import asyncpg
from tortoise.backends.base.client import BaseDBAsyncClient

__all__ = ["CountingConnection", "Marker", "counting", "marker_for"]

Marker = Callable[[], int | None]
"""Returns a number that changes whenever this process may have written; ``None`` if unknown."""

CONTENT_TABLES = ("article", "article_author", "article_image", "author", "event", "image")
""":data:`cms.notify.content.TABLES` (a test keeps the two alike; importing it here would be
circular): a statement that names none of them writes no content."""

_NAMES_CONTENT = re.compile(
    r"\b(?:" + "|".join((*CONTENT_TABLES, "content_state")) + r")\b", re.IGNORECASE
)
"""A statement that may change the content names one of its tables, or raises the version itself
(as removing a persisted query does)."""

_READS = ("SELECT", "BEGIN", "START", "SAVEPOINT", "RELEASE", "ROLLBACK", "COMMIT", "END", "SHOW")
"""How statements that change no rows begin (``COMMIT`` publishes changes counted before it)."""

_ASYNCPG = "tortoise.backends.asyncpg"

_SQLITE_FUNCTION = "cms_local_content_write"
_SQLITE_TRIGGER = (
    "CREATE TEMP TRIGGER IF NOT EXISTS cms_local_content_write "
    "AFTER UPDATE OF version ON main.content_state "
    f"BEGIN SELECT {_SQLITE_FUNCTION}(); END"
)

_written = 0
"""Content writes ended by this process's :class:`CountingConnection`\\ s so far (PostgreSQL)."""


def _writes_content(query: str) -> bool:
    return not query.lstrip()[:9].upper().startswith(_READS) and bool(_NAMES_CONTENT.search(query))


def _no_rows(status: Any) -> bool:
    """Whether a command status (``UPDATE 0``, ``INSERT 0 0``) says no row changed."""
    return isinstance(status, str) and status.rsplit(" ", 1)[-1] == "0"


class CountingConnection(asyncpg.Connection):  # type: ignore[misc]
    """An asyncpg connection that counts the content writes it has ended (module doc).

    Every statement tortoise sends goes through one of these methods (transactions included:
    asyncpg sends ``BEGIN`` and ``COMMIT`` with :meth:`execute`).
    """

    _wrote = False

    async def execute(self, query: str, *args: Any, **kwargs: Any) -> Any:
        status = None
        try:
            status = await super().execute(query, *args, **kwargs)
            return status
        finally:
            self._ended(query, changed=not _no_rows(status))

    async def executemany(self, command: str, *args: Any, **kwargs: Any) -> Any:
        try:
            return await super().executemany(command, *args, **kwargs)
        finally:
            self._ended(command, changed=True)

    async def fetch(self, query: str, *args: Any, **kwargs: Any) -> Any:
        rows = None
        try:
            rows = await super().fetch(query, *args, **kwargs)
            return rows
        finally:
            self._ended(query, changed=rows is None or bool(rows) or not _returning(query))

    async def fetchrow(self, query: str, *args: Any, **kwargs: Any) -> Any:
        row, done = None, False
        try:
            row = await super().fetchrow(query, *args, **kwargs)
            done = True
            return row
        finally:
            self._ended(query, changed=not done or row is not None or not _returning(query))

    async def fetchval(self, query: str, *args: Any, **kwargs: Any) -> Any:
        try:
            return await super().fetchval(query, *args, **kwargs)
        finally:
            self._ended(query, changed=True)

    async def fetchmany(self, query: str, *args: Any, **kwargs: Any) -> Any:
        try:
            return await super().fetchmany(query, *args, **kwargs)
        finally:
            self._ended(query, changed=True)

    def _ended(self, query: str, *, changed: bool) -> None:
        """Count a content write once others can see it (or once it failed in a way that may
        have let it through: then ``changed`` is true, as nothing says otherwise)."""
        global _written
        if changed and _writes_content(query):
            self._wrote = True
        if self._wrote and not self._in_transaction():
            self._wrote = False
            _written += 1

    def _in_transaction(self) -> bool:
        try:
            return bool(self.is_in_transaction())
        except Exception:  # a broken connection: whatever it did is as committed as it will be
            return False


def _returning(query: str) -> bool:
    """Whether a statement returns the rows it changed (then no row returned: none changed)."""
    return "RETURNING" in query.upper()


def counting(config: dict[str, Any]) -> dict[str, Any]:
    """Tortoise's configuration with :class:`CountingConnection` for asyncpg connections."""
    for connection in config["connections"].values():
        if isinstance(connection, dict) and connection.get("engine") == _ASYNCPG:
            connection["credentials"]["connection_class"] = CountingConnection
    return config


async def marker_for(client: BaseDBAsyncClient) -> Marker:
    """The content write marker of this tortoise connection (always ``None`` if it cannot be
    known); on SQLite it installs the connection's temporary trigger."""
    if getattr(client, "connection_class", None) is CountingConnection:
        return _postgres_marker
    if client.capabilities.dialect == "sqlite":
        return await _sqlite_marker(client)
    return lambda: None


def _postgres_marker() -> int:
    return _written


async def _sqlite_marker(client: BaseDBAsyncClient) -> Marker:
    await client.execute_query("SELECT 1")  # tortoise opens its connection on first use
    # tortoise's SQLite client keeps its one aiosqlite connection here.
    connection = getattr(client, "_connection", None)
    if connection is None:
        return lambda: None
    marker = _SqliteMarker(client, connection)
    await connection.create_function(_SQLITE_FUNCTION, 0, marker.written)
    try:
        await connection.execute(_SQLITE_TRIGGER)
    except sqlite3.OperationalError:  # no content_state yet (not migrated): nothing to count
        return lambda: None
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
        current: Any = getattr(self.client, "_connection", None)
        if current is not self.connection:
            return None  # reconnected: the new connection has no trigger
        try:
            return None if self.connection.in_transaction else self.writes
        except (ValueError, sqlite3.Error):  # closed meanwhile
            return None
