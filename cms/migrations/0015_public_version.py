from tortoise import migrations
from tortoise.migrations import operations as ops


# --- Hand-written, frozen: this migration's own SQL (see 0003_content_version).
#
# The content version follows what anonymous readers can see. Until now every write to a content
# table raised it, a draft's save included, and every instance's response cache dropped its
# answers. From here a write to an article, or to a row hanging off one (its authors, images,
# tags, its place in a collection), raises it only when the article is public (published, or
# scheduled: a scheduled article's time is the stamp's ``next_change``, read from the article
# table itself) before or after the write. The other content tables (author, event, image,
# section, tag, collection) still raise it on every write: coarse, as they may be shown by a
# public article. Revisions, preview links and tokens were never content tables.
#
# On PostgreSQL the change feed (0009, 0012) numbered its rows with the content version, which
# its triggers raised too: it now has a number of its own, ``content_state.change_seq``, raised
# once per writing transaction under the same row lock (so still in commit order), starting
# from the version (cursors already handed out stay valid). SQLite numbers the feed by
# ``MAX(seq) + 1`` and needs nothing.

PUBLIC = "('published', 'scheduled')"
"""The statuses anonymous readers see, now or when their time comes."""

LINKS = ("article_author", "article_image", "article_tag", "collection_item")
"""Rows hanging off an article (column ``article_id``): public when their article is."""

_ARTICLE_IS = f"EXISTS (SELECT 1 FROM article AS a WHERE a.id {{}} AND a.status IN {PUBLIC})"

_SQLITE_BUMP = "BEGIN UPDATE content_state SET version = version + 1 WHERE id = 1; END"

_SQLITE_WHEN = {
    ("article", "insert"): f"NEW.status IN {PUBLIC}",
    ("article", "update"): f"OLD.status IN {PUBLIC} OR NEW.status IN {PUBLIC}",
    ("article", "delete"): f"OLD.status IN {PUBLIC}",
    **{
        (table, event): _ARTICLE_IS.format(ids)
        for table in LINKS
        for event, ids in (
            ("insert", "= NEW.article_id"),
            ("update", "IN (OLD.article_id, NEW.article_id)"),
            ("delete", "= OLD.article_id"),
        )
    },
}


def _sqlite_create(when):
    statements = []
    for (table, event), condition in _SQLITE_WHEN.items():
        name = f"content_changed_{table}_{event}"
        guard = f"WHEN {condition} " if when else ""
        statements += [
            f"DROP TRIGGER IF EXISTS {name}",
            f"CREATE TRIGGER {name} AFTER {event.upper()} ON {table} {guard}{_SQLITE_BUMP}",
        ]
    return statements


_PG_PUBLIC_CHANGE = (
    "CREATE OR REPLACE FUNCTION cms_content_changed() RETURNS trigger LANGUAGE plpgsql AS "
    "$$ DECLARE bumped BIGINT; seen BOOLEAN := true; BEGIN "
    "IF TG_LEVEL = 'ROW' AND TG_TABLE_NAME = 'article' THEN "
    f"IF TG_OP = 'INSERT' THEN seen := NEW.status IN {PUBLIC}; "
    f"ELSIF TG_OP = 'DELETE' THEN seen := OLD.status IN {PUBLIC}; "
    f"ELSE seen := OLD.status IN {PUBLIC} OR NEW.status IN {PUBLIC}; END IF; "
    f"ELSIF TG_LEVEL = 'ROW' AND TG_TABLE_NAME IN {tuple(LINKS)!r} THEN "
    # Deferred to the commit: the article as committed. An article that stopped being public in
    # the same transaction raised the version through its own row.
    f"IF TG_OP = 'INSERT' THEN seen := {_ARTICLE_IS.format('= NEW.article_id')}; "
    f"ELSIF TG_OP = 'DELETE' THEN seen := {_ARTICLE_IS.format('= OLD.article_id')}; "
    f"ELSE seen := {_ARTICLE_IS.format('IN (OLD.article_id, NEW.article_id)')}; END IF; "
    "END IF; "
    "IF seen THEN "
    "UPDATE content_state SET version = version + 1, last_xact = txid_current() "
    "WHERE id = 1 AND last_xact IS DISTINCT FROM txid_current() RETURNING version INTO bumped; "
    "IF bumped IS NOT NULL THEN PERFORM pg_notify('cms_content', bumped::text); END IF; "
    "END IF; RETURN NULL; END $$"
)
"""0007's function, raising the version only for what readers may see."""

_PG_EVERY_CHANGE = (
    "CREATE OR REPLACE FUNCTION cms_content_changed() RETURNS trigger LANGUAGE plpgsql AS "
    "$$ DECLARE bumped BIGINT; BEGIN "
    "UPDATE content_state SET version = version + 1, last_xact = txid_current() "
    "WHERE id = 1 AND last_xact IS DISTINCT FROM txid_current() RETURNING version INTO bumped; "
    "IF bumped IS NOT NULL THEN PERFORM pg_notify('cms_content', bumped::text); END IF; "
    "RETURN NULL; END $$"
)
"""0007's function as it was, restored by the way back."""

_PG_SEQ = (
    "UPDATE content_state SET change_seq = change_seq + 1, change_xact = txid_current() "
    "WHERE id = 1 AND change_xact IS DISTINCT FROM txid_current(); "
    "SELECT change_seq INTO v FROM content_state WHERE id = 1; "
)
"""The change feed's own number: raised once per transaction, read under the row lock."""

_PG_BUMP = (
    "UPDATE content_state SET version = version + 1, last_xact = txid_current() "
    "WHERE id = 1 AND last_xact IS DISTINCT FROM txid_current() RETURNING version INTO bumped; "
    "IF bumped IS NOT NULL THEN PERFORM pg_notify('cms_content', bumped::text); END IF; "
    "SELECT version INTO v FROM content_state WHERE id = 1; "
)
"""0009's and 0012's numbering (the content version), restored by the way back."""

_UPSERT = (
    " ON CONFLICT (article_id) DO UPDATE SET seq = excluded.seq, "
    "ever_public = (article_change.ever_public OR excluded.ever_public)"
)

_TRACKED = {
    "article": (
        "IF TG_OP = 'DELETE' THEN "
        "INSERT INTO article_change (article_id, seq, ever_public) "
        f"VALUES (OLD.id, v, OLD.status = 'published'){_UPSERT}; "
        "ELSE INSERT INTO article_change (article_id, seq, ever_public) "
        f"VALUES (NEW.id, v, NEW.status = 'published'){_UPSERT}; END IF;"
    ),
    "article_tag": (
        "IF TG_OP = 'DELETE' THEN "
        "INSERT INTO article_change (article_id, seq, ever_public) "
        f"VALUES (OLD.article_id, v, false){_UPSERT}; "
        "ELSE INSERT INTO article_change (article_id, seq, ever_public) "
        f"VALUES (NEW.article_id, v, false){_UPSERT}; END IF;"
    ),
    **{
        table: (
            "INSERT INTO article_change (article_id, seq, ever_public) "
            f"SELECT linked.id, v, false FROM ({ids}) AS linked{_UPSERT};"
        )
        for table, ids in {
            "author": "SELECT article_id AS id FROM article_author WHERE author_id = NEW.id",
            "event": "SELECT id FROM article WHERE event_id = NEW.id",
            "image": "SELECT article_id AS id FROM article_image WHERE image_id = NEW.id "
            "UNION SELECT id FROM article WHERE cover_id = NEW.id",
            "section": "SELECT id FROM article WHERE section_id = NEW.id",
            "tag": "SELECT article_id AS id FROM article_tag WHERE tag_id = NEW.id",
        }.items()
    },
}
"""The change feed's trigger functions (0009, 0012), body for body."""


def _pg_tracked(numbering):
    return [
        f"CREATE OR REPLACE FUNCTION cms_{table}_tracked() RETURNS trigger LANGUAGE plpgsql AS "
        f"$$ DECLARE bumped BIGINT; v BIGINT; BEGIN {numbering}{body} RETURN NULL; END $$"
        for table, body in _TRACKED.items()
    ]


def _pg_create():
    return [
        "ALTER TABLE content_state ADD COLUMN IF NOT EXISTS change_seq BIGINT NOT NULL DEFAULT 0",
        "ALTER TABLE content_state ADD COLUMN IF NOT EXISTS change_xact BIGINT",
        "UPDATE content_state SET change_seq = version",
        *_pg_tracked(_PG_SEQ),
        _PG_PUBLIC_CHANGE,
    ]


def _pg_drop():
    return [
        _PG_EVERY_CHANGE,
        *_pg_tracked(_PG_BUMP),
        # The feed goes back to the version: never below a number it already gave.
        "UPDATE content_state SET version = GREATEST(version, change_seq)",
        "ALTER TABLE content_state DROP COLUMN IF EXISTS change_xact",
        "ALTER TABLE content_state DROP COLUMN IF EXISTS change_seq",
    ]


async def forward(apps, schema_editor):
    """Raise the content version only for what anonymous readers may see."""
    db = schema_editor.client
    sqlite = db.capabilities.dialect == "sqlite"
    for sql in _sqlite_create(when=True) if sqlite else _pg_create():
        await db.execute_script(sql)


async def backward(apps, schema_editor):
    """Every content write raises the version again (0003's and 0012's triggers, remade; on
    SQLite only triggers change, so the way back is safe on both databases)."""
    db = schema_editor.client
    sqlite = db.capabilities.dialect == "sqlite"
    for sql in _sqlite_create(when=False) if sqlite else _pg_drop():
        await db.execute_script(sql)


class Migration(migrations.Migration):
    dependencies = [('cms', '0014_housekeeping')]

    initial = False

    operations = [
        # Hand-written: the content version follows what anonymous readers may see.
        ops.RunPython(forward, backward),
    ]
