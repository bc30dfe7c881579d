from tortoise import migrations
from tortoise.migrations import operations as ops
from orjson import loads
from tortoise.fields.data import JSON_DUMPS
from tortoise import fields

class Migration(migrations.Migration):
    dependencies = [('cms', '0012_site_structure')]

    initial = False

    operations = [
        ops.AddField(
            model_name='ArticleRevision',
            name='links',
            field=fields.JSONField(null=True, description='What the article was linked to as saved: author ids in byline order, event, cover and section ids (null: saved before links were recorded).', encoder=JSON_DUMPS, decoder=loads),
        ),
    ]
