"""Serialising a synthetic :class:`~openmash.synth.area.Area` to JSON and CSV.

Both formats are deterministic: the same area always gives the same bytes.
Dates are ISO 8601, ``None`` is ``null`` in JSON and an empty cell in CSV, and
tuples (member ids, child ids, concern categories, previous family names) are
JSON arrays or ``;``-separated CSV cells.
"""

from __future__ import annotations

import csv
import dataclasses
import json
from collections.abc import Sequence
from datetime import date
from pathlib import Path
from typing import Any

from openmash.synth.area import Address, AddressMove, Area, Household, Person, Referral, Relationship

__all__ = ["CSV_FILES", "area_to_dict", "area_to_json", "write_area"]

#: File name -> (record type, the Area attribute holding the records).
CSV_FILES: dict[str, tuple[type, str]] = {
    "people.csv": (Person, "people"),
    "addresses.csv": (Address, "addresses"),
    "households.csv": (Household, "households"),
    "moves.csv": (AddressMove, "moves"),
    "relationships.csv": (Relationship, "relationships"),
    "referrals.csv": (Referral, "referrals"),
}


def _json_value(value: Any) -> Any:
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, tuple | list):
        return [_json_value(item) for item in value]
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {f.name: _json_value(getattr(value, f.name)) for f in dataclasses.fields(value)}
    return value


def area_to_dict(area: Area) -> dict[str, Any]:
    """The area as plain JSON-compatible data (dates as ISO strings)."""
    data = _json_value(area)
    if not isinstance(data, dict):  # pragma: no cover - an Area is a dataclass
        raise TypeError("expected an Area")
    return data


def area_to_json(area: Area) -> str:
    """The area as JSON with sorted keys and two-space indentation."""
    return json.dumps(area_to_dict(area), sort_keys=True, indent=2, ensure_ascii=False)


def _csv_cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, tuple):
        return ";".join(_csv_cell(item) for item in value)
    return str(value)


def _write_csv(path: Path, record_type: type, records: Sequence[Any]) -> None:
    columns = [f.name for f in dataclasses.fields(record_type)]
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle, lineterminator="\n")
        writer.writerow(columns)
        for record in records:
            writer.writerow([_csv_cell(getattr(record, column)) for column in columns])


def write_area(area: Area, directory: Path) -> dict[str, Path]:
    """Write one CSV per record type into ``directory`` (created if needed).

    Returns the paths written, keyed by file name.
    """
    directory.mkdir(parents=True, exist_ok=True)
    written: dict[str, Path] = {}
    for name, (record_type, attribute) in CSV_FILES.items():
        path = directory / name
        _write_csv(path, record_type, getattr(area, attribute))
        written[name] = path
    return written
