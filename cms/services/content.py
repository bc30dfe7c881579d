"""The content's version: one number that every write to the content tables raises.

Database triggers raise ``content_state.version`` in the writing transaction itself, whatever
writes (a service, the importer, a migration, an operator's SQL), so a reader that sees the new
content also sees the new number, on every app instance that shares the database. With the next
instant at which a scheduled article comes into view, it says whether an answer computed earlier
is still the answer now: see :mod:`cms.response_cache`.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from tortoise.backends.base.client import BaseDBAsyncClient
from tortoise.migrations.schema_editor.base import BaseSchemaEditor

from cms import db
from cms.services.clock import utc
from cms.services.visibility import upcoming_sql

TABLES = ("article", "article_author", "article_image", "author", "event", "image")
"""What the public API reads. A write to any of them is a new version of the content."""


@dataclass(frozen=True, slots=True)
class Stamp:
    """What the public content looks like at one instant: equal stamps, equal answers."""

    version: int
    next_change: datetime | None
    """When the next scheduled article comes into view (answers change then without a write)."""


async def stamp(now: datetime) -> Stamp | None:
    """The content's stamp at ``now``; ``None`` if the database keeps no version (not migrated)."""
    upcoming, params = upcoming_sql(now, "a")
    rows = await db.fetch(
        "SELECT (SELECT version FROM content_state WHERE id = 1) AS version, "
        f"(SELECT MIN(a.published_at) FROM article a WHERE {upcoming}) AS next_change",
        params,
    )
    version, next_change = rows[0]["version"], rows[0]["next_change"]
    if version is None:
        return None
    if next_change is not None and not isinstance(next_change, datetime):
        next_change = datetime.fromisoformat(str(next_change))
    return Stamp(int(version), utc(next_change) if next_change is not None else None)


# --- the migration -----------------------------------------------------------------------------


def _sqlite_create() -> list[str]:
    statements = [
        "CREATE TABLE IF NOT EXISTS content_state "
        "(id INTEGER PRIMARY KEY CHECK (id = 1), version INTEGER NOT NULL)",
        "INSERT OR IGNORE INTO content_state (id, version) VALUES (1, 0)",
    ]
    for table in TABLES:
        for event in ("INSERT", "UPDATE", "DELETE"):
            statements.append(
                f"CREATE TRIGGER IF NOT EXISTS content_changed_{table}_{event.lower()} "
                f"AFTER {event} ON {table} "
                "BEGIN UPDATE content_state SET version = version + 1 WHERE id = 1; END"
            )
    return statements


def _postgres_create() -> list[str]:
    # The triggers are deferred to the commit, so the one version row is the *last* lock a
    # writing transaction takes: two writers never wait on each other's row locks while holding
    # it (no deadlock), and it is held only for the commit. One bump per transaction.
    statements = [
        "CREATE TABLE IF NOT EXISTS content_state "
        "(id INT PRIMARY KEY CHECK (id = 1), version BIGINT NOT NULL, last_xact BIGINT)",
        "INSERT INTO content_state (id, version) VALUES (1, 0) ON CONFLICT (id) DO NOTHING",
        "CREATE OR REPLACE FUNCTION cms_content_changed() RETURNS trigger LANGUAGE plpgsql AS "
        "$$ BEGIN UPDATE content_state SET version = version + 1, last_xact = txid_current() "
        "WHERE id = 1 AND last_xact IS DISTINCT FROM txid_current(); RETURN NULL; END $$",
    ]
    for table in TABLES:
        statements += [
            f"DROP TRIGGER IF EXISTS content_changed ON {table}",
            f"CREATE CONSTRAINT TRIGGER content_changed AFTER INSERT OR UPDATE OR DELETE "
            f"ON {table} DEFERRABLE INITIALLY DEFERRED "
            "FOR EACH ROW EXECUTE FUNCTION cms_content_changed()",
            # TRUNCATE has no row triggers (and constraint triggers are per row).
            f"DROP TRIGGER IF EXISTS content_truncated ON {table}",
            f"CREATE TRIGGER content_truncated AFTER TRUNCATE ON {table} "
            "FOR EACH STATEMENT EXECUTE FUNCTION cms_content_changed()",
        ]
    return statements


def _sqlite_drop() -> list[str]:
    return [
        *(
            f"DROP TRIGGER IF EXISTS content_changed_{table}_{event}"
            for table in TABLES
            for event in ("insert", "update", "delete")
        ),
        "DROP TABLE IF EXISTS content_state",
    ]


def _postgres_drop() -> list[str]:
    return [
        *(f"DROP TRIGGER IF EXISTS content_changed ON {table}" for table in TABLES),
        *(f"DROP TRIGGER IF EXISTS content_truncated ON {table}" for table in TABLES),
        "DROP FUNCTION IF EXISTS cms_content_changed()",
        "DROP TABLE IF EXISTS content_state",
    ]


async def _run(db: BaseDBAsyncClient, statements: list[str]) -> None:
    for sql in statements:
        await db.execute_script(sql)


async def migrate_forward(apps: Any, schema_editor: BaseSchemaEditor) -> None:
    """Migration step: the version row and the triggers that raise it."""
    db = schema_editor.client
    sqlite = db.capabilities.dialect == "sqlite"
    await _run(db, _sqlite_create() if sqlite else _postgres_create())


async def migrate_backward(apps: Any, schema_editor: BaseSchemaEditor) -> None:
    """Migration step back: drop them."""
    db = schema_editor.client
    sqlite = db.capabilities.dialect == "sqlite"
    await _run(db, _sqlite_drop() if sqlite else _postgres_drop())
