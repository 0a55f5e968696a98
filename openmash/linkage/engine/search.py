"""The trawl's fast one-to-many path: an in-memory blocking index scored in Python.

Splink's ``predict_between`` answers "who in this index might be this person?" by generating and
running a dozen SQL statements that rescan the whole index, so its cost grows with the index.
:class:`SearchIndex` keeps the blocking keys in memory instead — one sorted ``int64`` array of
(blocking rule, key) codes with the matching record positions — so a query costs a binary
search per key plus the size of its candidate blocks, whatever the size of the index.

Candidates are scored by :class:`~.scoring.Scorer` with the trained model's per-level weights and
the index's term-frequency tables: the same comparison levels, m/u, lambda and term frequencies
that Splink uses, so the probabilities equal Splink's for the same pairs (the tests check it).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any, Final

import numpy as np
import pandas as pd

from openmash.linkage.engine.arrays import sorted_distinct
from openmash.linkage.engine.blocking import Variant
from openmash.linkage.engine.features import (
    FEATURE_COLUMNS,
    FEATURE_INDEX,
    INT_FEATURES,
    FeatureRow,
    FeatureTable,
    feature_frame,
    feature_rows,
    record_features,
)
from openmash.linkage.engine.model import LinkageModel
from openmash.linkage.engine.records import STANDARD_COLUMNS, Record, Records
from openmash.linkage.engine.scoring import Candidate, Scorer, term_frequencies

__all__ = ["DEFAULT_MAX_BLOCK_SIZE", "SearchIndex", "SearchResult"]

#: A block larger than this is not scored (and is reported): it would be a placeholder value.
DEFAULT_MAX_BLOCK_SIZE: Final = 5000

_INT_RADIX: Final = {"birth_year": 256, "nhs_number": 10**10}
_YEAR_OFFSET: Final = 1850
#: A key is (table id << _TABLE_SHIFT) + the variant's value code, so tables sort apart.
_TABLE_SHIFT: Final = 56


@dataclass(frozen=True, slots=True)
class SearchResult:
    """The candidates for one query person, best first, each with its evidence."""

    query_id: str
    candidates: tuple[Candidate, ...]
    considered: int
    """How many index records shared a block with the query and were scored."""
    skipped_blocks: tuple[str, ...] = ()
    """Blocking rules whose block for this query exceeded the size limit and was not scored."""


@dataclass
class _QueryVariant:
    left_columns: tuple[int, ...]
    encoders: tuple[Callable[[Any], int | None], ...]
    radices: tuple[int, ...]
    table_id: int
    rule: str


class Searchable:
    """What every index answers with: candidate positions for a query, their feature rows, and the
    search built on those two, so the in-memory and the mapped index score through the same code."""

    model: LinkageModel
    max_block_size: int

    def __len__(self) -> int:
        raise NotImplementedError

    @property
    def scorer(self) -> Scorer:
        raise NotImplementedError

    def candidate_positions(self, query: FeatureRow) -> tuple[np.ndarray, tuple[str, ...]]:
        raise NotImplementedError

    def rows(self, positions: np.ndarray) -> list[FeatureRow]:
        """The feature rows of the records at ``positions`` (in that order)."""
        raise NotImplementedError

    def best_rows(self, query: FeatureRow, positions: np.ndarray, floor: float, top: int) -> list[FeatureRow]:
        """The rows of the (at most ``top``) candidates at ``positions`` whose weight is at least
        ``floor``, best first, ties by record id: here each candidate decoded and scored in turn."""
        scorer = self.scorer
        scored: list[tuple[float, str, FeatureRow]] = []
        memo = scorer.memo()
        for row in self.rows(positions):
            w = scorer.weight_at_least(query, row, floor, memo)
            if w is not None:
                scored.append((w, str(row[0]), row))
        scored.sort(key=lambda item: (-item[0], item[1]))
        return [row for _, _, row in scored[:top]]

    def search_features(self, query: FeatureRow, *, top: int = 5, threshold: float = 0.5) -> SearchResult:
        positions, skipped = self.candidate_positions(query)
        scorer = self.scorer
        best = self.best_rows(query, positions, _probability_to_weight_threshold(threshold), top)
        candidates = tuple(scorer.candidate(query, row, rank=rank) for rank, row in enumerate(best, start=1))
        candidates = tuple(c for c in candidates if c.match_probability >= threshold)
        return SearchResult(
            query_id=str(query[0]), candidates=candidates, considered=len(positions), skipped_blocks=skipped
        )

    def search(
        self,
        queries: Iterable[Record] | Iterable[Mapping[str, object]] | pd.DataFrame,
        *,
        top: int = 5,
        threshold: float = 0.5,
    ) -> list[SearchResult]:
        """Search for each query person; each result lists up to ``top`` candidates at or above
        ``threshold``, best first, each with per-field evidence."""
        return [self.search_features(row, top=top, threshold=threshold) for row in query_rows(queries)]


@dataclass
class SearchIndex(Searchable):
    """An agency's identity index, held in memory for trawl searches.

    Records are kept column-wise (one Python list per feature) and only the candidates of a
    query are assembled into rows, so a million records cost a few hundred MB, not gigabytes.
    """

    model: LinkageModel
    columns: list[list[Any]]
    tf_tables: dict[str, dict[Any, float]]
    keys: np.ndarray
    positions: np.ndarray
    max_block_size: int = DEFAULT_MAX_BLOCK_SIZE
    warnings: list[str] = field(default_factory=list)
    _variants: list[_QueryVariant] = field(default_factory=list)
    _scorer: Scorer | None = None

    # --- building -----------------------------------------------------------------------------

    @classmethod
    def build(
        cls,
        records: Records | FeatureTable,
        model: LinkageModel,
        *,
        matches_per_query: float | None = 1.0,
        max_block_size: int = DEFAULT_MAX_BLOCK_SIZE,
    ) -> SearchIndex:
        """Normalise ``records``, compute term frequencies and the blocking keys, in memory.

        ``matches_per_query`` sets the prior for a trawl: lambda = matches_per_query / (index
        size), "on average a query person has this many records here". ``None`` keeps the
        model's own lambda (trained on this source, it is the chance that two of its records
        match, which for a well-deduplicated source is far too small for a trawl).
        """
        table = records if isinstance(records, FeatureTable) else feature_frame(records)
        frame = table.frame
        n = len(frame)
        model = trawl_model(model, n, matches_per_query)
        tf_tables = term_frequencies(frame, tf_columns(model))
        radix = radix_of(len(table.vocabulary) + 1)
        tables, variants = blocking_tables(model, encoder_of(table.vocabulary.get), radix)
        keys, positions = blocking_keys(tables, n, column_codes_of(table, table.codes), radix)

        columns = [
            frame[c].to_numpy(dtype=object, na_value=None).tolist()
            if c in INT_FEATURES
            else frame[c].to_numpy(dtype=object).tolist()
            for c in FEATURE_COLUMNS
        ]
        index = cls(
            model=model,
            columns=columns,
            tf_tables=tf_tables,
            keys=keys,
            positions=positions,
            max_block_size=max_block_size,
            warnings=table.warning_lines(),
        )
        index._variants = variants
        index._scorer = Scorer(model, tf_tables)
        return index

    def row(self, position: int) -> FeatureRow:
        """The feature row of the record at ``position``."""
        return tuple([column[position] for column in self.columns])

    def __len__(self) -> int:
        return len(self.columns[0])

    @property
    def scorer(self) -> Scorer:
        assert self._scorer is not None  # noqa: S101 - set by build()
        return self._scorer

    # --- searching ----------------------------------------------------------------------------

    def candidate_positions(self, query: FeatureRow) -> tuple[np.ndarray, tuple[str, ...]]:
        """Positions of index records sharing at least one block with ``query``."""
        keys, rules = query_keys(self._variants, query)
        if not keys:
            return np.empty(0, dtype=np.int32), ()
        wanted = np.asarray(keys, dtype=np.int64)
        starts = np.searchsorted(self.keys, wanted, side="left")
        ends = np.searchsorted(self.keys, wanted, side="right")
        slices = []
        skipped: list[str] = []
        for start, end, rule in zip(starts.tolist(), ends.tolist(), rules, strict=True):
            if end - start > self.max_block_size:
                skipped.append(rule)
            elif end > start:
                slices.append(self.positions[start:end])
        if not slices:
            return np.empty(0, dtype=np.int32), tuple(skipped)
        return sorted_distinct(np.concatenate(slices)), tuple(dict.fromkeys(skipped))

    def rows(self, positions: np.ndarray) -> list[FeatureRow]:
        columns = self.columns
        return [tuple([column[p] for column in columns]) for p in positions.tolist()]

    # --- for comparison with Splink ---------------------------------------------------------------

    def feature_frame(self) -> pd.DataFrame:
        frame = pd.DataFrame(dict(zip(FEATURE_COLUMNS, self.columns, strict=True)))
        for column in INT_FEATURES:
            frame[column] = frame[column].astype("Int64")
        return frame

    def tf_frames(self) -> dict[str, pd.DataFrame]:
        """The term-frequency tables as Splink expects to register them (``value``, ``tf_value``)."""
        return {
            column: pd.DataFrame({column: list(table), f"tf_{column}": list(table.values())})
            for column, table in self.tf_tables.items()
        }


def query_rows(
    queries: Iterable[Record] | Iterable[Mapping[str, object]] | pd.DataFrame,
) -> list[FeatureRow]:
    """Feature rows for query records given as Records, mappings or a DataFrame."""
    if isinstance(queries, pd.DataFrame):
        return feature_rows(feature_frame(queries).frame)
    rows = []
    for query in queries:
        if isinstance(query, Record):
            rows.append(record_features({c: getattr(query, c) for c in STANDARD_COLUMNS}))
        else:
            rows.append(record_features(query))
    return rows


# --- the blocking layout, shared by the in-memory and the mapped index ------------------------------


def trawl_model(model: LinkageModel, n: int, matches_per_query: float | None) -> LinkageModel:
    """The model with the trawl's prior: lambda = matches_per_query / n (``None`` keeps the model's)."""
    if matches_per_query is not None and n:
        return model.with_prior(min(matches_per_query / n, 0.5))
    return model


def tf_columns(model: LinkageModel) -> list[str]:
    """The feature columns whose exact level is adjusted by term frequency."""
    return [c.tf_column for c in model.comparisons if c.tf_column]


def radix_of(text_radix: int) -> Callable[[str], int]:
    """Each key part's base: the text vocabulary's size + 1, or the integer column's range."""
    return lambda column: _INT_RADIX.get(column, text_radix)


def encoder_of(lookup: Callable[[Any], int | None]) -> Callable[[str], Callable[[Any], int | None]]:
    """How a query's value becomes a key part: ``lookup`` (value -> vocabulary code) for text."""

    def encoder(column: str) -> Callable[[Any], int | None]:
        if column == "birth_year":
            return lambda v: None if v is None else int(v) - _YEAR_OFFSET
        if column == "nhs_number":
            return lambda v: None if v is None else int(v)
        return lookup

    return encoder


def column_codes_of(table: FeatureTable, codes: Mapping[str, np.ndarray]) -> Callable[[str], np.ndarray]:
    """Each record's key part for ``column`` (-1 where missing), from vocabulary ``codes``."""
    frame = table.frame

    def column_codes(column: str) -> np.ndarray:
        if column == "birth_year":
            years = frame[column].to_numpy(dtype="float64", na_value=np.nan)
            return np.where(np.isnan(years), -1, years - _YEAR_OFFSET).astype(np.int64)
        if column == "nhs_number":
            return pd.to_numeric(frame[column], errors="coerce").fillna(-1).to_numpy(dtype=np.int64)
        return codes[column]

    return column_codes


def blocking_tables(
    model: LinkageModel,
    encoder: Callable[[str], Callable[[Any], int | None]],
    radix: Callable[[str], int],
) -> tuple[dict[tuple[str, ...], int], list[_QueryVariant]]:
    """One key table per distinct right-hand side of the model's blocking variants, and the query
    side of every variant."""
    tables: dict[tuple[str, ...], int] = {}
    variants: list[_QueryVariant] = []
    for rule in model.blocking_rules:
        for variant in rule.variants:
            right = tuple(b for _, b in variant)
            table_id = tables.setdefault(right, len(tables))
            variants.append(_variant(variant, table_id, rule.name, encoder, radix))
    _check_key_space([tuple(radix(c) for c in right) for right in tables], len(tables))
    return tables, variants


def blocking_keys(
    tables: Mapping[tuple[str, ...], int],
    n: int,
    column_codes: Callable[[str], np.ndarray],
    radix: Callable[[str], int],
) -> tuple[np.ndarray, np.ndarray]:
    """Every table's keys in one sorted ``int64`` array, and the record position beside each key."""
    # Keys are table-major (table id in the top bits), so sorting each table's keys and
    # concatenating the tables in id order gives one globally sorted array.
    key_parts: list[np.ndarray] = []
    position_parts: list[np.ndarray] = []
    for right, table_id in sorted(tables.items(), key=lambda item: item[1]):
        key = np.zeros(n, dtype=np.int64)
        valid = np.ones(n, dtype=bool)
        for column in right:
            codes = column_codes(column)
            valid &= codes >= 0
            key = key * radix(column) + np.where(codes >= 0, codes, 0)
        positions = np.flatnonzero(valid).astype(np.int32)
        keys = key[positions] + (table_id << _TABLE_SHIFT)
        order = np.argsort(keys, kind="stable")
        key_parts.append(keys[order])
        position_parts.append(positions[order])
    if not key_parts:
        return np.empty(0, dtype=np.int64), np.empty(0, dtype=np.int32)
    return np.concatenate(key_parts), np.concatenate(position_parts)


def query_keys(variants: Iterable[_QueryVariant], query: FeatureRow) -> tuple[list[int], list[str]]:
    """The query's key in each table it can be looked up in, and the rule each key belongs to."""
    keys: list[int] = []
    rules: list[str] = []
    for v in variants:
        key = 0
        for column, encode, base in zip(v.left_columns, v.encoders, v.radices, strict=True):
            value = query[column]
            code = encode(value) if value is not None else None
            if code is None:
                break
            key = key * base + code
        else:
            keys.append(key + (v.table_id << _TABLE_SHIFT))
            rules.append(v.rule)
    return keys, rules


def _variant(
    variant: Variant,
    table_id: int,
    rule: str,
    encoder: Callable[[str], Callable[[Any], int | None]],
    radix: Callable[[str], int],
) -> _QueryVariant:
    return _QueryVariant(
        left_columns=tuple(FEATURE_INDEX[a] for a, _ in variant),
        # The query's value is encoded in the index column's code space (b), e.g. dob_swapped -> dob.
        encoders=tuple(encoder(b) for _, b in variant),
        radices=tuple(radix(b) for _, b in variant),
        table_id=table_id,
        rule=rule,
    )


def _check_key_space(radices: list[tuple[int, ...]], n_tables: int) -> None:
    if n_tables >= 2 ** (63 - _TABLE_SHIFT):
        raise OverflowError("too many blocking tables for the key layout")
    for parts in radices:
        size = 1
        for base in parts:
            size *= base
        if size >= 2**_TABLE_SHIFT:
            raise OverflowError("blocking keys do not fit in 56 bits; use fewer or smaller key parts")


def _probability_to_weight_threshold(threshold: float) -> float:
    if threshold <= 0:
        return -np.inf
    if threshold >= 1:
        return np.inf
    return float(np.log2(threshold / (1 - threshold))) - 1e-9
