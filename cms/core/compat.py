"""Every use of a library's non-public API, in one place, each with a test that fails loudly
(tests/unit/test_compat*.py) when an update of the library breaks it.

A function here is small and says what it leans on. Code elsewhere calls these functions and
never reaches into the libraries' internals itself, so that an upgrade is checked here, once.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import asyncpg
from tortoise.backends.base.client import BaseDBAsyncClient

# --- asyncpg and tortoise connections (cms.notify) ---------------------------------------------
#
# tests/unit/test_compat_connections.py checks each of these against the installed tortoise-orm
# and asyncpg.


def sqlite_connection(client: BaseDBAsyncClient) -> Any:
    """The one aiosqlite connection of tortoise's SQLite client; ``None`` before it opened (or for
    another client). tortoise keeps it in ``_connection`` and offers no public accessor."""
    return getattr(client, "_connection", None)


@asynccontextmanager
async def driver_connection(client: BaseDBAsyncClient) -> AsyncIterator[Any]:
    """The driver's own connection behind ``client``, taken as tortoise takes it for a statement
    (on SQLite: after any transaction on it, under its lock), for statements tortoise must not log
    as a request's. tortoise's ``acquire_connection`` is its executors' internal tool."""
    async with client.acquire_connection() as connection:
        yield connection


class NoticeConnection(asyncpg.Connection):  # type: ignore[misc]
    """An asyncpg connection that hands every notice the server sends to :meth:`noticed` as soon
    as it is read: before the statement that raised it returns, whose result comes after it.

    asyncpg's public way, ``add_log_listener``, calls listeners later (``loop.call_soon``), and a
    pool warns about any listener left on a connection it takes back, so one cannot stay for the
    connection's life. This overrides asyncpg's private ``Connection._process_log_message(fields,
    last_query)``, which its protocol calls with the message's fields (``M``: the message)."""

    def noticed(self, message: str) -> None:
        """A notice with this message arrived (override it)."""

    def _process_log_message(self, fields: dict[str, str], last_query: Any) -> None:
        self.noticed(fields.get("M", ""))
        super()._process_log_message(fields, last_query)
