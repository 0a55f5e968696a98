"""Django's PostgreSQL backend, with one difference: the queries a page runs every time, compiled once
per process (:mod:`openmash.core.prepared`), are also planned once per connection (ADR 0042).

PostgreSQL plans each statement it is sent. For the product's reads by key (a case with its referral,
the signed-in user, a chain's newest event) planning takes longer than running: about 2.3 ms of the
2.8 ms a closed case page's 22 reads spend in the database. A :class:`~openmash.core.prepared.Prepared`
query or insert is sent as a server-side prepared statement (psycopg's ``prepare=True``, its values
bound by the server), so each connection plans it once and keeps the plan. Every other query is sent as
Django sends it by default, its values written into the SQL by the client, and planned for those values:
a list filtered by a value as skewed as a case's status (97 in 100 closed) needs a plan for that value,
not a generic one.

``OPENMASH_POSTGRES_PREPARE`` (on unless set to off) sends the prepared queries the default way too,
for a connection pooler that cannot keep prepared statements.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db.backends.postgresql import base, operations
from django.db.backends.postgresql.psycopg_any import register_tzloader
from psycopg import errors
from psycopg.pq import Format

from openmash.core.prepared import PLANNED_ONCE

# Statements each connection keeps planned. The product's prepared queries are about fifty; an insert
# is one statement for each number of rows it writes.
PREPARED_MAX = 500
NEVER_BY_COUNT = 2**31 - 1


# Django's cursor binding values on the server (its `server_side_binding` option), untyped in the stubs.
_ServerBindingCursor: Any = base.ServerBindingCursor


class PreparingCursor(_ServerBindingCursor):
    """A cursor whose statements are prepared on the server the first time and reused after."""

    def execute(self, query: Any, params: Any = None, *, prepare: bool | None = None, **kwargs: Any) -> Any:
        return super().execute(query, params, prepare=True if prepare is None else prepare, **kwargs)


class DatabaseOperations(operations.DatabaseOperations):
    def last_executed_query(self, cursor: Any, sql: str, params: Any) -> str:
        """A prepared statement's SQL as Django shows a query (its values written in), for the query
        log and the tests that read it."""
        if isinstance(cursor, PreparingCursor):
            try:
                return str(self.compose_sql(sql, params))
            except errors.DataError:
                pass
        return super().last_executed_query(cursor, sql, params)


class DatabaseWrapper(base.DatabaseWrapper):
    ops_class = DatabaseOperations

    def get_new_connection(self, conn_params: dict[str, Any]) -> Any:
        connection = super().get_new_connection(conn_params)
        # Django turns psycopg's preparing off (no threshold). A statement is prepared here only when
        # sent with prepare=True, by a PreparingCursor; never because it ran some number of times.
        connection.prepare_threshold = NEVER_BY_COUNT
        connection.prepared_max = PREPARED_MAX
        return connection

    def create_cursor(self, name: str | None = None) -> Any:
        if name is None and PLANNED_ONCE.get() and getattr(settings, "OPENMASH_POSTGRES_PREPARE", True):
            cursor = PreparingCursor(self.connection)
            # As Django's own create_cursor: the connection's time zone for timestamps read.
            loader = self.connection.adapters.get_loader(base.TIMESTAMPTZ_OID, Format.TEXT)
            if self.timezone != loader.timezone:
                register_tzloader(self.timezone, cursor)
            return cursor
        return super().create_cursor(name)
