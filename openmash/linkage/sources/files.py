"""File extracts: CSV (or tab-separated) files, one of identities and optionally one of events."""

from __future__ import annotations

import codecs
import csv
from abc import abstractmethod
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import ClassVar, overload

from openmash.linkage.engine.inputs import STRAY_CR, stray_carriage_return
from openmash.linkage.sources.base import BadRow, Connector, Extract, LoadFailed, Progress, build_extract
from openmash.linkage.sources.limits import UNRESTRICTED, PathRefused, SourceLimits

__all__ = ["CsvConnector", "FileConnector", "RowList", "Rows", "read_csv_rows", "read_with_events"]

_PROGRESS_EVERY = 5000


def _ascii_like(codec: str) -> bool:
    """Whether the encoding writes line breaks, quotes and commas as ASCII does (not UTF-16 or -32)."""
    return codecs.lookup(codec).name not in {
        "utf-16",
        "utf-16-le",
        "utf-16-be",
        "utf-32",
        "utf-32-le",
        "utf-32-be",
    }


def _codec(encoding: str) -> str:
    return "utf-8-sig" if encoding.lower().replace("_", "-") in {"utf-8", "utf8"} else encoding


def _undecodable_lines(path: Path, encoding: str, part: str) -> list[BadRow]:
    """Every line of ``path`` that is not valid ``encoding`` text, read a line at a time."""
    problems = []
    with path.open("rb") as handle:
        for number, line in enumerate(handle):
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
    return problems or [BadRow(f"is not valid {encoding} text", part=part)]


class RowList(Sequence[Mapping[str, str]]):
    """Rows kept as lists of values (a third of the memory of one dict per row), seen as mappings
    from the header's names."""

    def __init__(self, header: Sequence[str]) -> None:
        self.header = list(header)
        self.values: list[list[str]] = []

    def append(self, values: list[str]) -> None:
        self.values.append(values)

    def __len__(self) -> int:
        return len(self.values)

    @overload
    def __getitem__(self, index: int) -> Mapping[str, str]: ...
    @overload
    def __getitem__(self, index: slice) -> Sequence[Mapping[str, str]]: ...
    def __getitem__(self, index: int | slice) -> Mapping[str, str] | Sequence[Mapping[str, str]]:
        if isinstance(index, slice):
            return [dict(zip(self.header, v, strict=True)) for v in self.values[index]]
        return dict(zip(self.header, self.values[index], strict=True))

    def __iter__(self) -> Iterator[Mapping[str, str]]:
        header = self.header
        for values in self.values:
            yield dict(zip(header, values, strict=True))


@dataclass
class Rows:
    """A table as read: its header, its well-formed rows with their row numbers, its problems."""

    header: list[str] = field(default_factory=list)
    rows: RowList = field(default_factory=lambda: RowList([]))
    numbers: list[int] = field(default_factory=list)
    problems: list[BadRow] = field(default_factory=list)


def _count_lines(path: Path) -> int:
    count = 0
    with path.open("rb") as handle:
        while chunk := handle.read(1 << 20):
            count += chunk.count(b"\n")
    return count


def read_csv_rows(
    path: str | Path,
    *,
    encoding: str = "utf-8",
    part: str = "identities",
    progress: Progress | None = None,
    limits: SourceLimits = UNRESTRICTED,
    header_only: bool = False,
) -> Rows:
    """The header and rows of a CSV file, read a line at a time, with every structural problem as a
    :class:`BadRow` (a file outside the allowed folders or over the size limit, undecodable bytes,
    a row with more or fewer fields than the header, a repeated header name, too many rows or
    columns, a cell over the size limit)."""
    try:
        real = limits.readable_file(path)
    except PathRefused as refused:
        return Rows(problems=[BadRow(str(refused), part=part)])
    codec = _codec(encoding)
    try:
        codecs.lookup(codec)
    except LookupError:
        return Rows(problems=[BadRow(f"unknown text encoding {encoding!r}", part=part)])
    delimiter = "\t" if Path(path).suffix.lower() == ".tsv" else ","
    problems: list[BadRow] = []
    total = _count_lines(real) if progress is not None and not header_only else None
    out: Rows | None = None
    try:
        with real.open("r", encoding=codec, newline="", errors="strict") as handle:
            reader = csv.reader(handle, delimiter=delimiter)
            try:
                first = next((row for row in reader if any(v.strip() for v in row)), None)
                if first is None:
                    return Rows(problems=[BadRow("the file is empty", part=part)])
                if any("\x00" in v for v in first):
                    return Rows(
                        problems=[
                            BadRow("the header contains a NUL character (is this a text file?)", part=part)
                        ]
                    )
                header = [name.strip() for name in first]
                if len(header) > limits.max_columns:
                    return Rows(
                        problems=[
                            BadRow(
                                f"the header has {len(header)} columns; a source may have at most"
                                f" {limits.max_columns}",
                                part=part,
                            )
                        ]
                    )
                seen: set[str] = set()
                for name in header:
                    if len(name) > limits.max_cell_chars:
                        problems.append(BadRow("a header name is too long", part=part))
                        return Rows(problems=problems)
                    if name.lower() in seen:
                        problems.append(BadRow("the header names this column twice", column=name, part=part))
                    seen.add(name.lower())
                out = Rows(header=header, rows=RowList(header), problems=problems)
                if header_only:
                    return out
                # The reader would end a row at a carriage return on its own, cutting it in two and
                # numbering every later row one too many: the file is refused, as an extract is.
                stray = stray_carriage_return(real, header) if _ascii_like(codec) else None
                if stray is not None:
                    return Rows(problems=[BadRow(STRAY_CR, row=stray[0], column=stray[1], part=part)])
                for number, values in enumerate(reader, start=1):
                    if not values:
                        continue
                    if number > limits.max_rows:
                        problems.append(
                            BadRow(
                                f"the file has more than {limits.max_rows:,} rows, the most a source may"
                                " have (OPENMASH_SOURCE_MAX_ROWS)",
                                row=number,
                                part=part,
                            )
                        )
                        break
                    if len(values) != len(header):
                        problems.append(
                            BadRow(
                                f"has {len(values)} fields where the header has {len(header)}",
                                row=number,
                                part=part,
                            )
                        )
                        continue
                    if any("\x00" in v for v in values):
                        problems.append(
                            BadRow("contains a NUL character (is this a text file?)", row=number, part=part)
                        )
                        continue
                    long = next((i for i, v in enumerate(values) if len(v) > limits.max_cell_chars), None)
                    if long is not None:
                        problems.append(
                            BadRow(
                                f"a cell is longer than {limits.max_cell_chars:,} characters",
                                row=number,
                                column=header[long],
                                part=part,
                            )
                        )
                        continue
                    out.rows.append(values)
                    out.numbers.append(number)
                    if progress is not None and number % _PROGRESS_EVERY == 0:
                        progress(number, total)
            except csv.Error as exc:
                message = str(exc)
                if "field larger than field limit" in message:
                    message = f"a cell is longer than {limits.max_cell_chars:,} characters"
                    problems.append(BadRow(message, row=reader.line_num, part=part))
                else:
                    problems.append(BadRow(f"is not valid CSV ({message})", row=reader.line_num, part=part))
                if out is None:
                    return Rows(problems=problems)
    except UnicodeDecodeError:
        return Rows(problems=_undecodable_lines(real, encoding, part))
    assert out is not None  # noqa: S101 - every path without a header returned above
    if progress is not None:
        progress(len(out.rows), len(out.rows))
    return out


class FileConnector(Connector):
    """A source read from files: identities (required) and events (optional), checked as a whole.
    Subclasses say how one table is read (:meth:`read_table`)."""

    live: ClassVar[bool] = False
    identities_path: Path
    events_path: Path | None
    limits: SourceLimits
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
        limits: SourceLimits = UNRESTRICTED,
    ) -> None:
        self.limits = limits
        self.identities_path = Path(identities)
        self.events_path = Path(events) if events else None
        self.encoding = encoding
        self.event_mapping = dict(event_mapping or {})

    def read_table(self, part: str, *, header_only: bool = False, progress: Progress | None = None) -> Rows:
        path = self.identities_path if part == "identities" else self.events_path
        assert path is not None  # noqa: S101 - events are read only when there is a file
        return read_csv_rows(
            path,
            encoding=self.encoding,
            part=part,
            progress=progress,
            limits=self.limits,
            header_only=header_only,
        )


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
