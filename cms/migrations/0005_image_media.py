from tortoise import migrations
from tortoise.migrations import operations as ops
from tortoise import fields

class Migration(migrations.Migration):
    dependencies = [('cms', '0004_accounts')]

    initial = False

    operations = [
        ops.AddField(
            model_name='Image',
            name='dominant_color',
            field=fields.CharField(null=True, description="The picture's main colour, #rrggbb (null until computed).", max_length=7),
        ),
        ops.AddField(
            model_name='Image',
            name='focal_x',
            field=fields.FloatField(default=0.5, description='Horizontal centre of interest, 0 (left) to 1 (right).'),
        ),
        ops.AddField(
            model_name='Image',
            name='focal_y',
            field=fields.FloatField(default=0.5, description='Vertical centre of interest, 0 (top) to 1 (bottom).'),
        ),
        ops.AddField(
            model_name='Image',
            name='placeholder',
            field=fields.CharField(null=True, description='BlurHash of the picture, painted while the file loads (null until computed).', max_length=100),
        ),
    ]
