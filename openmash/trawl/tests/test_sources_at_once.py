"""A trawl searches a person's sources at once and shows its progress source by source."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from openmash.enquiries.tests.test_views import make_case, make_people, request_to
from openmash.hub.models import AgencyKind
from openmash.sources.tests.helpers import police_source
from openmash.trawl.models import Trawl, TrawlStatus
from openmash.trawl.runner import search_threads, trawl_run

pytestmark = pytest.mark.django_db


def test_every_source_is_searched_and_counted_and_the_progress_names_each(
    make_user: Any, tmp_path: Path, settings: Any
) -> None:
    settings.TRAWL_SEARCH_THREADS = 2
    people = make_people(make_user)
    for folder, name in (("a", "Police records system"), ("b", "Custody system")):
        (tmp_path / folder).mkdir()
        police_source(tmp_path / folder, name=name)
    info = request_to(make_case(people), AgencyKind.POLICE)
    trawl = trawl_run(Trawl.objects.create(request=info, started_by=people["police"], people_total=2))
    assert trawl.status == TrawlStatus.DONE
    assert {e["source"] for e in trawl.searched} == {"Police records system", "Custody system"}
    found = {}
    for entry in trawl.searched:
        assert entry["people_done"] == 2
        assert entry["candidates"] == trawl.candidates.filter(source_id=entry["source_id"]).count()
        found[entry["source"]] = [
            (c.person_id, c.record_id, c.match_probability)
            for c in trawl.candidates.filter(source_id=entry["source_id"]).order_by("person_id", "rank")
        ]
    # The same extract behind both sources: the same candidates from each, whatever thread searched it.
    assert found["Police records system"] == found["Custody system"] != []

    # While a trawl runs, the researcher sees how far each source has got.
    Trawl.objects.filter(pk=trawl.pk).update(status=TrawlStatus.RUNNING, finished_at=None)
    client = Client()
    client.force_login(people["police"])
    body = client.get(reverse("trawl:progress", args=[info.pk])).content.decode()
    assert "Custody system: 2 of 2 people searched" in body
    assert 'data-testid="trawl-source-progress"' in body


def test_the_search_threads_setting_is_obeyed(settings: Any) -> None:
    settings.TRAWL_SEARCH_THREADS = 1
    assert search_threads(5) == 1
    settings.TRAWL_SEARCH_THREADS = 3
    assert search_threads(5) == 3
    assert search_threads(2) == 2, "never more threads than sources"
    settings.TRAWL_SEARCH_THREADS = 0
    assert 1 <= search_threads(8) <= 4
