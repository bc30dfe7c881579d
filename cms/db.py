"""Database lifecycle for commands: apply migrations, open and close the ORM."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from tortoise import Tortoise
from tortoise.migrations.api import migrate as run_migrations

from settings import Settings


async def migrate(settings: Settings) -> None:
    """Bring the database's schema up to date with the committed migrations."""
    try:
        await run_migrations(config=settings.tortoise_config())
    finally:
        await Tortoise.close_connections()


@asynccontextmanager
async def connected(settings: Settings) -> AsyncIterator[None]:
    """The ORM, open for the duration of a command (visible from every task, like the app's)."""
    await Tortoise.init(config=settings.tortoise_config(), _enable_global_fallback=True)
    try:
        yield
    finally:
        await Tortoise.close_connections()
