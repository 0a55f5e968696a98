"""The trawl's fast path: blocking recall, evidence on every candidate, Splink's probabilities."""

from __future__ import annotations

import logging
import math

import pandas as pd
import pytest
from splink import Linker as SplinkLinker

from openmash.linkage.engine import DuckDBBackend, LinkageModel, Record, SearchIndex
from openmash.linkage.engine.features import feature_frame
from openmash.linkage.engine.search import query_rows
from openmash.linkage.tests.noisy import noisy_pairs

Pairs = tuple[pd.DataFrame, pd.DataFrame, set[tuple[str, str]]]


def test_blocking_reaches_at_least_99_percent_of_true_pairs() -> None:
    left, right, truth = noisy_pairs(2000, seed=21)
    index = SearchIndex.build(right, LinkageModel.default())
    ids = index.columns[0]
    found = set()
    for query in query_rows(left):
        positions, _ = index.candidate_positions(query)
        found.update((query[0], ids[p]) for p in positions.tolist())
    recall = len(found & truth) / len(truth)
    assert recall >= 0.99, recall
    assert len(found) < 40 * len(left), "blocks should stay small"


def test_every_candidate_carries_consistent_evidence(pairs: Pairs, index: SearchIndex) -> None:
    left, _, truth = pairs
    results = index.search(left.head(200), top=5, threshold=0.01)
    candidates = [c for r in results for c in r.candidates]
    assert len(candidates) >= 190
    names = [c.name for c in index.model.comparisons]
    for c in candidates:
        assert [e.comparison for e in c.evidence] == names
        assert all(e.level for e in c.evidence)
        assert c.prior_weight == pytest.approx(index.model.prior_weight)
        assert c.match_weight == pytest.approx(
            c.prior_weight + sum(e.match_weight for e in c.evidence), abs=1e-9
        )
        odds = 2.0**c.match_weight
        assert c.match_probability == pytest.approx(odds / (1 + odds), rel=1e-12)
        assert c.match_probability >= 0.01
    for result in results:
        probabilities = [c.match_probability for c in result.candidates]
        assert probabilities == sorted(probabilities, reverse=True)
        assert [c.rank for c in result.candidates] == list(range(1, len(result.candidates) + 1))
    top1 = {(r.query_id, r.candidates[0].record_id) for r in results if r.candidates}
    assert len(top1 & truth) / len(results) >= 0.95


def test_evidence_names_the_levels_a_person_would_check(index: SearchIndex) -> None:
    [result] = index.search(
        [Record("q", given_name="Bill", surname="Smith", date_of_birth="1980-04-03")], threshold=0
    )
    # Whatever the candidates, a candidate's evidence shows both values side by side.
    for c in result.candidates:
        given = c.evidence[0]
        assert given.query_value == "bill"
        assert given.record_value is not None or given.level == "missing"


def splink_predict_between(index: SearchIndex, queries: pd.DataFrame) -> dict[tuple[str, str], float]:
    """Splink's ``predict_between(queries, index)`` with the index's model and term frequencies."""
    backend = DuckDBBackend()
    index_table = backend.register(index.feature_frame(), "index")
    linker = SplinkLinker(index_table, index.model.splink_settings("duckdb"), log_level=logging.ERROR)
    for column, frame in index.tf_frames().items():
        linker.table_management.register_term_frequency_lookup(backend.register(frame, "tf"), column)
    query_table = backend.register(feature_frame(queries).frame, "queries")
    predictions = backend.to_pandas(linker.inference.predict_between(query_table, index_table))
    return dict(
        zip(
            zip(predictions["record_id_l"], predictions["record_id_r"], strict=True),
            predictions["match_probability"],
            strict=True,
        )
    )


def test_fast_path_probabilities_equal_splink_predict_between(pairs: Pairs, trained: LinkageModel) -> None:
    left, right, _ = pairs
    index = SearchIndex.build(right, trained)
    queries = left
    ours = {
        (r.query_id, c.record_id): c.match_probability
        for r in index.search(queries, top=10_000, threshold=0.0)
        for c in r.candidates
    }
    theirs = splink_predict_between(index, queries)
    assert set(ours) == set(theirs), "both paths block the same pairs"
    assert len(ours) > 1000
    worst = max(abs(ours[pair] - theirs[pair]) for pair in ours)
    assert worst < 1e-6


def test_queries_as_records_mappings_or_frames_give_the_same_answer(pairs: Pairs, index: SearchIndex) -> None:
    left, _, _ = pairs
    frame = left.head(20)
    records = [
        Record(**{k: (None if pd.isna(v) else v) for k, v in row.items()}) for row in frame.to_dict("records")
    ]
    mappings = frame.to_dict("records")
    a = [
        (r.query_id, [(c.record_id, c.match_probability) for c in r.candidates]) for r in index.search(frame)
    ]
    b = [
        (r.query_id, [(c.record_id, c.match_probability) for c in r.candidates])
        for r in index.search(records)
    ]
    c = [
        (r.query_id, [(c.record_id, c.match_probability) for c in r.candidates])
        for r in index.search(mappings)
    ]
    assert a == b == c


def test_top_and_threshold_limit_the_candidates(pairs: Pairs, index: SearchIndex) -> None:
    left, _, _ = pairs
    for result in index.search(left.head(50), top=2, threshold=0.9):
        assert len(result.candidates) <= 2
        assert all(c.match_probability >= 0.9 for c in result.candidates)


def test_an_oversized_block_is_skipped_and_reported() -> None:
    placeholder = pd.DataFrame(
        {
            "record_id": [f"r{i}" for i in range(30)],
            "given_name": [f"name{i}" for i in range(30)],
            "surname": [f"family{i}" for i in range(30)],
            "date_of_birth": ["1900-01-01"] * 30,
        }
    )
    index = SearchIndex.build(placeholder, LinkageModel.default(), max_block_size=10)
    [result] = index.search(
        [Record("q", given_name="Ann", surname="Other", date_of_birth="1900-01-01")], threshold=0
    )
    assert "date of birth" in result.skipped_blocks
    assert result.considered == 0


def test_index_prior_is_one_expected_match_per_query(index: SearchIndex) -> None:
    assert index.model.probability_two_random_records_match == pytest.approx(1 / len(index))
    assert math.isclose(index.scorer.prior_weight, index.model.prior_weight)


def test_index_scales_the_prior_or_keeps_the_models(pairs: Pairs, trained: LinkageModel) -> None:
    _, right, _ = pairs
    kept = SearchIndex.build(right, trained, matches_per_query=None)
    assert kept.model.probability_two_random_records_match == trained.probability_two_random_records_match


def test_pruned_scoring_gives_the_full_weight_or_nothing_exactly(pairs: Pairs, index: SearchIndex) -> None:
    """The search gives up on a pair once the comparisons left cannot lift it to the threshold; for
    every pair it keeps, the weight is the full weight, and it never drops a pair that reaches it."""
    left, _, _ = pairs
    scorer = index.scorer
    rows = query_rows(left.head(60))
    kept = dropped = 0
    for floor in (-5.0, 0.0, 3.0, 10.0):
        for query in rows:
            positions, _ = index.candidate_positions(query)
            memo = scorer.memo()  # one per query, as the search keeps it
            for position in positions.tolist()[:200]:
                row = tuple([column[position] for column in index.columns])
                full = scorer.weight(query, row)
                for pruned in (
                    scorer.weight_at_least(query, row, floor),
                    scorer.weight_at_least(query, row, floor, memo),
                ):
                    if full >= floor + 1e-9:
                        assert pruned is not None and math.isclose(pruned, full, abs_tol=1e-9)
                        kept += 1
                    elif full < floor - 1e-9:
                        assert pruned is None
                        dropped += 1
    assert kept and dropped
