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

import os
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from typing import Any, ClassVar, Final

import pandas as pd
from sqlalchemy import String, bindparam, cast, column, create_engine, false, select, text
from sqlalchemy.engine import URL, Connection, make_url
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

__all__ = ["SqlConnector", "records_from_extract"]

#: Rows fetched from the database at a time while reading.
_CHUNK: Final = 5000
#: Ids bound into one ``IN (...)`` (SQLite allows 32,766 parameters; others fewer).
_IDS_PER_QUERY: Final = 500


def _one_line(message: str, limit: int = 300) -> str:
    line = next((part.strip() for part in message.splitlines() if part.strip()), "unknown error")
    return line if len(line) <= limit else line[: limit - 1] + "…"


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
    ) -> None:
        self.url = url
        self.identities_query = _strip_query(identities_query)
        self.events_query = _strip_query(events_query) if events_query else None
        self.event_mapping = dict(event_mapping or {})

    # --- connecting -------------------------------------------------------------------------

    def _resolved_url(self, part: str) -> URL:
        raw = self.url.strip()
        if raw.startswith("env:"):
            name = raw[4:].strip()
            value = os.environ.get(name, "").strip()
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

    @contextmanager
    def _connect(self, part: str) -> Iterator[Connection]:
        url = self._resolved_url(part)
        shown = url.render_as_string(hide_password=True)
        password = url.password if isinstance(url.password, str) else None

        def failed(problem: str) -> LoadFailed:
            if password:
                problem = problem.replace(password, "***")
            return LoadFailed([BadRow(f"{problem} ({shown})", part=part)])

        try:
            engine = create_engine(url, poolclass=NullPool)
        except NoSuchModuleError:
            raise failed(f"no database driver for {url.drivername!r}") from None
        except (ArgumentError, ImportError) as exc:
            raise failed(f"cannot use this database URL: {_one_line(str(exc))}") from None
        try:
            with engine.connect() as connection:
                yield connection
        except DBAPIError as exc:
            raise failed(f"the database reported an error: {_one_line(str(exc.orig))}") from None
        except SQLAlchemyError as exc:
            raise failed(f"could not query the database: {_one_line(str(exc))}") from None
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
