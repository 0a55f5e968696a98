"""Each comparison's Python classifier puts every pair in the level Splink's SQL would."""

from __future__ import annotations

import itertools
import random

import duckdb
import pandas as pd

from openmash.linkage.engine.comparisons import (
    DEFAULT_COMPARISONS,
    JW_EPSILON,
    ONE_LETTER,
    Comparison,
    comparisons_by_name,
)
from openmash.linkage.engine.features import FEATURE_COLUMNS, feature_frame, feature_rows
from openmash.linkage.tests.noisy import noisy_pairs


def _case_sql(comparison: Comparison) -> str:
    whens = [f"WHEN {level.sql('duckdb')} THEN {i}" for i, level in enumerate(comparison.levels[:-1])]
    return f"CASE {' '.join(whens)} ELSE {len(comparison.levels) - 1} END AS {comparison.name}"


def test_python_levels_equal_duckdb_levels_on_noisy_pairs() -> None:
    left, right, truth = noisy_pairs(300, seed=11)
    rows = feature_rows(feature_frame(pd.concat([left, right], ignore_index=True)).frame)
    by_id = {row[0]: row for row in rows}
    rng = random.Random(1)
    pairs = [(by_id[a], by_id[b]) for a, b in sorted(truth)]
    pairs += [(rng.choice(rows), rng.choice(rows)) for _ in range(3000)]
    pairs += list(itertools.islice(((a, b) for a in rows[:40] for b in rows[:40]), 1600))

    columns = {f"{c}_l": [p[0][i] for p in pairs] for i, c in enumerate(FEATURE_COLUMNS)}
    columns |= {f"{c}_r": [p[1][i] for p in pairs] for i, c in enumerate(FEATURE_COLUMNS)}
    frame = pd.DataFrame(columns)
    for side in ("l", "r"):
        for c in ("dob_days", "birth_year"):
            frame[f"{c}_{side}"] = frame[f"{c}_{side}"].astype("Int64")
    con = duckdb.connect()
    con.register("pairs", frame)
    sql = "SELECT " + ", ".join(_case_sql(c) for c in DEFAULT_COMPARISONS) + " FROM pairs"  # noqa: S608
    expected = con.execute(sql).fetchall()
    for comparison_index, comparison in enumerate(DEFAULT_COMPARISONS):
        classify = comparison.classifier()
        got = [classify(a, b) for a, b in pairs]
        want = [row[comparison_index] for row in expected]
        mismatches = [
            (pairs[i][0][0], pairs[i][1][0]) for i, (g, w) in enumerate(zip(got, want, strict=True)) if g != w
        ]
        assert not mismatches, f"{comparison.name}: {mismatches[:5]}"
        assert len(set(got)) > 2, f"{comparison.name}: the test pairs should reach several levels"


def test_jaro_winkler_threshold_sits_just_below_the_round_value() -> None:
    level = DEFAULT_COMPARISONS[0].levels[3]
    assert level.kind == "jaro_winkler"
    assert f"{0.92 - JW_EPSILON!r}" in level.sql("duckdb")
    assert "jaro_winkler(" in level.sql("spark")


def test_every_comparison_starts_with_missing_and_ends_with_all_other() -> None:
    for comparison in DEFAULT_COMPARISONS:
        assert comparison.levels[0].is_null
        assert comparison.levels[-1].label == "all other"
        assert len({level.label for level in comparison.levels}) == len(comparison.levels)


def test_one_typing_error_in_a_short_name_is_told_from_a_merely_similar_name() -> None:
    """A letter changed, dropped or added in a short name puts it below Jaro-Winkler 0.92, among the
    many different names that reach 0.80; "one letter different" keeps it apart from them."""
    records = pd.DataFrame(
        [
            ("a", "Maisy", "Smith"),
            ("b", "Mwisy", "Smyth"),  # one letter changed in each: Jaro-Winkler 0.88, 0.89
            ("c", "Jon", "Cox"),
            ("d", "Jan", "Cos"),  # 0.80, 0.82
            ("e", "Maria", "Browne"),
            ("f", "Mairi", "Bruwen"),  # two and three letters out: 0.83 and 0.86, "similar spelling"
        ],
        columns=["record_id", "given_name", "surname"],
    )
    rows = {row[0]: row for row in feature_rows(feature_frame(records).frame)}
    for name in ("given_name", "surname"):
        comparison = comparisons_by_name()[name]
        labels = [level.label for level in comparison.levels]
        classify = comparison.classifier()
        assert labels[classify(rows["a"], rows["b"])] == ONE_LETTER, name
        assert labels[classify(rows["c"], rows["d"])] == ONE_LETTER, name
        assert labels[classify(rows["e"], rows["f"])] == "Jaro-Winkler >= 0.80", name
        assert labels[classify(rows["a"], rows["a"])] == "exact", name
