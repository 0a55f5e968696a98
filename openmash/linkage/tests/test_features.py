"""The bulk feature path (indexes) and the one-record path (queries) must agree exactly."""

from __future__ import annotations

from datetime import date

import pandas as pd

from openmash.linkage.engine.features import FEATURE_COLUMNS, feature_frame, feature_rows, record_features
from openmash.linkage.engine.normalise import DATE_IMPOSSIBLE, NHS_BAD_CHECK_DIGIT, normalise_nhs
from openmash.linkage.tests.noisy import noisy_pairs

TODAY = date(2026, 11, 2)


def test_bulk_and_single_record_features_are_identical() -> None:
    left, right, _ = noisy_pairs(300, seed=3)
    frame = pd.concat([left, right], ignore_index=True)
    bulk = feature_rows(feature_frame(frame, today=TODAY).frame)
    single = [record_features(row, today=TODAY) for row in frame.to_dict("records")]
    assert bulk == single
    assert len(bulk[0]) == len(FEATURE_COLUMNS)


def test_unreadable_values_become_missing_and_are_counted() -> None:
    frame = pd.DataFrame(
        {
            "record_id": ["a", "b", "c"],
            "date_of_birth": ["31/02/1990", "1990-01-01", "31/02/1990"],
            "nhs_number": ["9434765918", "9434765919", None],
        }
    )
    table = feature_frame(frame, today=TODAY)
    assert table.frame["dob"].tolist() == [None, "1990-01-01", None]
    assert table.frame["nhs_number"].tolist() == [None, "9434765919", None]
    assert table.warnings[("date_of_birth", DATE_IMPOSSIBLE)] == 2
    assert table.warnings[("nhs_number", NHS_BAD_CHECK_DIGIT)] == 1
    assert any("2 date_of_birth value(s): impossible date" in line for line in table.warning_lines())


def test_vectorised_nhs_check_matches_the_scalar_one() -> None:
    values = [
        "9434765919",
        "943 476 5919",
        "9434765918",
        "12345",
        "",
        None,
        "abcdefghij",
        9434765919,
        "4010232137",
    ]
    table = feature_frame(
        pd.DataFrame({"record_id": [str(i) for i in range(len(values))], "nhs_number": values})
    )
    expected = [normalise_nhs(None if v is None else str(v))[0] for v in values]
    assert table.frame["nhs_number"].tolist() == expected


def test_codes_index_the_shared_vocabulary() -> None:
    left, _, _ = noisy_pairs(50, seed=5)
    table = feature_frame(left)
    inverse = {code: value for value, code in table.vocabulary.items()}
    for column, codes in table.codes.items():
        values = table.frame[column].tolist()
        assert [inverse.get(int(c)) if c >= 0 else None for c in codes] == values, column
