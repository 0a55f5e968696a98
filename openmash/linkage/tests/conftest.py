"""Shared data for the engine tests: one small noisy dataset and one model trained on it."""

from __future__ import annotations

import pandas as pd
import pytest

from openmash.linkage.engine import LinkageModel, SearchIndex
from openmash.linkage.tests.noisy import noisy_pairs


@pytest.fixture(scope="session")
def pairs() -> tuple[pd.DataFrame, pd.DataFrame, set[tuple[str, str]]]:
    return noisy_pairs(600, seed=7)


@pytest.fixture(scope="session")
def trained(pairs: tuple[pd.DataFrame, pd.DataFrame, set[tuple[str, str]]]) -> LinkageModel:
    left, right, _ = pairs
    return LinkageModel.default().train(left, other=right, max_pairs=2e5)


@pytest.fixture(scope="session")
def index(
    pairs: tuple[pd.DataFrame, pd.DataFrame, set[tuple[str, str]]], trained: LinkageModel
) -> SearchIndex:
    _, right, _ = pairs
    return SearchIndex.build(right, trained)
