"""The model: training with Splink, storage with the source, and the rules on its weights."""

from __future__ import annotations

import json

import pandas as pd
import pytest

from openmash.linkage.engine import LinkageModel, Linker, ModelFormatError
from openmash.linkage.engine.comparisons import DEFAULT_COMPARISONS, ONE_LETTER

Pairs = tuple[pd.DataFrame, pd.DataFrame, set[tuple[str, str]]]


def test_json_round_trip_keeps_every_parameter(trained: LinkageModel) -> None:
    restored = LinkageModel.from_json(trained.to_json())
    assert restored.parameters == trained.parameters
    assert restored.probability_two_random_records_match == trained.probability_two_random_records_match
    assert restored.link_type == trained.link_type
    assert restored.splink_settings("duckdb") == trained.splink_settings("duckdb")
    assert json.loads(restored.to_json()) == json.loads(trained.to_json())


def test_a_stored_model_from_another_version_is_refused(trained: LinkageModel) -> None:
    data = json.loads(trained.to_json())
    data["comparisons"][0]["levels"][0]["label"] = "renamed"
    with pytest.raises(ModelFormatError, match="given_name"):
        LinkageModel.from_dict(data)
    with pytest.raises(ModelFormatError, match="not an OpenMASH linkage model"):
        LinkageModel.from_dict({"format": "something else"})


def test_a_model_stored_before_a_level_was_added_is_read_with_it_at_its_starting_values(
    trained: LinkageModel,
) -> None:
    """A source loaded by an earlier version is still searched: its model lacks the names' "one letter
    different" level, which is read at its starting m and u and named in the training notes. A model
    lacking any other level is still refused."""
    data = json.loads(trained.to_json())
    for comparison in data["comparisons"]:
        comparison["levels"] = [level for level in comparison["levels"] if level["label"] != ONE_LETTER]
    older = LinkageModel.from_dict(data)
    for comparison in DEFAULT_COMPARISONS:
        for level, now, then in zip(
            comparison.levels,
            older.parameters[comparison.name],
            trained.parameters[comparison.name],
            strict=True,
        ):
            assert now == ((level.m, level.u) if level.label == ONE_LETTER else then), (
                comparison.name,
                level,
            )
    words = "a level added after this model was trained, scored at its starting m and u until the source"
    added = [note for note in older.training["notes"] if words in note]
    assert added == [f"{name} {ONE_LETTER!r}: {words} is loaded again" for name in ("given_name", "surname")]
    assert older.training["notes"][: len(trained.training["notes"])] == trained.training["notes"]
    assert json.loads(LinkageModel.from_json(trained.to_json()).to_json()) == json.loads(trained.to_json())

    data = json.loads(trained.to_json())
    data["comparisons"][0]["levels"] = [
        level for level in data["comparisons"][0]["levels"] if level["label"] != "same initial"
    ]
    with pytest.raises(ModelFormatError, match="given_name"):
        LinkageModel.from_dict(data)


def test_training_learns_that_agreement_is_evidence_of_a_match(trained: LinkageModel) -> None:
    for comparison in DEFAULT_COMPARISONS:
        if comparison.name in {"sex"}:
            continue
        weights = trained.level_weights(comparison)
        assert weights[1] > 0 > weights[-1], comparison.name  # exact agreement for, disagreement against
    assert 0 < trained.probability_two_random_records_match < 0.01
    assert trained.training["records"] == 1200
    assert trained.link_type == "link_only"


def test_partial_agreement_never_counts_against_a_match_more_than_disagreement(trained: LinkageModel) -> None:
    for comparison in trained.comparisons:
        weights = trained.level_weights(comparison)
        assert all(w >= weights[-1] - 1e-9 for w in weights[1:]), comparison.name


def test_regularised_model_floors_m_and_raises_a_level_below_all_other() -> None:
    model = LinkageModel.default()
    params = dict(model.parameters)
    levels = list(params["location"])
    levels[8] = (1e-9, 0.01)  # "same postcode sector": EM found no matches there
    params["location"] = tuple(levels)
    fixed = LinkageModel(probability_two_random_records_match=1e-4, parameters=params).regularised()
    location = next(c for c in fixed.comparisons if c.name == "location")
    assert location.levels[8].label == "same postcode sector"
    weights = fixed.level_weights(location)
    assert weights[8] == pytest.approx(weights[-1])
    assert all(
        m >= 1e-3
        for level, (m, _) in zip(location.levels, fixed.parameters["location"], strict=True)
        if not level.is_null
    )


def test_linker_finds_the_true_pairs_with_evidence(pairs: Pairs, trained: LinkageModel) -> None:
    left, right, truth = pairs
    links = Linker(trained).link(left, right, threshold=0.5)
    predicted = {(link.left_id, link.right_id) for link in links}
    precision = len(predicted & truth) / len(predicted)
    recall = len(predicted & truth) / len(truth)
    assert precision >= 0.97 and recall >= 0.95, (precision, recall)
    for link in links[:50]:
        assert link.evidence and link.match_probability >= 0.5
        assert link.match_weight == pytest.approx(
            trained.prior_weight + sum(e.match_weight for e in link.evidence), abs=1e-6
        )


def test_a_large_table_is_trained_on_a_sample_with_the_same_conclusions(
    pairs: Pairs, trained: LinkageModel
) -> None:
    """Training on a sample (as a million-record source is) says so, keeps lambda's order of size
    and still learns that agreement is evidence of a match and disagreement against it."""
    left, right, truth = pairs
    sampled = LinkageModel.default().train(left, other=right, max_pairs=2e5, max_records=400)
    assert sampled.training["records"] == 1200 and sampled.training["trained_on"] == 800
    assert "trained on a random sample of 400 of the 600 records" in sampled.training["notes"]
    ratio = sampled.probability_two_random_records_match / trained.probability_two_random_records_match
    assert 0.5 < ratio < 2
    for comparison in DEFAULT_COMPARISONS:
        if comparison.name in {"sex"}:
            continue
        weights = sampled.level_weights(comparison)
        assert weights[1] > 0 > weights[-1], comparison.name
    # A table no larger than the sample is trained whole.
    whole = LinkageModel.default().train(left, other=right, max_pairs=2e5, max_records=600)
    assert whole.training["trained_on"] == 1200 and not any("sample" in n for n in whole.training["notes"])
    # And the sampled model links the whole tables about as well as the model trained on all of them.
    predicted = {(link.left_id, link.right_id) for link in Linker(sampled).link(left, right, threshold=0.5)}
    precision = len(predicted & truth) / len(predicted)
    recall = len(predicted & truth) / len(truth)
    assert precision >= 0.95 and recall >= 0.93, (precision, recall)


def test_em_runs_on_a_sample_of_a_large_table_and_still_learns(pairs: Pairs) -> None:
    left, right, truth = pairs
    model = LinkageModel.default().train(left, other=right, max_pairs=2e5, em_max_records=450)
    assert any(
        note.startswith("EM estimated on records drawn in whole groups from the 1,200 (75% of the keys)")
        for note in model.training["notes"]
    ), model.training["notes"]
    assert model.training["trained_on"] == 1200  # lambda and u from every record
    for comparison in DEFAULT_COMPARISONS:
        if comparison.name in {"sex"}:
            continue
        weights = model.level_weights(comparison)
        assert weights[1] > 0 > weights[-1], comparison.name
    predicted = {(link.left_id, link.right_id) for link in Linker(model).link(left, right, threshold=0.5)}
    assert len(predicted & truth) / len(predicted) >= 0.95 and len(predicted & truth) / len(truth) >= 0.93
    # Too small a sample to hold enough matches: EM uses the whole tables.
    whole = LinkageModel.default().train(left, other=right, max_pairs=2e5, em_max_records=20)
    assert not any("EM estimated on records drawn" in note for note in whole.training["notes"])


def test_a_level_no_random_pair_reaches_takes_u_from_the_pairs_compared(pairs: Pairs) -> None:
    """In a regional index no 1 in 10 million agreement (the same address) shows among the random pairs
    u is estimated from; the level's u is then the most that seeing none in that many pairs allows
    (3 / pairs), not the level's prior (0.0003), which made a shared address weak evidence."""
    left, _, _ = pairs
    frame = left.copy()
    frame["address"] = [f"{i} Kestrel Road, Northbury" for i in range(len(frame))]  # no two alike
    before = LinkageModel.default()
    model = before.train(frame, max_pairs=2e4, refine_prior=False, min_em_matches=10**9)
    levels = [level.label for level in before.comparisons[3].levels]
    assert before.comparisons[3].name == "location"
    same = levels.index("same address and postcode")
    prior_u = before.parameters["location"][same][1]
    assert model.parameters["location"][same][1] == pytest.approx(3 / 2e4)
    assert 3 / 2e4 < prior_u
    assert any("'same address and postcode'" in note for note in model.training["notes"])
    # A level the pairs do reach keeps its estimate, even one that could equal a round prior.
    sex_exact = model.parameters["sex"][1][1]
    assert 0.3 < sex_exact < 0.7 and sex_exact != pytest.approx(3 / 2e4)
    given_exact = model.parameters["given_name"][1][1]
    assert given_exact != before.parameters["given_name"][1][1]


def test_a_small_source_takes_u_from_every_pair(pairs: Pairs) -> None:
    """Where every pair of a source fits in the sample, u is counted over all of them: sex agrees
    between exactly this share of the pairs of 600 records. Splink's default of counting a hundredth
    of the pairs first, and stopping once each level has 100, gave another share (0.4949)."""
    from collections import Counter

    from openmash.linkage.engine.features import feature_frame

    left, _, _ = pairs
    sexes = Counter(feature_frame(left).frame["sex"].dropna())
    known = sum(sexes.values())
    agreeing = sum(n * (n - 1) / 2 for n in sexes.values()) / (known * (known - 1) / 2)
    model = LinkageModel.default().train(left, max_pairs=2e5, refine_prior=False, min_em_matches=10**9)
    assert model.parameters["sex"][1][1] == pytest.approx(agreeing, rel=1e-9)
    assert model.parameters["sex"][2][1] == pytest.approx(1 - agreeing, rel=1e-9)
