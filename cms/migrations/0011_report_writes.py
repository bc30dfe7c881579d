from tortoise import migrations
from tortoise.migrations import operations as ops


# --- Hand-written, frozen: this migration's own SQL (see 0003_content_version).
#
# A session that raises the content version is told so by the database, if it asked: the app's
# connections set ``cms.report_writes`` to ``on`` when they connect (cms.notify.local_writes),
# and count their own writes from this notice, without reading the SQL they send. Every other
# session (psql, the importer, other tools) has the setting unset and sees nothing. The version
# is raised once per writing transaction (0003, 0007, 0009), so the notice comes once too: at
# commit for the content triggers (they are deferred), at once for a statement that raises the
# version itself. SQLite has no notices: the app's connection installs a temporary trigger of
# its own instead.

NOTICE = "cms_content_written"
"""The notice's message: what the app's connections listen for."""

_REPORTING = (
    "CREATE OR REPLACE FUNCTION cms_content_reported() RETURNS trigger LANGUAGE plpgsql AS "
    "$$ BEGIN "
    "IF current_setting('cms.report_writes', true) = 'on' THEN "
    f"RAISE NOTICE '{NOTICE}'; "
    "END IF; RETURN NULL; END $$"
)


def _pg_statements():
    return [
        _REPORTING,
        "DROP TRIGGER IF EXISTS content_reported ON content_state",
        "CREATE TRIGGER content_reported AFTER UPDATE OF version ON content_state "
        "FOR EACH ROW EXECUTE FUNCTION cms_content_reported()",
    ]


def _pg_drop():
    return [
        "DROP TRIGGER IF EXISTS content_reported ON content_state",
        "DROP FUNCTION IF EXISTS cms_content_reported()",
    ]


async def forward(apps, schema_editor):
    db = schema_editor.client
    if db.capabilities.dialect != "sqlite":
        for sql in _pg_statements():
            await db.execute_script(sql)


async def backward(apps, schema_editor):
    db = schema_editor.client
    if db.capabilities.dialect != "sqlite":
        for sql in _pg_drop():
            await db.execute_script(sql)


class Migration(migrations.Migration):
    dependencies = [('cms', '0010_cover_caption')]

    initial = False

    operations = [
        # Hand-written: the app's own connections hear of their content writes (PostgreSQL).
        ops.RunPython(forward, backward),
    ]
