from tortoise import migrations
from tortoise.migrations import operations as ops

from cms.services import content


class Migration(migrations.Migration):
    dependencies = [('cms', '0002_search')]

    initial = False

    operations = [
        # Hand-written: content_state.version, raised by triggers on every content table in the
        # writing transaction; the response cache keys its answers on it.
        ops.RunPython(content.migrate_forward, content.migrate_backward),
    ]
