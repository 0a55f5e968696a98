"""Django's SQLite backend, with one difference: emptying the whole database passes the audit table's
append-only triggers the way PostgreSQL's TRUNCATE passes its row-level trigger.

`manage.py flush` (and the test runner after a transactional test) empties every table. On PostgreSQL
that is a TRUNCATE, which the row-level append-only trigger does not see; on SQLite it is a DELETE of
every row, which the triggers refuse. Here the flush drops the two triggers, empties the tables and
creates the triggers again, all in the flush's one transaction: a DELETE or UPDATE of some events is
still refused. Emptying the trail is visible to `audit_verify` through the anchor's checkpoints.
"""

from __future__ import annotations

from typing import Any

from django.db.backends.sqlite3 import base, operations

AUDIT_TABLE = "audit_auditevent"
TRIGGERS = {"audit_append_only_update": "UPDATE", "audit_append_only_delete": "DELETE"}
CREATE = (
    "CREATE TRIGGER IF NOT EXISTS {name} BEFORE {op} ON audit_auditevent BEGIN "
    "SELECT RAISE(ABORT, 'audit events are append-only: {op} refused on audit_auditevent'); END;"
)


class DatabaseOperations(operations.DatabaseOperations):
    def sql_flush(
        self, style: Any, tables: Any, *, reset_sequences: bool = False, allow_cascade: bool = False
    ) -> list[str]:
        sql: list[str] = super().sql_flush(
            style, tables, reset_sequences=reset_sequences, allow_cascade=allow_cascade
        )
        if not any(self.quote_name(AUDIT_TABLE) in statement for statement in sql):
            return sql
        drop = [f"DROP TRIGGER IF EXISTS {name};" for name in TRIGGERS]
        create = [CREATE.format(name=name, op=op) for name, op in TRIGGERS.items()]
        return [*drop, *sql, *create]


class DatabaseWrapper(base.DatabaseWrapper):
    ops_class = DatabaseOperations
