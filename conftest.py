"""Fixtures shared by every test: a configured hub, and people in each role and agency."""

from __future__ import annotations

import os
from collections.abc import Callable
from typing import Any

import pytest

os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")


@pytest.fixture(autouse=True)
def _the_same_staff_names_every_run(request: pytest.FixtureRequest) -> None:
    """Staff accounts are named by Faker (`UserFactory`), seeded here from the test's own name, so a
    test meets the same names on every run. Unseeded, a screening manager could draw the first name of
    the mother in the test's family (Kerry is one of Faker's), and "the refusal does not name her" then
    failed in one run of many."""
    import factory.random

    factory.random.reseed_random(request.node.nodeid)


@pytest.fixture
def hub(db: None) -> object:
    from openmash.core.actor import Actor
    from openmash.hub.services import hub_apply_preset

    return hub_apply_preset(actor=Actor.system("tests"), preset_slug="front-door")


@pytest.fixture
def make_user(hub: object) -> Callable[..., Any]:
    from openmash.accounts.tests.factories import UserFactory
    from openmash.hub.models import Agency

    def make(role: object, kind: str = "childrens_social_care", **kwargs: object) -> Any:
        agency = Agency.objects.filter(kind=kind).order_by("created_at").first()
        if agency is None:
            agency = Agency.objects.create(name=f"Test agency ({kind})", kind=kind)
        return UserFactory(agency=agency, roles=[role], **kwargs)

    return make


@pytest.fixture(autouse=True)
def _sources_in_tmp(settings: Any, tmp_path_factory: pytest.TempPathFactory) -> None:
    """Snapshots of loaded data sources go to a temporary folder, and no index outlives its test."""
    settings.OPENMASH_SOURCES_DIR = tmp_path_factory.mktemp("sources")
    from openmash.sources.index import clear_cache

    clear_cache()
