"""Reading an agency extract (CSV or Parquet) into the standard record schema.

Columns use the standard names (:data:`~.records.STANDARD_COLUMNS`, matched ignoring case and
surrounding spaces); any may be absent or empty except ``record_id``; extra columns are ignored;
``mapping`` renames source columns to standard ones first (the CLI's ``--map src=std``).

Malformed input raises :class:`InputError` naming the file, the row and the column: a file that is
not UTF-8, a row with too many fields, a missing ``record_id`` column, an empty or duplicate
``record_id``. A CSV file's row N is the Nth line under the header as its user finds it: blank lines
count (a spreadsheet shows each as a row), a line break inside a quoted value does not (the value
stays in its row). So row N is row N + 1 of a spreadsheet, whose row 1 is the header, and line
N + 1 in a text editor if no value above it holds a line break. A Parquet file's row N is its Nth
record. A value that cannot be read — an unparseable date of birth, an NHS number with a bad check
digit — is *not* an error: it becomes missing and is counted in :attr:`LoadedRecords.warnings`.
"""

from __future__ import annotations

import codecs
import csv
import re
from collections import defaultdict
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any, Final, overload

import numpy as np
import pandas as pd

from openmash.linkage.engine.backends import Backend
from openmash.linkage.engine.building import Chunked
from openmash.linkage.engine.features import FeatureTable, drawing_key_parts, feature_frame
from openmash.linkage.engine.model import EM_SAMPLE, U_MAX_PAIRS, LinkageModel
from openmash.linkage.engine.records import STANDARD_COLUMNS
from openmash.linkage.engine.sampling import EM_SESSIONS, WholeGroups, drawn_whole, within_cap

__all__ = [
    "DUPLICATE_ID",
    "EMPTY_ID",
    "Extract",
    "NOT_UTF8",
    "NO_RECORD_ID",
    "InputError",
    "LONE_CR",
    "LoadedRecords",
    "STRAY_CR",
    "stray_carriage_return",
    "parse_mapping",
    "trained_on",
    "read_frame",
    "read_records",
]

NOT_UTF8: Final = "is not valid UTF-8 text (save the file as UTF-8 CSV)"
LONE_CR: Final = (
    "ends its lines with a carriage return alone (an old Mac format):"
    " save it with Windows or Unix line endings"
)
STRAY_CR: Final = (
    "holds a carriage return (CR) on its own, outside quotes: a line ends only with a line feed"
    " (LF, or CR LF) here, so delete the CR, or put the value that holds it in double quotes"
)
NO_RECORD_ID: Final = "has no record_id column"
EMPTY_ID: Final = "record_id is empty"
DUPLICATE_ID: Final = "duplicate record_id"
_LONE_CR = re.compile(rb"\r(?!\n)")  # a carriage return not followed by a line feed
_PANDAS_FIELDS = re.compile(r"Expected (\d+) fields in line (\d+), saw (\d+)")
#: A CSV extract is parsed in batches of rows of about this many fields (at least 2 rows a batch;
#: 65,536 rows of 8 columns).
_BATCH_FIELDS: Final = 2**19
#: Bytes of a CSV extract read at a time when its encoding is checked.
_CHECK_BYTES: Final = 1 << 23
#: Bytes of a CSV extract read at a time when the row of a place in it is looked for (each block's
#: quoted values are replaced at once, a few MB of work for 256 KiB).
_SPOT_BYTES: Final = 1 << 18


class InputError(ValueError):
    """Malformed input; the message names the file and, where known, the row and column."""

    def __init__(
        self, path: str | Path, message: str, *, row: int | None = None, column: str | None = None
    ) -> None:
        self.path = str(path)
        self.row = row
        self.column = column
        self.reason = message
        where = [self.path]
        if row is not None:
            where.append(f"row {row}")
        if column is not None:
            where.append(f"column {column}")
        super().__init__(f"{', '.join(where)}: {message}")


@dataclass(frozen=True)
class LoadedRecords:
    """A validated file: its standard-column frame and its normalised features."""

    path: str
    frame: pd.DataFrame
    features: FeatureTable

    @property
    def warnings(self) -> list[str]:
        return self.features.warning_lines()


def parse_mapping(items: list[str] | None) -> dict[str, str]:
    """``["SURNAME=surname", ...]`` -> ``{"SURNAME": "surname"}``; rejects non-standard targets."""
    mapping: dict[str, str] = {}
    for item in items or []:
        source, sep, target = item.partition("=")
        if not sep or not source.strip() or not target.strip():
            raise ValueError(f"--map {item!r}: expected SOURCE=STANDARD, e.g. --map dob=date_of_birth")
        target = target.strip().lower()
        if target not in STANDARD_COLUMNS:
            raise ValueError(
                f"--map {item!r}: {target!r} is not a standard column ({', '.join(STANDARD_COLUMNS)})"
            )
        mapping[source.strip()] = target
    return mapping


def _delimiter(path: Path) -> str:
    return "\t" if path.suffix.lower() == ".tsv" else ","


_PANDAS_CSV: Final[dict[str, Any]] = {
    "keep_default_na": False,
    "na_filter": False,
    "engine": "c",
}


def _not_utf8(path: Path, header: bytes, where: _Spot, byte: int) -> InputError:
    """The error for a file that is not UTF-8: the first byte that cannot be decoded is ``byte``,
    ``where`` in the file; ``header`` is its first line."""
    names = next(csv.reader([header.decode("utf-8-sig", "replace")], delimiter=_delimiter(path)), [])
    column = names[where.field].strip() if where.field < len(names) else None
    return InputError(
        path, f"{NOT_UTF8}; byte 0x{byte:02x} cannot be decoded", row=where.row or None, column=column
    )


def _check_header(path: Path, first_line: str) -> list[str]:
    """The header's names; none may be given twice (ignoring case and surrounding spaces)."""
    try:
        header = next(csv.reader([first_line], delimiter=_delimiter(path)))
    except csv.Error as exc:
        if "\r" in first_line.rstrip("\r"):
            raise InputError(path, LONE_CR) from None
        raise InputError(path, f"has a header that is not valid CSV ({exc})") from None
    seen: set[str] = set()
    for name in header:
        key = name.strip().lower()
        if key in seen:
            raise InputError(path, "the header names this column twice", row=None, column=name.strip())
        seen.add(key)
    return header


def _row_of_record(path: Path, record: int) -> int:
    """The row of the file that holds its ``record``-th record (1 = the first): for a CSV file, as
    the parser names a row with too many fields (blank lines count, a quoted value's line breaks
    do not). The parser is asked where each line under the header starts, blank ones too, until it
    has read the record: the last it was asked about is the record's. Read only to name a row in
    an error (a Python call a line: about 0.6 s for a million records)."""
    if _suffix(path) != "csv":
        return record
    started = [record]

    def starts(line: int) -> bool:  # the parser's row of each line it starts, 0 = the header
        started[0] = line
        return False  # none is skipped

    with pd.read_csv(
        path,
        sep=_delimiter(path),
        encoding="utf-8-sig",
        dtype="S1",
        nrows=record,
        skiprows=starts,
        chunksize=2**16,
        **_PANDAS_CSV,
    ) as reader:
        for _ in reader:
            pass
    return started[0]


def _id_error(path: Path, reason: str, record: int, *, first: int | None = None) -> InputError:
    """The error for the record id of the ``record``-th record (1 = the first), naming its row;
    ``first`` is the record that gave a repeated id before."""
    if first is not None:
        reason = f"{reason} (also on row {_row_of_record(path, first)})"
    return InputError(path, reason, row=_row_of_record(path, record), column="record_id")


def _parse_error(path: Path, exc: pd.errors.ParserError) -> InputError:
    if m := _PANDAS_FIELDS.search(str(exc)):
        return InputError(path, f"has {m[3]} fields where the header has {m[1]}", row=int(m[2]) - 1)
    return InputError(path, f"is not valid CSV ({exc})")


def _no_implied_index(path: Path, frame: pd.DataFrame) -> pd.DataFrame:
    """Refuses a file whose first row has more fields than its header. pandas reads such a file as
    one whose first columns are an index, so with a delimiter at the end of every line each value
    would silently land in the next column (the given name read as the record id)."""
    if not isinstance(frame.index, pd.RangeIndex):
        names = len(frame.columns)
        fields = names + frame.index.nlevels
        raise InputError(
            path,
            f"has {fields} fields where the header has {names} (a delimiter at the end of the line?)",
            row=_row_of_record(path, 1),
        )
    return frame


def _read_csv(path: Path) -> pd.DataFrame:
    """The whole file (:func:`read_frame`), read as :class:`Extract` reads it: its encoding a block
    of bytes at a time, then its rows a batch at a time."""
    rows = _batch_rows(_check_text(path, _CHECK_BYTES))
    parts = list(_checked_csv_batches(path, rows))
    return parts[0] if len(parts) == 1 else pd.concat(parts, ignore_index=True)


def _check_text(path: Path, block: int) -> list[str]:
    """The checks made before a CSV file is parsed, reading ``block`` bytes at a time: the file is
    UTF-8 (a byte order mark is dropped; the first byte that cannot be decoded is named by its row
    and column), is not blank, its header names no column twice, and no carriage return outside
    quotes stands alone (the parser would end a row there: a row cut in two, or, on a line of
    spaces, a batch of empty rows). Returns the header's names.

    A carriage return on its own is looked for cheaply as the blocks go by (a search for the byte,
    then, in a file of CR LF lines, for one not followed by a line feed); only a file that has one
    is read again, to find whether it is inside quotes and its row (:func:`_spot`)."""
    first_line: list[str] = []  # the header's text, until its newline
    header_ended = False
    blank = True
    lone_cr = False  # a carriage return not followed by a line feed has been read
    cr_last = False  # the bytes read so far end with a carriage return
    offset = 0  # where in the file ``data`` starts
    carry = b""  # the start of a character cut by the end of a block
    with path.open("rb") as handle:
        while True:
            chunk = handle.read(max(block, 3))  # the first read holds a byte order mark whole
            final = not chunk
            data = carry + chunk
            skip = 3 if offset == 0 and data.startswith(codecs.BOM_UTF8) else 0
            try:
                text, used = codecs.utf_8_decode(data[skip:], "strict", final)
            except UnicodeDecodeError as exc:
                bad = skip + exc.start
                handle.seek(0)
                header = handle.readline().split(b"\n", 1)[0]
                where = _spot(path, min(block, _SPOT_BYTES), offset + bad)
                raise _not_utf8(path, header, where, data[bad]) from None
            used += skip
            if blank and text.strip():
                blank = False
            if not lone_cr:
                lone_cr, cr_last = _lone_cr_in(data, used, cr_last)
            if not header_ended:
                head, newline, _ = text.partition("\n")
                first_line.append(head)
                header_ended = bool(newline)
            offset += used
            carry = data[used:]
            if final:
                break
    if blank:
        raise InputError(path, "is empty")
    names = _check_header(path, "".join(first_line))
    if lone_cr and (spot := _spot(path, min(block, _SPOT_BYTES))) is not None:
        if spot.row == 0:
            raise InputError(path, LONE_CR)
        raise InputError(path, STRAY_CR, row=spot.row, column=_column(spot, names))
    return names


def _lone_cr_in(data: bytes, end: int, cr_last: bool) -> tuple[bool, bool]:
    """Whether ``data[:end]``, read after bytes that ended with a carriage return if ``cr_last``, shows
    a carriage return not followed by a line feed; and whether it ends with a carriage return that a
    line feed in the next bytes may follow (one at the very end of a file stands alone)."""
    if cr_last and not data.startswith(b"\n"):
        return True, False
    cr = data.find(b"\r", 0, end)
    lone = _LONE_CR.search(data, cr, end) if cr >= 0 else None
    ends = lone is not None and lone.start() == end - 1
    return lone is not None and not ends, ends


def _column(spot: _Spot, header: Sequence[str]) -> str | None:
    """The header's name for the field at ``spot``; None before the first field's text or past the last."""
    return None if spot.blank or spot.field >= len(header) else header[spot.field].strip()


def stray_carriage_return(
    path: Path, header: Sequence[str], block: int = 1 << 20
) -> tuple[int, str | None] | None:
    """The row (1 = the first under the header, rows counted as every error counts them, ADR 0038) and
    column of the first carriage return in a CSV file that is not followed by a line feed and stands
    outside quotes, or None. A file whose lines all end with a carriage return alone (an old Mac
    format) has none under its header: its header's own line ends with one. For a text encoding that
    writes a carriage return, a line feed, quotes and delimiters as ASCII does (UTF-8, Windows-1252,
    Latin-1): the bytes are searched."""
    cr_last = False
    with path.open("rb") as handle:
        while chunk := handle.read(block):
            lone, cr_last = _lone_cr_in(chunk, len(chunk), cr_last)
            if lone:
                break
        else:
            if not cr_last:
                return None
    spot = _spot(path, min(block, _SPOT_BYTES))
    if spot is None or spot.row == 0:
        return None
    return spot.row, _column(spot, header)


@dataclass(frozen=True)
class _Spot:
    """A place in a CSV file: its row (0 = the header) and field (0 = the first) as the parser splits
    the file, and whether only spaces (and tabs, if they do not split fields) come before it in
    its row."""

    row: int
    field: int
    blank: bool


def _quotes(
    delimiter: bytes,
) -> tuple[re.Pattern[bytes], re.Pattern[bytes], re.Pattern[bytes], re.Pattern[bytes]]:
    """For a file of fields split by ``delimiter``: a quoted value closed before the end of the text
    read (the quote that opens one follows a delimiter or a line break; a quote is doubled inside
    it; a last quote may yet be the first of two); one closed by the end of the file; a quote that
    opens one; the rest of a quoted value, to its closing quote."""
    opens = rb'"(?<=[' + re.escape(delimiter) + rb'\r\n]")'
    inside = rb'(?:[^"]+|"")*+'
    return (
        re.compile(opens + inside + rb'"(?!\Z)'),
        re.compile(opens + inside + b'"'),
        re.compile(opens),
        re.compile(inside + b'"'),
    )


@overload
def _spot(path: Path, block: int, until: int) -> _Spot: ...
@overload
def _spot(path: Path, block: int, until: None = None) -> _Spot | None: ...
def _spot(path: Path, block: int, until: int | None = None) -> _Spot | None:
    """Where in a CSV file its byte ``until`` is or, if None, its first carriage return that is
    not followed by a line feed and not inside a quoted value (None if it has none).

    Rows are split as the parser splits them: a line break outside quotes ends one (a blank
    line's too, a carriage return on its own too); a quoted value's do not. The file is read
    ``block`` bytes at a time; in each, its quoted values are replaced by a placeholder (by a
    regular expression, without a Python step for each), leaving the line breaks and delimiters
    that split rows and fields, and the quote that opens a value the block does not close."""
    delimiter = _delimiter(path).encode()
    spaces = b" \t".replace(delimiter, b"")
    closed, closed_at_end, opening, closing = _quotes(delimiter)
    rows = fields = 0
    blank = True
    inside = False  # the text read so far ends inside a quoted value
    carry = b"\n"  # the byte before the bytes not yet split (a row starts the file), then those
    read = 0
    with path.open("rb") as handle:
        while True:
            raw = handle.read(max(block, 3))
            if until is not None and read + len(raw) >= until:
                raw, final = raw[: until - read], True
            else:
                final = not raw
            chunk = raw[3:] if read == 0 and raw.startswith(codecs.BOM_UTF8) else raw
            read += len(raw)
            buf, at = carry + chunk, 0
            if inside:  # a quoted value goes on from the start of ``buf``
                end = closing.match(buf)
                if end is None or (end.end() == len(buf) and not final):
                    carry = b'"' if end else b""  # a last quote may be the first of two
                    if final:
                        break
                    continue
                inside, blank, at = False, False, end.end() - 1
            # outside quotes: ``buf[at]`` has been split, the bytes after it have not
            text = (closed_at_end if final else closed).sub(b"Q", buf[at:])
            opened = opening.search(text, 1)
            if opened is not None:  # a quoted value that goes on after ``buf``
                tail = text[opened.start() + 1 :]
                text = text[: opened.start()]
                inside = True
                carry = b'"' if (len(tail) - len(tail.rstrip(b'"'))) % 2 else b""
            elif not final and len(text) > 1 and text[-1] == 0x0D:  # a line feed may follow
                text, carry = text[:-1], buf[-2:]
            else:
                carry = buf[-1:]
            text = text[1:]
            lone = _LONE_CR.search(text) if until is None else None
            if lone is not None:
                text = text[: lone.start()]
            elif until is not None:
                text = text.replace(b"\r\n", b"\n").replace(b"\r", b"\n")
            if (ends := text.count(b"\n")) > 0:
                rows += ends
                start = text.rfind(b"\n") + 1
                fields = text.count(delimiter, start)
                blank = not text[start:].strip(spaces)
            else:
                fields += text.count(delimiter)
                blank = blank and not text.strip(spaces)
            if lone is not None:
                return _Spot(rows, fields, blank)
            if opened is not None:
                blank = False
            if final:
                break
    return _Spot(rows, fields, blank) if until is not None else None


def _batch_rows(header: list[str]) -> int:
    """The rows of a CSV file with this header that are parsed at a time."""
    return max(2, _BATCH_FIELDS // max(1, len(header)))


def _csv_batches(
    path: Path, rows: int, *, first: int | None = None, dtype: Any = str
) -> Iterator[pd.DataFrame]:
    """The rows of a CSV file that :func:`_check_text` passed, ``rows`` at a time (the first batch
    ``first`` rows), their values as ``dtype``.

    Each batch is one pass of the parser's tokenizer, which counts the fields of every row of a
    pass but its first: a row with too many fields that starts a batch loses the extra ones,
    unreported. :func:`_checked_csv_batches` reads the file again to find those."""
    try:
        with pd.read_csv(
            path,
            sep=_delimiter(path),
            encoding="utf-8-sig",
            iterator=True,
            low_memory=False,  # one tokenizer pass a batch (by default, 2**20 fields a pass)
            dtype=dtype,
            **_PANDAS_CSV,
        ) as reader:
            size = first or rows
            while True:
                try:
                    batch = _no_implied_index(path, reader.get_chunk(size))
                except StopIteration:
                    return
                yield batch
                if len(batch) < size:
                    return
                size = rows
    except pd.errors.ParserError as exc:
        raise _parse_error(path, exc) from None


def _ragged_row_at_a_batch_start(path: Path, rows: int, found: InputError | None = None) -> InputError | None:
    """The error for the first row with too many fields in a CSV file that passed (or, where
    ``found`` says, failed) a reading in batches of ``rows`` rows, if that reading let it through.

    Such a reading leaves the first row of each batch unchecked: the file is tokenized again in
    batches that start half-way through those (keeping one byte of each field, which costs about a
    third of a full read). The first row with too many fields is checked by one of the two
    readings; until that row the parser holds every row at the header's number of fields (it pads
    short ones), so neither reading refuses an earlier one, and the earlier of their errors names
    it, in the parser's words. None if ``found`` stands."""
    try:
        for _ in _csv_batches(path, rows, first=rows // 2, dtype="S1"):
            pass
    except InputError as exc:
        if exc.row is not None and (found is None or found.row is None or exc.row < found.row):
            return exc
    return None


def _checked_csv_batches(path: Path, rows: int, dtype: Any = str) -> Iterator[pd.DataFrame]:
    """:func:`_csv_batches` (``rows`` at a time), then the rows it left unchecked: a row with too
    many fields is refused wherever it is, naming the first (the error comes after the last batch
    if only the rows that start batches have too many)."""
    try:
        yield from _csv_batches(path, rows, dtype=dtype)
    except InputError as exc:
        raise (_ragged_row_at_a_batch_start(path, rows, exc) or exc) from None
    if (ragged := _ragged_row_at_a_batch_start(path, rows)) is not None:
        raise ragged


def _ids_as_text(path: Path, mapping: Mapping[str, str] | None) -> Any:
    """The ``dtype`` that parses a CSV file's record id column as text and keeps one byte of each
    other field (as many rows, each checked alike, at a third of the cost); every column as text if
    the header cannot be read so (reading the file then says why)."""
    try:
        columns = pd.read_csv(
            path, sep=_delimiter(path), encoding="utf-8-sig", nrows=0, **_PANDAS_CSV
        ).columns
        renames = _renames(path, list(columns), mapping)
    except ValueError:  # an InputError, or pandas' EmptyDataError or ParserError
        return str
    source = next(column for column, target in renames.items() if target == "record_id")
    return defaultdict(lambda: "S1", {source: str})


def _rebatched(frames: Iterator[pd.DataFrame], rows: int) -> Iterator[pd.DataFrame]:
    """``frames`` cut and joined into frames of ``rows`` rows (the last may be shorter; none empty)."""
    held: list[pd.DataFrame] = []
    count = 0
    for frame in frames:
        start = 0
        while start < len(frame):
            take = min(rows - count, len(frame) - start)
            held.append(frame.iloc[start : start + take])
            count += take
            start += take
            if count == rows:
                yield pd.concat(held, ignore_index=True)
                held, count = [], 0
    if held:
        yield pd.concat(held, ignore_index=True)


def _read_parquet(path: Path) -> pd.DataFrame:
    import pyarrow as pa
    import pyarrow.parquet as pq

    try:
        table = pq.read_table(path)
    except (pa.ArrowInvalid, OSError) as exc:
        raise InputError(path, f"is not a readable Parquet file ({exc})") from None
    return table.to_pandas()


def _suffix(path: Path) -> str:
    if not path.is_file():
        raise InputError(path, "no such file")
    suffix = path.suffix.lower()
    if suffix in {".csv", ".tsv", ".txt"}:
        return "csv"
    if suffix in {".parquet", ".pq"}:
        return "parquet"
    raise InputError(path, f"unsupported file type {suffix or '(none)'!r}: expected .csv or .parquet")


def _renames(path: Path, columns: list[Any], mapping: Mapping[str, str] | None) -> dict[Any, str]:
    """Source column -> standard column, for the file's ``columns``; the file must have a record_id."""
    by_name = {str(column).strip(): column for column in columns}
    lower_names = {name.lower() for name in by_name}
    renames: dict[Any, str] = {}
    for source, target in (mapping or {}).items():
        if source not in by_name:
            if target in lower_names:
                continue  # this file already uses the standard name (the map was for the other file)
            raise InputError(
                path, f"--map {source}={target}: the file has no column {source!r}", column=source
            )
        renames[by_name.pop(source)] = target
    for name, column in by_name.items():
        standard = name.lower()
        if standard in STANDARD_COLUMNS and standard not in renames.values():
            renames[column] = standard
    if "record_id" not in renames.values():
        found = ", ".join(str(c) for c in columns) or "none"
        raise InputError(
            path,
            f"{NO_RECORD_ID} (columns found: {found}; rename one with --map yourcolumn=record_id)",
            column="record_id",
        )
    return renames


def _standard(
    raw: pd.DataFrame,
    path: Path,
    renames: Mapping[Any, str],
    first_record: int = 1,
    *,
    records: np.ndarray | None = None,
) -> pd.DataFrame:
    """The standard columns of ``raw`` (whose first record is the file's ``first_record``-th, or,
    for records picked from the file, whose places in it are ``records``, 1 = the first), with
    record ids as text; an empty id is an error, naming its row."""
    frame = raw[list(renames)].rename(columns=renames)
    ids = frame["record_id"].map(_id_text)
    empty = ids.isna()
    if empty.any():
        at = int(empty.to_numpy().argmax())
        raise _id_error(path, EMPTY_ID, at + first_record if records is None else int(records[at]))
    frame = frame.assign(record_id=ids)
    for column in STANDARD_COLUMNS:
        if column not in frame.columns:
            frame[column] = None
    return frame[list(STANDARD_COLUMNS)].reset_index(drop=True)


def read_frame(path: str | Path, *, mapping: Mapping[str, str] | None = None) -> pd.DataFrame:
    """Read and validate a file; return its standard columns (text) only."""
    path = Path(path)
    raw = _read_csv(path) if _suffix(path) == "csv" else _read_parquet(path)
    frame = _standard(raw, path, _renames(path, list(raw.columns), mapping))
    ids = frame["record_id"]
    repeated = ids.duplicated(keep="first").to_numpy()
    if repeated.any():
        row = int(repeated.argmax())
        value = ids.iat[row]
        first = int((ids == value).to_numpy().argmax())
        raise _id_error(path, f"{DUPLICATE_ID} {value!r}", row + 1, first=first + 1)
    return frame


def _id_text(value: object) -> str | None:
    if value is None or (isinstance(value, float) and value != value):
        return None
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    text = str(value).strip()
    return text or None


def read_records(path: str | Path, *, mapping: Mapping[str, str] | None = None) -> LoadedRecords:
    """Read, validate and normalise one extract."""
    frame = read_frame(path, mapping=mapping)
    return LoadedRecords(path=str(path), frame=frame, features=feature_frame(frame))


class Extract(Chunked):
    """An extract read a batch of rows at a time, for building the index of a large source.

    Neither kind of file is ever held whole. A Parquet file is read a row batch at a time (its
    column layout allows it). A CSV file is read a batch of rows at a time by the parser that
    :func:`read_frame` uses (about 2**19 fields a batch, 65,536 rows of 8 columns; its encoding is
    checked a block of bytes at a time first), so the records are the ones :func:`read_frame`
    gives and the errors are its errors, word for word: it is read on opening, to check it and
    count its records (twice over, in batches that start in different rows, so that every row's
    fields are counted: see :func:`_ragged_row_at_a_batch_start`), and again by each pass of
    :meth:`chunks` and by :meth:`sample` (which draws the rows ``DataFrame.sample`` would draw from
    the whole file).

    The checks are :func:`read_frame`'s, with the file, row and column in each
    :class:`InputError`. A CSV file is checked whole on opening (nothing is read from it until it
    has passed); a Parquet file's columns are checked on opening, an empty record id in the chunk
    that holds it, and a record id given twice once a pass over :meth:`chunks` reaches the end.
    Repeated ids are found by remembering each id as a 64-bit hash (8 bytes a record); a clash of
    hashes is then compared by value.
    """

    def __init__(self, path: str | Path, *, mapping: Mapping[str, str] | None = None) -> None:
        import pyarrow as pa
        import pyarrow.parquet as pq

        self.path = Path(path)
        self._parquet: pq.ParquetFile | None = None
        self._csv_rows = 0  # a CSV file's rows a batch (set by _check_csv)
        if _suffix(self.path) == "csv":
            self._renames, self._records = self._check_csv(mapping)
            return
        try:
            self._parquet = pq.ParquetFile(self.path)
        except (pa.ArrowInvalid, OSError) as exc:
            raise InputError(self.path, f"is not a readable Parquet file ({exc})") from None
        self._renames = _renames(self.path, list(self._parquet.schema_arrow.names), mapping)
        self._records = self._parquet.metadata.num_rows

    def __len__(self) -> int:
        return self._records

    def _check_csv(self, mapping: Mapping[str, str] | None) -> tuple[dict[Any, str], int]:
        """Every check :func:`read_frame` makes, in its order (the text, every row's fields, the
        columns, empty ids, repeated ids), a batch of rows at a time: the columns and the number
        of records."""
        self._csv_rows = rows = _batch_rows(_check_text(self.path, _CHECK_BYTES))
        dtype = _ids_as_text(self.path, mapping)  # only the ids are needed here
        renames: dict[Any, str] | None = None
        no_columns: InputError | None = None
        empty_record: int | None = None
        hashes: list[np.ndarray] = []
        records = 0
        for raw in _checked_csv_batches(self.path, rows, dtype):
            if renames is None and no_columns is None:
                try:
                    renames = _renames(self.path, list(raw.columns), mapping)
                except InputError as exc:  # reported once every row's fields have been checked
                    no_columns = exc
            if renames is not None and empty_record is None:
                source = next(column for column, target in renames.items() if target == "record_id")
                ids = raw[source].map(_id_text)
                empty = ids.isna().to_numpy()
                if empty.any():
                    empty_record = records + int(empty.argmax()) + 1
                else:
                    hashes.append(pd.util.hash_pandas_object(ids, index=False).to_numpy())
            records += len(raw)
        if no_columns is not None:
            raise no_columns
        if renames is None:
            renames = _renames(self.path, [], mapping)
        if empty_record is not None:
            raise _id_error(self.path, EMPTY_ID, empty_record)
        self._renames = renames
        all_hashes = np.concatenate(hashes) if hashes else np.empty(0, dtype=np.uint64)
        hashes.clear()
        self._check_distinct(all_hashes)
        return renames, records

    def _raw(self, rows: int, renames: Mapping[Any, str]) -> Iterator[pd.DataFrame]:
        """The file's rows, about ``rows`` at a time, with at least the columns ``renames`` names."""
        if self._parquet is None:
            yield from _csv_batches(self.path, self._csv_rows)
            return
        for batch in self._parquet.iter_batches(batch_size=rows, columns=list(renames)):
            yield batch.to_pandas()

    def chunks(self, rows: int) -> Iterator[pd.DataFrame]:
        """The records, ``rows`` at a time (a Parquet file's: about ``rows``), as standard columns."""
        if self._parquet is None:
            yield from _rebatched(self._csv_standard(), rows)
            return
        hashes = np.empty(self._records, dtype=np.uint64)
        first = 0
        for raw in self._raw(rows, self._renames):
            frame = _standard(raw, self.path, self._renames, first + 1)
            hashes[first : first + len(frame)] = pd.util.hash_pandas_object(frame["record_id"], index=False)
            first += len(frame)
            yield frame
        self._check_distinct(hashes)

    def _csv_standard(self) -> Iterator[pd.DataFrame]:
        """A checked CSV file's records as standard columns, in the parser's batches."""
        first = 0
        for raw in _csv_batches(self.path, self._csv_rows):
            yield _standard(raw, self.path, self._renames, first + 1)
            first += len(raw)
        self._check_count(first)

    def _check_count(self, records: int) -> None:
        if records != self._records:  # a CSV file's ids were checked when it was opened
            raise InputError(
                self.path,
                f"has changed since it was opened ({self._records:,} records then, {records:,} now)",
            )

    def frame(self) -> pd.DataFrame:
        """Every record at once."""
        parts = list(self._csv_standard() if self._parquet is None else self.chunks(1_000_000))
        if not parts:
            return _standard(pd.DataFrame({column: [] for column in self._renames}), self.path, self._renames)
        return pd.concat(parts, ignore_index=True)

    def sample(self, size: int, *, seed: int = 1) -> pd.DataFrame:
        """A reproducible random sample of ``size`` records (every record if there are no more).
        Only the rows drawn are kept from each batch read. A CSV file gives the sample that
        ``pandas.DataFrame.sample(n=size, random_state=seed)`` draws from all its records."""
        if size >= self._records:
            return self.frame()
        if self._parquet is None:
            return self._csv_sample(size, seed)
        import pyarrow as pa

        wanted = np.sort(np.random.default_rng(seed).choice(self._records, size=size, replace=False))
        drawn = []
        start = 0
        for batch in self._parquet.iter_batches(batch_size=250_000, columns=list(self._renames)):
            stop = start + batch.num_rows
            inside = wanted[(wanted >= start) & (wanted < stop)] - start
            if len(inside):
                drawn.append(batch.take(pa.array(inside)))
            start = stop
        schema = self._parquet.schema_arrow
        table = pa.Table.from_batches(drawn, schema=pa.schema([schema.field(c) for c in self._renames]))
        return _standard(table.to_pandas(), self.path, self._renames, records=wanted + 1)

    def whole_groups(self, size: int, *, today: date | None = None) -> WholeGroups | None:
        """For each EM session, about ``size`` records drawn in whole groups (every record sharing
        the session's key with one drawn, :mod:`.sampling`), read a batch at a time: what
        ``LinkageModel.train(..., drawn=...)`` learns m from for a file too large to hold. ``None``
        when the file has no more than ``size`` records (EM then runs on the table trained on).

        Whether a key is drawn is worked out once per distinct raw value (a date of birth or a
        surname recurs from batch to batch), and only the rows drawn are made standard."""
        if self._records <= size:
            return None
        drawer = _Drawer(size / self._records, today)
        parts: list[list[pd.DataFrame]] = [[] for _ in EM_SESSIONS]
        source_of = {standard: source for source, standard in self._renames.items()}
        first = 1
        for raw in self._raw(250_000, self._renames):
            for part, (i, session) in zip(parts, enumerate(EM_SESSIONS), strict=True):
                source = source_of.get(session.raw_column)
                if source is None:  # no such column: nothing is drawn for this session
                    continue
                drawn = drawer.drawn(i, raw[source])
                if drawn.any():
                    at = first + np.flatnonzero(drawn)
                    part.append(_standard(raw[drawn], self.path, self._renames, records=at))
            first += len(raw)
        if self._parquet is None:
            self._check_count(first - 1)
        drawn_frames = []
        for part, session in zip(parts, EM_SESSIONS, strict=True):
            records = (
                pd.concat(part, ignore_index=True) if part else pd.DataFrame(columns=list(STANDARD_COLUMNS))
            )
            drawn_frames.append(within_cap(feature_frame(records, today=today).frame, session))
        pairs = self._records * (self._records - 1) / 2
        return WholeGroups(tuple(drawn_frames), None, drawer.fraction, self._records, pairs)

    def _csv_sample(self, size: int, seed: int) -> pd.DataFrame:
        # as DataFrame.sample draws: positions in the order drawn (its permutation of every
        # position is 8 bytes a record while drawing)
        positions = np.random.RandomState(seed).choice(self._records, size=size, replace=False)
        order = np.argsort(positions, kind="stable")
        wanted = positions[order]
        parts: list[pd.DataFrame] = []
        start = 0
        for raw in _csv_batches(self.path, self._csv_rows):  # only the rows drawn are made standard
            stop = start + len(raw)
            low, high = np.searchsorted(wanted, [start, stop])
            if high > low or not parts:
                parts.append(_standard(raw.iloc[wanted[low:high] - start], self.path, self._renames))
            start = stop
        self._check_count(start)
        in_file_order = pd.concat(parts, ignore_index=True)
        return in_file_order.iloc[np.argsort(order, kind="stable")].reset_index(drop=True)

    def _check_distinct(self, hashes: np.ndarray) -> None:
        ordered = np.sort(hashes)
        clashing = ordered[1:][ordered[1:] == ordered[:-1]]
        del ordered
        if not len(clashing):
            return
        rows = np.flatnonzero(np.isin(hashes, clashing))
        values = self._ids_at(rows)
        first_seen: dict[str, int] = {}
        for row in rows.tolist():  # in row order: the first id seen again is the one reported
            value = values[row]
            if value in first_seen:
                raise _id_error(self.path, f"{DUPLICATE_ID} {value!r}", row + 1, first=first_seen[value] + 1)
            first_seen[value] = row

    def _ids_at(self, rows: np.ndarray) -> dict[int, str]:
        ids_only = {source: target for source, target in self._renames.items() if target == "record_id"}
        found: dict[int, str] = {}
        start = 0
        for raw in self._raw(500_000, ids_only):
            stop = start + len(raw)
            inside = rows[(rows >= start) & (rows < stop)]
            if len(inside):
                ids = _standard(raw, self.path, ids_only, start + 1)["record_id"]
                found.update((row, ids.iat[row - start]) for row in inside.tolist())
            start = stop
        return found


class _Drawer:
    """Which raw values' keys a sample for each EM session draws, each distinct value worked out once."""

    def __init__(self, fraction: float, today: date | None) -> None:
        self.fraction, self._today = fraction, today
        self._known: list[dict[Any, bool]] = [{} for _ in EM_SESSIONS]

    def drawn(self, session: int, values: pd.Series) -> np.ndarray:
        """Which of ``values`` (the session's raw column) hold a key drawn."""
        codes, uniques = pd.factorize(values, use_na_sentinel=True)
        known = self._known[session]
        found = [known.get(u) for u in uniques]
        fresh = [j for j, was in enumerate(found) if was is None]
        if fresh:
            column = EM_SESSIONS[session].raw_column
            parts = drawing_key_parts(column, [uniques[j] for j in fresh], today=self._today)
            for j, was in zip(fresh, drawn_whole(parts, self.fraction).tolist(), strict=True):
                found[j] = known[uniques[j]] = was
        lookup = np.array([*found, False], dtype=bool)  # factorize's sentinel -1 selects the last slot
        drawn: np.ndarray = lookup[codes]
        return drawn


def trained_on(
    extract: Extract,
    sample: int | None,
    *,
    backend: Backend | None = None,
    em_max_records: int = EM_SAMPLE,
    max_pairs: float = U_MAX_PAIRS,
) -> LinkageModel:
    """The default model trained on ``extract``: on all its records when it has no more than
    ``sample`` (or ``sample`` is ``None``), else on a random sample of ``sample`` records drawn while
    reading it (lambda and u), with EM on about ``em_max_records`` records for each session, drawn
    from the whole file in whole groups (:meth:`Extract.whole_groups`)."""
    options: dict[str, Any] = {"backend": backend, "em_max_records": em_max_records, "max_pairs": max_pairs}
    if sample is None or sample >= len(extract):
        return LinkageModel.default().train(extract.frame(), **options)
    drawn = extract.sample(sample)
    groups = extract.whole_groups(em_max_records)
    return LinkageModel.default().train(drawn, drawn=groups, **options).sampled_from(len(extract))
