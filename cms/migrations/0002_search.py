from tortoise import migrations
from tortoise.migrations import operations as ops
from tortoise import fields
from tortoise.indexes import Index
from cms.search import index as search_index

class Migration(migrations.Migration):
    dependencies = [('cms', '0001_initial')]

    initial = False

    operations = [
        ops.AddField(
            model_name='Article',
            name='title_sort',
            field=fields.CharField(default='', description='Vietnamese alphabetical sort key of the title.', db_default='', max_length=255),
        ),
        ops.AddIndex(
            model_name='Article',
            index=Index(fields=['title_sort', 'id']),
        ),
        ops.AddField(
            model_name='Author',
            name='name_sort',
            field=fields.CharField(default='', description='Vietnamese alphabetical sort key of the name.', db_default='', max_length=255),
        ),
        ops.AddIndex(
            model_name='Author',
            index=Index(fields=['name_sort', 'id']),
        ),
        # Hand-written: the search index (FTS5 on SQLite, tsvector + GIN on PostgreSQL), filled
        # for existing articles, with the sort keys of existing titles and names.
        ops.RunPython(search_index.migrate_forward, search_index.migrate_backward),
    ]
