"""Normalised comparison features: the columns both Splink and the fast scorer compare.

One record becomes one tuple in :data:`FEATURE_COLUMNS` order. :func:`record_features` does it
for one record (the trawl's query path); :func:`feature_frame` does it for a whole table by
normalising each *distinct* raw value once, with the same functions, so a million-record index
costs one pass over its vocabulary rather than over its rows.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from typing import Any, Final

import numpy as np
import pandas as pd

from openmash.linkage.engine.normalise import (
    NHS_BAD_CHECK_DIGIT,
    NHS_NOT_TEN_DIGITS,
    POSTCODE_NOT_UK,
    normalise_address,
    normalise_given_name,
    normalise_nhs,
    normalise_postcode,
    normalise_sex,
    normalise_surname,
    parse_date_of_birth,
    soundex,
    swap_day_month,
)
from openmash.linkage.engine.records import STANDARD_COLUMNS, Records, as_text, records_to_frame

__all__ = [
    "FEATURE_COLUMNS",
    "FEATURE_INDEX",
    "CODED_FEATURES",
    "INT_FEATURES",
    "FeatureRow",
    "FeatureTable",
    "feature_frame",
    "drawing_key_parts",
    "feature_rows",
    "nhs_numbers",
    "record_features",
]

FEATURE_COLUMNS: Final[tuple[str, ...]] = (
    "record_id",
    "given_name",
    "given_canon",
    "given_initial",
    "given_prefix",
    "surname",
    "surname_first",
    "surname_last",
    "surname_key",
    "dob",
    "dob_days",
    "dob_swapped",
    "birth_year",
    "sex",
    "postcode",
    "postcode_sector",
    "postcode_outward",
    "address",
    "address_key",
    "nhs_number",
    "other_id",
)
FEATURE_INDEX: Final[dict[str, int]] = {name: i for i, name in enumerate(FEATURE_COLUMNS)}
#: Integer-valued features; every other feature is text.
INT_FEATURES: Final[frozenset[str]] = frozenset({"dob_days", "birth_year"})

#: One record's features in :data:`FEATURE_COLUMNS` order (``None`` where missing).
FeatureRow = tuple[Any, ...]

_EPOCH_ORDINAL: Final = date(1970, 1, 1).toordinal()


def _given_features(given: str | None) -> tuple[Any, ...]:
    g = normalise_given_name(given)
    return (g.name, g.canonical, g.initial, g.name[:2]) if g else (None, None, None, None)


def _surname_features(surname: str | None) -> tuple[Any, ...]:
    s = normalise_surname(surname)
    return (s.name, s.first, s.last, soundex(s.name)[:3]) if s else (None, None, None, None)


def _dob_features(value: date | None) -> tuple[Any, ...]:
    if value is None:
        return (None, None, None, None)
    swapped = swap_day_month(value)
    return (
        value.isoformat(),
        value.toordinal() - _EPOCH_ORDINAL,
        swapped.isoformat() if swapped else None,
        value.year,
    )


def _postcode_features(raw: str | None) -> tuple[str | None, str | None, str | None]:
    p = normalise_postcode(raw)
    return (p.full, p.sector, p.outward) if p else (None, None, None)


def _other_id(raw: str | None) -> str | None:
    cleaned = "".join(ch for ch in (raw or "").upper() if ch.isalnum())
    return cleaned or None


def _address_features(raw: str | None) -> tuple[str | None, str | None]:
    address = normalise_address(raw)
    if address is None:
        return (None, None)
    words = address.split()
    # The house number (or flat number) when there is one, else the first word.
    key = next((word for word in words if any(ch.isdigit() for ch in word)), words[0])
    return (address, key)


def record_features(fields: Mapping[str, object], *, today: date | None = None) -> FeatureRow:
    """Features of one record given as a mapping of standard column -> raw value."""
    text = {column: as_text(fields.get(column)) for column in STANDARD_COLUMNS}
    dob = parse_date_of_birth(text["date_of_birth"], today=today).value
    nhs, _ = normalise_nhs(text["nhs_number"])
    return (
        text["record_id"],
        *_given_features(text["given_name"]),
        *_surname_features(text["surname"]),
        *_dob_features(dob),
        normalise_sex(text["sex"]),
        *_postcode_features(text["postcode"]),
        *_address_features(text["address"]),
        nhs,
        _other_id(text["other_id"]),
    )


#: Text features that get integer codes in a shared vocabulary (for blocking keys).
CODED_FEATURES: Final[frozenset[str]] = frozenset(
    {
        "given_name",
        "given_canon",
        "given_initial",
        "given_prefix",
        "surname",
        "surname_first",
        "surname_last",
        "surname_key",
        "dob",
        "dob_swapped",
        "postcode",
        "postcode_sector",
        "postcode_outward",
        "address",
        "address_key",
        "other_id",
    }
)


@dataclass
class FeatureTable:
    """A table's features plus how many raw values were dropped, by (column, reason).

    ``codes`` gives each text feature in :data:`CODED_FEATURES` as integer codes in the shared
    ``vocabulary`` (-1 for missing), computed once per distinct value, so an index can build its
    blocking keys without hashing a million strings again.
    """

    frame: pd.DataFrame
    warnings: Counter[tuple[str, str]] = field(default_factory=Counter)
    vocabulary: dict[Any, int] = field(default_factory=dict)
    codes: dict[str, np.ndarray] = field(default_factory=dict)

    def __len__(self) -> int:
        return len(self.frame)

    def warning_lines(self) -> list[str]:
        lines = []
        for (column, reason), count in sorted(self.warnings.items()):
            effect = "" if reason == POSTCODE_NOT_UK else " (treated as missing)"
            lines.append(f"{count} {column} value(s): {reason}{effect}")
        return lines


def feature_rows(frame: pd.DataFrame) -> list[FeatureRow]:
    """The rows of a feature frame as tuples (``None`` for missing, Python ints for integers)."""
    columns = [
        frame[c].to_numpy(dtype=object, na_value=None)
        if c in INT_FEATURES
        else frame[c].to_numpy(dtype=object)
        for c in FEATURE_COLUMNS
    ]
    return list(zip(*(column.tolist() for column in columns), strict=True))


def _map_unique(values: pd.Series, fn: Any) -> tuple[np.ndarray, list[Any]]:
    """Apply ``fn`` to each distinct raw value once (as text); codes index the results, -1 is missing."""
    codes, uniques = pd.factorize(values, use_na_sentinel=True)
    return codes, [fn(as_text(u)) for u in uniques]


class _Columns:
    """Builds the output columns (and their vocabulary codes) from per-distinct-value results."""

    def __init__(self) -> None:
        self.out: dict[str, Any] = {}
        self.vocabulary: dict[Any, int] = {}
        self.codes: dict[str, np.ndarray] = {}

    def add(self, column: str, codes: np.ndarray, table: list[Any], pick: int) -> None:
        values = [value[pick] if value is not None else None for value in table]
        lookup = np.empty(len(table) + 1, dtype=object)
        lookup[:-1] = values
        lookup[-1] = None  # factorize's sentinel -1 selects the last slot
        out = lookup[codes]
        if column in INT_FEATURES:
            self.out[column] = pd.array(out, dtype="Int64")
            return
        self.out[column] = out
        if column in CODED_FEATURES:
            vocabulary = self.vocabulary
            ids = np.array(
                [-1 if v is None else vocabulary.setdefault(v, len(vocabulary)) for v in values] + [-1],
                dtype=np.int64,
            )
            self.codes[column] = ids[codes]


def _count(codes: np.ndarray, n: int) -> np.ndarray:
    return np.bincount(codes + 1, minlength=n + 1)[1:]


_NHS_WEIGHTS: Final = np.array([10, 9, 8, 7, 6, 5, 4, 3, 2], dtype=np.int64)


def nhs_numbers(values: pd.Series) -> tuple[np.ndarray, Counter[tuple[str, str]]]:
    """Vectorised :func:`~.normalise.normalise_nhs` over a column: valid numbers as text, else ``None``."""
    codes, uniques = pd.factorize(values, use_na_sentinel=True)
    counts = _count(codes, len(uniques))
    text = pd.Series([as_text(u) for u in uniques], dtype=object)
    cleaned = text.str.replace(r"[\s-]", "", regex=True)
    present = (cleaned.notna() & (cleaned != "")).to_numpy(dtype=bool)
    ten = present & cleaned.str.fullmatch(r"[0-9]{10}", na=False).to_numpy(dtype=bool)
    valid_text = np.full(len(uniques) + 1, None, dtype=object)  # last slot: missing (code -1)
    warnings: Counter[tuple[str, str]] = Counter()
    if n_bad := int(counts[present & ~ten].sum()):
        warnings[("nhs_number", NHS_NOT_TEN_DIGITS)] = n_bad
    if ten.any():
        candidates = cleaned[ten].to_numpy(dtype=object)
        digits = np.frombuffer("".join(candidates).encode("ascii"), dtype=np.uint8).reshape(-1, 10) - 48
        check = 11 - (digits[:, :9].astype(np.int64) @ _NHS_WEIGHTS) % 11
        check = np.where(check == 11, 0, check)
        valid = (check != 10) & (check == digits[:, 9])
        positions = np.flatnonzero(ten)
        if n_invalid := int(counts[positions[~valid]].sum()):
            warnings[("nhs_number", NHS_BAD_CHECK_DIGIT)] = n_invalid
        valid_text[positions[valid]] = candidates[valid]
    return valid_text[codes], warnings


def drawing_key_parts(
    column: str, values: Sequence[object], *, today: date | None = None
) -> list[np.ndarray]:
    """For raw values of the standard column ``column``, the features a sample for EM is drawn on
    (:data:`.sampling.EM_SESSIONS`), one array per feature, as :func:`feature_frame` makes them
    (``None`` where missing): ``dob`` for ``date_of_birth``; ``surname_first`` and ``surname_last``
    for ``surname``."""
    if column == "date_of_birth":
        today = today or datetime.now(UTC).date()
        dates = [_dob_features(parse_date_of_birth(as_text(v), today=today).value) for v in values]
        return [np.array([d[0] for d in dates], dtype=object)]
    if column == "surname":
        names = [_surname_features(as_text(v)) for v in values]
        return [np.array([n[1] for n in names], dtype=object), np.array([n[2] for n in names], dtype=object)]
    raise ValueError(f"no sample is drawn on {column!r}")


def feature_frame(records: Records, *, today: date | None = None) -> FeatureTable:
    """Features of many records as a DataFrame in :data:`FEATURE_COLUMNS` order."""
    raw = records_to_frame(records)
    today = today or datetime.now(UTC).date()
    warnings: Counter[tuple[str, str]] = Counter()
    columns = _Columns()
    columns.out["record_id"] = raw["record_id"].to_numpy(dtype=object)

    codes, table = _map_unique(raw["given_name"], _given_features)
    for i, column in enumerate(("given_name", "given_canon", "given_initial", "given_prefix")):
        columns.add(column, codes, table, i)
    codes, table = _map_unique(raw["surname"], _surname_features)
    for i, column in enumerate(("surname", "surname_first", "surname_last", "surname_key")):
        columns.add(column, codes, table, i)

    def parse_dob(value: str | None) -> tuple[Any, ...]:
        result = parse_date_of_birth(value, today=today)
        return (*_dob_features(result.value), result.reason)

    codes, table = _map_unique(raw["date_of_birth"], parse_dob)
    for i, column in enumerate(("dob", "dob_days", "dob_swapped", "birth_year")):
        columns.add(column, codes, table, i)
    counts = _count(codes, len(table))
    for code, value in enumerate(table):
        if value[4] is not None:
            warnings[("date_of_birth", value[4])] += int(counts[code])

    codes, table = _map_unique(raw["sex"], lambda v: (normalise_sex(v),))
    columns.add("sex", codes, table, 0)

    codes, table = _map_unique(raw["postcode"], _postcode_features)
    for i, column in enumerate(("postcode", "postcode_sector", "postcode_outward")):
        columns.add(column, codes, table, i)
    counts = _count(codes, len(table))
    for code, value in enumerate(table):
        if value[0] is not None and value[2] is None:
            warnings[("postcode", POSTCODE_NOT_UK)] += int(counts[code])

    codes, table = _map_unique(raw["address"], _address_features)
    columns.add("address", codes, table, 0)
    columns.add("address_key", codes, table, 1)

    columns.out["nhs_number"], nhs_warnings = nhs_numbers(raw["nhs_number"])
    warnings.update(nhs_warnings)

    codes, table = _map_unique(raw["other_id"], lambda v: (_other_id(v),))
    columns.add("other_id", codes, table, 0)

    frame = pd.DataFrame(columns.out, columns=list(FEATURE_COLUMNS))
    return FeatureTable(frame=frame, warnings=warnings, vocabulary=columns.vocabulary, codes=columns.codes)
