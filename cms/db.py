"""Database lifecycle for commands: apply migrations, open and close the ORM."""

from __future__ import annotations

import asyncio
import sqlite3
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import TYPE_CHECKING

from tortoise import Tortoise
from tortoise.migrations.api import migrate as run_migrations

if TYPE_CHECKING:
    from settings import Settings


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
async def connected(settings: Settings) -> AsyncIterator[None]:
    """The ORM, open for the duration of a command (visible from every task, like the app's)."""
    await _open_sqlite_file(settings)
    try:
        await Tortoise.init(config=settings.tortoise_config(), _enable_global_fallback=True)
    except OSError as error:
        raise DatabaseUnavailable(f"cannot connect to the database: {error}") from error
    try:
        yield
    finally:
        await Tortoise.close_connections()


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
