"""File extracts: CSV (or tab-separated) files, one of identities and optionally one of events."""

from __future__ import annotations

import csv
import io
from abc import abstractmethod
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import ClassVar

from openmash.linkage.sources.base import BadRow, Connector, Extract, LoadFailed, Progress, build_extract

__all__ = ["CsvConnector", "FileConnector", "Rows", "read_csv_rows", "read_with_events"]

_PROGRESS_EVERY = 5000


def _decode(data: bytes, encoding: str, part: str) -> tuple[str, list[BadRow]]:
    try:
        return data.decode(
            "utf-8-sig" if encoding.lower().replace("_", "-") in {"utf-8", "utf8"} else encoding
        ), []
    except UnicodeDecodeError:
        pass
    except LookupError:
        return "", [BadRow(f"unknown text encoding {encoding!r}", part=part)]
    problems = []
    for number, line in enumerate(data.split(b"\n")):
        try:
            line.decode(encoding)
        except UnicodeDecodeError as exc:
            where = f"byte 0x{line[exc.start]:02x}"
            problems.append(
                BadRow(
                    f"is not valid {encoding} text ({where}); save the file as {encoding}"
                    " or set the source's encoding to the one the file uses (for example windows-1252)",
                    row=number if number else None,
                    part=part,
                )
            )
    return "", problems


@dataclass
class Rows:
    """A table as read: its header, its well-formed rows with their row numbers, its problems."""

    header: list[str] = field(default_factory=list)
    rows: list[dict[str, str]] = field(default_factory=list)
    numbers: list[int] = field(default_factory=list)
    problems: list[BadRow] = field(default_factory=list)


def read_csv_rows(
    path: str | Path, *, encoding: str = "utf-8", part: str = "identities", progress: Progress | None = None
) -> Rows:
    """The header and rows of a CSV file, with every structural problem as a :class:`BadRow`
    (undecodable bytes, a row with more or fewer fields than the header, a repeated header name)."""
    path = Path(path)
    if not path.is_file():
        return Rows(problems=[BadRow(f"no such file: {path.name}", part=part)])
    text, problems = _decode(path.read_bytes(), encoding, part)
    if problems:
        return Rows(problems=problems)
    if not text.strip():
        return Rows(problems=[BadRow("the file is empty", part=part)])
    delimiter = "\t" if path.suffix.lower() == ".tsv" else ","
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    header = [name.strip() for name in next(reader)]
    seen: set[str] = set()
    for name in header:
        if name.lower() in seen:
            problems.append(BadRow("the header names this column twice", column=name, part=part))
        seen.add(name.lower())
    out = Rows(header=header, problems=problems)
    total = text.count("\n")
    try:
        for number, values in enumerate(reader, start=1):
            if not values:
                continue
            if len(values) != len(header):
                problems.append(
                    BadRow(
                        f"has {len(values)} fields where the header has {len(header)}", row=number, part=part
                    )
                )
                continue
            out.rows.append(dict(zip(header, values, strict=True)))
            out.numbers.append(number)
            if progress is not None and number % _PROGRESS_EVERY == 0:
                progress(number, total)
    except csv.Error as exc:
        problems.append(BadRow(f"is not valid CSV ({exc})", row=reader.line_num, part=part))
    if progress is not None:
        progress(len(out.rows), len(out.rows))
    return out


class FileConnector(Connector):
    """A source read from files: identities (required) and events (optional), checked as a whole.
    Subclasses say how one table is read (:meth:`read_table`)."""

    live: ClassVar[bool] = False
    identities_path: Path
    events_path: Path | None
    event_mapping: dict[str, str]

    @abstractmethod
    def read_table(self, part: str, *, header_only: bool = False, progress: Progress | None = None) -> Rows:
        """The ``identities`` or ``events`` table as read, with its structural problems."""

    def columns(self) -> list[str]:
        table = self.read_table("identities", header_only=True)
        if not table.header:
            raise LoadFailed(table.problems)
        return table.header

    def event_columns(self) -> list[str]:
        if self.events_path is None:
            return []
        table = self.read_table("events", header_only=True)
        if not table.header:
            raise LoadFailed(table.problems)
        return table.header

    def read(self, *, mapping: Mapping[str, str] | None = None, progress: Progress | None = None) -> Extract:
        identities = self.read_table("identities", progress=progress)
        events = self.read_table("events") if self.events_path is not None else None
        return read_with_events(identities, events, mapping=mapping, event_mapping=self.event_mapping)


class CsvConnector(FileConnector):
    """An agency's extract as CSV files: identities (required) and events (optional)."""

    kind: ClassVar[str] = "csv"

    def __init__(
        self,
        identities: str | Path,
        events: str | Path | None = None,
        *,
        encoding: str = "utf-8",
        event_mapping: Mapping[str, str] | None = None,
    ) -> None:
        self.identities_path = Path(identities)
        self.events_path = Path(events) if events else None
        self.encoding = encoding
        self.event_mapping = dict(event_mapping or {})

    def read_table(self, part: str, *, header_only: bool = False, progress: Progress | None = None) -> Rows:
        path = self.identities_path if part == "identities" else self.events_path
        assert path is not None  # noqa: S101 - events are read only when there is a file
        return read_csv_rows(path, encoding=self.encoding, part=part, progress=progress)


def read_with_events(
    identities: Rows,
    events: Rows | None,
    *,
    mapping: Mapping[str, str] | None,
    event_mapping: Mapping[str, str] | None,
) -> Extract:
    """Validate tables read from files into an :class:`Extract`. Structural problems (bad bytes,
    ragged rows) and row-level problems are reported together: one load, one complete report."""
    problems = [*identities.problems, *(events.problems if events is not None else [])]
    try:
        extract = build_extract(
            identities.rows,
            identity_columns=identities.header,
            mapping=mapping,
            row_numbers=identities.numbers,
            event_rows=events.rows if events is not None and events.header else None,
            event_columns=events.header if events is not None else (),
            event_mapping=event_mapping,
            event_row_numbers=events.numbers if events is not None else None,
        )
    except LoadFailed as failed:
        if identities.header:
            problems += failed.bad_rows
        raise LoadFailed(
            problems, total=len(problems) + max(0, failed.total - len(failed.bad_rows))
        ) from None
    if problems:
        raise LoadFailed(problems)
    return extract
