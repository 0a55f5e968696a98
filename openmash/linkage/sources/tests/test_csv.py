"""The CSV connector's row-level report, and a load's round trip through a Snapshot on disk."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from openmash.linkage.sources import LoadFailed, Snapshot, connector_for
from openmash.linkage.sources.files import CsvConnector

# Invented people.
IDENTITIES = """record_id,given_name,surname,DOB,postcode,nhs_number,team
P1,Ada,Testperson,2015-03-04,ZZ1 1ZZ,9990000018,Early help
P2,Ben,Sampleton,31/12/1990,ZZ2 2ZZ,,
P3,Cai,Exampleton,2001-06-07,,9990000034,Youth
"""
EVENTS = """record_id,occurred_on,kind,description,significance,source_reference,worker
P1,2024-05-06,contact,Home visit,medium,CT-1,A. Worker
P1,2022-02-03,contact,Phone call,,CT-2,B. Worker
P2,2023-01-02,referral,Referral received,HIGH,CT-3,
"""


def write(path: Path, text: str) -> Path:
    path.write_text(text, encoding="utf-8")
    return path


def report(failed: pytest.ExceptionInfo[LoadFailed]) -> list[tuple[str, int | None, str | None, str]]:
    return [(b.part, b.row, b.column, b.problem) for b in failed.value.bad_rows]


def test_a_good_extract_loads(tmp_path: Path) -> None:
    connector = CsvConnector(
        write(tmp_path / "people.csv", IDENTITIES), write(tmp_path / "events.csv", EVENTS)
    )
    extract = connector.read(mapping={"DOB": "date_of_birth"})
    assert (extract.records, extract.event_count) == (3, 3)
    assert extract.identities.set_index("record_id").at["P2", "date_of_birth"] == "31/12/1990"
    assert connector.columns()[:3] == ["record_id", "given_name", "surname"]
    assert connector.event_columns()[-1] == "worker"


def test_malformed_rows_are_reported_by_row(tmp_path: Path) -> None:
    text = IDENTITIES + "P4,Dee,Noid\nP5,Eve,Noid,2000-01-01,ZZ3 3ZZ,,Team,extra\n"
    with pytest.raises(LoadFailed) as failed:
        CsvConnector(write(tmp_path / "people.csv", text)).read()
    assert report(failed) == [
        ("identities", 4, None, "has 3 fields where the header has 7"),
        ("identities", 5, None, "has 8 fields where the header has 7"),
    ]


def test_a_file_in_another_encoding(tmp_path: Path) -> None:
    people = tmp_path / "people.csv"
    people.write_bytes("record_id,given_name\nP1,Ann\nP2,Zoë\nP3,José\n".encode("latin-1"))
    with pytest.raises(LoadFailed) as failed:
        CsvConnector(people).read()
    rows = [(b.row, b.problem.split(";")[0]) for b in failed.value.bad_rows]
    assert rows == [(2, "is not valid utf-8 text (byte 0xeb)"), (3, "is not valid utf-8 text (byte 0xe9)")]
    assert "windows-1252" in failed.value.bad_rows[0].problem  # the report says what to do

    extract = connector_for("csv", {"identities": str(people), "encoding": "windows-1252"}).read()
    assert list(extract.identities["given_name"]) == ["Ann", "Zoë", "José"]

    with pytest.raises(LoadFailed, match="unknown text encoding 'klingon'"):
        CsvConnector(people, encoding="klingon").read()


def test_a_missing_record_id_column(tmp_path: Path) -> None:
    people = write(tmp_path / "people.csv", "id,given_name\nP1,Ann\n")
    with pytest.raises(LoadFailed) as failed:
        CsvConnector(people).read()
    assert report(failed) == [
        (
            "identities",
            None,
            "record_id",
            "no record_id column (columns found: id, given_name; map one of them to record_id)",
        )
    ]
    assert CsvConnector(people).read(mapping={"id": "record_id"}).records == 1


def test_duplicate_header_names(tmp_path: Path) -> None:
    people = write(tmp_path / "people.csv", "record_id,Surname,surname\nP1,Ann,Other\n")
    with pytest.raises(LoadFailed) as failed:
        CsvConnector(people).read()
    assert report(failed) == [("identities", None, "surname", "the header names this column twice")]


def test_events_of_unknown_records(tmp_path: Path) -> None:
    events = EVENTS + "P9,2023-01-02,referral,Referral received,low,CT-9,\n"
    connector = CsvConnector(
        write(tmp_path / "people.csv", IDENTITIES), write(tmp_path / "events.csv", events)
    )
    with pytest.raises(LoadFailed) as failed:
        connector.read()
    assert report(failed) == [("events", 4, "record_id", "record_id is not in the identities")]


def test_a_full_report_of_several_bad_rows(tmp_path: Path) -> None:
    people = IDENTITIES + ",Dee,Noid,,,,\nP1,Ada,Again,,,,\nP6,Fay\n"
    events = EVENTS + (
        "P2,2023-02-30,contact,Visit,low,CT-4,\n"  # row 4: no such date
        "P3,2999-01-01,contact,Visit,low,CT-5,\n"  # row 5: in the future
        "P3,2023-01-01,,Visit,urgent,CT-6,\n"  # row 6: no kind, bad significance
    )
    connector = CsvConnector(write(tmp_path / "people.csv", people), write(tmp_path / "events.csv", events))
    with pytest.raises(LoadFailed) as failed:
        connector.read()
    assert report(failed) == [
        ("identities", 6, None, "has 2 fields where the header has 7"),
        ("identities", 4, "record_id", "record_id is empty"),
        ("identities", 5, "record_id", "duplicate record_id (also on row 1)"),
        ("events", 4, "occurred_on", "not a date (expected YYYY-MM-DD)"),
        ("events", 5, "occurred_on", "date is in the future"),
        ("events", 6, "kind", "kind is empty"),
        ("events", 6, "significance", "significance must be high, medium or low"),
    ]
    assert failed.value.total == 7
    assert str(failed.value) == "identities, row 6: has 2 fields where the header has 7 (and 6 more)"
    # Only positions and problems: no value from the file appears in the report.
    assert not any(name in str(b) for b in failed.value.bad_rows for name in ("Dee", "Ada", "Fay"))


def test_a_snapshot_round_trip(tmp_path: Path) -> None:
    connector = CsvConnector(
        write(tmp_path / "people.csv", IDENTITIES), write(tmp_path / "events.csv", EVENTS)
    )
    extract = connector.read(mapping={"DOB": "date_of_birth"})
    snapshot = Snapshot.write(extract, tmp_path / "snapshots" / "load-1")
    assert snapshot.has_events and snapshot.meta["records"] == 3 and snapshot.meta["events"] == 3

    records = Snapshot(tmp_path / "snapshots" / "load-1").fetch(["P1", "P2", "P3", "nobody"])
    assert list(records) == ["P1", "P2", "P3"]
    ada = records["P1"]
    assert ada.identity == {
        "record_id": "P1",
        "given_name": "Ada",
        "surname": "Testperson",
        "date_of_birth": "2015-03-04",
        "sex": None,
        "postcode": "ZZ1 1ZZ",
        "address": None,
        "nhs_number": "9990000018",
        "other_id": None,
    }
    assert ada.details == {"team": "Early help"}
    assert records["P2"].details == {}
    assert [(e.occurred_on, e.description, e.significance, e.details) for e in ada.events] == [
        (date(2022, 2, 3), "Phone call", "medium", (("worker", "B. Worker"),)),
        (date(2024, 5, 6), "Home visit", "medium", (("worker", "A. Worker"),)),
    ]
    assert records["P2"].events[0].significance == "high"
    assert records["P3"].events == ()
    assert snapshot.identities().equals(extract.identities)


def test_a_snapshot_is_never_written_over(tmp_path: Path) -> None:
    first = CsvConnector(write(tmp_path / "people.csv", IDENTITIES)).read()
    target = tmp_path / "snapshots" / "load-1"
    Snapshot.write(first, target)
    before = {p.name: p.read_bytes() for p in target.iterdir()}

    second = CsvConnector(write(tmp_path / "other.csv", "record_id\nQ1\n")).read()
    with pytest.raises(FileExistsError):
        Snapshot.write(second, target)
    assert {p.name: p.read_bytes() for p in target.iterdir()} == before
    assert list(Snapshot(target).fetch(["P1", "Q1"])) == ["P1"]
    assert [p.name for p in target.parent.iterdir()] == ["load-1"]  # no partial directory left behind


def test_a_carriage_return_on_its_own_is_refused_at_its_row_as_an_extract_refuses_it(tmp_path: Path) -> None:
    """The reader would end the row at it: the row cut in two, every later row numbered one too many."""
    from openmash.linkage.engine.inputs import STRAY_CR

    lines = IDENTITIES.splitlines()
    lines[2] = lines[2].replace("Sampleton", "Sample\rton")  # row 2, in the surname
    text = "\r\n".join([*lines, "P4,Dee,Noid,,,,", "P5,Eve,Noid,,,,,extra", ""])
    people = tmp_path / "people.csv"
    people.write_bytes(text.encode())
    with pytest.raises(LoadFailed) as failed:
        CsvConnector(people).read()
    assert report(failed) == [("identities", 2, "surname", STRAY_CR)]

    # Inside quotes it is part of the value, and the rows after it keep their numbers.
    lines[2] = lines[2].replace("Sample\rton", '"Sample\rton"')
    people.write_bytes("\r\n".join([*lines, "P4,Dee,Noid,,,,", "P5,Eve,Noid,,,,,extra", ""]).encode())
    with pytest.raises(LoadFailed) as failed:
        CsvConnector(people).read()
    assert report(failed) == [("identities", 5, None, "has 8 fields where the header has 7")]
    people.write_bytes("\r\n".join([*lines, ""]).encode())
    extract = CsvConnector(people).read()
    assert extract.identities.set_index("record_id").at["P2", "surname"] == "Sample\rton"


def test_a_file_of_lines_ended_by_carriage_returns_alone_still_loads(tmp_path: Path) -> None:
    people = tmp_path / "people.csv"
    people.write_bytes(IDENTITIES.replace("\n", "\r").encode())
    assert CsvConnector(people).read().records == 3
