"""Events carry the scheme their hash was computed with. Every existing event was hashed without a key
(scheme 1) and keeps its hash: nothing is re-hashed, so nothing done to them before is hidden."""

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("audit", "0002_append_only_trigger")]
    operations = [
        migrations.AddField(
            model_name="auditevent",
            name="scheme",
            field=models.PositiveSmallIntegerField(default=1),
            preserve_default=False,
        ),
    ]
