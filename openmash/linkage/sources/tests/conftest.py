"""Fixtures for the connector tests: synthetic FHIR resources for the local FHIR server."""

from __future__ import annotations

import copy

import pytest

from openmash.linkage.sources.tests.fhir_server import Resources, synthetic_resources


@pytest.fixture(scope="session")
def synthetic_fhir() -> Resources:
    return synthetic_resources()


@pytest.fixture
def fhir_resources(synthetic_fhir: Resources) -> Resources:
    """A copy of the synthetic GP patients, encounters and conditions that a test may change."""
    return copy.deepcopy(synthetic_fhir)
