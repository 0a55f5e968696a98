"""Events an agency found in one person's own record and shared before the disclosure log named whose
record an item is: logged as that person's, so another person's report no longer lists them."""

from typing import Any

from django.db import migrations


def name_subjects(apps: Any, schema_editor: Any) -> None:
    Disclosure = apps.get_model("consent", "Disclosure")
    HistoryItem = apps.get_model("enquiries", "HistoryItem")
    owners = {
        str(pk): person
        for pk, person in HistoryItem.objects.filter(trawl_candidate__isnull=False).values_list(
            "pk", "trawl_candidate__person"
        )
    }
    if not owners:
        return
    entries = Disclosure.objects.filter(
        item_type="history_item", item_id__in=list(owners), subject__isnull=True
    )
    for entry in entries:
        person = owners[entry.item_id]
        entry.subject_id = person
        entry.save(update_fields=["subject"])
        entry.about.set([person])


class Migration(migrations.Migration):
    dependencies = [
        ("enquiries", "0007_informationrequest_ended"),
        ("consent", "0002_disclosure_subject"),
    ]

    operations = [migrations.RunPython(name_subjects, migrations.RunPython.noop)]
