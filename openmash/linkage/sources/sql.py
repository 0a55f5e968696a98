"""A live SQL source: any database SQLAlchemy can reach, read through the agency's own queries.

* ``identities_query`` returns one row per person-record (``SELECT ... FROM ...``); its columns
  are mapped to the standard ones as for a file, and the others are kept as details.
* ``events_query`` (optional) returns the :data:`~.base.EVENT_COLUMNS` (after ``event_mapping``)
  for the records whose ids are in the bound parameter ``:record_ids``, e.g.
  ``SELECT person_id AS record_id, ... FROM contacts WHERE person_id IN :record_ids`` (no brackets
  around ``:record_ids``: the list of ids is expanded in place).

:meth:`SqlConnector.read` copies identities only; :meth:`SqlConnector.fetch` asks the database for
the full records of confirmed matches. The URL may be ``env:NAME`` to read it from the environment
variable ``NAME``, so a password need not be stored with the source's settings. Errors never show
the password: the URL is shown with it hidden and any copy of it in a driver's message is masked.

Fetching compares the record-id column *as text* (``CAST(... AS VARCHAR)``), so integer ids match
the text ids the engine uses; that comparison cannot use an index on the column, which matters
little for the handful of ids fetched at a time.
"""

from __future__ import annotations

import logging
import sqlite3
import time
import urllib.parse
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from typing import Any, ClassVar, Final

import pandas as pd
import sqlparse
from sqlalchemy import String, bindparam, cast, column, create_engine, event, false, select, text
from sqlalchemy.engine import URL, Connection, Engine, make_url
from sqlalchemy.exc import ArgumentError, DBAPIError, NoSuchModuleError, SQLAlchemyError
from sqlalchemy.pool import NullPool

from openmash.linkage.engine.records import STANDARD_COLUMNS
from openmash.linkage.sources.base import (
    EVENT_COLUMNS,
    BadRow,
    Connector,
    Extract,
    LoadFailed,
    Progress,
    SourceEvent,
    SourceRecord,
    build_extract,
    cell_text,
    check_mapping,
    renamed_columns,
)
from openmash.linkage.sources.limits import (
    UNRESTRICTED,
    HostRefused,
    PathRefused,
    SecretRefused,
    SourceLimits,
    error_reference,
)

__all__ = ["READ_ONLY_DIALECTS", "SqlConnector", "query_problem", "records_from_extract"]

log = logging.getLogger(__name__)
#: The databases a source may use: those OpenMASH can hold to read-only transactions with a
#: statement timeout. Each one's default port.
READ_ONLY_DIALECTS: Final = {"sqlite": None, "postgresql": 5432, "mysql": 3306, "mariadb": 3306}
#: URL query parameters a source's URL may carry (others could redirect the connection: a socket
#: directory, another host, a service file).
_URL_OPTIONS: Final = frozenset({"sslmode", "charset", "application_name", "connect_timeout"})

#: Rows fetched from the database at a time while reading.
_CHUNK: Final = 5000
#: Ids bound into one ``IN (...)`` (SQLite allows 32,766 parameters; others fewer).
_IDS_PER_QUERY: Final = 500


def query_problem(query: str | None, *, what: str = "query") -> str | None:
    """Why ``query`` cannot be a source's query: it must be one ``SELECT`` (or ``WITH ... SELECT``)
    statement. ``None`` when it is."""
    if not query or not query.strip():
        return None
    statements = [st for st in sqlparse.parse(query) if str(st).strip(" \t\r\n;")]
    if len(statements) != 1:
        return f"the {what} must be one SELECT statement (found {len(statements)} statements)"
    first = statements[0].token_first(skip_cm=True, skip_ws=True)
    keyword = first.normalized.upper() if first is not None else ""
    if keyword not in {"SELECT", "WITH"} or statements[0].get_type() != "SELECT":
        return f"the {what} must be a SELECT statement (it starts with {keyword or 'nothing'})"
    return None


class SqlConnector(Connector):
    """An agency's database, read through its identities query (and events query)."""

    kind: ClassVar[str] = "sql"
    live: ClassVar[bool] = True

    def __init__(
        self,
        url: str,
        identities_query: str,
        events_query: str | None = None,
        *,
        event_mapping: Mapping[str, str] | None = None,
        limits: SourceLimits = UNRESTRICTED,
    ) -> None:
        self.limits = limits
        self.url = url
        self.identities_query = _strip_query(identities_query)
        self.events_query = _strip_query(events_query) if events_query else None
        self.event_mapping = dict(event_mapping or {})

    # --- connecting -------------------------------------------------------------------------

    def _resolved_url(self, part: str) -> URL:
        raw = self.url.strip()
        if raw.startswith("env:"):
            name = raw[4:].strip()
            try:
                value = self.limits.secret(name)
            except SecretRefused as refused:
                raise LoadFailed([BadRow(str(refused), part=part)]) from None
            if not value:
                raise LoadFailed(
                    [BadRow(f"the environment variable {name} (the database URL) is not set", part=part)]
                )
            raw = value
        try:
            return make_url(raw)
        except (ArgumentError, ValueError):
            # Say nothing of the text itself: it may hold a password.
            raise LoadFailed(
                [
                    BadRow(
                        "the database URL is not valid (expected e.g. postgresql+psycopg://user@host/db)",
                        part=part,
                    )
                ]
            ) from None

    def _engine(self, url: URL, part: str, failed: Any) -> Engine:
        """An engine for ``url`` that may only read: checked against the deployer's limits, its
        transactions read-only, its statements timed out."""
        dialect = url.get_backend_name()
        if dialect not in READ_ONLY_DIALECTS:
            raise failed(
                f"a {dialect!r} database cannot be held to read-only queries; data sources may use"
                f" {', '.join(sorted(READ_ONLY_DIALECTS))}"
            )
        timeout = max(1, int(self.limits.sql_timeout_seconds))
        if dialect == "sqlite":
            return self._sqlite_engine(url, part, failed, timeout)
        unknown = sorted(k for k in url.query if k.lower() not in _URL_OPTIONS)
        if unknown:
            raise failed(f"the database URL may not set {', '.join(unknown)}")
        port = url.port or READ_ONLY_DIALECTS[dialect]
        assert port is not None  # noqa: S101 - every network dialect has a default port
        try:
            addresses = self.limits.check_host(url.host, port, database=url.database)
        except HostRefused as refused:
            raise self._unreachable(refused, part) from None
        connect_args: dict[str, Any] = {}
        if dialect == "postgresql":
            # Connect to the address just checked (no second look-up), read-only, timed out.
            if self.limits.hosts is not None:
                connect_args["hostaddr"] = str(addresses[0])
            connect_args["options"] = (
                f"-c default_transaction_read_only=on -c statement_timeout={timeout * 1000}"
            )
            connect_args.setdefault("connect_timeout", min(timeout, 10))
        else:
            connect_args["connect_timeout"] = min(timeout, 10)
        engine = create_engine(url, poolclass=NullPool, connect_args=connect_args)
        if dialect in {"mysql", "mariadb"}:

            @event.listens_for(engine, "connect")
            def _read_only(dbapi_connection: Any, _record: Any) -> None:
                cursor = dbapi_connection.cursor()
                cursor.execute("SET SESSION TRANSACTION READ ONLY")
                cursor.execute(f"SET SESSION max_execution_time = {timeout * 1000}")
                cursor.close()

        if dialect == "postgresql":

            @event.listens_for(engine, "begin")
            def _read_only_transaction(connection: Connection) -> None:
                # On the driver's own cursor: the first statement of each transaction.
                cursor = connection.connection.dbapi_connection.cursor()  # type: ignore[union-attr]
                cursor.execute("SET TRANSACTION READ ONLY")
                cursor.close()

        return engine

    def _sqlite_engine(self, url: URL, part: str, failed: Any, timeout: int) -> Engine:
        """A SQLite file inside the allowed folders, opened read-only (``mode=ro``, ``query_only``)
        with a time limit on the whole connection."""
        database = url.database or ""
        if not database or database == ":memory:" or database.startswith("file:"):
            raise failed("a SQLite source must name its database file (sqlite:////path/to/file.db)")
        try:
            path = self.limits.readable_file(database)
        except PathRefused as refused:
            raise failed(str(refused)) from None
        uri = f"file:{urllib.parse.quote(str(path))}?mode=ro"

        def connect() -> sqlite3.Connection:
            connection = sqlite3.connect(uri, uri=True, check_same_thread=False)
            connection.execute("PRAGMA query_only = ON")
            deadline = time.monotonic() + timeout
            connection.set_progress_handler(lambda: int(time.monotonic() > deadline), 10_000)
            return connection

        return create_engine("sqlite://", poolclass=NullPool, creator=connect)

    def _unreachable(self, cause: BaseException, part: str) -> LoadFailed:
        reference = error_reference()
        log.warning("SQL source unreachable [ref %s]: %r", reference, cause)
        return LoadFailed(
            [
                BadRow(
                    f"could not reach the database (reference {reference}; the detail is in the server log)",
                    part=part,
                )
            ]
        )

    @contextmanager
    def _connect(self, part: str) -> Iterator[Connection]:
        url = self._resolved_url(part)
        shown = url.render_as_string(hide_password=True)

        def failed(problem: str) -> LoadFailed:
            return LoadFailed([BadRow(f"{problem} ({shown})", part=part)])

        for what, query in (("identities query", self.identities_query), ("events query", self.events_query)):
            if (problem := query_problem(query, what=what)) is not None:
                raise LoadFailed([BadRow(problem, part="events" if what == "events query" else part)])
        try:
            engine = self._engine(url, part, failed)
        except NoSuchModuleError:
            raise failed(f"no database driver for {url.drivername!r}") from None
        except (ArgumentError, ImportError) as exc:
            reference = error_reference()
            log.warning("SQL source URL unusable [ref %s]: %s", reference, exc)
            raise failed(f"cannot use this database URL (reference {reference})") from None
        try:
            try:
                connection = engine.connect()
            except (DBAPIError, SQLAlchemyError) as exc:
                raise self._unreachable(exc, part) from None
            with connection:
                try:
                    yield connection
                except SQLAlchemyError as exc:
                    # The database's own message may quote data (or another user's) and tell what
                    # exists: it goes to the server log only.
                    reference = error_reference()
                    log.warning("SQL source query failed [ref %s] (%s): %s", reference, shown, exc)
                    raise LoadFailed(
                        [
                            BadRow(
                                f"the database could not run the query (reference {reference};"
                                " the detail is in the server log)",
                                part=part,
                            )
                        ]
                    ) from None
        finally:
            engine.dispose()

    # --- the queries ------------------------------------------------------------------------

    def _query_columns(self, connection: Connection) -> list[str]:
        wrapped = (
            select(text("*"))
            .select_from(text(self.identities_query).columns().subquery("src"))
            .where(false())
        )
        try:
            return [str(k) for k in connection.execute(wrapped).keys()]
        except DBAPIError:
            # Some databases refuse some queries as a subquery (SQL Server and ORDER BY): run the
            # query itself and read its columns without fetching a row.
            connection.rollback()
        result = connection.execution_options(stream_results=True).execute(text(self.identities_query))
        try:
            return [str(k) for k in result.keys()]
        finally:
            result.close()

    def columns(self) -> list[str]:
        with self._connect("identities") as connection:
            return self._query_columns(connection)

    def read(self, *, mapping: Mapping[str, str] | None = None, progress: Progress | None = None) -> Extract:
        rows: list[dict[str, Any]] = []
        with self._connect("identities") as connection:
            result = connection.execution_options(yield_per=_CHUNK).execute(text(self.identities_query))
            keys = [str(k) for k in result.keys()]
            _check_unique(keys, "identities")
            for chunk in result.partitions(_CHUNK):
                rows.extend(dict(zip(keys, row, strict=True)) for row in chunk)
                if progress is not None:
                    progress(len(rows), None)
        if progress is not None:
            progress(len(rows), len(rows))
        return build_extract(rows, identity_columns=keys, mapping=mapping)

    def fetch(
        self, record_ids: Sequence[str], *, mapping: Mapping[str, str] | None = None
    ) -> dict[str, SourceRecord]:
        """The full records of ``record_ids``: identity and details from the identities query,
        events from the events query. Raises :class:`LoadFailed` when the database returns a bad
        event (no date, a date that is not a date, an unknown significance...)."""
        wanted = list(dict.fromkeys(str(r) for r in record_ids if r is not None and str(r).strip()))
        if not wanted:
            return {}
        identity_rows: list[dict[str, Any]] = []
        event_rows: list[dict[str, Any]] | None = None
        event_keys: list[str] = []
        with self._connect("identities") as connection:
            columns = self._query_columns(connection)
            _check_unique(columns, "identities")
            problems = check_mapping(columns, mapping, part="identities", standard=STANDARD_COLUMNS)
            id_column = next(
                (
                    s
                    for s, t in renamed_columns(columns, mapping, STANDARD_COLUMNS).items()
                    if t == "record_id"
                ),
                None,
            )
            if id_column is None:
                problems.append(
                    BadRow(
                        f"no record_id column (columns found: {', '.join(columns) or 'none'};"
                        " map one of them to record_id)",
                        column="record_id",
                    )
                )
            if problems or id_column is None:
                raise LoadFailed(problems)
            source = text(self.identities_query).columns(*(column(c) for c in columns)).subquery("src")
            ids_column, keys = _comparable(connection, source, id_column, wanted)
            by_id = select(source).where(ids_column.in_(bindparam("ids", expanding=True)))
            for batch in _batches(keys):
                identity_rows += [
                    dict(zip(columns, row, strict=True)) for row in connection.execute(by_id, {"ids": batch})
                ]
            # The events query gets the ids as the database holds them (an integer column's
            # integers), so ``WHERE person_id IN :record_ids`` needs no cast.
            found = list(
                dict.fromkeys(
                    row[id_column] for row in identity_rows if cell_text(row[id_column]) is not None
                )
            )
            if self.events_query and found:
                event_rows = []
                events = self._events_statement()
                for batch in _batches(found):
                    result = connection.execute(events, {"record_ids": batch})
                    event_keys = [str(k) for k in result.keys()]
                    event_rows += [dict(zip(event_keys, row, strict=True)) for row in result]
                _check_unique(event_keys, "events")
        if not identity_rows:
            return {}
        extract = build_extract(
            identity_rows,
            identity_columns=columns,
            mapping=mapping,
            event_rows=event_rows,
            event_columns=event_keys,
            event_mapping=self.event_mapping,
        )
        asked = set(wanted)
        return {r: record for r, record in records_from_extract(extract).items() if r in asked}

    def _events_statement(self) -> Any:
        assert self.events_query is not None  # noqa: S101 - checked by the caller
        try:
            return text(self.events_query).bindparams(bindparam("record_ids", expanding=True))
        except ArgumentError:
            raise LoadFailed(
                [
                    BadRow(
                        "the events query must select the events of the records in :record_ids"
                        " (e.g. WHERE person_id IN :record_ids)",
                        part="events",
                    )
                ]
            ) from None


def _comparable(connection: Any, source: Any, id_column: str, wanted: list[str]) -> tuple[Any, list[Any]]:
    """The id column and the wanted ids in a form the database compares without a cast (so it can use
    an index on the column): integers for an integer column, text for a text one. Any other type is
    compared as text."""
    sample = connection.execute(
        select(source.c[id_column]).where(source.c[id_column].is_not(None)).limit(1)
    ).scalar()
    if isinstance(sample, int) and not isinstance(sample, bool):
        return source.c[id_column], [int(w) for w in wanted if w.lstrip("-").isdigit()]
    if isinstance(sample, str):
        return source.c[id_column], wanted
    return cast(source.c[id_column], String), wanted


def _strip_query(query: str) -> str:
    return query.strip().rstrip(";").strip()


def _check_unique(columns: Sequence[str], part: str) -> None:
    seen: set[str] = set()
    problems = []
    for name in columns:
        if name.lower() in seen:
            problems.append(
                BadRow(
                    "the query returns this column twice (give each column its own name)",
                    column=name,
                    part=part,
                )
            )
        seen.add(name.lower())
    if problems:
        raise LoadFailed(problems)


def _batches(ids: Sequence[Any]) -> Iterator[list[Any]]:
    for start in range(0, len(ids), _IDS_PER_QUERY):
        yield list(ids[start : start + _IDS_PER_QUERY])


def records_from_extract(extract: Extract) -> dict[str, SourceRecord]:
    """Each record of a validated :class:`Extract` as a :class:`SourceRecord`, events by date."""
    events: dict[str, list[SourceEvent]] = {}
    if extract.events is not None and len(extract.events):
        extra = [c for c in extract.events.columns if c not in EVENT_COLUMNS]
        for values in extract.events.to_dict("records"):
            events.setdefault(values["record_id"], []).append(
                SourceEvent(
                    record_id=values["record_id"],
                    occurred_on=values["occurred_on"],
                    kind=values["kind"],
                    description=values["description"],
                    significance=values["significance"],
                    source_reference=values["source_reference"] or "",
                    details=tuple((c, str(values[c])) for c in extra if values[c]),
                )
            )
    details = {str(row["record_id"]): row for row in extract.details.to_dict("records")}
    records = {}
    for identity in extract.identities.to_dict("records"):
        record_id = str(identity["record_id"])
        detail = details.get(record_id, {})
        records[record_id] = SourceRecord(
            record_id=record_id,
            identity={c: _none(identity.get(c)) for c in STANDARD_COLUMNS},
            details={c: str(v) for c, v in detail.items() if c != "record_id" and _none(v) is not None},
            events=tuple(
                sorted(events.get(record_id, ()), key=lambda e: (e.occurred_on, e.source_reference))
            ),
        )
    return records


def _none(value: object) -> str | None:
    if value is None or value is pd.NA or (isinstance(value, float) and value != value):
        return None
    return str(value)
