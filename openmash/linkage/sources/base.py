"""The connector interface every agency data source implements, and what a load produces.

A connector reads an agency's system — a file extract, a SQL database, a FHIR server — into an
:class:`Extract`: the identity records in the engine's standard columns (the identity index is
built from these), the agency's own columns kept for display, and, for sources read as a whole
(files), the events recorded against each record. A *live* connector (SQL, FHIR) leaves events
where they are and :meth:`Connector.fetch` asks the source for the full records of confirmed
matches only, so nothing more than identities is copied out of the agency's system until a
researcher has confirmed a match.

Loads are all-or-nothing: :meth:`Connector.read` checks every row and raises :class:`LoadFailed`
carrying a row-level report (:class:`BadRow`: row, column, problem — never the value, which may
be personal data) when any row is bad. A value the engine can read only partly (an impossible
date of birth, an NHS number with a bad check digit) is not a bad row: it is loaded as missing and
counted in :attr:`Extract.warnings`.

Plain Python: no Django import (the ``sources`` app stores configuration and snapshots).
"""

from __future__ import annotations

import re
from abc import ABC, abstractmethod
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import ClassVar, Final

import pandas as pd

from openmash.linkage.engine.features import feature_frame
from openmash.linkage.engine.records import STANDARD_COLUMNS

__all__ = [
    "EVENT_COLUMNS",
    "MAX_REPORTED",
    "SIGNIFICANCES",
    "BadRow",
    "Connector",
    "Extract",
    "LoadFailed",
    "Progress",
    "SourceEvent",
    "SourceRecord",
    "build_extract",
    "cell_text",
    "check_mapping",
    "renamed_columns",
    "parse_event_date",
]

#: The standard event columns; any others are kept as the event's details.
EVENT_COLUMNS: Final[tuple[str, ...]] = (
    "record_id",
    "occurred_on",
    "kind",
    "description",
    "significance",
    "source_reference",
)
SIGNIFICANCES: Final = ("high", "medium", "low")
#: A report lists at most this many bad rows (it still counts them all).
MAX_REPORTED: Final = 1000

#: Called as ``progress(done, total)``; ``total`` is ``None`` while the size is unknown.
Progress = Callable[[int, int | None], None]


@dataclass(frozen=True, slots=True)
class BadRow:
    """One problem with one row. ``row`` 1 is the first data row (under a header); ``None`` means
    the whole input (a missing column, an unreadable file)."""

    problem: str
    row: int | None = None
    column: str | None = None
    part: str = "identities"
    """Which part of the source: ``identities`` or ``events``."""

    def __str__(self) -> str:
        where = [self.part]
        if self.row is not None:
            where.append(f"row {self.row}")
        if self.column:
            where.append(f"column {self.column}")
        return f"{', '.join(where)}: {self.problem}"

    def as_dict(self) -> dict[str, object]:
        return {"part": self.part, "row": self.row, "column": self.column, "problem": self.problem}


class LoadFailed(Exception):  # noqa: N818 - "the load failed" reads better
    """The source could not be loaded; nothing of it was kept. ``bad_rows`` says why, row by row."""

    def __init__(self, bad_rows: Sequence[BadRow], *, total: int | None = None) -> None:
        self.bad_rows = list(bad_rows[:MAX_REPORTED])
        self.total = total if total is not None else len(bad_rows)
        first = str(self.bad_rows[0]) if self.bad_rows else "unknown problem"
        more = f" (and {self.total - 1} more)" if self.total > 1 else ""
        super().__init__(f"{first}{more}")


@dataclass(frozen=True, slots=True)
class SourceEvent:
    """Something the agency recorded about a person: the raw material of a history item."""

    record_id: str
    occurred_on: date
    kind: str
    description: str
    significance: str
    """``high``, ``medium`` or ``low``."""
    source_reference: str
    """The agency's own reference (incident number, attendance id, ...)."""
    details: tuple[tuple[str, str], ...] = ()

    @property
    def kind_label(self) -> str:
        text = self.kind.replace("_", " ").strip()
        return text[:1].upper() + text[1:]

    @property
    def key(self) -> str:
        """Identifies the event within its record (stable across fetches)."""
        return f"{self.occurred_on.isoformat()}|{self.source_reference}|{self.kind}"


@dataclass(frozen=True, slots=True)
class SourceRecord:
    """The full record of one confirmed match: identity, the agency's own fields and events."""

    record_id: str
    identity: Mapping[str, str | None]
    details: Mapping[str, str] = field(default_factory=dict)
    events: tuple[SourceEvent, ...] = ()


@dataclass
class Extract:
    """What one load read: every identity record and, for a whole-source read, the events."""

    identities: pd.DataFrame
    """Standard columns (:data:`STANDARD_COLUMNS`), text or ``None``, one row per record."""
    details: pd.DataFrame
    """``record_id`` plus the source's other identity columns (text), for showing a record."""
    events: pd.DataFrame | None = None
    """:data:`EVENT_COLUMNS` plus any other event columns; ``None`` for a live source."""
    warnings: list[str] = field(default_factory=list)
    """Values loaded as missing, counted by column and reason."""

    @property
    def records(self) -> int:
        return len(self.identities)

    @property
    def event_count(self) -> int:
        return 0 if self.events is None else len(self.events)


class Connector(ABC):
    """One agency data source. Subclasses read it and, when ``live``, fetch full records."""

    kind: ClassVar[str]
    #: True: :meth:`fetch` asks the source. False: :meth:`read` returns the events as well, and
    #: full records are assembled from the stored extract (:class:`~.snapshot.Snapshot`).
    live: ClassVar[bool] = False

    @abstractmethod
    def columns(self) -> list[str]:
        """The identity columns the source offers, as it names them (for column mapping)."""

    @abstractmethod
    def read(self, *, mapping: Mapping[str, str] | None = None, progress: Progress | None = None) -> Extract:
        """Read every identity record (and, unless ``live``, every event).

        ``mapping`` renames the source's columns to standard ones (``{"DOB": "date_of_birth"}``);
        a column already named as a standard one needs no entry. Raises :class:`LoadFailed` with
        every bad row found when any row is bad.
        """

    def fetch(
        self, record_ids: Sequence[str], *, mapping: Mapping[str, str] | None = None
    ) -> dict[str, SourceRecord]:
        """The full records of ``record_ids`` (live sources only); unknown ids are left out."""
        raise NotImplementedError(f"{type(self).__name__} is not live: use the stored extract")


# --- shared validation ---------------------------------------------------------------------------


def cell_text(value: object) -> str | None:
    if value is None:
        return None
    if isinstance(value, float):
        if value != value:  # NaN
            return None
        if value.is_integer():
            value = int(value)
    if isinstance(value, datetime):
        value = value.date() if value.time() == datetime.min.time() else value
    if isinstance(value, date):
        return value.isoformat()
    # A NUL character is never part of a name, a date or an id, and no database text column can hold it.
    text = str(value).replace("\x00", "").strip()
    return text or None


def renamed_columns(
    columns: Iterable[str], mapping: Mapping[str, str] | None, standard: Sequence[str]
) -> dict[str, str]:
    """source column -> standard column, for the mapped ones and those already standard."""
    renames: dict[str, str] = {}
    wanted = {s.lower() for s in standard}
    by_stripped = {str(c).strip(): str(c) for c in columns}
    for source, target in (mapping or {}).items():
        if source in by_stripped and target:
            renames[by_stripped[source]] = target
    taken = set(renames.values())
    for stripped, original in by_stripped.items():
        key = stripped.lower()
        if original not in renames and key in wanted and key not in taken:
            renames[original] = key
            taken.add(key)
    return renames


def check_mapping(
    columns: Sequence[str], mapping: Mapping[str, str] | None, *, part: str, standard: Sequence[str]
) -> list[BadRow]:
    """Problems with a column mapping: a mapped column the source does not have, a target that is
    not a standard column, two columns mapped to one."""
    problems = []
    present = {str(c).strip() for c in columns}
    targets: dict[str, str] = {}
    for source, target in (mapping or {}).items():
        if not target:
            continue
        if source not in present:
            problems.append(
                BadRow(
                    f"the mapping names column {source!r}, which the source does not have",
                    part=part,
                    column=source,
                )
            )
        if target not in standard:
            problems.append(BadRow(f"{target!r} is not a standard column", part=part, column=source))
        if target in targets:
            problems.append(
                BadRow(
                    f"both {targets[target]!r} and {source!r} are mapped to {target}",
                    part=part,
                    column=source,
                )
            )
        targets[target] = source
    return problems


_ISO_DATE = re.compile(r"^(\d{4})-(\d{2})-(\d{2})(?:[T ].*)?$")
_UK_DATE = re.compile(r"^(\d{1,2})/(\d{1,2})/(\d{4})$")


def parse_event_date(value: str | None) -> date | None:
    """An event date written ``YYYY-MM-DD`` (a time may follow) or ``DD/MM/YYYY``; else ``None``."""
    if not value:
        return None
    if m := _ISO_DATE.match(value):
        year, month, day = int(m[1]), int(m[2]), int(m[3])
    elif m := _UK_DATE.match(value):
        day, month, year = int(m[1]), int(m[2]), int(m[3])
    else:
        return None
    try:
        return date(year, month, day)
    except ValueError:
        return None


def build_extract(
    identity_rows: Sequence[Mapping[str, object]],
    *,
    identity_columns: Sequence[str],
    mapping: Mapping[str, str] | None = None,
    event_rows: Sequence[Mapping[str, object]] | None = None,
    event_columns: Sequence[str] = (),
    event_mapping: Mapping[str, str] | None = None,
    first_row: int = 1,
    row_numbers: Sequence[int] | None = None,
    event_row_numbers: Sequence[int] | None = None,
    today: date | None = None,
) -> Extract:
    """Validate raw rows (as read by any connector) into an :class:`Extract`, or raise
    :class:`LoadFailed` listing every bad row.

    ``identity_rows`` are mappings keyed by the source's own column names; ``first_row`` is the
    row number reported for the first of them, unless ``row_numbers`` gives each row's own
    (``event_row_numbers`` for events). Checks: a ``record_id`` column exists (after
    mapping); every record_id is present and unique; for events, every row names a known
    record_id, a real date not in the future, a kind, a description and a significance of
    high/medium/low (empty is read as medium).
    """
    bad: list[BadRow] = []
    total_bad = 0

    def report(problem: BadRow) -> None:
        nonlocal total_bad
        total_bad += 1
        if len(bad) < MAX_REPORTED:
            bad.append(problem)

    for problem in check_mapping(identity_columns, mapping, part="identities", standard=STANDARD_COLUMNS):
        report(problem)
    renames = renamed_columns(identity_columns, mapping, STANDARD_COLUMNS)
    if "record_id" not in renames.values():
        report(
            BadRow(
                f"no record_id column (columns found: {', '.join(map(str, identity_columns)) or 'none'};"
                " map one of them to record_id)",
                column="record_id",
            )
        )
    if bad:
        raise LoadFailed(bad, total=total_bad)
    source_of = {target: source for source, target in renames.items()}
    detail_columns = [c for c in identity_columns if c not in renames]

    standard: dict[str, list[str | None]] = {c: [] for c in STANDARD_COLUMNS}
    details: dict[str, list[str | None]] = {c: [] for c in detail_columns}
    seen: dict[str, int] = {}
    id_column = source_of["record_id"]
    for offset, row in enumerate(identity_rows):
        number = row_numbers[offset] if row_numbers is not None else first_row + offset
        record_id = cell_text(row.get(id_column))
        if record_id is None:
            report(BadRow("record_id is empty", row=number, column=id_column))
            continue
        if record_id in seen:
            report(
                BadRow(f"duplicate record_id (also on row {seen[record_id]})", row=number, column=id_column)
            )
            continue
        seen[record_id] = number
        for column in STANDARD_COLUMNS:
            source = source_of.get(column)
            standard[column].append(cell_text(row.get(source)) if source is not None else None)
        for column in detail_columns:
            details[column].append(cell_text(row.get(column)))

    events_frame: pd.DataFrame | None = None
    if event_rows is not None:
        events_frame = _validate_events(
            event_rows,
            event_columns,
            event_mapping,
            known=seen,
            report=report,
            numbers=event_row_numbers or [first_row + i for i in range(len(event_rows))],
            today=today,
        )
    if total_bad:
        raise LoadFailed(bad, total=total_bad)

    identities = pd.DataFrame(standard, columns=list(STANDARD_COLUMNS)).astype(object)
    detail_frame = pd.DataFrame({"record_id": standard["record_id"], **details}).astype(object)
    warnings = feature_frame(identities, today=today).warning_lines()
    return Extract(identities=identities, details=detail_frame, events=events_frame, warnings=warnings)


def _validate_events(
    rows: Sequence[Mapping[str, object]],
    columns: Sequence[str],
    mapping: Mapping[str, str] | None,
    *,
    known: Mapping[str, int],
    report: Callable[[BadRow], None],
    numbers: Sequence[int],
    today: date | None,
) -> pd.DataFrame | None:
    problems = check_mapping(columns, mapping, part="events", standard=EVENT_COLUMNS)
    renames = renamed_columns(columns, mapping, EVENT_COLUMNS)
    missing = [c for c in EVENT_COLUMNS if c not in renames.values() and c != "significance"]
    for column in missing:
        problems.append(BadRow(f"no {column} column", part="events", column=column))
    for problem in problems:
        report(problem)
    if problems:
        return None
    source_of = {target: source for source, target in renames.items()}
    detail_columns = [c for c in columns if c not in renames]
    today = today or date.today()  # noqa: DTZ011 - a calendar date, as recorded by the agency
    out: dict[str, list[object]] = {c: [] for c in (*EVENT_COLUMNS, *detail_columns)}
    for number, row in zip(numbers, rows, strict=True):
        values = {c: cell_text(row.get(source_of[c])) if c in source_of else None for c in EVENT_COLUMNS}
        ok = True
        record_id = values["record_id"]
        if record_id is None:
            report(BadRow("record_id is empty", row=number, column=source_of["record_id"], part="events"))
            ok = False
        elif record_id not in known:
            report(
                BadRow(
                    "record_id is not in the identities",
                    row=number,
                    column=source_of["record_id"],
                    part="events",
                )
            )
            ok = False
        occurred = parse_event_date(values["occurred_on"])
        if occurred is None:
            message = "date is empty" if not values["occurred_on"] else "not a date (expected YYYY-MM-DD)"
            report(BadRow(message, row=number, column=source_of["occurred_on"], part="events"))
            ok = False
        elif occurred > today:
            report(
                BadRow("date is in the future", row=number, column=source_of["occurred_on"], part="events")
            )
            ok = False
        for column in ("kind", "description"):
            if values[column] is None:
                report(BadRow(f"{column} is empty", row=number, column=source_of[column], part="events"))
                ok = False
        significance = (values["significance"] or "medium").lower()
        if significance not in SIGNIFICANCES:
            report(
                BadRow(
                    "significance must be high, medium or low",
                    row=number,
                    column=source_of.get("significance"),
                    part="events",
                )
            )
            ok = False
        if not ok:
            continue
        cleaned: dict[str, object] = {
            **values,
            "occurred_on": occurred,
            "significance": significance,
            "source_reference": values["source_reference"] or "",
        }
        for column in EVENT_COLUMNS:
            out[column].append(cleaned[column])
        for column in detail_columns:
            out[column].append(cell_text(row.get(column)) or "")
    return pd.DataFrame(out).astype(object)
