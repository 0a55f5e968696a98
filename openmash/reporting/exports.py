"""Tables as CSV and XLSX. A cell a spreadsheet would run as a formula (=, +, -, @ and the like) is written
as text: defusedcsv quotes it in CSV, and in XLSX the cell is typed as a string, never a formula."""

from __future__ import annotations

import io
from collections.abc import Iterable, Sequence
from datetime import date, datetime

from defusedcsv import csv
from openpyxl import Workbook
from openpyxl.cell.cell import Cell

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
SHEET_NAME_LIMIT = 31


def _plain(value: object) -> object:
    if value is None:
        return ""
    if isinstance(value, datetime):
        return value.isoformat()
    return value


def csv_bytes(columns: Sequence[str], rows: Iterable[Sequence[object]]) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(columns)
    for row in rows:
        writer.writerow([_plain(v) for v in row])
    return out.getvalue().encode("utf-8-sig")


def _cell_value(value: object) -> object:
    if value is None:
        return None
    if isinstance(value, datetime):
        return value.replace(tzinfo=None)
    if isinstance(value, bool | int | float | date):
        return value
    return str(value)


def xlsx_bytes(sheets: Sequence[tuple[str, Sequence[str], Iterable[Sequence[object]]]]) -> bytes:
    """One workbook, a sheet per (name, columns, rows)."""
    book = Workbook()
    default = book.active
    used: set[str] = set()
    for name, columns, rows in sheets:
        title = name[:SHEET_NAME_LIMIT]
        n = 2
        while title in used:
            suffix = f" ({n})"
            title = name[: SHEET_NAME_LIMIT - len(suffix)] + suffix
            n += 1
        used.add(title)
        sheet = book.create_sheet(title)
        sheet.append(list(columns))
        for row in rows:
            sheet.append([_cell_value(v) for v in row])
        for line in sheet.iter_rows(min_row=2):
            for cell in line:
                _as_text_if_formula(cell)
        sheet.freeze_panes = "A2"
    if default is not None and len(book.worksheets) > 1:
        book.remove(default)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def _as_text_if_formula(cell: Cell) -> None:
    if isinstance(cell.value, str) and cell.value.startswith(FORMULA_STARTS):
        cell.data_type = "s"
