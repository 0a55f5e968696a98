"""Page costs must not grow with the hub: each main page runs the same number of queries, at most
MAX_QUERIES, whether the hub holds 10 cases or 100 (so no query is repeated per row of a list, and no
partial looks something up per request, notice or challenge it shows)."""

from __future__ import annotations

import os
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from openmash.accounts.models import User
from openmash.cases.models import Case, CaseStatus
from openmash.demo.loader import load_demo_hub
from openmash.demo.volume import load_volume
from openmash.enquiries.models import OPEN_STATUSES, InformationRequest

pytestmark = pytest.mark.django_db
MAX_QUERIES = 25
SMALL, LARGE = 10, 100


def _case(status: str) -> Case:
    """The case of ``status`` with the most requests: the one whose page has the most rows."""
    case = (
        Case.objects.filter(status=status)
        .annotate_request_count()  # type: ignore[attr-defined]
        .order_by("-request_count", "created_at")
        .first()
        if hasattr(Case.objects, "annotate_request_count")
        else _busiest(status)
    )
    assert case is not None, status
    return case


def _busiest(status: str) -> Case:
    from django.db.models import Count

    found = (
        Case.objects.filter(status=status).annotate(n=Count("requests")).order_by("-n", "created_at").first()
    )
    assert found is not None, status
    return found


def _police_request() -> InformationRequest:
    found = (
        InformationRequest.objects.filter(agency__kind="police", status__in=OPEN_STATUSES)
        .exclude(status="blocked")
        .order_by("created_at")
        .first()
    )
    assert found is not None
    return found


@dataclass(frozen=True)
class PageSpec:
    name: str
    username: str
    url: Callable[[], str]


PAGES = [
    PageSpec("screening queue", "screening.manager", lambda: reverse("cases:queue")),
    PageSpec("case list", "screening.manager", lambda: reverse("cases:list")),
    PageSpec(
        "case page, open",
        "screening.manager",
        lambda: reverse("cases:detail", args=[_busiest(CaseStatus.INFORMATION_GATHERING).pk]),
    ),
    PageSpec(
        "case page, closed",
        "screening.manager",
        lambda: reverse("cases:detail", args=[_busiest(CaseStatus.CLOSED).pk]),
    ),
    PageSpec("requests queue", "police.researcher", lambda: reverse("enquiries:queue")),
    PageSpec(
        "requests queue, returned", "police.researcher", lambda: reverse("enquiries:queue") + "?show=returned"
    ),
    PageSpec(
        "request page", "police.researcher", lambda: reverse("enquiries:detail", args=[_police_request().pk])
    ),
    PageSpec(
        "chronology",
        "screening.manager",
        lambda: reverse("chronology:case", args=[_busiest(CaseStatus.CLOSED).pk]),
    ),
    PageSpec(
        "people", "screening.manager", lambda: reverse("people:case", args=[_busiest(CaseStatus.CLOSED).pk])
    ),
    PageSpec(
        "genogram",
        "screening.manager",
        lambda: reverse("people:genogram", args=[_busiest(CaseStatus.CLOSED).pk]),
    ),
    PageSpec("decision queue", "decision.maker", lambda: reverse("decisions:queue")),
    PageSpec(
        "decision page",
        "decision.maker",
        lambda: reverse("decisions:record", args=[_busiest(CaseStatus.READY_FOR_DECISION).pk]),
    ),
    PageSpec("outcomes", "referrer.police", lambda: reverse("feedback:outcomes")),
    PageSpec("audit trail", "ig.officer", lambda: reverse("audit:events")),
    PageSpec("disclosure log", "ig.officer", lambda: reverse("consent:disclosures")),
]


def _queries(hub_cases: int, spec: PageSpec) -> tuple[int, list[str]]:
    load_volume(cases=hub_cases, seed=3, open_share=0.5)
    client = Client()
    client.force_login(User.objects.get(username=spec.username))
    url = spec.url()
    client.get(url)  # warm caches that are filled once per process (the hub's calendar, say)
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url)
    assert response.status_code == 200, (spec.name, response.status_code)
    return len(captured), [q["sql"] for q in captured.captured_queries]


@pytest.fixture
def demo_hub(db: None) -> Any:
    return load_demo_hub()


@pytest.mark.parametrize("spec", PAGES, ids=[p.name for p in PAGES])
@pytest.mark.parametrize("hub_cases", [SMALL, LARGE])
def test_page_query_count(demo_hub: Any, spec: PageSpec, hub_cases: int) -> None:
    count, sql = _queries(hub_cases, spec)
    repeated = [s for s, n in Counter(sql).items() if n > 1 and not s.startswith(("SAVEPOINT", "RELEASE"))]
    print("\nCOUNT", spec.name, hub_cases, count)
    if os.environ.get("DUMP") == spec.name:
        for q in sql:
            print("   Q", q[:400])
    for s_ in repeated:
        print("  REPEATED", Counter(sql)[s_], s_[:300])
    assert count <= MAX_QUERIES, (spec.name, count, sql)
