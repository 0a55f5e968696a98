"""On SQLite too the database itself refuses UPDATE and DELETE on the audit table.

Emptying the whole database (`manage.py flush`, and the test runner between transactional tests) sets
the triggers aside for that one transaction and puts them back, as PostgreSQL's TRUNCATE passes its
row-level trigger (see `openmash.audit.db.sqlite3`). A migration that rebuilds this table on SQLite drops
its triggers: such a migration must run this one's SQL again.
"""

from django.db import migrations

TRIGGERS = {
    "audit_append_only_update": "UPDATE",
    "audit_append_only_delete": "DELETE",
}
CREATE = (
    "CREATE TRIGGER IF NOT EXISTS {name} BEFORE {op} ON audit_auditevent BEGIN "
    "SELECT RAISE(ABORT, 'audit events are append-only: {op} refused on audit_auditevent'); END"
)


def create(apps, schema_editor):
    if schema_editor.connection.vendor == "sqlite":
        for name, op in TRIGGERS.items():
            schema_editor.execute(CREATE.format(name=name, op=op), params=None)


def drop(apps, schema_editor):
    if schema_editor.connection.vendor == "sqlite":
        for name in TRIGGERS:
            schema_editor.execute(f"DROP TRIGGER IF EXISTS {name}", params=None)


class Migration(migrations.Migration):
    dependencies = [("audit", "0003_auditevent_scheme")]
    operations = [migrations.RunPython(create, drop)]
