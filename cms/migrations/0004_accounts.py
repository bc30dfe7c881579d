from tortoise import migrations
from tortoise.migrations import operations as ops
from cms.models.account import Role, TokenKind
from cms.models.article import ArticleStatus
from orjson import loads
from tortoise.fields.base import OnDelete
from tortoise.fields.data import JSON_DUMPS
from tortoise import fields
from tortoise.indexes import Index

class Migration(migrations.Migration):
    dependencies = [('cms', '0003_content_version')]

    initial = False

    operations = [
        ops.CreateModel(
            name='LoginThrottle',
            fields=[
                ('key', fields.CharField(primary_key=True, unique=True, db_index=True, max_length=300)),
                ('failures', fields.IntField(default=0)),
                ('last_failure_at', fields.DatetimeField(auto_now=False, auto_now_add=False)),
            ],
            options={'table': 'login_throttle', 'app': 'cms', 'pk_attr': 'key', 'table_description': 'Failed sign-ins per email and per client address, shared by every instance.'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='User',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('email', fields.CharField(unique=True, max_length=254)),
                ('name', fields.CharField(max_length=200)),
                ('password_hash', fields.CharField(max_length=255)),
                ('role', fields.CharEnumField(description='ADMIN: admin\nEDITOR: editor\nAUTHOR: author', enum_type=Role, max_length=16)),
                ('is_active', fields.BooleanField(default=True)),
                ('author', fields.ForeignKeyField('cms.Author', source_field='author_id', null=True, db_constraint=True, to_field='id', related_name=False, on_delete=OnDelete.SET_NULL)),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=True)),
                ('last_login_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
            ],
            options={'table': 'account', 'app': 'cms', 'pk_attr': 'id', 'table_description': 'A person who signs in. The email is kept lower-cased: it is unique whatever its case.'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='ArticleRevision',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('article', fields.ForeignKeyField('cms.Article', source_field='article_id', db_constraint=True, to_field='id', related_name='revisions', on_delete=OnDelete.CASCADE)),
                ('number', fields.IntField()),
                ('user', fields.ForeignKeyField('cms.User', source_field='user_id', null=True, db_constraint=True, to_field='id', related_name=False, on_delete=OnDelete.SET_NULL)),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=True)),
                ('title', fields.CharField(max_length=500)),
                ('summary', fields.TextField(default='', unique=False)),
                ('body', fields.JSONField(default=list, encoder=JSON_DUMPS, decoder=loads)),
                ('status', fields.CharEnumField(description='DRAFT: draft\nSCHEDULED: scheduled\nPUBLISHED: published\nARCHIVED: archived', enum_type=ArticleStatus, max_length=16)),
            ],
            options={'table': 'article_revision', 'app': 'cms', 'unique_together': (('article', 'number'),), 'pk_attr': 'id', 'table_description': 'An article as it was saved once: every save stores one, numbered from 1.'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='AuditEntry',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('at', fields.DatetimeField(auto_now=False, auto_now_add=True)),
                ('user', fields.ForeignKeyField('cms.User', source_field='user_id', null=True, db_constraint=True, to_field='id', related_name=False, on_delete=OnDelete.SET_NULL)),
                ('actor', fields.CharField(description='Who, as they were then.', max_length=300)),
                ('action', fields.CharField(max_length=32)),
                ('object_type', fields.CharField(max_length=32)),
                ('object_id', fields.IntField(null=True)),
                ('summary', fields.CharField(default='', max_length=500)),
            ],
            options={'table': 'audit_log', 'app': 'cms', 'indexes': [Index(fields=['at', 'id']), Index(fields=['object_type', 'object_id'])], 'pk_attr': 'id', 'table_description': 'One action, written in the same transaction as the change it records.'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='Token',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('kind', fields.CharEnumField(description='SESSION: session\nAPI: api\nPREVIEW: preview', enum_type=TokenKind, max_length=16)),
                ('name', fields.CharField(default='', max_length=200)),
                ('hash', fields.CharField(unique=True, max_length=64)),
                ('user', fields.ForeignKeyField('cms.User', source_field='user_id', null=True, db_constraint=True, to_field='id', related_name='tokens', on_delete=OnDelete.CASCADE)),
                ('role', fields.CharEnumField(null=True, description='ADMIN: admin\nEDITOR: editor\nAUTHOR: author', enum_type=Role, max_length=16)),
                ('article', fields.ForeignKeyField('cms.Article', source_field='article_id', null=True, db_constraint=True, to_field='id', related_name=False, on_delete=OnDelete.CASCADE)),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=True)),
                ('expires_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
                ('revoked_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
            ],
            options={'table': 'token', 'app': 'cms', 'pk_attr': 'id', 'table_description': 'A bearer token. Only its SHA-256 is kept: the token itself is shown once.'},
            bases=['Model'],
        ),
    ]
