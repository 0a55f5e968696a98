"""A loaded extract kept on disk: the identity index's input and, for file sources, the events.

One directory per successful load, written to a temporary name and renamed into place when
complete, so a reader never sees half a snapshot and a failed load leaves the previous one
untouched. Parquet files, readable by DuckDB, pandas or Spark:

* ``identities.parquet`` — the standard identity columns;
* ``details.parquet`` — ``record_id`` and the agency's other identity columns;
* ``events.parquet`` — the events (file sources only).
"""

from __future__ import annotations

import json
import os
import shutil
import uuid
from collections.abc import Sequence
from datetime import date
from pathlib import Path
from typing import Final

import pandas as pd

from openmash.linkage.engine.records import STANDARD_COLUMNS
from openmash.linkage.sources.base import EVENT_COLUMNS, Extract, SourceEvent, SourceRecord

__all__ = ["Snapshot"]

_IDENTITIES: Final = "identities.parquet"
_DETAILS: Final = "details.parquet"
_EVENTS: Final = "events.parquet"
_META: Final = "snapshot.json"


class Snapshot:
    """A complete, immutable load on disk."""

    def __init__(self, directory: str | Path) -> None:
        self.directory = Path(directory)
        if not (self.directory / _META).is_file():
            raise FileNotFoundError(f"{self.directory} is not a complete snapshot")
        self.meta = json.loads((self.directory / _META).read_text(encoding="utf-8"))
        self._details: pd.DataFrame | None = None
        self._events: pd.DataFrame | None = None

    @classmethod
    def write(cls, extract: Extract, directory: str | Path) -> Snapshot:
        """Write ``extract`` to ``directory`` (which must not exist yet), atomically."""
        target = Path(directory)
        if target.exists():
            raise FileExistsError(f"{target} already exists")
        target.parent.mkdir(parents=True, exist_ok=True)
        work = target.parent / f".{target.name}.{uuid.uuid4().hex}.partial"
        work.mkdir()
        try:
            _as_text(extract.identities).to_parquet(work / _IDENTITIES, index=False)
            _as_text(extract.details).to_parquet(work / _DETAILS, index=False)
            if extract.events is not None:
                events = extract.events.copy()
                events["occurred_on"] = pd.to_datetime(events["occurred_on"]).dt.date
                _as_text(events, keep=("occurred_on",)).to_parquet(work / _EVENTS, index=False)
            meta = {
                "records": extract.records,
                "events": extract.event_count if extract.events is not None else None,
                "warnings": extract.warnings,
            }
            (work / _META).write_text(json.dumps(meta, indent=1), encoding="utf-8")
            os.replace(work, target)
        except BaseException:
            shutil.rmtree(work, ignore_errors=True)
            raise
        return cls(target)

    @property
    def has_events(self) -> bool:
        return (self.directory / _EVENTS).is_file()

    def identities(self) -> pd.DataFrame:
        frame = pd.read_parquet(self.directory / _IDENTITIES)
        return frame[list(STANDARD_COLUMNS)].astype(object).where(frame.notna(), None)

    def _detail_frame(self) -> pd.DataFrame:
        if self._details is None:
            self._details = pd.read_parquet(self.directory / _DETAILS).set_index("record_id", drop=False)
        return self._details

    def _event_frame(self) -> pd.DataFrame | None:
        if self._events is None and self.has_events:
            self._events = pd.read_parquet(self.directory / _EVENTS)
        return self._events

    def fetch(self, record_ids: Sequence[str]) -> dict[str, SourceRecord]:
        """Full records of ``record_ids`` from the stored extract; unknown ids are left out."""
        identities = self.identities().set_index("record_id", drop=False)
        details = self._detail_frame()
        events = self._event_frame()
        wanted = [r for r in record_ids if r in identities.index]
        by_record: dict[str, list[SourceEvent]] = {r: [] for r in wanted}
        if events is not None and wanted:
            extra = [c for c in events.columns if c not in EVENT_COLUMNS]
            for row in events[events["record_id"].isin(wanted)].itertuples(index=False):
                values = row._asdict()
                occurred = values["occurred_on"]
                by_record[values["record_id"]].append(
                    SourceEvent(
                        record_id=values["record_id"],
                        occurred_on=occurred
                        if isinstance(occurred, date)
                        else date.fromisoformat(str(occurred)),
                        kind=values["kind"],
                        description=values["description"],
                        significance=values["significance"],
                        source_reference=values["source_reference"] or "",
                        details=tuple((c, str(values[c])) for c in extra if values[c]),
                    )
                )
        records = {}
        for record_id in wanted:
            identity = {c: _none(identities.at[record_id, c]) for c in STANDARD_COLUMNS}
            detail = {}
            if record_id in details.index:
                detail = {
                    c: str(v)
                    for c, v in details.loc[record_id].items()
                    if c != "record_id" and _none(v) is not None
                }
            records[record_id] = SourceRecord(
                record_id=record_id,
                identity=identity,
                details=detail,
                events=tuple(sorted(by_record[record_id], key=lambda e: (e.occurred_on, e.source_reference))),
            )
        return records


def _none(value: object) -> str | None:
    if value is None or value is pd.NA or (isinstance(value, float) and value != value):
        return None
    return str(value)


def _as_text(frame: pd.DataFrame, keep: tuple[str, ...] = ()) -> pd.DataFrame:
    """Every column as nullable text (Parquet needs one type per column), but ``keep``."""
    out = frame.copy()
    for column in out.columns:
        if column not in keep:
            out[column] = out[column].astype("string")
    return out
