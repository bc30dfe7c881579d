from tortoise import migrations
from tortoise.migrations import operations as ops
from cms.models.article import ArticleStatus
from orjson import loads
from tortoise.fields.base import OnDelete
from tortoise.fields.data import JSON_DUMPS
from tortoise import fields
from tortoise.indexes import Index

class Migration(migrations.Migration):
    initial = True

    operations = [
        ops.CreateModel(
            name='Event',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('name', fields.CharField(max_length=500)),
                ('slug', fields.CharField(unique=True, max_length=160)),
                ('description', fields.TextField(default='', unique=False)),
                ('starts_at', fields.DatetimeField(db_index=True, auto_now=False, auto_now_add=False)),
                ('ends_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
                ('location', fields.CharField(default='', max_length=500)),
                ('organizer', fields.CharField(default='', max_length=500)),
                ('host', fields.CharField(default='', description='Who chaired or hosted it.', max_length=500)),
                ('participants', fields.JSONField(default=list, description='Names of attending agencies and people, in order.', encoder=JSON_DUMPS, decoder=loads)),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=True)),
                ('updated_at', fields.DatetimeField(auto_now=True, auto_now_add=False)),
            ],
            options={'table': 'event', 'app': 'cms', 'pk_attr': 'id', 'table_description': 'An event with its time, place, organiser, host and participants.'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='Image',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('store_key', fields.CharField(description='Key of the file in the media store.', max_length=255)),
                ('filename', fields.CharField(description='Original file name, as uploaded.', max_length=255)),
                ('mime_type', fields.CharField(max_length=64)),
                ('size', fields.BigIntField(description='File size in bytes.')),
                ('width', fields.IntField()),
                ('height', fields.IntField()),
                ('content_hash', fields.CharField(unique=True, description='SHA-256, hex.', max_length=64)),
                ('alt', fields.TextField(default='', description='Default alternative text.', unique=False)),
                ('caption', fields.TextField(default='', description='Default caption, a fallback only.', unique=False)),
                ('credit', fields.CharField(default='', max_length=255)),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=True)),
                ('updated_at', fields.DatetimeField(auto_now=True, auto_now_add=False)),
            ],
            options={'table': 'image', 'app': 'cms', 'pk_attr': 'id', 'table_description': 'One image file in the media store. Identical bytes are stored once (``content_hash``).'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='Article',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('title', fields.CharField(max_length=500)),
                ('slug', fields.CharField(unique=True, max_length=160)),
                ('summary', fields.TextField(default='', unique=False)),
                ('body', fields.JSONField(default=list, encoder=JSON_DUMPS, decoder=loads)),
                ('status', fields.CharEnumField(default=ArticleStatus.DRAFT, description='DRAFT: draft\nSCHEDULED: scheduled\nPUBLISHED: published\nARCHIVED: archived', enum_type=ArticleStatus, max_length=16)),
                ('published_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=True)),
                ('updated_at', fields.DatetimeField(auto_now=True, auto_now_add=False)),
                ('version', fields.IntField(default=1, description='Goes up by one on every saved change.')),
                ('byline', fields.CharField(default='', description='The byline as written.', max_length=300)),
                ('event', fields.ForeignKeyField('cms.Event', source_field='event_id', null=True, db_constraint=True, to_field='id', related_name='articles', on_delete=OnDelete.SET_NULL)),
                ('cover', fields.ForeignKeyField('cms.Image', source_field='cover_id', null=True, db_constraint=True, to_field='id', related_name=False, on_delete=OnDelete.SET_NULL)),
                ('source_key', fields.CharField(null=True, unique=True, description='Identity of an imported original.', max_length=64)),
                ('source_hash', fields.CharField(null=True, description="Hash of the imported original's content.", max_length=64)),
            ],
            options={'table': 'article', 'app': 'cms', 'indexes': [Index(fields=['status', 'published_at', 'id']), Index(fields=['event_id', 'published_at'])], 'pk_attr': 'id', 'table_description': 'A news article. ``body`` is a list of typed blocks (see ``cms.articles.body``).'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='ArticleImage',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('article', fields.ForeignKeyField('cms.Article', source_field='article_id', db_constraint=True, to_field='id', related_name='image_links', on_delete=OnDelete.CASCADE)),
                ('image', fields.ForeignKeyField('cms.Image', source_field='image_id', db_constraint=True, to_field='id', related_name='article_links', on_delete=OnDelete.RESTRICT)),
                ('position', fields.IntField(default=0)),
            ],
            options={'table': 'article_image', 'app': 'cms', 'unique_together': (('article', 'image'),), 'indexes': [Index(fields=['image_id', 'article_id'])], 'pk_attr': 'id', 'table_description': 'An image used by an article (cover or figure), in reading order, kept in step with body.'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='Author',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('name', fields.CharField(max_length=200)),
                ('slug', fields.CharField(unique=True, max_length=160)),
                ('bio', fields.TextField(default='', unique=False)),
                ('email', fields.CharField(null=True, description='Private: never shown to anonymous clients.', max_length=254)),
                ('avatar', fields.ForeignKeyField('cms.Image', source_field='avatar_id', null=True, db_constraint=True, to_field='id', related_name=False, on_delete=OnDelete.SET_NULL)),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=True)),
                ('updated_at', fields.DatetimeField(auto_now=True, auto_now_add=False)),
            ],
            options={'table': 'author', 'app': 'cms', 'pk_attr': 'id', 'table_description': 'A writer or photographer credited in bylines.'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='ArticleAuthor',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('article', fields.ForeignKeyField('cms.Article', source_field='article_id', db_constraint=True, to_field='id', related_name='author_links', on_delete=OnDelete.CASCADE)),
                ('author', fields.ForeignKeyField('cms.Author', source_field='author_id', db_constraint=True, to_field='id', related_name='article_links', on_delete=OnDelete.CASCADE)),
                ('position', fields.IntField(default=0)),
            ],
            options={'table': 'article_author', 'app': 'cms', 'unique_together': (('article', 'author'),), 'indexes': [Index(fields=['author_id', 'article_id'])], 'pk_attr': 'id', 'table_description': "An author's place in an article's byline (position 0 first)."},
            bases=['Model'],
        ),
    ]
