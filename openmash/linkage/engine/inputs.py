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
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Final

import numpy as np
import pandas as pd

from openmash.linkage.engine.building import Chunked
from openmash.linkage.engine.features import FeatureTable, feature_frame
from openmash.linkage.engine.records import STANDARD_COLUMNS

__all__ = [
    "DUPLICATE_ID",
    "EMPTY_ID",
    "Extract",
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


def _standard(raw: pd.DataFrame, path: Path, renames: Mapping[Any, str], first_row: int = 1) -> pd.DataFrame:
    """The standard columns of ``raw`` (whose first row is row ``first_row`` of the file), with
    record ids as text; an empty id is an error."""
    frame = raw[list(renames)].rename(columns=renames)
    ids = frame["record_id"].map(_id_text)
    empty = ids.isna()
    if empty.any():
        raise InputError(path, EMPTY_ID, row=int(empty.to_numpy().argmax()) + first_row, column="record_id")
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
    duplicated = ids.duplicated(keep=False)
    if duplicated.any():
        rows = (duplicated[duplicated].index[:2] + 1).tolist()
        value = ids[rows[0] - 1]
        raise InputError(
            path, f"{DUPLICATE_ID} {value!r} (also on row {rows[0]})", row=rows[1], column="record_id"
        )
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
    """An extract read a chunk of rows at a time, for building the index of a large source.

    A Parquet file is read a row batch at a time (its column layout allows it), so no more than
    one chunk of it is ever in memory; a CSV file is read whole, as :func:`read_frame` reads it.
    The checks are :func:`read_frame`'s, with the file, row and column in each
    :class:`InputError`: the columns on opening, an empty record id in the chunk that holds it,
    and a record id given twice once a pass over :meth:`chunks` reaches the end (each id is
    remembered as a 64-bit hash, 8 bytes a record; a clash of hashes is then compared by value).
    """

    def __init__(self, path: str | Path, *, mapping: Mapping[str, str] | None = None) -> None:
        import pyarrow as pa
        import pyarrow.parquet as pq

        self.path = Path(path)
        self._frame: pd.DataFrame | None = None
        if _suffix(self.path) == "csv":
            self._frame = read_frame(self.path, mapping=mapping)
            self._records = len(self._frame)
            return
        try:
            self._parquet = pq.ParquetFile(self.path)
        except (pa.ArrowInvalid, OSError) as exc:
            raise InputError(self.path, f"is not a readable Parquet file ({exc})") from None
        self._renames = _renames(self.path, list(self._parquet.schema_arrow.names), mapping)
        self._records = self._parquet.metadata.num_rows

    def __len__(self) -> int:
        return self._records

    def chunks(self, rows: int) -> Iterator[pd.DataFrame]:
        """The records, about ``rows`` at a time, as standard columns."""
        if self._frame is not None:
            for start in range(0, len(self._frame), rows):
                yield self._frame.iloc[start : start + rows].reset_index(drop=True)
            return
        hashes = np.empty(self._records, dtype=np.uint64)
        first = 0
        for batch in self._parquet.iter_batches(batch_size=rows, columns=list(self._renames)):
            frame = _standard(batch.to_pandas(), self.path, self._renames, first + 1)
            hashes[first : first + len(frame)] = pd.util.hash_pandas_object(frame["record_id"], index=False)
            first += len(frame)
            yield frame
        self._check_distinct(hashes)

    def frame(self) -> pd.DataFrame:
        """Every record at once."""
        if self._frame is not None:
            return self._frame
        parts = list(self.chunks(1_000_000))
        if not parts:
            return _standard(pd.DataFrame({column: [] for column in self._renames}), self.path, self._renames)
        return pd.concat(parts, ignore_index=True)

    def sample(self, size: int, *, seed: int = 1) -> pd.DataFrame:
        """A reproducible random sample of ``size`` records (every record if there are no more).
        Only the rows drawn are converted from the file's columns."""
        import pyarrow as pa

        if size >= self._records:
            return self.frame()
        if self._frame is not None:
            return self._frame.sample(n=size, random_state=seed).reset_index(drop=True)
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
        return _standard(table.to_pandas(), self.path, self._renames)

    def _check_distinct(self, hashes: np.ndarray) -> None:
        ordered = np.sort(hashes)
        clashing = ordered[1:][ordered[1:] == ordered[:-1]]
        del ordered
        if not len(clashing):
            return
        rows = np.flatnonzero(np.isin(hashes, clashing))
        values = self._ids_at(rows)
        first_row: dict[str, int] = {}
        for row in rows.tolist():  # in row order: the first id seen again is the one reported
            value = values[row]
            if value in first_row:
                raise InputError(
                    self.path,
                    f"{DUPLICATE_ID} {value!r} (also on row {first_row[value] + 1})",
                    row=row + 1,
                    column="record_id",
                )
            first_row[value] = row

    def _ids_at(self, rows: np.ndarray) -> dict[int, str]:
        ids_only = {source: target for source, target in self._renames.items() if target == "record_id"}
        found: dict[int, str] = {}
        start = 0
        for batch in self._parquet.iter_batches(batch_size=500_000, columns=list(ids_only)):
            stop = start + batch.num_rows
            inside = rows[(rows >= start) & (rows < stop)]
            if len(inside):
                ids = _standard(batch.to_pandas(), self.path, ids_only, start + 1)["record_id"]
                found.update((row, ids.iat[row - start]) for row in inside.tolist())
            start = stop
        return found
