"""Every use of a library's non-public API, in one place, each with a test that fails loudly
(tests/unit/test_compat*.py) when an update of the library breaks it.

A function here is small and says what it leans on. Code elsewhere calls these functions and
never reaches into the libraries' internals itself, so that an upgrade is checked here, once.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable, Mapping
from contextlib import asynccontextmanager
from typing import Any, TypeVar

import asyncpg
from tortoise.backends.base.client import BaseDBAsyncClient
from tortoise.models import Model

M = TypeVar("M", bound=Model)

# --- tortoise-orm: models from rows (checked with 1.1.9) ---------------------------------------


def model_table(model: type[Model]) -> str:
    """The table a model is stored in (``Model._meta.db_table``)."""
    return str(model._meta.db_table)


def model_columns(model: type[Model]) -> tuple[str, ...]:
    """The columns of a model's table, in the order the model declares its fields
    (``Model._meta.fields_db_projection``: field name to column, relations as their ``_id``)."""
    return tuple(model._meta.fields_db_projection.values())


def model_from_row(model: type[M]) -> Callable[[Mapping[str, Any]], M]:
    """Makes a model instance from a row holding every one of :func:`model_columns`, as tortoise
    makes one from its own queries (``Model._init_from_db``: values converted from the
    database's form, the instance marked as saved), so raw SQL can read models."""
    build = model._init_from_db

    def made(row: Mapping[str, Any]) -> M:
        return build(**row)

    return made


def attach_related(instance: Model, name: str, related: Model | None) -> None:
    """Give ``instance`` its related object ``name`` read with it, as tortoise's
    ``select_related`` does (the relation's cache, ``_<name>``): reading it costs no query."""
    object.__setattr__(instance, f"_{name}", related)


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
