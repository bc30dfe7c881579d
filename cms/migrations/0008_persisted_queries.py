from tortoise import migrations
from tortoise.migrations import operations as ops
from tortoise import fields


class Migration(migrations.Migration):
    dependencies = [('cms', '0007_content_notify')]

    initial = False

    operations = [
        ops.CreateModel(
            name='PersistedQuery',
            fields=[
                ('sha256', fields.CharField(primary_key=True, unique=True, db_index=True, max_length=64)),
                ('document', fields.TextField(unique=False)),
                ('source', fields.CharField(default='', max_length=500)),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=True)),
            ],
            options={'table': 'persisted_query', 'app': 'cms', 'pk_attr': 'sha256', 'table_description': 'GraphQL documents registered by an operator (cms queries register), by the SHA-256 of their text: with CMS_PERSISTED_QUERIES_ONLY, the only ones anonymous clients run.'},
            bases=['Model'],
        ),
    ]
