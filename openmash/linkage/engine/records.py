"""The input schema: one :class:`Record` per person-record an agency holds."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, fields
from datetime import date
from typing import Final, TypeAlias

import numpy as np
import pandas as pd

__all__ = ["STANDARD_COLUMNS", "Record", "Records", "as_text", "records_to_frame"]

#: The standard column names, in order. Only ``record_id`` is required.
STANDARD_COLUMNS: Final[tuple[str, ...]] = (
    "record_id",
    "given_name",
    "surname",
    "date_of_birth",
    "sex",
    "postcode",
    "address",
    "nhs_number",
    "other_id",
)


@dataclass(frozen=True, slots=True)
class Record:
    """One person-record as an agency holds it: raw text, normalised later by the engine.

    ``date_of_birth`` is ``YYYY-MM-DD`` (a :class:`~datetime.date` is accepted; the common UK
    written forms are parsed too). Every field but ``record_id`` may be ``None`` or empty.
    """

    record_id: str
    given_name: str | None = None
    surname: str | None = None
    date_of_birth: str | date | None = None
    sex: str | None = None
    postcode: str | None = None
    address: str | None = None
    nhs_number: str | None = None
    other_id: str | None = None
    """Another person identifier both sources hold (a council person ID, a Unique Pupil Number...)."""


assert tuple(f.name for f in fields(Record)) == STANDARD_COLUMNS  # noqa: S101 - schema guard

#: What the engine accepts as records: :class:`Record` objects or a DataFrame with standard columns.
Records: TypeAlias = Iterable[Record] | pd.DataFrame


def as_text(value: object) -> str | None:
    """Text of one raw field value; ``None`` for missing, NaN or blank."""
    if value is None:
        return None
    if isinstance(value, float) and value != value:  # NaN
        return None
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, float) and value.is_integer():
        value = int(value)  # an integer column with gaps comes back from pandas as floats
    text = str(value).strip()
    return text or None


def records_to_frame(records: Records) -> pd.DataFrame:
    """A DataFrame with exactly the standard columns (object dtype; ``None`` for missing).

    ``record_id`` becomes text; other values are passed through as they are, to be turned into
    text once per distinct value by the feature step. Columns absent from a DataFrame input are
    added empty; extra columns are dropped.
    """
    if isinstance(records, pd.DataFrame):
        columns: dict[str, object] = {}
        for column in STANDARD_COLUMNS:
            if column in records.columns:
                columns[column] = records[column].to_numpy(dtype=object)
            else:
                columns[column] = np.full(len(records), None, dtype=object)
        ids = records["record_id"] if "record_id" in records.columns else pd.Series([None] * len(records))
        if ids.map(type).eq(str).all():
            columns["record_id"] = ids.str.strip().to_numpy(dtype=object)
        else:
            columns["record_id"] = np.array([as_text(v) for v in ids], dtype=object)
        return pd.DataFrame(columns, index=pd.RangeIndex(len(records)))
    rows = [tuple(as_text(getattr(record, column)) for column in STANDARD_COLUMNS) for record in records]
    return pd.DataFrame.from_records(rows, columns=list(STANDARD_COLUMNS)).astype(object)
