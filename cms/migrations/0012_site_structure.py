from tortoise import migrations
from tortoise.migrations import operations as ops
from orjson import loads
from tortoise.fields.base import OnDelete
from tortoise.fields.data import JSON_DUMPS
from tortoise import fields
from tortoise.indexes import Index


# --- Hand-written, frozen: this migration's own SQL (see 0003_content_version).
#
# The new content tables raise the content version on every write, as 0003's do (the response
# cache and the other instances depend on it): on PostgreSQL through 0007's notifying function.
# The change feed (0009) re-UPSERTs an article when what it shows changes: its tags (a link
# added, moved or removed), the name, slug, place or description of its section, the name or
# slug of one of its tags. Its own section_id is a column of its row, which 0009 watches already.

CONTENT_TABLES = ("section", "tag", "article_tag", "collection", "collection_item")

_SQLITE_NEXT = "(SELECT COALESCE(MAX(seq), 0) + 1 FROM article_change)"
_UPSERT = (
    " ON CONFLICT (article_id) DO UPDATE SET seq = excluded.seq, "
    "ever_public = (article_change.ever_public OR excluded.ever_public)"
)
_SECTION_COLUMNS = "name, slug, path, description, parent_id"
_TAG_COLUMNS = "name, slug"
_LINKED = {
    "section": ("SELECT id FROM article WHERE section_id = NEW.id", _SECTION_COLUMNS),
    "tag": ("SELECT article_id AS id FROM article_tag WHERE tag_id = NEW.id", _TAG_COLUMNS),
}


def _sqlite_statements():
    statements = []
    for table in CONTENT_TABLES:
        for event in ("INSERT", "UPDATE", "DELETE"):
            statements.append(
                f"CREATE TRIGGER IF NOT EXISTS content_changed_{table}_{event.lower()} "
                f"AFTER {event} ON {table} "
                "BEGIN UPDATE content_state SET version = version + 1 WHERE id = 1; END"
            )
    for event, row in (("insert", "NEW"), ("update", "NEW"), ("delete", "OLD")):
        statements.append(
            f"CREATE TRIGGER IF NOT EXISTS article_tracked_article_tag_{event} "
            f"AFTER {event.upper()} ON article_tag "
            "BEGIN INSERT INTO article_change (article_id, seq, ever_public) "
            f"VALUES ({row}.article_id, {_SQLITE_NEXT}, 0){_UPSERT}; END"
        )
    for table, (ids, columns) in _LINKED.items():
        statements.append(
            f"CREATE TRIGGER IF NOT EXISTS article_tracked_{table} "
            f"AFTER UPDATE OF {columns} ON {table} "
            "BEGIN INSERT INTO article_change (article_id, seq, ever_public) "
            f"SELECT linked.id, {_SQLITE_NEXT}, 0 FROM ({ids}) AS linked WHERE true{_UPSERT}; END"
        )
    return statements


_PG_BUMP = (
    "UPDATE content_state SET version = version + 1, last_xact = txid_current() "
    "WHERE id = 1 AND last_xact IS DISTINCT FROM txid_current() RETURNING version INTO bumped; "
    "IF bumped IS NOT NULL THEN PERFORM pg_notify('cms_content', bumped::text); END IF; "
    "SELECT version INTO v FROM content_state WHERE id = 1; "
)
"""0009's: raise the content version once per transaction, and read this transaction's number."""


def _pg_function(name, body):
    return (
        f"CREATE OR REPLACE FUNCTION {name}() RETURNS trigger LANGUAGE plpgsql AS "
        f"$$ DECLARE bumped BIGINT; v BIGINT; BEGIN {_PG_BUMP}{body} RETURN NULL; END $$"
    )


def _pg_statements():
    statements = []
    for table in CONTENT_TABLES:
        statements += [
            f"DROP TRIGGER IF EXISTS content_changed ON {table}",
            f"CREATE CONSTRAINT TRIGGER content_changed AFTER INSERT OR UPDATE OR DELETE "
            f"ON {table} DEFERRABLE INITIALLY DEFERRED "
            "FOR EACH ROW EXECUTE FUNCTION cms_content_changed()",
            f"DROP TRIGGER IF EXISTS content_truncated ON {table}",
            f"CREATE TRIGGER content_truncated AFTER TRUNCATE ON {table} "
            "FOR EACH STATEMENT EXECUTE FUNCTION cms_content_changed()",
        ]
    statements += [
        _pg_function(
            "cms_article_tag_tracked",
            "IF TG_OP = 'DELETE' THEN "
            "INSERT INTO article_change (article_id, seq, ever_public) "
            f"VALUES (OLD.article_id, v, false){_UPSERT}; "
            "ELSE INSERT INTO article_change (article_id, seq, ever_public) "
            f"VALUES (NEW.article_id, v, false){_UPSERT}; END IF;",
        ),
        "DROP TRIGGER IF EXISTS article_tracked ON article_tag",
        "CREATE CONSTRAINT TRIGGER article_tracked AFTER INSERT OR UPDATE OR DELETE "
        "ON article_tag DEFERRABLE INITIALLY DEFERRED FOR EACH ROW "
        "EXECUTE FUNCTION cms_article_tag_tracked()",
    ]
    for table, (ids, columns) in _LINKED.items():
        statements += [
            _pg_function(
                f"cms_{table}_tracked",
                "INSERT INTO article_change (article_id, seq, ever_public) "
                f"SELECT linked.id, v, false FROM ({ids}) AS linked{_UPSERT};",
            ),
            f"DROP TRIGGER IF EXISTS article_tracked ON {table}",
            f"CREATE CONSTRAINT TRIGGER article_tracked AFTER UPDATE OF {columns} ON {table} "
            "DEFERRABLE INITIALLY DEFERRED FOR EACH ROW "
            f"EXECUTE FUNCTION cms_{table}_tracked()",
        ]
    return statements


def _pg_drop():
    tracked = ("article_tag", *_LINKED)
    return [
        *(f"DROP TRIGGER IF EXISTS content_changed ON {table}" for table in CONTENT_TABLES),
        *(f"DROP TRIGGER IF EXISTS content_truncated ON {table}" for table in CONTENT_TABLES),
        *(f"DROP TRIGGER IF EXISTS article_tracked ON {table}" for table in tracked),
        *(f"DROP FUNCTION IF EXISTS cms_{table}_tracked()" for table in tracked),
    ]


async def forward(apps, schema_editor):
    """The new tables' content triggers and change-feed triggers."""
    db = schema_editor.client
    sqlite = db.capabilities.dialect == "sqlite"
    for sql in _sqlite_statements() if sqlite else _pg_statements():
        await db.execute_script(sql)


async def backward(apps, schema_editor):
    """Drop the triggers (PostgreSQL). On SQLite the way back would drop the new columns of
    article and article_revision by rebuilding those tables, which loses the triggers earlier
    migrations put on them and, foreign keys on, deletes the rows that refer to them: refused
    (the transaction is rolled back, nothing changes). Restore a backup instead."""
    db = schema_editor.client
    if db.capabilities.dialect == "sqlite":
        raise RuntimeError(
            "0012_site_structure cannot be rolled back on SQLite (rebuilding the article table "
            "would lose its triggers and the rows that refer to it): restore a backup instead"
        )
    for sql in _pg_drop():
        await db.execute_script(sql)


class Migration(migrations.Migration):
    dependencies = [('cms', '0011_report_writes')]

    initial = False

    operations = [
        ops.CreateModel(
            name='Collection',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('name', fields.CharField(max_length=200)),
                ('slug', fields.CharField(unique=True, max_length=160)),
                ('description', fields.TextField(default='', unique=False)),
                ('version', fields.IntField(default=1, description='Goes up by one on every saved change.')),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=True)),
                ('updated_at', fields.DatetimeField(auto_now=True, auto_now_add=False)),
            ],
            options={'table': 'collection', 'app': 'cms', 'pk_attr': 'id', 'table_description': "A list of articles in the editors' order (the front page's top stories)."},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='CollectionItem',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('collection', fields.ForeignKeyField('cms.Collection', source_field='collection_id', db_constraint=True, to_field='id', related_name='items', on_delete=OnDelete.CASCADE)),
                ('article', fields.ForeignKeyField('cms.Article', source_field='article_id', db_constraint=True, to_field='id', related_name='collection_links', on_delete=OnDelete.CASCADE)),
                ('position', fields.IntField(default=0)),
            ],
            options={'table': 'collection_item', 'app': 'cms', 'unique_together': (('collection', 'article'),), 'indexes': [Index(fields=['collection_id', 'position']), Index(fields=['article_id', 'collection_id'])], 'pk_attr': 'id', 'table_description': "An article's place in a collection (position 0 first)."},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='Section',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('name', fields.CharField(max_length=200)),
                ('slug', fields.CharField(unique=True, max_length=160)),
                ('path', fields.CharField(unique=True, description='`tin-tuc/hoat-dong-cua-ban`.', max_length=1000)),
                ('description', fields.TextField(default='', unique=False)),
                ('parent', fields.ForeignKeyField('cms.Section', source_field='parent_id', null=True, db_constraint=True, to_field='id', related_name='children', on_delete=OnDelete.RESTRICT)),
                ('position', fields.IntField(default=0, description='Order among its siblings, from 0.')),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=True)),
                ('updated_at', fields.DatetimeField(auto_now=True, auto_now_add=False)),
            ],
            options={'table': 'section', 'app': 'cms', 'indexes': [Index(fields=['parent_id', 'position'])], 'pk_attr': 'id', 'table_description': 'A part of the site, in a tree ordered by hand: an article is in at most one.'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='Tag',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('name', fields.CharField(max_length=60)),
                ('slug', fields.CharField(unique=True, max_length=160)),
                ('folded', fields.CharField(unique=True, description='The name folded (`cms.text.fold`): its identity.', max_length=60)),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=True)),
            ],
            options={'table': 'tag', 'app': 'cms', 'pk_attr': 'id', 'table_description': 'A topic (``khu công nghiệp``): one per folded name, spelled as an editor first typed it.'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='ArticleTag',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('article', fields.ForeignKeyField('cms.Article', source_field='article_id', db_constraint=True, to_field='id', related_name='tag_links', on_delete=OnDelete.CASCADE)),
                ('tag', fields.ForeignKeyField('cms.Tag', source_field='tag_id', db_constraint=True, to_field='id', related_name='article_links', on_delete=OnDelete.CASCADE)),
                ('position', fields.IntField(default=0)),
            ],
            options={'table': 'article_tag', 'app': 'cms', 'unique_together': (('article', 'tag'),), 'indexes': [Index(fields=['tag_id', 'article_id'])], 'pk_attr': 'id', 'table_description': "A tag's place in an article's list of tags (position 0 first)."},
            bases=['Model'],
        ),
        ops.AddField(
            model_name='Article',
            name='section',
            field=fields.ForeignKeyField('cms.Section', source_field='section_id', null=True, db_constraint=True, to_field='id', related_name='articles', on_delete=OnDelete.RESTRICT),
        ),
        ops.AddField(
            model_name='Article',
            name='seo_description',
            field=fields.CharField(default='', description='The description for search engines (empty: the summary).', db_default='', max_length=160),
        ),
        ops.AddField(
            model_name='Article',
            name='seo_title',
            field=fields.CharField(default='', description='The title for search engines (empty: the title).', db_default='', max_length=70),
        ),
        ops.AddIndex(
            model_name='Article',
            index=Index(fields=['section_id', 'published_at']),
        ),
        ops.AddField(
            model_name='ArticleRevision',
            name='tags',
            field=fields.JSONField(null=True, description="The names of the article's tags as saved, in order (null: saved before tags were recorded).", encoder=JSON_DUMPS, decoder=loads),
        ),
        # Hand-written: the new tables raise the content version and keep the change feed.
        ops.RunPython(forward, backward),
    ]
