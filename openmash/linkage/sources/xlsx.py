"""Excel extracts (``.xlsx``): a sheet of identities and optionally a sheet of events.

Read with openpyxl in read-only mode, cell values only, so a large workbook is streamed rather
than held in memory. Each sheet is a table with its header in row 1; row numbers in a report are
counted as for CSV (1 = the first row under the header, i.e. sheet row 2). Excel dates and
date-times become ``YYYY-MM-DD`` (the time of day is dropped); numbers that are whole become
integer text, so an NHS number typed into a number cell reads ``9990000018``, not
``9990000018.0``. Completely empty rows are skipped. Formula cells give the value Excel last
calculated and saved (empty when the workbook was never opened in a spreadsheet program).

Validation and the report are exactly those of :class:`~.files.CsvConnector`: the rows are read
into :class:`~.files.Rows` and checked by :func:`~.files.read_with_events`.
"""

from __future__ import annotations

from collections.abc import Generator, Iterator, Mapping
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any, ClassVar
from zipfile import BadZipFile, ZipFile

from openpyxl import load_workbook
from openpyxl.utils import get_column_letter

from openmash.linkage.sources.base import BadRow, Progress
from openmash.linkage.sources.files import FileConnector, RowList, Rows
from openmash.linkage.sources.limits import UNRESTRICTED, PathRefused, SourceLimits

__all__ = ["XlsxConnector", "read_sheet_rows"]

_PROGRESS_EVERY = 5000


def _cell_text(value: object) -> str:
    """One cell value as text: ``""`` for an empty cell, dates as ``YYYY-MM-DD``, whole numbers
    without a decimal point."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, datetime):
        return value.date().isoformat()
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, time):
        return value.isoformat()
    if isinstance(value, float):
        if value != value:  # NaN
            return ""
        if value.is_integer():
            return str(int(value))
        return repr(value)
    if isinstance(value, Decimal) and value == value.to_integral_value():
        return str(int(value))
    if isinstance(value, timedelta):
        return str(value)
    return str(value).strip()


def _unzipped_size_problem(path: Path, limits: SourceLimits) -> str | None:
    """Why a workbook must not be opened because of what it would expand to (a zip bomb), from the
    sizes its zip directory declares (Python's zip reader never expands an entry past them)."""
    try:
        with ZipFile(path) as archive:
            declared = sum(info.file_size for info in archive.infolist())
    except (BadZipFile, OSError, ValueError):
        return None  # not a zip: openpyxl says it is not a workbook
    on_disk = max(1, path.stat().st_size)
    if declared > limits.max_uncompressed_bytes or declared > on_disk * limits.max_compression_ratio:
        return (
            f"{path.name} would expand to {declared / (1024 * 1024):,.0f} MB when opened, more than a"
            " data source may read (OPENMASH_SOURCE_MAX_UNCOMPRESSED_MB); save it as CSV or split it"
        )
    return None


class _Workbook:
    """An open read-only workbook, or the problem that stopped it opening."""

    def __init__(self, path: Path, part: str, limits: SourceLimits = UNRESTRICTED) -> None:
        self.path = path
        self.book: Any = None
        self.problem: BadRow | None = None
        try:
            real = limits.readable_file(path)
        except PathRefused as refused:
            self.problem = BadRow(str(refused), part=part)
            return
        if (too_big := _unzipped_size_problem(real, limits)) is not None:
            self.problem = BadRow(too_big, part=part)
            return
        try:
            self.book = load_workbook(real, read_only=True, data_only=True)
        except Exception as exc:  # openpyxl raises zipfile, KeyError, XML errors... for a bad file
            hint = (
                " (the old .xls format: save it from Excel as .xlsx)"
                if path.suffix.lower() == ".xls" or "xls file format" in str(exc)
                else " (save it from Excel as .xlsx, or load it as CSV)"
            )
            self.problem = BadRow(f"{path.name} is not an Excel workbook{hint}", part=part)

    def sheet(self, name: str | None, part: str) -> tuple[Any, BadRow | None]:
        if self.problem is not None:
            return None, self.problem
        names = list(self.book.sheetnames)
        if name is None:
            if not names:
                return None, BadRow(f"{self.path.name} has no sheets", part=part)
            return self.book[names[0]], None
        if name not in names:
            return None, BadRow(
                f"{self.path.name} has no sheet named {name!r} (sheets: {', '.join(names) or 'none'})",
                part=part,
            )
        return self.book[name], None

    def close(self) -> None:
        if self.book is not None:
            self.book.close()
            self.book = None


def _sheet_rows(sheet: Any, max_columns: int) -> Generator[tuple[Any, ...]]:
    # Some programs write a wrong sheet size, and read-only openpyxl would stop at it: read all.
    sheet.reset_dimensions()
    yield from sheet.iter_rows(min_row=1, max_col=max_columns + 1, values_only=True)


def _read_table(sheet: Any, **options: Any) -> Rows:
    limits: SourceLimits = options.get("limits", UNRESTRICTED)
    rows = _sheet_rows(sheet, limits.max_columns)
    try:
        return _table_from(rows, sheet.title, **options)
    finally:
        rows.close()


def _table_from(
    rows: Iterator[tuple[Any, ...]],
    title: str,
    *,
    part: str,
    header_only: bool = False,
    progress: Progress | None = None,
    total: int | None = None,
    limits: SourceLimits = UNRESTRICTED,
) -> Rows:
    first = next(rows, None)
    if first is None or not any(_cell_text(v) for v in first):
        # A header row that is blank (or no rows at all).
        if first is None or all(not any(_cell_text(v) for v in row) for row in rows):
            return Rows(problems=[BadRow(f"the sheet {title!r} is empty", part=part)])
        return Rows(problems=[BadRow(f"row 1 of the sheet {title!r} (the header) is empty", part=part)])
    names = [_cell_text(v) for v in first]
    while names and not names[-1]:
        names.pop()
    if len(names) > limits.max_columns:
        return Rows(
            problems=[
                BadRow(
                    f"the sheet {title!r} has more than {limits.max_columns} columns, the most a source"
                    " may have",
                    part=part,
                )
            ]
        )
    if any(len(name) > limits.max_cell_chars for name in names):
        return Rows(problems=[BadRow(f"a header name of the sheet {title!r} is too long", part=part)])
    problems: list[BadRow] = []
    named = [i for i, n in enumerate(names) if n]
    seen: set[str] = set()
    for name in names:
        if name and name.lower() in seen:
            problems.append(BadRow("the header names this column twice", column=name, part=part))
        seen.add(name.lower())
    header = [names[i] for i in named]
    out = Rows(header=header, rows=RowList(header), problems=problems)
    if header_only:
        return out
    unnamed_with_values: set[int] = set()
    for number, values in enumerate(rows, start=1):
        if number > limits.max_rows:
            problems.append(
                BadRow(
                    f"the sheet {title!r} has more than {limits.max_rows:,} rows, the most a source may"
                    " have (OPENMASH_SOURCE_MAX_ROWS)",
                    row=number,
                    part=part,
                )
            )
            break
        texts = [_cell_text(v) for v in values]
        if not any(texts):
            continue
        long = next((i for i, t in enumerate(texts) if len(t) > limits.max_cell_chars), None)
        if long is not None:
            problems.append(
                BadRow(
                    f"a cell is longer than {limits.max_cell_chars:,} characters",
                    row=number,
                    column=names[long] if long < len(names) and names[long] else get_column_letter(long + 1),
                    part=part,
                )
            )
            continue
        for i, text in enumerate(texts):
            if text and (i >= len(names) or not names[i]):
                unnamed_with_values.add(i)
        texts += [""] * (len(names) - len(texts))
        out.rows.append([texts[i] for i in named])
        out.numbers.append(number)
        if progress is not None and number % _PROGRESS_EVERY == 0:
            progress(number, total)
    for i in sorted(unnamed_with_values):
        problems.append(
            BadRow("has values but no name in the header (row 1)", column=get_column_letter(i + 1), part=part)
        )
    if progress is not None:
        progress(len(out.rows), len(out.rows))
    return out


def read_sheet_rows(
    path: str | Path,
    *,
    sheet: str | None = None,
    part: str = "identities",
    progress: Progress | None = None,
    header_only: bool = False,
    limits: SourceLimits = UNRESTRICTED,
) -> Rows:
    """The header and rows of one sheet (the first unless ``sheet`` names one), with every
    structural problem as a :class:`BadRow` (not a workbook, no such sheet, an empty sheet, a
    repeated header name, values in a column with no header)."""
    book = _Workbook(Path(path), part, limits)
    try:
        table, problem = book.sheet(sheet, part)
        if problem is not None:
            return Rows(problems=[problem])
        total = table.max_row - 1 if isinstance(table.max_row, int) and table.max_row > 1 else None
        return _read_table(
            table, part=part, header_only=header_only, progress=progress, total=total, limits=limits
        )
    finally:
        book.close()


class XlsxConnector(FileConnector):
    """An agency's extract as Excel workbooks: identities (required) and events (optional).

    ``identities_sheet`` and ``events_sheet`` name the sheets (default: each workbook's first).
    Events may be a sheet of the identities workbook: give ``events_sheet`` without ``events``.
    """

    kind: ClassVar[str] = "xlsx"

    def __init__(
        self,
        identities: str | Path,
        events: str | Path | None = None,
        *,
        identities_sheet: str | None = None,
        events_sheet: str | None = None,
        event_mapping: Mapping[str, str] | None = None,
        limits: SourceLimits = UNRESTRICTED,
    ) -> None:
        self.limits = limits
        self.identities_path = Path(identities)
        self.events_path: Path | None = Path(events) if events else None
        if self.events_path is None and events_sheet:
            self.events_path = self.identities_path
        self.identities_sheet = identities_sheet or None
        self.events_sheet = events_sheet or None
        self.event_mapping = dict(event_mapping or {})

    def read_table(self, part: str, *, header_only: bool = False, progress: Progress | None = None) -> Rows:
        if part == "identities":
            return read_sheet_rows(
                self.identities_path,
                sheet=self.identities_sheet,
                header_only=header_only,
                progress=progress,
                limits=self.limits,
            )
        assert self.events_path is not None  # noqa: S101 - events are read only when there is a file
        return read_sheet_rows(
            self.events_path,
            sheet=self.events_sheet,
            part="events",
            header_only=header_only,
            progress=progress,
            limits=self.limits,
        )
