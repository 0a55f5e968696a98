from django.db import migrations, models


class Migration(migrations.Migration):
    """Chains per partition (ADR 0028). The new column is nullable so that
    SQLite adds it in place rather than rebuilding the table (a rebuild would drop the append-only
    triggers of migration 0004)."""

    dependencies = [("audit", "0005_audit_notes_beside_the_chain")]

    operations = [
        migrations.AddField(
            model_name="auditevent",
            name="partition",
            field=models.PositiveSmallIntegerField(blank=True, null=True),
        ),
        migrations.AddIndex(
            model_name="auditevent",
            index=models.Index(fields=["partition", "-sequence"], name="audit_partition_head"),
        ),
        migrations.AddIndex(
            model_name="auditevent",
            index=models.Index(fields=["agency_id", "-sequence"], name="audit_agency_newest"),
        ),
        migrations.AddIndex(
            model_name="auditevent",
            index=models.Index(fields=["action", "-sequence"], name="audit_action_newest"),
        ),
        migrations.AddIndex(
            model_name="auditevent",
            index=models.Index(fields=["object_id", "-sequence"], name="audit_object_newest"),
        ),
    ]
