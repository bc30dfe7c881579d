from tortoise import migrations
from tortoise.migrations import operations as ops
from orjson import loads
from tortoise.fields.data import JSON_DUMPS
from tortoise import fields
from tortoise.indexes import Index
from tortoise.migrations.constraints import UniqueConstraint


# --- Hand-written, frozen: this migration's own SQL (see 0003_content_version).
#
# Translations (issue 22). An article is written in one locale (``locale``, the installation's
# default locale for every article written before) and linked to its translations by
# ``story_id`` (one article per locale in a story: a unique index, which NULLs, the articles
# with no translation, do not collide in). Slugs become unique per locale: the old one-column UNIQUE goes. On PostgreSQL
# that is a named constraint. On SQLite it is part of the table's definition, which only a
# rebuild changes: done here the way SQLite's documentation says (foreign keys off, outside any
# transaction, so dropping the old table does not cascade to the rows referring to it; one
# transaction for the rebuild; every index and trigger of the table recreated as it was; the
# AUTOINCREMENT counter kept; ``foreign_key_check`` before the commit). Sections, tags, events,
# authors and images get a ``translations`` column (their texts in the other locales).
#
# The migration is not atomic as a whole (SQLite's foreign keys cannot be switched off inside a
# transaction); each step is, and the rebuild is one transaction.


class StateOnlyAlterField(ops.AlterField):
    """The model's field changes; the database is changed by :func:`forward` instead (tortoise's
    own rebuild of an SQLite table would drop its triggers and, foreign keys on, the rows that
    refer to it)."""

    async def database_forward(self, *args, **kwargs):
        return None

    async def database_backward(self, *args, **kwargs):
        return None


MARK_OLD_ENTRIES = (
    "UPDATE article_search s SET document = s.document || "
    "(quote_literal('~' || a.locale))::tsvector FROM article a WHERE a.id = s.article_id"
)
"""PostgreSQL: the search index names each entry's locale (``~vi``: cms.search.postgres), and a
search in a locale asks for it; the entries written before get their article's."""


def _default_locale():
    import settings

    return settings.load().default_locale


async def _sqlite_rebuild(db):
    _, rows = await db.execute_query("SELECT sql FROM sqlite_master WHERE name = 'article'")
    table_sql = rows[0]["sql"]
    unique = '"slug" VARCHAR(160) NOT NULL UNIQUE'
    if table_sql.count(unique) != 1:
        raise RuntimeError("0016_translations: article.slug is not as 0001 made it")
    created = table_sql.replace(unique, '"slug" VARCHAR(160) NOT NULL').replace(
        'CREATE TABLE "article"', 'CREATE TABLE "new__article"', 1
    )
    _, rows = await db.execute_query(
        "SELECT sql FROM sqlite_master WHERE tbl_name = 'article' "
        "AND type IN ('index', 'trigger') AND sql IS NOT NULL ORDER BY type, name"
    )
    kept = [row["sql"] for row in rows]
    _, rows = await db.execute_query("PRAGMA table_info(article)")
    columns = ", ".join(f'"{row["name"]}"' for row in rows)
    _, rows = await db.execute_query("SELECT seq FROM sqlite_sequence WHERE name = 'article'")
    sequence = rows[0]["seq"] if rows else 0
    statements = [
        created,
        f"INSERT INTO new__article ({columns}) SELECT {columns} FROM article",
        "DROP TABLE article",
        "ALTER TABLE new__article RENAME TO article",
        *kept,
        f"UPDATE sqlite_sequence SET seq = MAX(seq, {int(sequence)}) WHERE name = 'article'",
    ]
    # One statement at a time through execute_query: executescript would commit the open
    # transaction before each script (Python's sqlite3).
    await db.execute_script("PRAGMA foreign_keys = OFF; PRAGMA legacy_alter_table = ON")
    try:
        await db.execute_query("BEGIN")
        try:
            for sql in statements:
                await db.execute_query(sql)
            _, broken = await db.execute_query("PRAGMA foreign_key_check")
            if broken:
                raise RuntimeError(f"0016_translations: foreign keys broken: {broken[:5]}")
            await db.execute_query("COMMIT")
        except BaseException:
            await db.execute_query("ROLLBACK")
            raise
    finally:
        await db.execute_script("PRAGMA legacy_alter_table = OFF; PRAGMA foreign_keys = ON")


async def forward(apps, schema_editor):
    db = schema_editor.client
    sqlite = db.capabilities.dialect == "sqlite"
    mark = "?" if sqlite else "$1"
    await db.execute_query(f"UPDATE article SET locale = {mark}", [_default_locale()])
    if sqlite:
        await _sqlite_rebuild(db)
    else:
        await db.execute_script("ALTER TABLE article DROP CONSTRAINT IF EXISTS article_slug_key")
        await db.execute_script(MARK_OLD_ENTRIES)


async def backward(apps, schema_editor):
    """PostgreSQL: slugs unique across locales again (fails, changing nothing, while two
    locales share one). SQLite: refused, as 0012 and 0014 are: restore a backup instead."""
    db = schema_editor.client
    if db.capabilities.dialect == "sqlite":
        raise RuntimeError(
            "0016_translations cannot be rolled back on SQLite (rebuilding the article table "
            "again): restore a backup instead"
        )
    await db.execute_script("ALTER TABLE article ADD CONSTRAINT article_slug_key UNIQUE (slug)")


class Migration(migrations.Migration):
    dependencies = [('cms', '0015_public_version')]

    initial = False
    atomic = False

    operations = [
        StateOnlyAlterField(
            model_name='Article',
            name='slug',
            field=fields.CharField(description='Unique within its locale.', max_length=160),
        ),
        ops.AddField(
            model_name='Article',
            name='locale',
            field=fields.CharField(default='vi', db_default='vi', description='The BCP 47 tag of the language it is written in (one of CMS_LOCALES).', max_length=35),
        ),
        ops.AddField(
            model_name='Article',
            name='story_id',
            field=fields.IntField(null=True, description='The id of the first article of the story its translations tell (null: it has no translation, it is its story alone). Not a foreign key: deleting one translation leaves the others linked.'),
        ),
        ops.AddIndex(
            model_name='Article',
            index=Index(fields=['story_id']),
        ),
        ops.AddIndex(
            model_name='Article',
            index=Index(fields=['locale', 'status', 'published_at', 'id']),
        ),
        ops.AddConstraint(
            model_name='Article',
            constraint=UniqueConstraint(fields=('locale', 'slug'), name=None),
        ),
        ops.AddConstraint(
            model_name='Article',
            constraint=UniqueConstraint(fields=('story_id', 'locale'), name=None),
        ),
        ops.AddField(
            model_name='Author',
            name='translations',
            field=fields.JSONField(null=True, description='Its bio in the locales other than the default: {locale: {field: text}} (null: none).', encoder=JSON_DUMPS, decoder=loads),
        ),
        ops.AddField(
            model_name='Event',
            name='translations',
            field=fields.JSONField(null=True, description='Its name, description, location, organizer and host in the locales other than the default: {locale: {field: text}} (null: none).', encoder=JSON_DUMPS, decoder=loads),
        ),
        ops.AddField(
            model_name='Image',
            name='translations',
            field=fields.JSONField(null=True, description='Its default alt, caption and credit in the locales other than the default: {locale: {field: text}} (null: none).', encoder=JSON_DUMPS, decoder=loads),
        ),
        ops.AddField(
            model_name='Section',
            name='translations',
            field=fields.JSONField(null=True, description='Its name and description in the locales other than the default: {locale: {field: text}} (null: none).', encoder=JSON_DUMPS, decoder=loads),
        ),
        ops.AddField(
            model_name='Tag',
            name='translations',
            field=fields.JSONField(null=True, description='Its name in the locales other than the default: {locale: {field: text}} (null: none).', encoder=JSON_DUMPS, decoder=loads),
        ),
        ops.AddField(
            model_name='AuditEntry',
            name='locale',
            field=fields.CharField(null=True, description='The locale of the article it is about (null: none).', max_length=35),
        ),
        ops.RunPython(forward, backward, atomic=False),
    ]
