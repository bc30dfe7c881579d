from tortoise import migrations
from tortoise.migrations import operations as ops
from tortoise import fields


# --- Hand-written, frozen: this migration's own SQL (see 0003_content_version).
#
# Housekeeping (cms.ops.housekeeping) prunes the change feed's tombstones (article_change rows
# of deleted articles) once they are old. ``removed_at`` dates a tombstone: housekeeping sets it
# the first time it finds the article gone (the triggers of 0009 stay as they are), and clears
# it should the article's id come back. ``content_state.changes_horizon`` is the sequence number
# of the newest tombstone pruned so far: a client whose cursor is older may have missed a removal
# and must sync from scratch (``CHANGES_EXPIRED``).


def _statements(sqlite):
    big = "INTEGER" if sqlite else "BIGINT"
    return [f"ALTER TABLE content_state ADD COLUMN changes_horizon {big} NOT NULL DEFAULT 0"]


async def forward(apps, schema_editor):
    db = schema_editor.client
    for sql in _statements(db.capabilities.dialect == "sqlite"):
        await db.execute_script(sql)


async def backward(apps, schema_editor):
    """Drop the horizon (PostgreSQL). On SQLite the way back would then drop ``removed_at`` by
    rebuilding article_change, which breaks the triggers of 0009 that write into it (tried: every
    article write then failed with "no such table: main.article_change"): refused (the
    transaction is rolled back, nothing changes). Restore a backup instead."""
    db = schema_editor.client
    if db.capabilities.dialect == "sqlite":
        raise RuntimeError(
            "0014_housekeeping cannot be rolled back on SQLite (rebuilding article_change would "
            "break the triggers that write into it): restore a backup instead"
        )
    await db.execute_script("ALTER TABLE content_state DROP COLUMN changes_horizon")


class Migration(migrations.Migration):
    dependencies = [('cms', '0013_revision_links')]

    initial = False

    operations = [
        ops.AddField(
            model_name='ArticleChange',
            name='removed_at',
            field=fields.DatetimeField(null=True, description='When housekeeping first found the article deleted (tombstones only).', auto_now=False, auto_now_add=False),
        ),
        # Hand-written: the change feed's horizon, beside the content's version.
        ops.RunPython(forward, backward),
    ]
