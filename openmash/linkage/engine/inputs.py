"""Reading an agency extract (CSV or Parquet) into the standard record schema.

Columns use the standard names (:data:`~.records.STANDARD_COLUMNS`, matched ignoring case and
surrounding spaces); any may be absent or empty except ``record_id``; extra columns are ignored;
``mapping`` renames source columns to standard ones first (the CLI's ``--map src=std``).

Malformed input raises :class:`InputError` naming the file, the row (1 = the first data row,
under the header) and the column: a file that is not UTF-8, a row with too many fields, a
missing ``record_id`` column, an empty or duplicate ``record_id``. A value that cannot be read
— an unparseable date of birth, an NHS number with a bad check digit — is *not* an error: it
becomes missing and is counted in :attr:`LoadedRecords.warnings`.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Final

import pandas as pd

from openmash.linkage.engine.features import FeatureTable, feature_frame
from openmash.linkage.engine.records import STANDARD_COLUMNS

__all__ = [
    "DUPLICATE_ID",
    "EMPTY_ID",
    "NOT_UTF8",
    "NO_RECORD_ID",
    "InputError",
    "LoadedRecords",
    "parse_mapping",
    "read_frame",
    "read_records",
]

NOT_UTF8: Final = "is not valid UTF-8 text (save the file as UTF-8 CSV)"
NO_RECORD_ID: Final = "has no record_id column"
EMPTY_ID: Final = "record_id is empty"
DUPLICATE_ID: Final = "duplicate record_id"
_PANDAS_FIELDS = re.compile(r"Expected (\d+) fields in line (\d+), saw (\d+)")


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


def _read_csv(path: Path) -> pd.DataFrame:
    data = path.read_bytes()
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line_start = data.rfind(b"\n", 0, exc.start) + 1
        line_number = data.count(b"\n", 0, exc.start) + 1
        prefix = data[line_start : exc.start].decode("utf-8", "replace")
        header = next(csv.reader([data.split(b"\n", 1)[0].decode("utf-8-sig", "replace")]), [])
        field_index = len(next(csv.reader([prefix]), [""])) - 1 if prefix else 0
        column = header[field_index].strip() if 0 <= field_index < len(header) else None
        row = line_number - 1 if line_number > 1 else None
        raise InputError(
            path, f"{NOT_UTF8}; byte 0x{data[exc.start]:02x} cannot be decoded", row=row, column=column
        ) from None
    if not text.strip():
        raise InputError(path, "is empty")
    delimiter = "\t" if path.suffix.lower() == ".tsv" else ","
    header = next(csv.reader([text.split("\n", 1)[0]], delimiter=delimiter))
    seen: set[str] = set()
    for name in header:
        key = name.strip().lower()
        if key in seen:
            raise InputError(path, "the header names this column twice", row=None, column=name.strip())
        seen.add(key)
    try:
        return pd.read_csv(
            io.StringIO(text), dtype=str, keep_default_na=False, na_filter=False, sep=delimiter, engine="c"
        )
    except pd.errors.ParserError as exc:
        if m := _PANDAS_FIELDS.search(str(exc)):
            raise InputError(
                path, f"has {m[3]} fields where the header has {m[1]}", row=int(m[2]) - 1
            ) from None
        raise InputError(path, f"is not valid CSV ({exc})") from None


def _read_parquet(path: Path) -> pd.DataFrame:
    import pyarrow as pa
    import pyarrow.parquet as pq

    try:
        table = pq.read_table(path)
    except (pa.ArrowInvalid, OSError) as exc:
        raise InputError(path, f"is not a readable Parquet file ({exc})") from None
    return table.to_pandas()


def read_frame(path: str | Path, *, mapping: Mapping[str, str] | None = None) -> pd.DataFrame:
    """Read and validate a file; return its standard columns (text) only."""
    path = Path(path)
    if not path.is_file():
        raise InputError(path, "no such file")
    suffix = path.suffix.lower()
    if suffix in {".csv", ".tsv", ".txt"}:
        raw = _read_csv(path)
    elif suffix in {".parquet", ".pq"}:
        raw = _read_parquet(path)
    else:
        raise InputError(path, f"unsupported file type {suffix or '(none)'!r}: expected .csv or .parquet")

    by_name = {str(column).strip(): column for column in raw.columns}
    lower_names = {name.lower() for name in by_name}
    renames: dict[object, str] = {}
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
    frame = raw[list(renames)].rename(columns=renames)
    if "record_id" not in frame.columns:
        found = ", ".join(str(c) for c in raw.columns) or "none"
        raise InputError(
            path,
            f"{NO_RECORD_ID} (columns found: {found}; rename one with --map yourcolumn=record_id)",
            column="record_id",
        )

    ids = frame["record_id"].map(_id_text)
    empty = ids.isna()
    if empty.any():
        raise InputError(path, EMPTY_ID, row=int(empty.to_numpy().argmax()) + 1, column="record_id")
    duplicated = ids.duplicated(keep=False)
    if duplicated.any():
        rows = (duplicated[duplicated].index[:2] + 1).tolist()
        value = ids[rows[0] - 1]
        raise InputError(
            path, f"{DUPLICATE_ID} {value!r} (also on row {rows[0]})", row=rows[1], column="record_id"
        )
    frame = frame.assign(record_id=ids)
    for column in STANDARD_COLUMNS:
        if column not in frame.columns:
            frame[column] = None
    return frame[list(STANDARD_COLUMNS)].reset_index(drop=True)


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
