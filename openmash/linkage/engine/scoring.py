"""Scoring a pair with the trained model's weights, as Splink does, with the evidence kept.

The match weight of a pair is the prior weight log2(lambda / (1 - lambda)) plus, for each
comparison, the weight log2(m / u) of the level the pair falls in, plus — on a level with a
term-frequency adjustment — log2(u_exact) - log2(max(tf_left, tf_right)). The probability is
2^w / (1 + 2^w). This is Splink 5's additive formulation term for term, so for the same
comparison levels, m/u, lambda and term-frequency tables the numbers are the same.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

import pandas as pd

from openmash.linkage.engine.features import FEATURE_INDEX, FeatureRow
from openmash.linkage.engine.model import LinkageModel, match_probability

__all__ = ["Candidate", "FieldEvidence", "Scorer", "term_frequencies"]


@dataclass(frozen=True, slots=True)
class FieldEvidence:
    """Why one field moved the score: its comparison level and that level's weight."""

    comparison: str
    level: str
    """The level's label, e.g. ``"Jaro-Winkler >= 0.92"`` or ``"day and month swapped"``."""
    level_index: int
    """Position of the level in the comparison (0 is "missing")."""
    match_weight: float
    """log2 Bayes factor of this field, including ``tf_adjustment``."""
    tf_adjustment: float
    query_value: str | None
    record_value: str | None


@dataclass(frozen=True, slots=True)
class Candidate:
    """A proposed match with its evidence. Nothing is a match until a person confirms it."""

    record_id: str
    match_probability: float
    match_weight: float
    prior_weight: float
    evidence: tuple[FieldEvidence, ...]
    rank: int = 0

    def explain(self) -> str:
        parts = [f"{e.comparison}: {e.level} ({e.match_weight:+.2f})" for e in self.evidence]
        return f"{self.record_id} p={self.match_probability:.4f} w={self.match_weight:+.2f}; " + "; ".join(
            parts
        )


def term_frequencies(frame: pd.DataFrame, columns: list[str]) -> dict[str, dict[Any, float]]:
    """Splink's term-frequency table for each column: count(value) / count(non-null values)."""
    tables: dict[str, dict[Any, float]] = {}
    for column in columns:
        counts = frame[column].dropna().value_counts()
        total = float(counts.sum())
        tables[column] = {value: count / total for value, count in counts.items()} if total else {}
    return tables


@dataclass(frozen=True, slots=True)
class _Compiled:
    name: str
    classify: Callable[[FeatureRow, FeatureRow], int]
    weights: tuple[float, ...]
    labels: tuple[str, ...]
    display: tuple[int, ...]
    tf_level: int
    tf_column: int
    tf_log2_u: float
    tf_table: Mapping[Any, float]
    reads: tuple[int, ...] = ()
    """The feature columns the comparison reads: its level depends on the record only through them."""

    @property
    def most(self) -> float:
        """The most this comparison can add to a pair's weight (its best level, or the exact level
        with the rarest value's term-frequency adjustment)."""
        best = max(self.weights)
        if self.tf_level >= 0 and self.tf_table:
            best = max(best, self.weights[self.tf_level] + self.tf_log2_u - math.log2(_least(self.tf_table)))
        return best


class Scorer:
    """Scores feature rows with one model and one set of term-frequency tables."""

    def __init__(self, model: LinkageModel, tf_tables: Mapping[str, Mapping[Any, float]]) -> None:
        self.model = model
        self.prior_weight = model.prior_weight
        compiled = []
        for comparison in model.comparisons:
            weights = model.level_weights(comparison)
            tf_level, tf_column, tf_log2_u = -1, -1, 0.0
            tf_table: Mapping[Any, float] = {}
            for index, level in enumerate(comparison.levels):
                if level.tf_adjustment and level.column:
                    tf_level, tf_column = index, FEATURE_INDEX[level.column]
                    u_exact = model.parameters[comparison.name][index][1]
                    tf_log2_u = math.log2(u_exact)
                    tf_table = tf_tables.get(level.column, {})
            compiled.append(
                _Compiled(
                    name=comparison.name,
                    classify=comparison.classifier(),
                    weights=tuple(weights),
                    labels=tuple(level.label for level in comparison.levels),
                    display=tuple(FEATURE_INDEX[c] for c in comparison.display),
                    tf_level=tf_level,
                    tf_column=tf_column,
                    tf_log2_u=tf_log2_u,
                    tf_table=tf_table,
                    reads=tuple(sorted(FEATURE_INDEX[c] for c in comparison.columns())),
                )
            )
        self._compiled = tuple(compiled)
        # For weight_at_least(): the comparisons that spread weight most first, and after each one the
        # most the rest could still add, so a pair that cannot reach the floor is given up early.
        ordered = sorted(compiled, key=lambda c: max(c.weights) - min(c.weights), reverse=True)
        rest = [sum(c.most for c in ordered[i + 1 :]) for i in range(len(ordered))]
        self._pruning = tuple(zip(ordered, rest, strict=True))

    @staticmethod
    def _tf_adjustment(c: _Compiled, left: FeatureRow, right: FeatureRow) -> float:
        # Splink: greatest(coalesce(tf_l, tf_r), coalesce(tf_r, tf_l), tf_minimum_u_value = 0)
        known = [
            tf
            for tf in (c.tf_table.get(left[c.tf_column]), c.tf_table.get(right[c.tf_column]))
            if tf is not None
        ]
        if not known:
            return 0.0
        return c.tf_log2_u - math.log2(max(known))

    def weight(self, left: FeatureRow, right: FeatureRow) -> float:
        """The pair's total match weight (prior included)."""
        total = self.prior_weight
        for c in self._compiled:
            level = c.classify(left, right)
            total += c.weights[level]
            if level == c.tf_level:
                total += self._tf_adjustment(c, left, right)
        return total

    def memo(self) -> list[dict[tuple[Any, ...], int]]:
        """A fresh per-query memo for :meth:`weight_at_least`: records in one block share names and
        dates, so each comparison's level is worked out once per distinct value it reads."""
        return [{} for _ in self._pruning]

    def weight_at_least(
        self,
        left: FeatureRow,
        right: FeatureRow,
        floor: float,
        memo: list[dict[tuple[Any, ...], int]] | None = None,
    ) -> float | None:
        """The pair's total weight if it is at least ``floor``, else None, found without scoring
        every comparison when the others could not lift it to the floor. Exact: the same weight as
        :meth:`weight` whenever that is at least ``floor``. ``memo`` (from :meth:`memo`, for one
        ``left`` only) remembers levels already worked out."""
        total = self.prior_weight
        for k, (c, rest) in enumerate(self._pruning):
            if memo is None:
                level = c.classify(left, right)
            else:
                key = tuple([right[i] for i in c.reads])
                seen = memo[k].get(key)
                if seen is None:
                    seen = memo[k][key] = c.classify(left, right)
                level = seen
            total += c.weights[level]
            if level == c.tf_level:
                total += self._tf_adjustment(c, left, right)
            if total + rest < floor:
                return None
        return total if total >= floor else None

    def levels(self, left: FeatureRow, right: FeatureRow) -> list[int]:
        return [c.classify(left, right) for c in self._compiled]

    def candidate(self, left: FeatureRow, right: FeatureRow, *, rank: int = 0) -> Candidate:
        """The pair scored with its per-field evidence; ``right`` is the record proposed."""
        evidence = []
        total = self.prior_weight
        for c in self._compiled:
            level = c.classify(left, right)
            tf = self._tf_adjustment(c, left, right) if level == c.tf_level else 0.0
            weight = c.weights[level] + tf
            total += weight
            evidence.append(
                FieldEvidence(
                    comparison=c.name,
                    level=c.labels[level],
                    level_index=level,
                    match_weight=weight,
                    tf_adjustment=tf,
                    query_value=_display(left, c.display),
                    record_value=_display(right, c.display),
                )
            )
        return Candidate(
            record_id=str(right[0]),
            match_probability=match_probability(total),
            match_weight=total,
            prior_weight=self.prior_weight,
            evidence=tuple(evidence),
            rank=rank,
        )


def _least(table: Mapping[Any, float]) -> float:
    """The smallest term frequency (an index on disk knows it without reading every value)."""
    least = getattr(table, "least", None)
    return float(least()) if least is not None else min(table.values())


def _display(row: FeatureRow, columns: tuple[int, ...]) -> str | None:
    values = [str(row[i]) for i in columns if row[i] is not None]
    return " ".join(values) if values else None
