"""Tables as CSV and XLSX. A cell a spreadsheet would run as a formula (=, +, -, @ and the like) is written
as text: defusedcsv quotes it in CSV, and in XLSX every text is an inline string, never a formula."""

from __future__ import annotations

import io
import math
import re
import zipfile
from collections.abc import Iterable, Sequence
from datetime import date, datetime, timedelta
from xml.sax.saxutils import escape as xml_escape

from defusedcsv import csv

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


# XLSX -------------------------------------------------------------------------------------------------------
# Written directly as the Office Open XML a spreadsheet reads (a zip of a few XML parts), one row at a time:
# an Annex A workbook of tens of thousands of rows takes a fraction of a second, where a general-purpose
# library takes several. Every text is an inline string, so nothing in a cell is ever a formula; numbers,
# booleans, dates and times are typed as such.

EPOCH = datetime(1899, 12, 30)  # noqa: DTZ001 - day 0 of a spreadsheet's date serials (the 1900 date system)
NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")
CONTENT_TYPES = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
    '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
    '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
    '<Default Extension="xml" ContentType="application/xml"/>'
    '<Override PartName="/xl/workbook.xml" '
    'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>'
    '<Override PartName="/xl/styles.xml" '
    'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.styles+xml"/>'
    "{sheets}</Types>"
)
SHEET_TYPE = (
    '<Override PartName="/xl/worksheets/sheet{n}.xml" '
    'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>'
)
ROOT_RELS = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
    '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
    '<Relationship Id="rId1" '
    'Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" '
    'Target="xl/workbook.xml"/></Relationships>'
)
WORKBOOK = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
    '<workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" '
    'xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"><sheets>{sheets}</sheets>'
    "</workbook>"
)
WORKBOOK_RELS = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
    '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">{sheets}'
    '<Relationship Id="rIdStyles" '
    'Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/styles" '
    'Target="styles.xml"/></Relationships>'
)
SHEET_REL = (
    '<Relationship Id="rId{n}" '
    'Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" '
    'Target="worksheets/sheet{n}.xml"/>'
)
# Style 0: plain; 1: a date (d/m/yyyy); 2: a date and time; 3: bold (the heading row).
STYLES = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
    '<styleSheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
    '<numFmts count="1"><numFmt numFmtId="164" formatCode="d/m/yyyy h:mm"/></numFmts>'
    '<fonts count="2"><font><sz val="11"/><name val="Arial"/></font>'
    '<font><b/><sz val="11"/><name val="Arial"/></font></fonts>'
    '<fills count="2"><fill><patternFill patternType="none"/></fill>'
    '<fill><patternFill patternType="gray125"/></fill></fills>'
    '<borders count="1"><border><left/><right/><top/><bottom/><diagonal/></border></borders>'
    '<cellStyleXfs count="1"><xf numFmtId="0" fontId="0" fillId="0" borderId="0"/></cellStyleXfs>'
    '<cellXfs count="4"><xf numFmtId="0" fontId="0" fillId="0" borderId="0" xfId="0"/>'
    '<xf numFmtId="14" fontId="0" fillId="0" borderId="0" xfId="0" applyNumberFormat="1"/>'
    '<xf numFmtId="164" fontId="0" fillId="0" borderId="0" xfId="0" applyNumberFormat="1"/>'
    '<xf numFmtId="0" fontId="1" fillId="0" borderId="0" xfId="0" applyFont="1"/></cellXfs>'
    '<cellStyles count="1"><cellStyle name="Normal" xfId="0" builtinId="0"/></cellStyles>'
    "</styleSheet>"
)
SHEET_START = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
    '<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
    '<sheetViews><sheetView workbookViewId="0"><pane ySplit="1" topLeftCell="A2" activePane="bottomLeft" '
    'state="frozen"/></sheetView></sheetViews><sheetData>'
)
SHEET_END = "</sheetData></worksheet>"


def _text(value: str) -> str:
    return NOT_XML.sub("", xml_escape(value))


def _cell(value: object, style: str = "") -> str:
    if value is None or value == "":
        return "<c/>"
    if isinstance(value, bool):
        return f'<c t="b"><v>{int(value)}</v></c>'
    if isinstance(value, int | float):
        return f"<c{style}><v>{value!r}</v></c>" if math.isfinite(value) else "<c/>"
    if isinstance(value, datetime):
        serial = (value.replace(tzinfo=None) - EPOCH) / timedelta(days=1)
        return f'<c s="2"><v>{serial!r}</v></c>'
    if isinstance(value, date):
        return f'<c s="1"><v>{(value - EPOCH.date()).days}</v></c>'
    return f'<c t="inlineStr"{style}><is><t xml:space="preserve">{_text(str(value))}</t></is></c>'


def _sheet_titles(names: Iterable[str]) -> list[str]:
    used: set[str] = set()
    titles = []
    for name in names:
        clean = "".join(" " if ch in "[]:*?/\\" else ch for ch in name).strip("'") or "Sheet"
        title = clean[:SHEET_NAME_LIMIT]
        n = 2
        while title.lower() in used:
            suffix = f" ({n})"
            title = clean[: SHEET_NAME_LIMIT - len(suffix)] + suffix
            n += 1
        used.add(title.lower())
        titles.append(title)
    return titles


def xlsx_bytes(sheets: Sequence[tuple[str, Sequence[str], Iterable[Sequence[object]]]]) -> bytes:
    """One workbook, a sheet per (name, columns, rows), the heading row bold and frozen."""
    titles = _sheet_titles(name for name, _, _ in sheets)
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", compression=zipfile.ZIP_DEFLATED, compresslevel=1) as book:
        numbers = range(1, len(sheets) + 1)
        book.writestr(
            "[Content_Types].xml",
            CONTENT_TYPES.format(sheets="".join(SHEET_TYPE.format(n=n) for n in numbers)),
        )
        book.writestr("_rels/.rels", ROOT_RELS)
        book.writestr(
            "xl/workbook.xml",
            WORKBOOK.format(
                sheets="".join(
                    f'<sheet name="{xml_escape(t, {chr(34): "&quot;"})}" sheetId="{n}" r:id="rId{n}"/>'
                    for n, t in zip(numbers, titles, strict=True)
                )
            ),
        )
        book.writestr(
            "xl/_rels/workbook.xml.rels",
            WORKBOOK_RELS.format(sheets="".join(SHEET_REL.format(n=n) for n in numbers)),
        )
        book.writestr("xl/styles.xml", STYLES)
        for n, (_, columns, rows) in zip(numbers, sheets, strict=True):
            with book.open(f"xl/worksheets/sheet{n}.xml", "w") as part:
                part.write(SHEET_START.encode())
                part.write(("<row>" + "".join(_cell(c, ' s="3"') for c in columns) + "</row>").encode())
                chunk: list[str] = []
                for row in rows:
                    chunk.append("<row>" + "".join(map(_cell, row)) + "</row>")
                    if len(chunk) == 2000:
                        part.write("".join(chunk).encode())
                        chunk.clear()
                part.write("".join(chunk).encode())
                part.write(SHEET_END.encode())
    return out.getvalue()
