"""A few generated uploads (random bytes, truncated files, wrong encodings, formula cells, huge
cells, zip bombs) through the real load page: no server error, no unexpected failure, and a failed
load leaves nothing behind. ``bench/fuzz_uploads.py`` runs many more and prints the figures."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from django.test import Client
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from openmash.accounts.roles import Role
from openmash.sources.models import LoadStatus
from openmash.sources.tests.fuzz import Tally, csv_uploads, push, stray_uploads, xlsx_source, xlsx_uploads
from openmash.sources.tests.helpers import police_source

pytestmark = pytest.mark.django_db


@pytest.fixture
def sources(hub: Any, tmp_path: Path, make_user: Any, settings: Any) -> tuple[Client, Any, Any]:
    settings.OPENMASH_SOURCES_DIR = tmp_path / "var-sources"
    settings.OPENMASH_SOURCE_MAX_UPLOAD_MB = 1
    client = Client()
    client.force_login(make_user(Role.HUB_ADMINISTRATOR))
    return client, police_source(tmp_path / "csv"), xlsx_source(tmp_path / "xlsx")


def test_generated_uploads_never_break_the_load_page_or_leave_a_partial_load(
    sources: tuple[Client, Any, Any], django_capture_on_commit_callbacks: Any
) -> None:
    client, csv_source, excel_source = sources
    tally = Tally()

    @settings(
        max_examples=25,
        deadline=None,
        database=None,
        suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
    )
    @given(
        st.one_of(
            csv_uploads().map(lambda u: ("csv", u)), xlsx_uploads(bomb_mb=(5, 20)).map(lambda u: ("xlsx", u))
        )
    )
    def upload(case: tuple[str, tuple[str, bytes]]) -> None:
        kind, (name, content) = case
        source = csv_source if kind == "csv" else excel_source
        push(client, source, name, content, tally, lambda: django_capture_on_commit_callbacks(execute=True))

    upload()
    assert tally.tried >= 25
    assert (tally.server_errors, tally.crashes, tally.partial_writes) == (0, 0, 0), tally.examples
    # Every upload that did not load was removed; the ones that loaded are the sources' files now.
    assert stray_uploads() == []
    assert tally.failed_cleanly + tally.refused_by_form > 0
    assert csv_source.current_load.status == LoadStatus.LOADED
