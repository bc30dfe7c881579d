from tortoise import migrations
from tortoise.migrations import operations as ops


# --- Hand-written, frozen: this migration's own SQL, copied rather than imported from live code,
# so that a later change to the CMS cannot change what this migration does on a new database.

TABLES = ("article", "article_author", "article_image", "author", "event", "image")
"""The content tables as of this migration: a write to any of them raises the version."""


def _sqlite_create():
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


def _postgres_create():
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


def _sqlite_drop():
    return [
        *(
            f"DROP TRIGGER IF EXISTS content_changed_{table}_{event}"
            for table in TABLES
            for event in ("insert", "update", "delete")
        ),
        "DROP TABLE IF EXISTS content_state",
    ]


def _postgres_drop():
    return [
        *(f"DROP TRIGGER IF EXISTS content_changed ON {table}" for table in TABLES),
        *(f"DROP TRIGGER IF EXISTS content_truncated ON {table}" for table in TABLES),
        "DROP FUNCTION IF EXISTS cms_content_changed()",
        "DROP TABLE IF EXISTS content_state",
    ]


async def _run(db, statements):
    for sql in statements:
        await db.execute_script(sql)


async def forward(apps, schema_editor):
    """The version row and the triggers that raise it."""
    db = schema_editor.client
    sqlite = db.capabilities.dialect == "sqlite"
    await _run(db, _sqlite_create() if sqlite else _postgres_create())


async def backward(apps, schema_editor):
    """Drop them."""
    db = schema_editor.client
    sqlite = db.capabilities.dialect == "sqlite"
    await _run(db, _sqlite_drop() if sqlite else _postgres_drop())


class Migration(migrations.Migration):
    dependencies = [('cms', '0002_search')]

    initial = False

    operations = [
        # Hand-written: content_state.version, raised by triggers on every content table in the
        # writing transaction; the response cache keys its answers on it.
        ops.RunPython(forward, backward),
    ]
