import secrets

from tortoise import migrations
from tortoise.migrations import operations as ops
from tortoise import fields


# --- Hand-written: the secret itself, made once here so that every instance reads the same one.

SIGNING = "signing"
"""The secret that signs rendition URLs (unless CMS_SECRET_KEY is set)."""


async def forward(apps, schema_editor):
    """A random secret, 48 URL-safe bytes (only [A-Za-z0-9_-]: safe inside quotes)."""
    value = secrets.token_urlsafe(48)
    await schema_editor.client.execute_script(
        "INSERT INTO instance_secret (name, value, created_at) "
        f"VALUES ('{SIGNING}', '{value}', CURRENT_TIMESTAMP) ON CONFLICT (name) DO NOTHING"
    )


async def backward(apps, schema_editor):
    """Nothing to undo: dropping the table drops the secret."""


class Migration(migrations.Migration):
    dependencies = [('cms', '0005_image_media')]

    initial = False

    operations = [
        ops.CreateModel(
            name='InstanceSecret',
            fields=[
                ('name', fields.CharField(primary_key=True, unique=True, db_index=True, max_length=64)),
                ('value', fields.CharField(max_length=200)),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=True)),
            ],
            options={'table': 'instance_secret', 'app': 'cms', 'pk_attr': 'name', 'table_description': 'Secrets shared by every instance (the key that signs rendition URLs, unless CMS_SECRET_KEY sets one). Never shown through the API.'},
            bases=['Model'],
        ),
        # Hand-written: the signing secret, random, made once for every instance to share.
        ops.RunPython(forward, backward),
    ]
