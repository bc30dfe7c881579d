from tortoise import migrations
from tortoise.migrations import operations as ops


# --- Hand-written, frozen: this migration's own SQL (see 0003_content_version).

CHANNEL = "cms_content"
"""The PostgreSQL channel told of every committed content change (the payload: the version)."""


_NOTIFYING = (
    "CREATE OR REPLACE FUNCTION cms_content_changed() RETURNS trigger LANGUAGE plpgsql AS "
    "$$ DECLARE bumped BIGINT; BEGIN "
    "UPDATE content_state SET version = version + 1, last_xact = txid_current() "
    "WHERE id = 1 AND last_xact IS DISTINCT FROM txid_current() RETURNING version INTO bumped; "
    f"IF bumped IS NOT NULL THEN PERFORM pg_notify('{CHANNEL}', bumped::text); END IF; "
    "RETURN NULL; END $$"
)
"""The trigger function of 0003, now also notifying listeners (delivered at commit, once per
writing transaction: the function bumps the version once per transaction)."""

_SILENT = (
    "CREATE OR REPLACE FUNCTION cms_content_changed() RETURNS trigger LANGUAGE plpgsql AS "
    "$$ BEGIN UPDATE content_state SET version = version + 1, last_xact = txid_current() "
    "WHERE id = 1 AND last_xact IS DISTINCT FROM txid_current(); RETURN NULL; END $$"
)
"""0003's function, restored by the way back."""


async def forward(apps, schema_editor):
    """On PostgreSQL, the content triggers notify ``cms_content``; SQLite has no such thing."""
    db = schema_editor.client
    if db.capabilities.dialect != "sqlite":
        await db.execute_script(_NOTIFYING)


async def backward(apps, schema_editor):
    db = schema_editor.client
    if db.capabilities.dialect != "sqlite":
        await db.execute_script(_SILENT)


class Migration(migrations.Migration):
    dependencies = [('cms', '0006_instance_secret')]

    initial = False

    operations = [
        # Hand-written: other instances learn of a write at once (LISTEN cms_content).
        ops.RunPython(forward, backward),
    ]
