"""The SQL connector against a real SQLite file and a real PostgreSQL database.

PostgreSQL (127.0.0.1:5432, user postgres) gets a uniquely named schema, dropped afterwards; its
tests are skipped only when the server cannot be reached.
"""

# ruff: noqa: S608 - the queries name a schema the tests generate; no outside input

from __future__ import annotations

import socket
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text

from openmash.linkage.sources import LoadFailed, connector_for
from openmash.linkage.sources.sql import SqlConnector

PASSWORD = "s3cret-pw"
PG_URL = f"postgresql+psycopg://postgres:{PASSWORD}@127.0.0.1:5432/postgres"

MAPPING = {"person_id": "record_id", "forename": "given_name", "dob": "date_of_birth", "nhs": "nhs_number"}
IDENTITY_COLUMNS = ["person_id", "forename", "surname", "dob", "sex", "postcode", "address", "nhs", "team"]

# Invented people and contacts.
PEOPLE = [
    (
        1,
        "Ada",
        "Testperson",
        "2015-03-04",
        "F",
        "ZZ1 1ZZ",
        "1 Invented Street, Nowhere",
        9990000018,
        "Early help",
    ),
    (2, "Ben", "Sampleton", "1990-12-31", "M", "ZZ2 2ZZ", "2 Sample Road, Nowhere", 9990000026, None),
    (3, "Cai", "Exampleton", "2001-06-07", None, None, None, None, "Youth"),
]
CONTACTS = [
    ("CT-1", 1, "2024-05-06", "contact", "Home visit", "medium", "A. Worker"),
    ("CT-2", 1, "2022-02-03", "contact", "Phone call", None, "B. Worker"),
    ("CT-3", 2, "2023-01-02", "referral", "Referral received", "HIGH", None),
    ("CT-4", 3, "2021-01-01", "contact", "Drop-in", "low", None),
]
BAD_CONTACTS = [
    ("CT-7", 3, "2999-01-01", "contact", "Visit", "low", None),
    ("CT-8", 2, "2024-01-01", "contact", None, "urgent", None),
    ("CT-9", 1, None, "contact", "Visit", "low", None),
]


@dataclass
class Database:
    url: str
    schema: str

    def identities_query(self, table: str = "people") -> str:
        return f"SELECT {', '.join(IDENTITY_COLUMNS)} FROM {self.schema}.{table} ORDER BY person_id;"

    def events_query(self, table: str = "contacts") -> str:
        return (
            "SELECT person_id AS record_id, contact_date AS occurred_on, contact_type AS kind,"
            " summary AS description, level AS significance, contact_id AS source_reference, worker"
            f" FROM {self.schema}.{table} WHERE person_id IN :record_ids ORDER BY contact_id"
        )


def _fill(url: str, schema: str) -> None:
    engine = create_engine(url)
    try:
        with engine.begin() as connection:
            if schema != "main":
                connection.execute(text(f"CREATE SCHEMA {schema}"))
            connection.execute(
                text(
                    f"CREATE TABLE {schema}.people (person_id INTEGER PRIMARY KEY, forename VARCHAR(50),"
                    " surname VARCHAR(50), dob DATE, sex VARCHAR(10), postcode VARCHAR(10),"
                    " address VARCHAR(200), nhs BIGINT, team VARCHAR(50))"
                )
            )
            for table in ("contacts", "bad_contacts"):
                connection.execute(
                    text(
                        f"CREATE TABLE {schema}.{table} (contact_id VARCHAR(20), person_id INTEGER,"
                        " contact_date DATE, contact_type VARCHAR(50), summary VARCHAR(200),"
                        " level VARCHAR(10), worker VARCHAR(50))"
                    )
                )
            columns = ("person_id", "forename", "surname", "dob", "sex", "postcode", "address", "nhs", "team")
            insert = text(f"INSERT INTO {schema}.people VALUES ({', '.join(':' + c for c in columns)})")
            connection.execute(insert, [dict(zip(columns, row, strict=True)) for row in PEOPLE])
            names = ("contact_id", "person_id", "contact_date", "contact_type", "summary", "level", "worker")
            for table, rows in (("contacts", CONTACTS), ("bad_contacts", BAD_CONTACTS)):
                insert = text(f"INSERT INTO {schema}.{table} VALUES ({', '.join(':' + c for c in names)})")
                connection.execute(insert, [dict(zip(names, row, strict=True)) for row in rows])
    finally:
        engine.dispose()


def _postgres_reachable() -> str | None:
    try:
        engine = create_engine(PG_URL, connect_args={"connect_timeout": 3})
        with engine.connect():
            pass
        engine.dispose()
    except Exception as exc:  # noqa: BLE001 - any failure means: skip
        return f"PostgreSQL at 127.0.0.1:5432 is unreachable ({type(exc).__name__})"
    return None


@pytest.fixture(params=["sqlite", "postgresql"])
def database(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Database]:
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path / 'agency.db'}"
        _fill(url, "main")
        yield Database(url, "main")
        return
    if (reason := _postgres_reachable()) is not None:
        pytest.skip(reason)
    schema = f"openmash_test_{uuid.uuid4().hex[:12]}"
    _fill(PG_URL, schema)
    try:
        yield Database(PG_URL, schema)
    finally:
        engine = create_engine(PG_URL)
        with engine.begin() as connection:
            connection.execute(text(f"DROP SCHEMA {schema} CASCADE"))
        engine.dispose()


def test_columns_and_read(database: Database) -> None:
    connector = SqlConnector(database.url, database.identities_query(), database.events_query())
    assert connector.live
    assert connector.columns() == IDENTITY_COLUMNS

    calls: list[tuple[int, int | None]] = []
    extract = connector.read(mapping=MAPPING, progress=lambda done, total: calls.append((done, total)))
    assert calls[-1] == (3, 3)
    assert extract.events is None  # a live source: events stay in the database
    rows = extract.identities.set_index("record_id", drop=False)
    assert list(rows.index) == ["1", "2", "3"]
    assert rows.loc["1"].to_dict() == {
        "record_id": "1",
        "given_name": "Ada",
        "surname": "Testperson",
        "date_of_birth": "2015-03-04",
        "sex": "F",
        "postcode": "ZZ1 1ZZ",
        "address": "1 Invented Street, Nowhere",
        "nhs_number": "9990000018",  # a BIGINT, as integer text
        "other_id": None,
    }
    assert rows.at["3", "nhs_number"] is None
    assert extract.details.set_index("record_id")["team"].to_dict() == {
        "1": "Early help",
        "2": None,
        "3": "Youth",
    }


def test_fetch_gives_identity_details_and_events(database: Database) -> None:
    connector = SqlConnector(database.url, database.identities_query(), database.events_query())
    records = connector.fetch(["2", "1", "99", "1"], mapping=MAPPING)
    assert sorted(records) == ["1", "2"]  # 99 is unknown: left out
    ada = records["1"]
    assert ada.identity["given_name"] == "Ada" and ada.identity["date_of_birth"] == "2015-03-04"
    assert ada.details == {"team": "Early help"}
    assert [
        (e.occurred_on, e.kind, e.description, e.significance, e.source_reference) for e in ada.events
    ] == [
        (date(2022, 2, 3), "contact", "Phone call", "medium", "CT-2"),
        (date(2024, 5, 6), "contact", "Home visit", "medium", "CT-1"),
    ]
    assert ada.events[0].details == (("worker", "B. Worker"),)
    assert records["2"].details == {}
    assert [(e.significance, e.details) for e in records["2"].events] == [("high", ())]

    assert (
        SqlConnector(database.url, database.identities_query()).fetch(["3"], mapping=MAPPING)["3"].events
        == ()
    )
    assert connector.fetch(["99"], mapping=MAPPING) == {}


def test_an_env_url_and_standard_column_names(database: Database, monkeypatch: pytest.MonkeyPatch) -> None:
    query = f"SELECT person_id AS record_id, surname, dob AS date_of_birth FROM {database.schema}.people"
    settings = {"url": "env:OPENMASH_SOURCE_TEST_AGENCY_DB", "identities_query": query}
    monkeypatch.setenv("OPENMASH_SOURCE_TEST_AGENCY_DB", database.url)
    connector = connector_for("sql", settings)
    assert connector.read().records == 3  # no mapping needed
    assert connector.fetch(["3"])["3"].identity["surname"] == "Exampleton"

    monkeypatch.delenv("OPENMASH_SOURCE_TEST_AGENCY_DB")
    with pytest.raises(LoadFailed) as failed:
        connector.read()
    assert str(failed.value) == (
        "identities: the environment variable OPENMASH_SOURCE_TEST_AGENCY_DB (the database URL) is not set"
    )


def test_an_event_mapping(database: Database) -> None:
    events = f"SELECT * FROM {database.schema}.contacts WHERE person_id IN :record_ids"
    mapping = {
        "person_id": "record_id",
        "contact_date": "occurred_on",
        "contact_type": "kind",
        "summary": "description",
        "level": "significance",
        "contact_id": "source_reference",
    }
    connector = connector_for(
        "sql",
        {
            "url": database.url,
            "identities_query": database.identities_query(),
            "events_query": events,
            "event_mapping": mapping,
        },
    )
    record = connector.fetch(["1"], mapping=MAPPING)["1"]
    assert [e.source_reference for e in record.events] == ["CT-2", "CT-1"]
    assert record.events[1].details == (("worker", "A. Worker"),)


def test_bad_event_rows_fail_the_fetch(database: Database) -> None:
    connector = SqlConnector(database.url, database.identities_query(), database.events_query("bad_contacts"))
    with pytest.raises(LoadFailed) as failed:
        connector.fetch(["1", "2", "3"], mapping=MAPPING)
    assert [(b.part, b.row, b.column, b.problem) for b in failed.value.bad_rows] == [
        ("events", 1, "occurred_on", "date is in the future"),
        ("events", 2, "description", "description is empty"),
        ("events", 2, "significance", "significance must be high, medium or low"),
        ("events", 3, "occurred_on", "date is empty"),
    ]


def test_bad_identity_rows_fail_the_read(database: Database) -> None:
    query = f"SELECT person_id, contact_type FROM {database.schema}.contacts ORDER BY contact_id"
    with pytest.raises(LoadFailed) as failed:
        SqlConnector(database.url, query).read(mapping={"person_id": "record_id"})
    assert [(b.row, b.column, b.problem) for b in failed.value.bad_rows] == [
        (2, "person_id", "duplicate record_id (also on row 1)")
    ]
    with pytest.raises(LoadFailed) as unmapped:
        SqlConnector(database.url, query).read(mapping=MAPPING)
    assert [b.problem for b in unmapped.value.bad_rows] == [
        f"the mapping names column {c!r}, which the source does not have" for c in ("forename", "dob", "nhs")
    ]
    with pytest.raises(LoadFailed, match="no record_id column"):
        SqlConnector(database.url, database.identities_query()).fetch(["1"])


def test_a_broken_query_fails_with_a_reference_and_the_detail_only_in_the_log(
    database: Database, caplog: pytest.LogCaptureFixture
) -> None:
    connector = SqlConnector(database.url, f"SELECT * FROM {database.schema}.no_such_table")
    for attempt in (connector.columns, connector.read, lambda: connector.fetch(["1"])):
        caplog.clear()
        with pytest.raises(LoadFailed) as failed:
            attempt()
        message = str(failed.value)
        assert message.startswith("identities: the database could not run the query (reference ")
        # What the database said (which may quote data or tell what exists) is not shown...
        assert "no_such_table" not in message and "\n" not in message
        assert PASSWORD not in message
        # ...but is in the server log, under the reference shown.
        reference = message.split("reference ")[1].split(";")[0]
        logged = [r.getMessage() for r in caplog.records if reference in r.getMessage()]
        assert logged and "no_such_table" in logged[0] and PASSWORD not in logged[0]

    no_ids = SqlConnector(
        database.url, database.identities_query(), f"SELECT * FROM {database.schema}.contacts"
    )
    with pytest.raises(
        LoadFailed, match=r"events query must select the events of the records in :record_ids"
    ):
        no_ids.fetch(["1"], mapping=MAPPING)


def test_an_unreachable_database_fails_without_showing_the_password() -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    url = f"postgresql+psycopg://agency:{PASSWORD}@127.0.0.1:{port}/agency"
    with pytest.raises(LoadFailed) as failed:
        SqlConnector(url, "SELECT 1 AS record_id").read()
    message = str(failed.value)
    assert PASSWORD not in message
    assert message.startswith("identities: could not reach the database (reference ")

    with pytest.raises(LoadFailed, match="not valid") as invalid:
        SqlConnector(f"not a url {PASSWORD}", "SELECT 1").read()
    assert PASSWORD not in str(invalid.value)
    with pytest.raises(LoadFailed, match="cannot be held to read-only queries"):
        SqlConnector(f"nosuchdb://user:{PASSWORD}@host/db", "SELECT 1").read()


def test_fetch_compares_ids_as_the_database_holds_them(database: Database) -> None:
    """An integer id column is asked with integers and a text one with text, so the database compares
    without a cast (and can use its index); ids that cannot be an integer find nothing."""
    by_number = SqlConnector(database.url, database.identities_query())
    assert sorted(by_number.fetch(["1", "abc", "-", "3"], mapping=MAPPING)) == ["1", "3"]
    query = (
        f"SELECT 'P-' || CAST(person_id AS VARCHAR(10)) AS record_id, surname FROM {database.schema}.people"
    )
    by_text = SqlConnector(database.url, query)
    assert sorted(by_text.fetch(["P-2", "2", "P-9"])) == ["P-2"]
    assert by_text.fetch(["P-2"])["P-2"].identity["surname"] == "Sampleton"
