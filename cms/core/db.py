"""The database: apply migrations, open and close the ORM, and run raw SQL in either dialect.

Raw SQL is written once, with ``?`` markers, and sent to PostgreSQL with its own ``$1, $2, ...``
(see :func:`native`). It runs on the articles' connection unless told otherwise: inside
``in_transaction()`` that is the transaction's.
"""

from __future__ import annotations

import asyncio
import sqlite3
from collections.abc import AsyncIterator, Callable, Sequence
from contextlib import asynccontextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal, cast

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
