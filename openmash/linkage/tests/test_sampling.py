"""Samples for EM drawn in whole groups: every record of a drawn key, so a large source's matching
pairs are kept at the sample's fraction, not its square."""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from openmash.linkage.engine import LinkageModel
from openmash.linkage.engine.features import feature_frame, feature_rows
from openmash.linkage.engine.inputs import Extract, InputError, trained_on
from openmash.linkage.engine.normalise import parse_date_of_birth
from openmash.linkage.engine.sampling import EM_SESSIONS, drawn_whole, thinned, whole_groups
from openmash.linkage.engine.scoring import Scorer
from openmash.linkage.tests.noisy import noisy_pairs

keys = st.lists(st.one_of(st.none(), st.sampled_from(["a", "b", "c", "d", "e", "f", "g", "h"])), max_size=60)


@given(first=keys, fraction=st.floats(min_value=0, max_value=1))
@settings(max_examples=80, deadline=None)
def test_records_sharing_a_key_are_drawn_together_or_not_at_all(
    first: list[str | None], fraction: float
) -> None:
    second = [None if v is None else v.upper() for v in reversed(first)]
    drawn = drawn_whole([np.array(first, dtype=object), np.array(second, dtype=object)], fraction)
    by_key: dict[tuple[str | None, str | None], set[bool]] = {}
    for key, was in zip(zip(first, second, strict=True), drawn.tolist(), strict=True):
        by_key.setdefault(key, set()).add(was)
        if None in key:
            assert not was  # a record missing part of its key makes no pair on it
    assert all(len(choices) == 1 for choices in by_key.values())
    # The same keys are drawn in another table (or batch): the choice is the key's own.
    again = drawn_whole([np.array(first[::-1], dtype=object), np.array(second[::-1], dtype=object)], fraction)
    assert again.tolist() == drawn.tolist()[::-1]


def test_about_the_fraction_of_keys_is_drawn() -> None:
    values = np.array([f"key {i}" for i in range(20_000)], dtype=object)
    assert drawn_whole([values], 0).sum() == 0
    assert drawn_whole([values], 1).sum() == 20_000
    drawn = int(drawn_whole([values], 0.1).sum())
    assert 1_800 < drawn < 2_200, drawn  # 2,000 expected; three standard deviations is 127


def test_a_group_larger_than_the_cap_is_thinned_by_record_id() -> None:
    key = np.array(["SMITH"] * 5_000 + ["RARE"] * 40, dtype=object)
    ids = np.array([f"R{i}" for i in range(len(key))], dtype=object)
    kept = thinned([key], ids, cap=500)
    assert kept[5_000:].all()  # a small group is kept whole
    assert 400 < int(kept[:5_000].sum()) < 600
    # The choice follows the record id, whatever order the records come in.
    order = np.random.default_rng(1).permutation(len(key))
    assert thinned([key[order]], ids[order], cap=500).tolist() == kept[order].tolist()


def _people(n: int) -> tuple[pd.DataFrame, set[tuple[str, str]]]:
    """One table holding two records of each of ``n`` people (a source to deduplicate)."""
    left, right, truth = noisy_pairs(n, seed=11)
    return pd.concat([left, right], ignore_index=True), truth


def _pairs_inside(frame: pd.DataFrame, truth: set[tuple[str, str]]) -> int:
    ids = set(frame["record_id"])
    return sum(1 for a, b in truth if a in ids and b in ids)


def test_drawn_whole_a_sample_keeps_many_times_the_matching_pairs_of_a_uniform_one() -> None:
    table, truth = _people(10_000)
    features = feature_frame(table).frame
    groups = whole_groups(features, None, 2_000)
    assert groups is not None and abs(groups.fraction - 0.1) < 1e-9
    by_dob = groups.left[0]
    uniform = features.sample(n=len(by_dob), random_state=3)
    # A uniform sample of a tenth keeps about a hundredth of the true pairs (100); drawn on the date
    # of birth, about a tenth of the true pairs that share one.
    assert _pairs_inside(by_dob, truth) > 5 * max(_pairs_inside(uniform, truth), 1)
    for sample, session in zip(groups.left, EM_SESSIONS, strict=True):
        drawn = set(sample[list(session.drawn_on)].itertuples(index=False, name=None))
        # every record of a drawn key is in the sample (no group here is larger than the cap)
        holds = features[list(session.drawn_on)].apply(tuple, axis=1).isin(drawn)
        assert set(features.loc[holds, "record_id"]) == set(sample["record_id"])
    # No table larger than the limit: no sample is drawn.
    assert whole_groups(features, None, len(features)) is None


@pytest.mark.parametrize("kind", ["parquet", "csv", "parquet with dates"])
def test_a_file_gives_the_groups_its_whole_table_gives(kind: str, tmp_path: Path) -> None:
    """Drawn a batch at a time from the raw file, the samples are those drawn from its features."""
    table, _ = _people(3_000)
    path = tmp_path / f"extract.{'csv' if kind == 'csv' else 'parquet'}"
    if kind == "csv":
        table.to_csv(path, index=False)
    elif kind == "parquet":
        table.to_parquet(path, index=False)
    else:  # dates of birth stored as dates, not text
        dates = [parse_date_of_birth(v).value if isinstance(v, str) else None for v in table["date_of_birth"]]
        table = table.assign(date_of_birth=dates)
        table.to_parquet(path, index=False)
    from_file = Extract(path).whole_groups(1_500)
    from_table = whole_groups(feature_frame(table).frame, None, 1_500)
    assert from_file is not None and from_table is not None
    assert from_file.records == 6_000 and from_file.fraction == from_table.fraction
    for a, b in zip(from_file.left, from_table.left, strict=True):
        assert sorted(a["record_id"]) == sorted(b["record_id"]) and len(a) > 0


def _true_m(
    features: pd.DataFrame, truth: set[tuple[str, str]], model: LinkageModel
) -> dict[str, list[float]]:
    """Each level's share of the true pairs (m as the truth gives it), null levels left out."""
    rows = dict(zip(features["record_id"], feature_rows(features), strict=True))
    scorer = Scorer(model, {})
    counts = {c.name: [0] * len(c.levels) for c in model.comparisons}
    for a, b in truth:
        for comparison, level in zip(model.comparisons, scorer.levels(rows[a], rows[b]), strict=True):
            counts[comparison.name][level] += 1
    shares = {}
    for comparison in model.comparisons:
        seen = [
            n if not level.is_null else 0
            for n, level in zip(counts[comparison.name], comparison.levels, strict=True)
        ]
        shares[comparison.name] = [n / max(sum(seen), 1) for n in seen]
    return shares


@pytest.mark.parametrize("where", ["table", "file"])
def test_a_large_source_learns_m_close_to_the_truth(where: str, tmp_path: Path) -> None:
    """Trained on a tenth of a 40,000-record source, EM on records drawn in whole groups learns how
    one person's records differ about as the truth has it."""
    table, truth = _people(20_000)
    if where == "table":
        model = LinkageModel.default().train(table, max_records=4_000, em_max_records=4_000, max_pairs=2e5)
    else:
        path = tmp_path / "extract.parquet"
        table.to_parquet(path, index=False)
        model = trained_on(Extract(path), 4_000, em_max_records=4_000, max_pairs=2e5)
    notes = " ".join(model.training["notes"])
    assert "EM estimated on records drawn in whole groups from the 40,000" in notes
    true_m = _true_m(feature_frame(table).frame, truth, model)
    for name, label in [
        ("given_name", "exact"),
        ("surname", "exact"),
        ("date_of_birth", "exact"),
        ("date_of_birth", "one digit different"),
        ("location", "same address and postcode"),
    ]:
        comparison = next(c for c in model.comparisons if c.name == name)
        level = next(i for i, lv in enumerate(comparison.levels) if lv.label == label)
        learnt = model.parameters[name][level][0]
        assert abs(learnt - true_m[name][level]) < 0.04, (name, label, learnt, true_m[name][level])


def test_a_file_without_surnames_draws_no_surname_groups_and_still_trains(tmp_path: Path) -> None:
    """An extract holding no surname column: its surname session has nothing to learn from, and the
    model is still trained (the date-of-birth session's estimates, and the prior m elsewhere)."""
    table, _ = _people(3_000)
    path = tmp_path / "extract.parquet"
    table.drop(columns=["surname"]).to_parquet(path, index=False)
    groups = Extract(path).whole_groups(1_500)
    assert groups is not None
    assert len(groups.left[0]) > 0 and len(groups.left[1]) == 0
    model = trained_on(Extract(path), 2_000, em_max_records=1_500, max_pairs=2e5)
    assert any("0 records sharing a surname" in note for note in model.training["notes"])
    assert any("no records drawn for EM on 'l.surname_first" in note for note in model.training["notes"])
    assert not any("failed" in note for note in model.training["notes"])
    dob = next(c for c in model.comparisons if c.name == "date_of_birth")
    assert model.level_weights(dob)[1] > 0 > model.level_weights(dob)[-1]


def test_an_empty_id_among_the_rows_drawn_names_its_own_row(tmp_path: Path) -> None:
    """Rows drawn for training from a Parquet extract (the random sample, the groups for EM) are
    checked as they are read: an empty record id names its row in the file, not its place among the
    rows drawn."""
    table, _ = _people(3_000)
    table.loc[4_000:4_099, "record_id"] = None  # rows 4,001 to 4,100 of the file
    path = tmp_path / "extract.parquet"
    table.to_parquet(path, index=False)
    extract = Extract(path)
    for draw in (lambda: extract.sample(3_000), lambda: extract.whole_groups(1_500)):
        with pytest.raises(InputError, match="record_id is empty") as caught:
            draw()
        row = re.search(r"row (\d+)", str(caught.value))
        assert row is not None and 4_001 <= int(row.group(1)) <= 4_100, str(caught.value)
