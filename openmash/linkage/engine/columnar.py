"""Scoring a query's candidates on the index's encoded columns, a comparison level at a time.

:meth:`Scorer.weight_at_least` scores one pair at a time: every candidate is decoded into a row of
Python values and every comparison's classifier is called on it. A block grows with the index (about
30 records share a date of birth per million), so that cost grows with the index too.
:class:`ArrayScorer` scores all of a query's candidates together, from the integer codes the mapped
index stores, and decodes nothing it does not have to:

* first, from the codes alone, the most each comparison can add to each candidate: the weight of the
  level its codes place it in (missing, exact, ...), or else of the best later level its codes do not
  rule out (a different postcode rules out "same postcode, similar address"). A candidate whose
  names and address differ from the query's in their codes is so known to fall short before any of
  its values is decoded, however well its date of birth agrees;
* the comparisons that compare codes alone go first, then those whose values are least varied (names
  before dates, dates before addresses); after each, the candidates that could no longer reach the
  threshold (their weight so far plus the most the rest could add to them) are dropped, as
  :meth:`Scorer.weight_at_least` gives a pair up, so few candidates reach the costly comparisons;
* a comparison's levels are tried in order on the candidates not yet placed. A "missing" level is a
  test of the codes against -1, an exact level (and "the given name is the other's surname") a test
  of the codes against the query value's code: both whole-array comparisons, nothing decoded;
* any other level is worked out once per distinct value among the candidates still unplaced:
  Jaro-Winkler and Levenshtein for all of them in one RapidFuzz call (kept for the comparison's other
  levels of the same kind), a prefix, an exact derived value or a difference of days in one pass,
  anything else by the level's own Python predicate; each value is decoded once per query (names and
  dates once per process);
* the term-frequency adjustment is worked out by :class:`Scorer` itself, once per distinct value.

Weights are added in the same order as :meth:`Scorer.weight_at_least` adds them, so each candidate's
weight is the same float, bit for bit, and the ranking (weight, then record id) is the same. Only the
best few become rows, scored again by :meth:`Scorer.candidate` for their evidence, so the candidates,
probabilities and evidence are those of the pair-at-a-time path (the tests compare the two).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, Final, Protocol

import numpy as np
from rapidfuzz import process
from rapidfuzz.distance import JaroWinkler, Levenshtein

from openmash.linkage.engine.arrays import distinct_and_where
from openmash.linkage.engine.comparisons import JW_EPSILON, Level
from openmash.linkage.engine.features import FEATURE_COLUMNS, FEATURE_INDEX, FeatureRow
from openmash.linkage.engine.scoring import Scorer, _Compiled, _least

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

    def gather_together(self, positions: np.ndarray) -> dict[str, np.ndarray]:
        """The codes at ``positions`` of every source the index keeps side by side, read in one pass
        (empty if it keeps none so): what :meth:`gather` gives for each."""
        ...

    def decode(self, source: str, codes: np.ndarray) -> list[Any]:
        """The value of each of ``source``'s ``codes`` (``None`` for -1)."""
        ...

    def derive(self, feature: str, values: list[Any]) -> list[Any]:
        """``feature``'s values from its source's ``values`` (the same list when it is its own source)."""
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

    def __len__(self) -> int: ...


class _Gathered:
    """One query's candidate codes, gathered from a source the first time a level reads it; the
    distinct codes of a source among the candidates a level asks about (the first time: later
    levels ask about fewer); the values of those codes, decoded once."""

    def __init__(self, columns: Columns, positions: np.ndarray) -> None:
        self._columns, self._positions = columns, positions
        self._codes: dict[str, np.ndarray] | None = None
        self._distinct: dict[str, tuple[np.ndarray, np.ndarray]] = {}
        self._values: dict[str, tuple[np.ndarray, np.ndarray]] = {}
        self._scores: dict[tuple[str, str], np.ndarray] = {}

    @property
    def n(self) -> int:
        return len(self._positions)

    def __call__(self, source: str) -> np.ndarray:
        if self._codes is None:  # a candidate's codes side by side are read together, the first time
            self._codes = self._columns.gather_together(self._positions)
        codes = self._codes.get(source)
        if codes is None:
            codes = self._codes[source] = self._columns.gather(source, self._positions)
        return codes

    def distinct(self, source: str, rows: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """(distinct codes of ``source`` among at least ``rows``, each candidate's index among them,
        -1 for candidates not counted)."""
        found = self._distinct.get(source)
        if found is not None and (found[1][rows] >= 0).all():
            return found
        codes = self(source)
        counted = np.zeros(len(codes), dtype=bool)
        counted[rows] = True
        if found is not None:  # a level asking about more than the first did: count them all
            counted |= found[1] >= 0
            for name in [name for name in self._values if self._columns.source(name) == source]:
                del self._values[name]
            for key in [key for key in self._scores if self._columns.source(key[1]) == source]:
                del self._scores[key]
        at = np.flatnonzero(counted)
        distinct, inverse = distinct_and_where(codes[at])
        places = np.full(len(codes), -1, dtype=np.intp)
        places[at] = inverse.reshape(-1)
        found = self._distinct[source] = (distinct, places)
        return found

    def values(self, feature: str, source: str, needed: np.ndarray) -> list[Any]:
        """``feature``'s values for the ``needed`` distinct codes of ``source`` (from
        :meth:`distinct`): each decoded once per query however many levels and features read it."""
        distinct = self._distinct[source][0]
        if feature == source:
            return self._held(
                source, len(distinct), needed, lambda m: self._columns.decode(source, distinct[m])
            )

        def derive(missing: np.ndarray) -> list[Any]:
            return self._columns.derive(feature, self.values(source, source, missing))

        return self._held(feature, len(distinct), needed, derive)

    def scores(self, kind: str, feature: str, source: str, needed: np.ndarray, mine: str) -> np.ndarray:
        """The query's value ``mine`` against ``feature``'s value of each of the ``needed`` distinct
        codes of ``source`` (from :meth:`distinct`): the Jaro-Winkler similarity or the Levenshtein
        distance, NaN where the value is missing. Each is worked out once per query, however many of
        a comparison's levels ask (a name's two similarity levels, a date's two distance levels)."""
        held = self._scores.get((kind, feature))
        if held is None:
            held = self._scores[kind, feature] = np.full(len(self._distinct[source][0]), -np.inf)
        missing = needed[held[needed] == -np.inf]
        if len(missing):
            held[missing] = _scores(kind, mine, self.values(feature, source, missing))
        result: np.ndarray = held[needed]
        return result

    def _held(
        self, name: str, size: int, needed: np.ndarray, make: Callable[[np.ndarray], list[Any]]
    ) -> list[Any]:
        held = self._values.get(name)
        if held is None:
            held = self._values[name] = (np.empty(size, dtype=object), np.zeros(size, dtype=bool))
        values, known = held
        missing = needed[~known[needed]]
        if len(missing):
            values[missing] = make(missing)
            known[missing] = True
        result: list[Any] = values[needed].tolist()
        return result


@dataclass(frozen=True, slots=True)
class _Step:
    compiled: _Compiled
    weights: np.ndarray
    levels: tuple[Level, ...]
    value_sources: tuple[str, ...]
    """The code columns read by its levels that need decoded values (the rest compare codes)."""
    tf_exact: bool
    """The term-frequency level is "exact" on the adjusted column: its adjustment is the query's."""
    on_codes: int
    """How many of its first levels are decided by comparing codes alone: a candidate that falls in
    none of them can only fall in a later level."""


#: Candidates are dropped only when their weight so far plus the most the rest could add falls short
#: of the threshold by more than this, far above any rounding in adding up the bound.
_SLACK: Final = 1e-6


class ArrayScorer:
    """Ranks a query's candidates on the index's code columns with one :class:`Scorer`'s weights."""

    def __init__(self, scorer: Scorer, columns: Columns) -> None:
        self.scorer = scorer
        self.columns = columns
        self._predicates: dict[int, Callable[[FeatureRow, FeatureRow], bool]] = {}
        self._steps = tuple(self._step(c) for c, _ in scorer._pruning)
        self._ordered: list[int] | None = None

    def _step(self, compiled: _Compiled) -> _Step:
        [comparison] = [c for c in self.scorer.model.comparisons if c.name == compiled.name]
        for level in comparison.levels:
            self._compile(level)
        value_sources = sorted(
            {
                self.columns.source(feature)
                for level in comparison.levels[:-1]
                if not self._on_codes(level)
                for feature in _record_features(level)
            }
        )
        tf_exact = compiled.tf_level >= 0 and (
            comparison.levels[compiled.tf_level].kind == "exact"
            and comparison.levels[compiled.tf_level].column == FEATURE_COLUMNS[compiled.tf_column]
        )
        weights = np.asarray(compiled.weights, dtype=np.float64)
        on_codes = 0
        while on_codes < len(comparison.levels) - 1 and self._on_codes(comparison.levels[on_codes]):
            on_codes += 1
        return _Step(compiled, weights, comparison.levels, tuple(value_sources), tf_exact, on_codes)

    def _compile(self, level: Level) -> None:
        self._predicates[id(level)] = level.predicate()
        for part in level.parts:
            self._compile(part)

    def _on_codes(self, level: Level) -> bool:
        """Whether the level is decided by comparing codes alone."""
        coded = self.columns.coded
        if level.parts:
            return all(self._on_codes(part) for part in level.parts)
        if level.kind == "null":
            return True
        if level.kind == "exact":
            return level.column in coded
        if level.kind == "equal_any":
            return all(b in coded for _, b in level.pairs)
        return False

    def _level_most(self, step: _Step, query: FeatureRow) -> np.ndarray:
        """The most each of ``step``'s levels can add for this query: its weight, and on the adjusted
        level the largest adjustment this query's value allows."""
        c = step.compiled
        if c.tf_level < 0 or not c.tf_table:
            return step.weights
        mine = query[c.tf_column]
        tf = None if mine is None else c.tf_table.get(mine)
        if tf is not None:
            adjustment = c.tf_log2_u - math.log2(tf)  # max(tf_query, tf_record) >= tf_query
        else:
            adjustment = max(0.0, c.tf_log2_u - math.log2(_least(c.tf_table)))
        most = step.weights.copy()
        most[c.tf_level] += adjustment
        return most

    def _caps(
        self, step: _Step, query: FeatureRow, codes: _Gathered, n: int
    ) -> tuple[np.ndarray, np.ndarray]:
        """For each candidate, the most ``step``'s comparison can add, from its codes alone; and the
        level it falls in where the codes decide it (-1 where they do not).

        The first levels, those decided by codes (missing, exact on a coded feature, ...), place a
        candidate in the first of them that holds, as :meth:`_levels` would. A candidate placed so
        adds that level's weight; any other can only fall in a later level, so adds at most the best
        of those its codes do not rule out. A candidate whose
        given name, surname and address all differ from the query's in their codes is thus known to
        fall short before a name is decoded, as its date of birth alone cannot lift it."""
        most = self._level_most(step, query)
        levels = step.levels
        last = len(levels) - 1
        # The first of the levels decided by codes that holds (each tried on every candidate at once:
        # a comparison of two arrays costs less than picking out the candidates still unplaced).
        placed = np.full(n, last if step.on_codes == last else -1, dtype=np.intp)
        for index in reversed(range(step.on_codes)):
            placed[self._codes_hold(levels[index], query, codes)] = index
        cap = most[placed]
        # The rest can fall in any later level their codes do not rule out: each takes the most of
        # the best such level (the levels tried best first, until one the codes cannot rule out).
        unset = placed < 0
        for index in sorted(range(step.on_codes, len(levels)), key=lambda i: -most[i]):
            if not unset.any():
                break
            possible = self._codes_allow(levels[index], query, codes)
            if possible is None:
                cap[unset] = most[index]
                break
            cap[unset & possible] = most[index]
            unset &= ~possible
        return cap, placed

    def _codes_hold(self, level: Level, query: FeatureRow, codes: _Gathered) -> np.ndarray:
        """Whether a level decided by codes alone holds, for every candidate: what :meth:`_holds`
        gives, on whole arrays."""
        if level.parts:  # all_of, or missing on several fields: every part holds
            holds = self._codes_hold(level.parts[0], query, codes)
            for part in level.parts[1:]:
                holds = holds & self._codes_hold(part, query, codes)
            return holds
        if level.kind == "null" and level.column:
            if query[FEATURE_INDEX[level.column]] is None:
                return np.ones(codes.n, dtype=bool)
            return codes(self.columns.source(level.column)) < 0
        if level.kind == "exact" and level.column:
            return self._equal_all(query[FEATURE_INDEX[level.column]], level.column, codes)
        holds = np.zeros(codes.n, dtype=bool)  # equal_any
        for a, b in level.pairs:
            holds |= self._equal_all(query[FEATURE_INDEX[a]], b, codes)
        return holds

    def _codes_allow(self, level: Level, query: FeatureRow, codes: _Gathered) -> np.ndarray | None:
        """Whether ``level`` may hold for each candidate, as far as codes tell: false only where a
        condition decided by codes (the level's own, or one of an ``all_of``'s parts) fails; ``None``
        where no code decides any part of it (the last level, a similarity, ...)."""
        if level.kind == "else":
            return None
        if self._on_codes(level):
            return self._codes_hold(level, query, codes)
        possible = None
        if level.kind == "all_of":
            for part in level.parts:
                if self._on_codes(part):
                    holds = self._codes_hold(part, query, codes)
                    possible = holds if possible is None else possible & holds
        return possible

    def _equal_all(self, value: Any, feature: str, codes: _Gathered) -> np.ndarray:
        code = None if value is None else self.columns.code_of(feature, value)
        if code is None:
            return np.zeros(codes.n, dtype=bool)
        return codes(self.columns.source(feature)) == code

    def _order(self) -> list[int]:
        """The order to score the comparisons in: those comparing codes alone first, then those
        whose values are less varied (names before dates, dates before addresses, judged on a sample
        of the index), so that the cheap ones drop most candidates before the costly ones see them.
        The weights are still added up in the Scorer's order."""
        if self._ordered is None:
            size = len(self.columns)
            sample = np.unique(np.linspace(0, max(size - 1, 0), num=min(size, 4096)).astype(np.intp))
            varied: dict[str, float] = {}
            for step in self._steps:
                for source in step.value_sources:
                    if source not in varied and len(sample):
                        varied[source] = len(np.unique(self.columns.gather(source, sample))) / len(sample)

            def cost(i: int) -> tuple[float, float]:
                step = self._steps[i]
                return sum(varied.get(s, 1.0) for s in step.value_sources), -float(np.ptp(step.weights))

            self._ordered = sorted(range(len(self._steps)), key=cost)
        return self._ordered

    def rank(self, query: FeatureRow, positions: np.ndarray, floor: float, top: int) -> np.ndarray:
        """The positions of the (at most ``top``) candidates whose weight is at least ``floor``, best
        first, ties by record id — what ranking :meth:`Scorer.weight_at_least` over every candidate
        would give."""
        n = len(positions)
        if not n or top <= 0:
            return positions[:0]
        codes = _Gathered(self.columns, positions)
        steps = self._steps
        order = self._order()
        # Each comparison's most per candidate, from the codes, and the level where they decide it.
        caps = [self._caps(steps[i], query, codes, n) for i in order]
        so_far = np.full(n, self.scorer.prior_weight, dtype=np.float64)
        # What the comparisons not yet scored could still add to each candidate.
        rest = np.sum([cap for cap, _ in caps], axis=0)
        alive = np.flatnonzero(so_far + rest + _SLACK >= floor)
        # Each comparison's level weight and term-frequency adjustment per candidate (every entry is
        # replaced below: a query whose candidates are all dropped returns early).
        added: list[tuple[np.ndarray, np.ndarray | None]] = [(so_far, None)] * len(steps)
        for k, i in enumerate(order):
            if not len(alive):
                return positions[:0]
            step = steps[i]
            cap, placed = caps[k]
            level = np.zeros(n, dtype=np.intp)
            level[alive] = placed[alive]
            open_ = alive[placed[alive] < 0]
            if len(open_):
                level[open_] = self._levels(step.levels, query, codes, open_, step.on_codes)
            weight = step.weights[level]
            tf = None
            if step.compiled.tf_level >= 0:
                tf = np.zeros(n, dtype=np.float64)
                tf[alive] = self._tf(step, query, codes, alive, level[alive])
            added[i] = (weight, tf)
            so_far[alive] += weight[alive] if tf is None else weight[alive] + tf[alive]
            rest[alive] -= cap[alive]
            alive = alive[so_far[alive] + rest[alive] + _SLACK >= floor]
        # The weight of each candidate left, added up in the order Scorer.weight_at_least adds it.
        total = np.full(len(alive), self.scorer.prior_weight, dtype=np.float64)
        for weight, tf in added:
            total += weight[alive]
            if tf is not None:
                total += tf[alive]
        keep = total >= floor
        alive, total = alive[keep], total[keep]
        if len(alive) > top:
            # Every candidate that could be among the best `top` once ties are broken by record id.
            kth = np.partition(total, len(alive) - top)[len(alive) - top]
            keep = total >= kth
            alive, total = alive[keep], total[keep]
        ids = self.columns.record_ids(positions[alive])
        ranked = sorted(zip((-total).tolist(), ids, alive.tolist(), strict=True))
        return positions[np.asarray([i for _, _, i in ranked[:top]], dtype=np.intp)]

    # --- levels --------------------------------------------------------------------------------------

    def _levels(
        self, levels: Sequence[Level], query: FeatureRow, codes: _Gathered, rows: np.ndarray, start: int = 0
    ) -> np.ndarray:
        """The index of the first level that holds, for each candidate in ``rows`` (known to hold none
        of the levels before ``start``)."""
        placed = np.full(len(rows), len(levels) - 1, dtype=np.intp)
        unplaced = np.arange(len(rows))
        for index in range(start, len(levels) - 1):
            level = levels[index]
            if not len(unplaced):
                break
            holds = self._holds(level, query, codes, rows[unplaced])
            placed[unplaced[holds]] = index
            unplaced = unplaced[~holds]
        return placed

    def _holds(self, level: Level, query: FeatureRow, codes: _Gathered, rows: np.ndarray) -> np.ndarray:
        """Whether ``level``'s condition holds between the query and each candidate in ``rows``."""
        if self._on_codes(level):  # decided by codes: on every candidate at once, as the caps are
            holds: np.ndarray = self._codes_hold(level, query, codes)[rows]
            return holds
        if level.kind == "all_of":
            holds = np.ones(len(rows), dtype=bool)
            for part in level.parts:  # each part asked only where the ones before it held
                where = np.flatnonzero(holds)
                if not len(where):
                    break
                holds[where] = self._holds(part, query, codes, rows[where])
            return holds
        features = _record_features(level)
        if len(features) == 1:
            return self._by_values(level, next(iter(features)), query, codes, rows)
        return self._by_distinct_values(level, query, codes, rows)

    def _by_values(
        self, level: Level, feature: str, query: FeatureRow, codes: _Gathered, rows: np.ndarray
    ) -> np.ndarray:
        """A level reading one feature, worked out once per distinct value among ``rows``: a string
        similarity for them all in one call, any other level by its own predicate."""
        source = self.columns.source(feature)
        distinct, inverse = codes.distinct(source, rows)
        where = inverse[rows]
        wanted = np.zeros(len(distinct), dtype=bool)
        wanted[where] = True
        needed = np.flatnonzero(wanted)
        answers = np.zeros(len(distinct), dtype=bool)
        if level.column == feature and level.kind in ("jaro_winkler", "levenshtein"):
            mine = query[FEATURE_INDEX[feature]]
            if isinstance(mine, str) and len(needed):
                scores = codes.scores(level.kind, feature, source, needed, mine)
                if level.kind == "jaro_winkler":
                    answers[needed] = scores >= level.threshold - JW_EPSILON
                else:
                    answers[needed] = scores <= int(level.threshold)
            return answers[where]
        values = codes.values(feature, source, needed)
        if level.column == feature and level.kind in _BY_KIND:
            mine = query[FEATURE_INDEX[feature]]
            if mine is not None and values:
                answers[needed] = _BY_KIND[level.kind](level, mine, values)
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
        values = [_values(self.columns, f, codes(self.columns.source(f))[representatives]) for f in features]
        slots = [FEATURE_INDEX[f] for f in features]
        predicate = self._predicates[id(level)]
        answers = np.empty(len(first), dtype=bool)
        for d in range(len(first)):
            for slot, column in zip(slots, values, strict=True):
                row[slot] = column[d]
            answers[d] = predicate(query, tuple(row))
        return answers[inverse]

    def _tf(
        self, step: _Step, query: FeatureRow, codes: _Gathered, rows: np.ndarray, level: np.ndarray
    ) -> np.ndarray:
        """The term-frequency adjustment of each candidate in ``rows`` (0 off the adjusted level),
        worked out by the Scorer once per distinct value of the adjusted column."""
        c = step.compiled
        adjustment = np.zeros(len(rows), dtype=np.float64)
        at = np.flatnonzero(level == c.tf_level)
        if not len(at):
            return adjustment
        if step.tf_exact:  # the record's value is the query's
            adjustment[at] = Scorer._tf_adjustment(c, query, query)
            return adjustment
        feature = FEATURE_COLUMNS[c.tf_column]
        source = self.columns.source(feature)
        first, inverse = _distinct(codes, [source], rows[at])
        values = _values(self.columns, feature, codes(source)[rows[at][first]])
        row: list[Any] = [None] * len(FEATURE_COLUMNS)
        each = []
        for value in values:
            row[c.tf_column] = value
            each.append(Scorer._tf_adjustment(c, query, tuple(row)))
        adjustment[at] = np.asarray(each, dtype=np.float64)[inverse]
        return adjustment


def _scores(kind: str, mine: str, values: list[Any]) -> np.ndarray:
    """The Jaro-Winkler similarity of ``mine`` to each value, or its Levenshtein distance from each,
    all in one call, as :meth:`Level.predicate` works them out one at a time (NaN for a missing
    value, which no level's test passes)."""
    scores = np.full(len(values), np.nan)
    known = [i for i, v in enumerate(values) if v is not None]
    if known:
        choices = [values[i] for i in known]
        scorer = JaroWinkler.similarity if kind == "jaro_winkler" else Levenshtein.distance
        scores[known] = process.cdist([mine], choices, scorer=scorer, dtype=np.float64)[0]
    return scores


def _exact(level: Level, mine: Any, values: list[Any]) -> np.ndarray:
    return np.fromiter((v == mine for v in values), dtype=bool, count=len(values))


def _prefix(level: Level, mine: Any, values: list[Any]) -> np.ndarray:
    n = int(level.threshold)
    start = mine[:n]
    return np.fromiter((v is not None and v[:n] == start for v in values), dtype=bool, count=len(values))


def _abs_diff(level: Level, mine: Any, values: list[Any]) -> np.ndarray:
    known = np.fromiter((v is not None for v in values), dtype=bool, count=len(values))
    numbers = np.fromiter((0 if v is None else v for v in values), dtype=np.int64, count=len(values))
    return known & (np.abs(numbers - int(mine)) <= int(level.threshold))


#: A level on one feature, decided for every distinct value at once, as :meth:`Level.predicate`
#: decides it for one (given that the query's value is not missing).
_BY_KIND: Final[dict[str, Callable[[Level, Any, list[Any]], np.ndarray]]] = {
    "exact": _exact,
    "prefix": _prefix,
    "abs_diff": _abs_diff,
}


def _values(columns: Columns, feature: str, codes: np.ndarray) -> list[Any]:
    """``feature``'s value for each of its source's ``codes``."""
    return columns.derive(feature, columns.decode(columns.source(feature), codes))


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
