"""The Excel connector, on real .xlsx workbooks written with openpyxl."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime
from pathlib import Path

import pytest
from openpyxl import Workbook

from openmash.linkage.sources import LoadFailed, connector_for
from openmash.linkage.sources.xlsx import XlsxConnector

IDENTITY_HEADER: list[object] = [
    "Client ID",
    "Forename",
    "Surname",
    "DOB",
    "Gender",
    "Postcode",
    "NHS No",
    "Team",
]
EVENT_HEADER: list[object] = [
    "record_id",
    "occurred_on",
    "kind",
    "description",
    "significance",
    "source_reference",
    "worker",
]
MAPPING = {
    "Client ID": "record_id",
    "Forename": "given_name",
    "DOB": "date_of_birth",
    "Gender": "sex",
    "NHS No": "nhs_number",
}


def write_book(path: Path, sheets: dict[str, Sequence[Sequence[object]]]) -> Path:
    book = Workbook()
    book.remove(book.active)
    for title, rows in sheets.items():
        sheet = book.create_sheet(title)
        for row in rows:
            sheet.append(list(row))
    book.save(path)
    return path


# Excel has no time zones (openpyxl refuses aware date-times): the workbooks hold naive ones.


def identities() -> list[list[object]]:
    return [
        IDENTITY_HEADER,
        [1001, "Ada", "Testperson", datetime(2015, 3, 4), "F", "ZZ1 1ZZ", 9990000018, "Early help"],  # noqa: DTZ001
        ["C-1002", "Ben", "Sampleton", date(1990, 12, 31), "M", "ZZ2 2ZZ", "999 000 0026", None],
        [1003.0, "Cai", "Exampleton", "2001-06-07", None, None, 9990000034.0, "Youth"],
    ]


def events() -> list[list[object]]:
    return [
        EVENT_HEADER,
        [1001, datetime(2024, 5, 6, 14, 30), "contact", "Home visit", "medium", "CT-1", "A. Worker"],  # noqa: DTZ001
        ["C-1002", "2023-01-02", "referral", "Referral received", "HIGH", 77, None],
        [1001, date(2022, 2, 3), "contact", "Phone call", None, "CT-0", "B. Worker"],
    ]


def test_loads_identities_and_events_with_a_mapping(tmp_path: Path) -> None:
    book = write_book(tmp_path / "extract.xlsx", {"People": identities(), "Contacts": events()})
    connector = XlsxConnector(book, book, identities_sheet="People", events_sheet="Contacts")
    assert connector.columns() == IDENTITY_HEADER
    extract = connector.read(mapping=MAPPING)

    rows = extract.identities.set_index("record_id", drop=False)
    assert list(rows.index) == ["1001", "C-1002", "1003"]  # whole numbers as integer text
    assert rows.loc["1001"].to_dict() == {
        "record_id": "1001",
        "given_name": "Ada",
        "surname": "Testperson",
        "date_of_birth": "2015-03-04",  # an Excel date becomes an ISO date
        "sex": "F",
        "postcode": "ZZ1 1ZZ",
        "address": None,
        "nhs_number": "9990000018",  # a number cell, not "9990000018.0"
        "other_id": None,
    }
    assert rows.at["C-1002", "date_of_birth"] == "1990-12-31"
    assert rows.at["1003", "nhs_number"] == "9990000034"
    assert extract.details.set_index("record_id").to_dict()["Team"] == {
        "1001": "Early help",
        "C-1002": None,
        "1003": "Youth",
    }

    assert extract.events is not None
    assert extract.event_count == 3
    first = extract.events.iloc[0].to_dict()
    assert first["occurred_on"] == date(2024, 5, 6)  # a date-time becomes its date
    assert first["worker"] == "A. Worker"
    assert list(extract.events["significance"]) == ["medium", "high", "medium"]
    assert list(extract.events["source_reference"]) == ["CT-1", "77", "CT-0"]


def test_events_can_be_a_sheet_of_the_identities_workbook_and_first_sheets_are_defaults(
    tmp_path: Path,
) -> None:
    book = write_book(tmp_path / "extract.xlsx", {"People": identities(), "Contacts": events()})
    connector = connector_for("xlsx", {"identities": str(book), "events_sheet": "Contacts"})
    extract = connector.read(mapping=MAPPING)
    assert (extract.records, extract.event_count) == (3, 3)
    assert connector_for("xlsx", {"identities": str(book)}).read(mapping=MAPPING).events is None


def test_empty_rows_are_skipped_and_rows_numbered_as_in_csv(tmp_path: Path) -> None:
    rows = identities()
    rows[2:2] = [[None] * len(IDENTITY_HEADER), [None, "  ", None]]  # sheet rows 3 and 4 empty
    rows.append([None, "Dee", "Noid"])  # sheet row 7: data row 6
    book = write_book(tmp_path / "people.xlsx", {"People": rows})
    with pytest.raises(LoadFailed) as failed:
        XlsxConnector(book).read(mapping=MAPPING)
    assert [(b.row, b.column, b.problem) for b in failed.value.bad_rows] == [
        (6, "Client ID", "record_id is empty")
    ]


def test_a_full_report_of_bad_rows_and_bad_events(tmp_path: Path) -> None:
    people = identities()
    people.append([None, "Eve", "Noid"])  # row 4: no id
    people.append([1001, "Ada", "Again"])  # row 5: the same id as row 1
    contacts = events()
    contacts.append([1001, "31/02/2024", "contact", "Visit", "low", "CT-9", None])  # row 4: not a date
    contacts.append([1003, date(2024, 1, 1), "contact", "Visit", "urgent", "CT-8", None])  # row 5
    contacts.append([4040, date(2024, 1, 1), "contact", "Visit", "low", "CT-7", None])  # row 6: unknown id
    book = write_book(tmp_path / "extract.xlsx", {"People": people})
    extra = write_book(tmp_path / "events.xlsx", {"Contacts": contacts})
    with pytest.raises(LoadFailed) as failed:
        XlsxConnector(book, extra).read(mapping=MAPPING)
    report = [(b.part, b.row, b.column, b.problem) for b in failed.value.bad_rows]
    assert report == [
        ("identities", 4, "Client ID", "record_id is empty"),
        ("identities", 5, "Client ID", "duplicate record_id (also on row 1)"),
        ("events", 4, "occurred_on", "not a date (expected YYYY-MM-DD)"),
        ("events", 5, "significance", "significance must be high, medium or low"),
        ("events", 6, "record_id", "record_id is not in the identities"),
    ]
    assert failed.value.total == 5
    assert "Ada" not in str(failed.value) and "4040" not in " ".join(map(str, failed.value.bad_rows))


def test_structural_problems_are_reported(tmp_path: Path) -> None:
    rows: list[list[object]] = [
        ["record_id", "given_name", None, "given_name"],
        ["A1", "Ann", "stray", "Ann"],
    ]
    book = write_book(tmp_path / "people.xlsx", {"Sheet": rows})
    with pytest.raises(LoadFailed) as failed:
        XlsxConnector(book).read()
    assert sorted((b.column, b.problem) for b in failed.value.bad_rows) == [
        ("C", "has values but no name in the header (row 1)"),
        ("given_name", "the header names this column twice"),
    ]


def test_a_file_that_is_not_a_workbook(tmp_path: Path) -> None:
    fake = tmp_path / "people.xlsx"
    fake.write_text("record_id,given_name\nA1,Ann\n", encoding="utf-8")
    with pytest.raises(LoadFailed) as failed:
        XlsxConnector(fake).read()
    assert str(failed.value).startswith("identities: people.xlsx is not an Excel workbook")
    with pytest.raises(LoadFailed, match="not an Excel workbook"):
        XlsxConnector(fake).columns()
    with pytest.raises(LoadFailed, match="no such file: missing.xlsx"):
        XlsxConnector(tmp_path / "missing.xlsx").read()


def test_a_missing_sheet_and_an_empty_sheet(tmp_path: Path) -> None:
    book = write_book(tmp_path / "extract.xlsx", {"People": identities(), "Blank": []})
    with pytest.raises(LoadFailed) as missing:
        XlsxConnector(book, identities_sheet="Persons").read(mapping=MAPPING)
    assert (
        missing.value.bad_rows[0].problem
        == "extract.xlsx has no sheet named 'Persons' (sheets: People, Blank)"
    )

    with pytest.raises(LoadFailed) as no_events:
        XlsxConnector(book, events_sheet="Contacts").read(mapping=MAPPING)
    assert [(b.part, b.problem) for b in no_events.value.bad_rows] == [
        ("events", "extract.xlsx has no sheet named 'Contacts' (sheets: People, Blank)")
    ]

    with pytest.raises(LoadFailed, match="the sheet 'Blank' is empty"):
        XlsxConnector(book, identities_sheet="Blank").read()


def test_a_header_only_sheet_loads_nothing_and_progress_is_reported(tmp_path: Path) -> None:
    book = write_book(tmp_path / "people.xlsx", {"People": [IDENTITY_HEADER]})
    assert XlsxConnector(book).read(mapping=MAPPING).records == 0

    many = [["record_id", "surname"], *([f"R{i}", "Testperson"] for i in range(6_000))]
    big = write_book(tmp_path / "many.xlsx", {"People": many})
    calls: list[tuple[int, int | None]] = []
    extract = XlsxConnector(big).read(progress=lambda done, total: calls.append((done, total)))
    assert extract.records == 6_000
    assert calls == [(5000, 6_000), (6_000, 6_000)]
