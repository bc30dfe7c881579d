from tortoise import migrations
from tortoise.migrations import operations as ops
from cms.models.notify import DeliveryStatus
from orjson import loads
from tortoise.fields.base import OnDelete
from tortoise.fields.data import JSON_DUMPS
from tortoise import fields
from tortoise.indexes import Index


# --- Hand-written, frozen: this migration's own SQL (see 0003_content_version).
#
# article_change keeps, per article, the sequence number of its latest change in commit order
# (the change feed reads it), kept by triggers whatever writes: an article's own row, and the
# authors, events and images it shows (a renamed author changes the article as apps show it).
# On PostgreSQL the number is the content version, taken at commit under content_state's row
# lock (deferred triggers, as in 0003): transactions get their numbers in commit order. SQLite
# has one writer at a time: the next number is the largest so far plus one.

_SQLITE_NEXT = "(SELECT COALESCE(MAX(seq), 0) + 1 FROM article_change)"
_UPSERT = (
    " ON CONFLICT (article_id) DO UPDATE SET seq = excluded.seq, "
    "ever_public = (article_change.ever_public OR excluded.ever_public)"
)
_PUBLIC = "= 'published'"
"""``ever_public``: the article has been shown to the public. A scheduled article is not yet:
its ID must not reach anonymous apps before its time (an embargo). When the time comes,
``publish_due`` marks it published, which these triggers record like any write."""


def _sqlite_statements():
    statements = []
    for event, row in (("insert", "NEW"), ("update", "NEW"), ("delete", "OLD")):
        statements.append(
            f"CREATE TRIGGER IF NOT EXISTS article_tracked_{event} AFTER {event.upper()} ON article "
            "BEGIN INSERT INTO article_change (article_id, seq, ever_public) "
            f"VALUES ({row}.id, {_SQLITE_NEXT}, {row}.status {_PUBLIC}){_UPSERT}; END"
        )
    linked = {
        "author": "SELECT article_id AS id FROM article_author WHERE author_id = NEW.id",
        "event": "SELECT id FROM article WHERE event_id = NEW.id",
        "image": "SELECT article_id AS id FROM article_image WHERE image_id = NEW.id "
        "UNION SELECT id FROM article WHERE cover_id = NEW.id",
    }
    for table, ids in linked.items():
        statements.append(
            f"CREATE TRIGGER IF NOT EXISTS article_tracked_{table} AFTER UPDATE ON {table} "
            "BEGIN INSERT INTO article_change (article_id, seq, ever_public) "
            f"SELECT linked.id, {_SQLITE_NEXT}, 0 FROM ({ids}) AS linked WHERE true{_UPSERT}; END"
        )
    statements.append(
        "INSERT INTO article_change (article_id, seq, ever_public) "
        f"SELECT id, 0, status {_PUBLIC} FROM article"
    )
    return statements


_PG_BUMP = (
    "UPDATE content_state SET version = version + 1, last_xact = txid_current() "
    "WHERE id = 1 AND last_xact IS DISTINCT FROM txid_current() RETURNING version INTO bumped; "
    "IF bumped IS NOT NULL THEN PERFORM pg_notify('cms_content', bumped::text); END IF; "
    "SELECT version INTO v FROM content_state WHERE id = 1; "
)
"""Raise the content version once per transaction (notifying, as 0007's trigger does: whichever
of the two runs first raises it) and read this transaction's number under the row lock."""


def _pg_function(name, body):
    return (
        f"CREATE OR REPLACE FUNCTION {name}() RETURNS trigger LANGUAGE plpgsql AS "
        f"$$ DECLARE bumped BIGINT; v BIGINT; BEGIN {_PG_BUMP}{body} RETURN NULL; END $$"
    )


def _pg_statements():
    article = _pg_function(
        "cms_article_tracked",
        "IF TG_OP = 'DELETE' THEN "
        "INSERT INTO article_change (article_id, seq, ever_public) "
        f"VALUES (OLD.id, v, OLD.status {_PUBLIC}){_UPSERT}; "
        "ELSE INSERT INTO article_change (article_id, seq, ever_public) "
        f"VALUES (NEW.id, v, NEW.status {_PUBLIC}){_UPSERT}; END IF;",
    )
    linked = {
        "author": "SELECT article_id AS id FROM article_author WHERE author_id = NEW.id",
        "event": "SELECT id FROM article WHERE event_id = NEW.id",
        "image": "SELECT article_id AS id FROM article_image WHERE image_id = NEW.id "
        "UNION SELECT id FROM article WHERE cover_id = NEW.id",
    }
    statements = [
        article,
        "DROP TRIGGER IF EXISTS article_tracked ON article",
        "CREATE CONSTRAINT TRIGGER article_tracked AFTER INSERT OR UPDATE OR DELETE ON article "
        "DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION cms_article_tracked()",
    ]
    for table, ids in linked.items():
        statements += [
            _pg_function(
                f"cms_{table}_tracked",
                "INSERT INTO article_change (article_id, seq, ever_public) "
                f"SELECT linked.id, v, false FROM ({ids}) AS linked{_UPSERT};",
            ),
            f"DROP TRIGGER IF EXISTS article_tracked ON {table}",
            f"CREATE CONSTRAINT TRIGGER article_tracked AFTER UPDATE ON {table} "
            "DEFERRABLE INITIALLY DEFERRED FOR EACH ROW "
            f"EXECUTE FUNCTION cms_{table}_tracked()",
        ]
    statements += [
        # Live subscribers on every instance learn of each committed event (its id).
        "CREATE OR REPLACE FUNCTION cms_event_written() RETURNS trigger LANGUAGE plpgsql AS "
        "$$ BEGIN PERFORM pg_notify('cms_events', NEW.id::text); RETURN NULL; END $$",
        "DROP TRIGGER IF EXISTS event_written ON outbox_event",
        "CREATE TRIGGER event_written AFTER INSERT ON outbox_event "
        "FOR EACH ROW EXECUTE FUNCTION cms_event_written()",
        "INSERT INTO article_change (article_id, seq, ever_public) "
        f"SELECT id, 0, status {_PUBLIC} FROM article",
    ]
    return statements


def _sqlite_drop():
    return [
        *(f"DROP TRIGGER IF EXISTS article_tracked_{e}" for e in ("insert", "update", "delete")),
        *(f"DROP TRIGGER IF EXISTS article_tracked_{t}" for t in ("author", "event", "image")),
    ]


def _pg_drop():
    return [
        *(f"DROP TRIGGER IF EXISTS article_tracked ON {t}" for t in ("article", "author", "event", "image")),
        "DROP TRIGGER IF EXISTS event_written ON outbox_event",
        *(f"DROP FUNCTION IF EXISTS cms_{t}_tracked()" for t in ("article", "author", "event", "image")),
        "DROP FUNCTION IF EXISTS cms_event_written()",
    ]


async def forward(apps, schema_editor):
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
    dependencies = [('cms', '0008_persisted_queries')]

    initial = False

    operations = [
        ops.CreateModel(
            name='ArticleChange',
            fields=[
                ('article_id', fields.IntField(generated=False, primary_key=True, unique=True, db_index=True)),
                ('seq', fields.BigIntField(db_index=True)),
                ('ever_public', fields.BooleanField(default=False)),
            ],
            options={'table': 'article_change', 'app': 'cms', 'pk_attr': 'article_id', 'table_description': "Each article's latest change (commit order), kept after deletion."},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='Lease',
            fields=[
                ('name', fields.CharField(primary_key=True, unique=True, db_index=True, max_length=64)),
                ('owner', fields.CharField(max_length=64)),
                ('expires_at', fields.DatetimeField(auto_now=False, auto_now_add=False)),
            ],
            options={'table': 'lease', 'app': 'cms', 'pk_attr': 'name', 'table_description': 'Jobs one instance at a time does (scheduled publication).'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='OutboxEvent',
            fields=[
                ('id', fields.BigIntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('uid', fields.CharField(unique=True, description="The event's id (`msg_…`).", max_length=40)),
                ('type', fields.CharField(description='`article.published`, ...', max_length=40)),
                ('occurred_at', fields.DatetimeField(auto_now=False, auto_now_add=False)),
                ('object_type', fields.CharField(max_length=20)),
                ('object_id', fields.IntField()),
                ('body', fields.TextField(description='The JSON payload every receiver gets, as sent.', unique=False)),
            ],
            options={'table': 'outbox_event', 'app': 'cms', 'pk_attr': 'id', 'table_description': 'Content events, written with the change they tell of.'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='Webhook',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('url', fields.CharField(max_length=2000)),
                ('events', fields.JSONField(default=list, description='Event types it receives.', encoder=JSON_DUMPS, decoder=loads)),
                ('active', fields.BooleanField(default=True)),
                ('secret', fields.CharField(description='`whsec_…`: signs every delivery.', max_length=100)),
                ('disabled_reason', fields.CharField(default='', max_length=300)),
                ('created_by', fields.ForeignKeyField('cms.User', source_field='created_by_id', null=True, db_constraint=True, to_field='id', related_name=False, on_delete=OnDelete.SET_NULL)),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=True)),
                ('updated_at', fields.DatetimeField(auto_now=True, auto_now_add=False)),
            ],
            options={'table': 'webhook', 'app': 'cms', 'pk_attr': 'id', 'table_description': 'Endpoints that receive signed content events.'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='WebhookDelivery',
            fields=[
                ('id', fields.BigIntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('webhook', fields.ForeignKeyField('cms.Webhook', source_field='webhook_id', db_constraint=True, to_field='id', related_name='deliveries', on_delete=OnDelete.CASCADE)),
                ('event', fields.ForeignKeyField('cms.OutboxEvent', source_field='event_id', db_constraint=True, to_field='id', related_name=False, on_delete=OnDelete.CASCADE)),
                ('status', fields.CharEnumField(default=DeliveryStatus.PENDING, description='PENDING: pending\nSUCCEEDED: succeeded\nFAILED: failed', enum_type=DeliveryStatus, max_length=9)),
                ('attempts', fields.IntField(default=0)),
                ('next_attempt_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
                ('claimed_until', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
                ('last_status_code', fields.IntField(null=True)),
                ('last_error', fields.CharField(default='', max_length=500)),
                ('duration_ms', fields.IntField(null=True)),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=False)),
                ('finished_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
            ],
            options={'table': 'webhook_delivery', 'app': 'cms', 'unique_together': (('webhook', 'event'),), 'indexes': [Index(fields=['status', 'next_attempt_at']), Index(fields=['webhook_id', 'id'])], 'pk_attr': 'id', 'table_description': "Each event's delivery to each endpoint that wants it."},
            bases=['Model'],
        ),
        # Hand-written: the triggers that keep article_change, and tell live subscribers of events.
        ops.RunPython(forward, backward),
    ]
