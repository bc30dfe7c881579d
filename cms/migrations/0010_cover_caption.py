from tortoise import migrations
from tortoise.migrations import operations as ops


# --- Hand-written, frozen: this migration's own SQL (see 0003_content_version).
#
# article_cover_caption keeps, per article, the caption its body gives its cover: that of the
# first figure showing the cover with a caption (cms.articles.body.figure_captions), or NULL.
# A list of articles (the feed) shows each cover with that caption and nothing else of the
# body: with this table it reads no body at all (20 whole bodies cost more than the rest of
# the feed's page statement). Triggers keep it whatever writes the article (the services, the
# importer, a restored revision). It is a table of its own, not a column of ``article``: on
# SQLite a trigger writing the article's own row would count as a second content change.

_SQLITE_CAPTION = (
    "(SELECT json_extract(f.value, '$.caption') FROM json_each(NEW.body) AS f, "
    "json_each(f.value, '$.images') AS i "
    "WHERE json_extract(f.value, '$.type') = 'figure' "
    "AND COALESCE(json_extract(f.value, '$.caption'), '') <> '' AND i.value = NEW.cover_id "
    "ORDER BY f.key LIMIT 1)"
)
_SQLITE_WRITE = (
    "BEGIN INSERT INTO article_cover_caption (article_id, caption) "
    f"VALUES (NEW.id, {_SQLITE_CAPTION}) "
    "ON CONFLICT (article_id) DO UPDATE SET caption = excluded.caption; END"
)
_PG_CAPTION = (
    "(SELECT f.value->>'caption' FROM jsonb_array_elements(NEW.body) WITH ORDINALITY AS f(value, n) "
    "WHERE f.value->>'type' = 'figure' AND COALESCE(f.value->>'caption', '') <> '' "
    "AND f.value->'images' @> to_jsonb(NEW.cover_id) ORDER BY f.n LIMIT 1)"
)


def _sqlite_statements():
    return [
        "CREATE TABLE IF NOT EXISTS article_cover_caption ("
        "article_id INTEGER PRIMARY KEY REFERENCES article (id) ON DELETE CASCADE, caption TEXT)",
        "CREATE TRIGGER IF NOT EXISTS article_cover_caption_insert AFTER INSERT ON article "
        + _SQLITE_WRITE,
        "CREATE TRIGGER IF NOT EXISTS article_cover_caption_update "
        "AFTER UPDATE OF body, cover_id ON article " + _SQLITE_WRITE,
        # Foreign keys may be off on a connection: the row goes with its article regardless.
        "CREATE TRIGGER IF NOT EXISTS article_cover_caption_delete AFTER DELETE ON article "
        "BEGIN DELETE FROM article_cover_caption WHERE article_id = OLD.id; END",
        "INSERT INTO article_cover_caption (article_id, caption) "
        f"SELECT NEW.id, {_SQLITE_CAPTION} FROM article AS NEW WHERE true "
        "ON CONFLICT (article_id) DO UPDATE SET caption = excluded.caption",
    ]


def _pg_statements():
    return [
        "CREATE TABLE IF NOT EXISTS article_cover_caption ("
        "article_id INT PRIMARY KEY REFERENCES article (id) ON DELETE CASCADE, caption TEXT)",
        "CREATE OR REPLACE FUNCTION cms_cover_caption() RETURNS trigger LANGUAGE plpgsql AS "
        "$$ BEGIN INSERT INTO article_cover_caption (article_id, caption) "
        f"VALUES (NEW.id, {_PG_CAPTION}) "
        "ON CONFLICT (article_id) DO UPDATE SET caption = EXCLUDED.caption; RETURN NULL; END $$",
        "DROP TRIGGER IF EXISTS article_cover_caption ON article",
        "CREATE TRIGGER article_cover_caption AFTER INSERT OR UPDATE OF body, cover_id ON article "
        "FOR EACH ROW EXECUTE FUNCTION cms_cover_caption()",
        "INSERT INTO article_cover_caption (article_id, caption) "
        f"SELECT NEW.id, {_PG_CAPTION} FROM article AS NEW "
        "ON CONFLICT (article_id) DO UPDATE SET caption = EXCLUDED.caption",
    ]


def _sqlite_drop():
    return [
        *(f"DROP TRIGGER IF EXISTS article_cover_caption_{e}" for e in ("insert", "update", "delete")),
        "DROP TABLE IF EXISTS article_cover_caption",
    ]


def _pg_drop():
    return [
        "DROP TRIGGER IF EXISTS article_cover_caption ON article",
        "DROP FUNCTION IF EXISTS cms_cover_caption()",
        "DROP TABLE IF EXISTS article_cover_caption",
    ]


async def forward(apps, schema_editor):
    """The table, its triggers, and the captions of the articles already there."""
    db = schema_editor.client
    sqlite = db.capabilities.dialect == "sqlite"
    for sql in _sqlite_statements() if sqlite else _pg_statements():
        await db.execute_script(sql)


async def backward(apps, schema_editor):
    db = schema_editor.client
    sqlite = db.capabilities.dialect == "sqlite"
    for sql in _sqlite_drop() if sqlite else _pg_drop():
        await db.execute_script(sql)


class Migration(migrations.Migration):
    dependencies = [('cms', '0009_notifications')]

    initial = False

    operations = [
        # Hand-written: covers' captions for lists that read no body.
        ops.RunPython(forward, backward),
    ]
