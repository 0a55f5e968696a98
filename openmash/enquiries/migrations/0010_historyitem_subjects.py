"""An event can be found in several people's records (one police incident concerns the father and the
child): a history item names every person whose record holds it. Items added from one person's record
before this are given that person."""

from typing import Any

from django.db import migrations, models


def subjects_from_trawl(apps: Any, schema_editor: Any) -> None:
    HistoryItem = apps.get_model("enquiries", "HistoryItem")
    Through = HistoryItem.subjects.through
    Through.objects.bulk_create(
        [
            Through(historyitem_id=pk, referralperson_id=person)
            for pk, person in HistoryItem.objects.filter(trawl_candidate__isnull=False).values_list(
                "pk", "trawl_candidate__person"
            )
        ],
        ignore_conflicts=True,
    )


class Migration(migrations.Migration):
    dependencies = [
        ("enquiries", "0009_queue_indexes"),
        ("referrals", "0003_referralperson_version"),
    ]

    operations = [
        migrations.AddField(
            model_name="historyitem",
            name="subjects",
            field=models.ManyToManyField(
                blank=True,
                help_text=(
                    "Whose own agency records the event was found in (one incident can concern a father "
                    "and his child). Empty for events typed by hand: the case's information."
                ),
                related_name="history_items",
                to="referrals.referralperson",
            ),
        ),
        migrations.RunPython(subjects_from_trawl, migrations.RunPython.noop),
    ]
