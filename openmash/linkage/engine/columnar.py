"""Scoring a query's candidates on the index's encoded columns, a comparison level at a time.

:meth:`Scorer.weight_at_least` scores one pair at a time: every candidate is decoded into a row of
Python values and every comparison's classifier is called on it. A block grows with the index (about
30 records share a date of birth per million), so that cost grows with the index too.
:class:`ArrayScorer` scores all of a query's candidates together, from the integer codes the mapped
index stores, and decodes nothing it does not have to:

* the comparisons are taken in the scorer's pruning order, and after each one the candidates that
  could no longer reach the threshold (their weight so far plus the most the rest could add) are
  dropped, as :meth:`Scorer.weight_at_least` gives a pair up;
* a comparison's levels are tried in order on the candidates not yet placed. A "missing" level is a
  test of the codes against -1, an exact level (and "the given name is the other's surname") a test
  of the codes against the query value's code: both whole-array comparisons, nothing decoded;
* any other level (Jaro-Winkler, Levenshtein, a prefix, a difference of days, or a feature not stored
  as codes of its own) is worked out once per distinct value among the candidates still unplaced,
  by the level's own Python predicate on those values only, and the answer is spread back;
* the term-frequency adjustment is worked out by :class:`Scorer` itself, once per distinct value.

Weights are added in the same order as :meth:`Scorer.weight_at_least` adds them, so each candidate's
weight is the same float, bit for bit, and the ranking (weight, then record id) is the same. Only the
best few become rows, scored again by :meth:`Scorer.candidate` for their evidence, so the candidates,
probabilities and evidence are those of the pair-at-a-time path (the tests compare the two).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any, Final, Protocol

import numpy as np
from rapidfuzz import process
from rapidfuzz.distance import JaroWinkler, Levenshtein

from openmash.linkage.engine.comparisons import JW_EPSILON, Level
from openmash.linkage.engine.features import FEATURE_COLUMNS, FEATURE_INDEX, FeatureRow
from openmash.linkage.engine.scoring import Scorer, _Compiled

__all__ = ["ArrayScorer", "Columns"]


class Columns(Protocol):
    """An index's features as integer codes, and how to read them."""

    def source(self, feature: str) -> str:
        """The stored code column ``feature`` is read from (itself, or e.g. ``dob`` for
        ``dob_days``); a feature's value is missing exactly where its source's code is -1."""
        ...

    def gather(self, source: str, positions: np.ndarray) -> np.ndarray:
        """The codes of ``source`` at ``positions`` (-1 where missing)."""
        ...

    def values(self, feature: str, codes: np.ndarray) -> list[Any]:
        """``feature``'s value for each code of its source (``None`` for -1)."""
        ...

    def code_of(self, feature: str, value: Any) -> int | None:
        """The code ``feature`` (stored as codes of its own values) would hold for ``value``, or
        ``None`` if no record holds it. Only asked for features in :attr:`coded`."""
        ...

    @property
    def coded(self) -> frozenset[str]:
        """Features stored as codes of their own values, equal exactly when their codes are."""
        ...

    def record_ids(self, positions: np.ndarray) -> list[str]: ...


class _Gathered:
    """One query's candidate codes, gathered from a source the first time a level reads it, and
    each source's distinct codes among the candidates with every candidate's place among them."""

    def __init__(self, columns: Columns, positions: np.ndarray) -> None:
        self._columns, self._positions = columns, positions
        self._codes: dict[str, np.ndarray] = {}
        self._distinct: dict[str, tuple[np.ndarray, np.ndarray]] = {}
        self._values: dict[str, tuple[np.ndarray, np.ndarray]] = {}

    def __call__(self, source: str) -> np.ndarray:
        codes = self._codes.get(source)
        if codes is None:
            codes = self._codes[source] = self._columns.gather(source, self._positions)
        return codes

    def distinct(self, source: str) -> tuple[np.ndarray, np.ndarray]:
        """(the distinct codes, each candidate's index among them)."""
        found = self._distinct.get(source)
        if found is None:
            distinct, inverse = np.unique(self(source), return_inverse=True)
            found = self._distinct[source] = (distinct, inverse.reshape(-1))
        return found

    def values(self, feature: str, source: str, needed: np.ndarray) -> list[Any]:
        """``feature``'s values for the ``needed`` distinct codes of ``source``, each decoded once
        per query however many levels read it."""
        held = self._values.get(feature)
        if held is None:
            size = len(self.distinct(source)[0])
            held = self._values[feature] = (np.empty(size, dtype=object), np.zeros(size, dtype=bool))
        values, decoded = held
        missing = needed[~decoded[needed]]
        if len(missing):
            values[missing] = self._columns.values(feature, self.distinct(source)[0][missing])
            decoded[missing] = True
        result: list[Any] = values[needed].tolist()
        return result


class ArrayScorer:
    """Ranks a query's candidates on the index's code columns with one :class:`Scorer`'s weights."""

    def __init__(self, scorer: Scorer, columns: Columns) -> None:
        self.scorer = scorer
        self.columns = columns
        self._predicates: dict[int, Callable[[FeatureRow, FeatureRow], bool]] = {}
        self._steps = [
            (c, rest, np.asarray(c.weights, dtype=np.float64), self._level_objects(c))
            for c, rest in scorer._pruning
        ]

    def _level_objects(self, compiled: _Compiled) -> tuple[Level, ...]:
        [comparison] = [c for c in self.scorer.model.comparisons if c.name == compiled.name]
        for level in comparison.levels:
            self._compile(level)
        return comparison.levels

    def _compile(self, level: Level) -> None:
        self._predicates[id(level)] = level.predicate()
        for part in level.parts:
            self._compile(part)

    def rank(self, query: FeatureRow, positions: np.ndarray, floor: float, top: int) -> np.ndarray:
        """The positions of the (at most ``top``) candidates whose weight is at least ``floor``, best
        first, ties by record id — what ranking :meth:`Scorer.weight_at_least` over every candidate
        would give."""
        n = len(positions)
        if not n or top <= 0:
            return positions[:0]
        codes = _Gathered(self.columns, positions)
        alive = np.arange(n)
        total = np.full(n, self.scorer.prior_weight, dtype=np.float64)
        for c, rest, weights, levels in self._steps:
            if not len(alive):
                return positions[:0]
            level = self._levels(levels, query, codes, alive)
            total[alive] += weights[level]
            if c.tf_level >= 0:
                total[alive] += self._tf(c, query, codes, alive, level)
            alive = alive[total[alive] + rest >= floor]
        alive = alive[total[alive] >= floor]
        if len(alive) > top:
            # Every candidate that could be among the best `top` once ties are broken by record id.
            kth = np.partition(total[alive], len(alive) - top)[len(alive) - top]
            alive = alive[total[alive] >= kth]
        ids = self.columns.record_ids(positions[alive])
        order = sorted(zip((-total[alive]).tolist(), ids, alive.tolist(), strict=True))
        return positions[np.asarray([i for _, _, i in order[:top]], dtype=np.intp)]

    # --- levels --------------------------------------------------------------------------------------

    def _levels(
        self, levels: Sequence[Level], query: FeatureRow, codes: _Gathered, rows: np.ndarray
    ) -> np.ndarray:
        """The index of the first level that holds, for each candidate in ``rows``."""
        placed = np.full(len(rows), len(levels) - 1, dtype=np.intp)
        unplaced = np.arange(len(rows))
        for index, level in enumerate(levels[:-1]):
            if not len(unplaced):
                break
            holds = self._holds(level, query, codes, rows[unplaced])
            placed[unplaced[holds]] = index
            unplaced = unplaced[~holds]
        return placed

    def _holds(self, level: Level, query: FeatureRow, codes: _Gathered, rows: np.ndarray) -> np.ndarray:
        """Whether ``level``'s condition holds between the query and each candidate in ``rows``."""
        columns = self.columns
        kind = level.kind
        if kind in ("all_of", "null") and level.parts:
            holds = np.ones(len(rows), dtype=bool)
            for part in level.parts:
                holds &= self._holds(part, query, codes, rows)
            return holds
        if kind == "null" and level.column:
            if query[FEATURE_INDEX[level.column]] is None:
                return np.ones(len(rows), dtype=bool)
            return codes(columns.source(level.column))[rows] < 0
        if kind == "exact" and level.column in columns.coded:
            return self._equal(query[FEATURE_INDEX[level.column]], level.column, codes, rows)
        if kind == "equal_any" and all(b in columns.coded for _, b in level.pairs):
            holds = np.zeros(len(rows), dtype=bool)
            for a, b in level.pairs:
                holds |= self._equal(query[FEATURE_INDEX[a]], b, codes, rows)
            return holds
        features = _record_features(level)
        if len(features) == 1:
            return self._by_values(level, next(iter(features)), query, codes, rows)
        return self._by_distinct_values(level, query, codes, rows)

    def _equal(self, value: Any, feature: str, codes: _Gathered, rows: np.ndarray) -> np.ndarray:
        code = None if value is None else self.columns.code_of(feature, value)
        if code is None:
            return np.zeros(len(rows), dtype=bool)
        return codes(self.columns.source(feature))[rows] == code

    def _by_values(
        self, level: Level, feature: str, query: FeatureRow, codes: _Gathered, rows: np.ndarray
    ) -> np.ndarray:
        """A level reading one feature, worked out once per distinct value among ``rows``: a string
        similarity for them all in one call, any other level by its own predicate."""
        source = self.columns.source(feature)
        distinct, inverse = codes.distinct(source)
        where = inverse[rows]
        wanted = np.zeros(len(distinct), dtype=bool)
        wanted[where] = True
        needed = np.flatnonzero(wanted)
        values = codes.values(feature, source, needed)
        answers = np.zeros(len(distinct), dtype=bool)
        mine = query[FEATURE_INDEX[feature]] if level.column else None
        if level.kind in _SIMILARITY and feature == level.column and isinstance(mine, str):
            known = [i for i, v in enumerate(values) if v is not None]
            if known:
                scorer, compare, threshold = _SIMILARITY[level.kind](level)
                scores = process.cdist([mine], [values[i] for i in known], scorer=scorer, dtype=np.float64)[0]
                answers[needed[known]] = compare(scores, threshold)
            return answers[where]
        predicate = self._predicates[id(level)]
        row: list[Any] = [None] * len(FEATURE_COLUMNS)
        slot = FEATURE_INDEX[feature]
        for at, value in zip(needed.tolist(), values, strict=True):
            row[slot] = value
            answers[at] = predicate(query, tuple(row))
        return answers[where]

    def _by_distinct_values(
        self, level: Level, query: FeatureRow, codes: _Gathered, rows: np.ndarray
    ) -> np.ndarray:
        """The level's own predicate, once per distinct combination of the values it reads."""
        features = sorted(_record_features(level))
        sources = sorted({self.columns.source(f) for f in features})
        first, inverse = _distinct(codes, sources, rows)
        representatives = rows[first]
        row: list[Any] = [None] * len(FEATURE_COLUMNS)
        values = [self.columns.values(f, codes(self.columns.source(f))[representatives]) for f in features]
        slots = [FEATURE_INDEX[f] for f in features]
        predicate = self._predicates[id(level)]
        answers = np.empty(len(first), dtype=bool)
        for d in range(len(first)):
            for slot, column in zip(slots, values, strict=True):
                row[slot] = column[d]
            answers[d] = predicate(query, tuple(row))
        return answers[inverse]

    def _tf(
        self, c: _Compiled, query: FeatureRow, codes: _Gathered, rows: np.ndarray, level: np.ndarray
    ) -> np.ndarray:
        """The term-frequency adjustment of each candidate in ``rows`` (0 off the adjusted level),
        worked out by the Scorer once per distinct value of the adjusted column."""
        adjustment = np.zeros(len(rows), dtype=np.float64)
        at = np.flatnonzero(level == c.tf_level)
        if not len(at):
            return adjustment
        feature = FEATURE_COLUMNS[c.tf_column]
        source = self.columns.source(feature)
        first, inverse = _distinct(codes, [source], rows[at])
        values = self.columns.values(feature, codes(source)[rows[at][first]])
        row: list[Any] = [None] * len(FEATURE_COLUMNS)
        each = []
        for value in values:
            row[c.tf_column] = value
            each.append(Scorer._tf_adjustment(c, query, tuple(row)))
        adjustment[at] = np.asarray(each, dtype=np.float64)[inverse]
        return adjustment


#: Per similarity level kind: (the RapidFuzz scorer, how its scores meet the threshold, the threshold),
#: as :meth:`Level.predicate` compares them.
_SIMILARITY: Final[
    dict[str, Callable[[Level], tuple[Any, Callable[[np.ndarray, float], np.ndarray], float]]]
] = {
    "jaro_winkler": lambda level: (JaroWinkler.similarity, np.greater_equal, level.threshold - JW_EPSILON),
    "levenshtein": lambda level: (Levenshtein.distance, np.less_equal, float(int(level.threshold))),
}


def _record_features(level: Level) -> set[str]:
    """The features a level reads on the record's side."""
    found = {level.column} if level.column else set()
    found.update(b for _, b in level.pairs)
    for part in level.parts:
        found |= _record_features(part)
    return found


def _distinct(codes: _Gathered, sources: Sequence[str], rows: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """For the candidates in ``rows``: the first row (an index into ``rows``) of each distinct
    combination of ``sources``' codes, and each candidate's combination."""
    key = np.zeros(len(rows), dtype=np.int64)
    for source in sources:
        distinct, inverse = np.unique(codes(source)[rows], return_inverse=True)
        key = key * len(distinct) + inverse.reshape(-1)
        if source != sources[-1]:
            _, key = np.unique(key, return_inverse=True)
            key = key.reshape(-1).astype(np.int64)
    _, first, inverse = np.unique(key, return_index=True, return_inverse=True)
    return first, inverse.reshape(-1)
