"""The database: apply migrations, open and close the ORM, and run raw SQL in either dialect.

Raw SQL is written once, with ``?`` markers, and sent to PostgreSQL with its own ``$1, $2, ...``
(see :func:`native`). It runs on the articles' connection unless told otherwise: inside
``in_transaction()`` that is the transaction's.
"""

from __future__ import annotations

import asyncio
import re
import sqlite3
from collections.abc import AsyncIterator, Callable, Sequence
from contextlib import asynccontextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal, cast

import asyncpg
from tortoise import Tortoise
from tortoise.backends.base.client import BaseDBAsyncClient
from tortoise.migrations.api import migrate as run_migrations

from cms.core import compat
from cms.models import Article

if TYPE_CHECKING:
    from settings import Settings


Dialect = Literal["sqlite", "postgres"]
Fragment = tuple[str, list[Any]]
"""A piece of SQL written with ``?`` markers, and the values of its markers in order."""


class DatabaseUnavailable(Exception):
    """The database in the settings cannot be opened or reached (the message says why)."""


async def migrate(settings: Settings) -> None:
    """Bring the database's schema up to date with the committed migrations."""
    await _open_sqlite_file(settings)
    try:
        await run_migrations(config=settings.tortoise_config())
    except OSError as error:  # a refused connection; tortoise's DBConnectionError is one too
        raise DatabaseUnavailable(f"cannot connect to the database: {error}") from error
    finally:
        await Tortoise.close_connections()


@asynccontextmanager
async def connected(
    settings: Settings, prepare: Callable[[dict[str, Any]], dict[str, Any]] | None = None
) -> AsyncIterator[None]:
    """The ORM, open for the duration of a command (visible from every task, like the app's);
    ``prepare`` may change tortoise's configuration first (the app counts its writes)."""
    await _open_sqlite_file(settings)
    try:
        config = settings.tortoise_config()
        config = prepare(config) if prepare is not None else config
        await compat.init_orm(config)
    except OSError as error:
        raise DatabaseUnavailable(f"cannot connect to the database: {error}") from error
    try:
        yield
    finally:
        await Tortoise.close_connections()


def is_unavailable(error: BaseException) -> bool:
    """Whether ``error`` (or what it was raised from) says the database cannot be reached: no
    connection, a connection lost or ended by the server (``pg_terminate_backend``, a restart,
    a server starting up or shutting down). Such a request may succeed if tried again."""
    seen: set[int] = set()
    current: BaseException | None = error
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        if isinstance(current, ConnectionError) or _unavailable_state(current):
            return True
        if isinstance(current, asyncpg.InterfaceError) and _LOST.search(str(current)):
            # "cannot call Transaction.rollback(): the underlying connection is closed"; "cannot
            # call Connection.fetch(): connection has been released back to the pool" (a pooled
            # connection whose loss asyncpg read between its acquire and its statement)
            return True
        if isinstance(current, asyncpg.InternalClientError) and "in progress" in str(current):
            # "cannot switch to state 11; another operation (2) is in progress": a pooled
            # connection the server ended while it was idle, handed out before asyncpg read its
            # end (it still waits for the error's end); nothing was sent on it.
            return True
        current = current.__cause__ or current.__context__
    return False


_LOST = re.compile(r"connection is closed|released back to the pool")


def _unavailable_state(error: BaseException) -> bool:
    """PostgreSQL's SQLSTATE classes 08 (connection exception) and 57P (operator
    intervention: an administrator's command, a crash, a shutdown, not accepting connections)."""
    state = getattr(error, "sqlstate", None)
    return isinstance(state, str) and state.startswith(("08", "57P"))


def statement_timeout(config: dict[str, Any], seconds: float) -> dict[str, Any]:
    """Tortoise's configuration with every PostgreSQL statement stopped by the server after
    ``seconds`` (``statement_timeout``): a request's query is cancelled when its budget runs
    out, and a statement that outlives it (a batch another task awaited) is stopped by this.
    SQLite has no such thing: its statement finishes on the connection's thread."""
    for connection in config["connections"].values():
        if isinstance(connection, dict) and connection.get("engine", "").endswith("asyncpg"):
            credentials = connection["credentials"]
            given = credentials.get("server_settings") or {}
            timeout = str(max(1, round(seconds * 1000)))
            credentials["server_settings"] = {**given, "statement_timeout": timeout}
    return config


async def _open_sqlite_file(settings: Settings) -> None:
    """Make the SQLite file's folder and open the file once, before tortoise does.

    When tortoise's first SQLite connection fails, it keeps a lock it never releases and the next
    query waits forever: a bad path must fail here, with its name, instead of hanging.
    """
    connection = settings.tortoise_config()["connections"]["default"]
    path = connection["credentials"].get("file_path")
    if not connection["engine"].endswith(".sqlite") or path in {None, ":memory:"}:
        return
    try:
        await asyncio.to_thread(_open_once, Path(path))
    except (OSError, sqlite3.Error) as error:
        raise DatabaseUnavailable(f"cannot open the SQLite file {path}: {error}") from None


def _open_once(path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    conn = sqlite3.connect(path)
    try:
        conn.execute("PRAGMA schema_version").fetchone()
    finally:
        conn.close()


# --- raw SQL ------------------------------------------------------------------------------------


def dialect(db: BaseDBAsyncClient) -> Dialect:
    """``sqlite`` or ``postgres``; the CMS's raw SQL (search, content stamps) knows no other."""
    name = db.capabilities.dialect
    if name not in {"sqlite", "postgres"}:
        raise RuntimeError(f"The CMS needs SQLite or PostgreSQL, not {name}.")
    return cast(Dialect, name)


def native(sql: str, db: BaseDBAsyncClient) -> str:
    """``sql``, written with ``?`` markers (and no other ``?``), in ``db``'s own markers."""
    if db.capabilities.dialect != "postgres":
        return sql
    parts = sql.split("?")
    return parts[0] + "".join(f"${n}{part}" for n, part in enumerate(parts[1:], start=1))


def marks(count: int) -> str:
    """``count`` markers for an ``IN (...)`` list: ``?, ?, ?``."""
    return ", ".join("?" for _ in range(count))


def all_of(*fragments: Fragment | None) -> Fragment:
    """The conditions that are not None, joined by ``AND`` (``TRUE`` when there are none)."""
    given = [f for f in fragments if f is not None]
    sql = " AND ".join(text for text, _ in given) or "TRUE"
    return sql, [value for _, params in given for value in params]


def connection() -> BaseDBAsyncClient:
    """The articles' connection: inside ``in_transaction()``, the transaction's."""
    return compat.model_connection(Article)


async def fetch(
    sql: str, params: Sequence[Any] = (), db: BaseDBAsyncClient | None = None
) -> list[dict[str, Any]]:
    """The rows of a query written with ``?`` markers, as dicts."""
    db = db or connection()
    return list(await db.execute_query_dict(native(sql, db), list(params)))


async def execute(
    sql: str, params: Sequence[Any] = (), db: BaseDBAsyncClient | None = None
) -> None:
    """Run one statement written with ``?`` markers."""
    db = db or connection()
    await db.execute_query(native(sql, db), list(params))


async def execute_many(
    sql: str, rows: Sequence[Sequence[Any]], db: BaseDBAsyncClient | None = None
) -> None:
    """Run one statement written with ``?`` markers once for each of ``rows``."""
    db = db or connection()
    await db.execute_many(native(sql, db), [list(row) for row in rows])
