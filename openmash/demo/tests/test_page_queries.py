"""Page costs must not grow with the hub: each main page runs the same number of queries, at most
MAX_QUERIES, whether the hub holds 10 cases or 100 (so no query is repeated per row of a list, and no
partial looks something up per request, notice or challenge it shows)."""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass

import pytest
from django.db import connection
from django.db.models import Count
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from openmash.accounts.models import User
from openmash.cases.models import Case, CaseStatus
from openmash.demo.loader import load_demo_hub
from openmash.demo.volume import load_volume
from openmash.enquiries.models import OPEN_STATUSES, InformationRequest, RequestStatus

pytestmark = pytest.mark.django_db
MAX_QUERIES = 25
SMALL, LARGE = 10, 100


def _busiest(status: str) -> Case:
    """The case of ``status`` whose page has the most rows: the one with most requests."""
    found = (
        Case.objects.filter(status=status).annotate(n=Count("requests")).order_by("-n", "created_at").first()
    )
    assert found is not None, status
    return found


def _open_request() -> InformationRequest:
    found = (
        InformationRequest.objects.filter(status__in=OPEN_STATUSES)
        .exclude(status=RequestStatus.BLOCKED)
        .order_by("created_at")
        .first()
    )
    assert found is not None
    return found


def _researcher_of(info: InformationRequest) -> str:
    user = User.objects.filter(agency=info.agency, username__endswith=".researcher").first()
    assert user is not None
    return user.username


@dataclass(frozen=True)
class PageSpec:
    name: str
    username: str  # empty: the researcher of the agency the request is for
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
    PageSpec("requests queue", "", lambda: reverse("enquiries:queue")),
    PageSpec("requests queue, returned", "", lambda: reverse("enquiries:queue") + "?show=returned"),
    PageSpec("request page", "", lambda: reverse("enquiries:detail", args=[_open_request().pk])),
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


def _queries(url: str, username: str) -> list[str]:
    client = Client()
    client.force_login(User.objects.get(username=username))
    client.get(url)  # once first, as a person who has the page open already would have
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url)
    assert response.status_code == 200, (url, response.status_code)
    # Savepoints are the test's own transaction showing through: served, each atomic block is a BEGIN and
    # a COMMIT on the connection, not a query of its own.
    return [q["sql"] for q in captured.captured_queries if not q["sql"].startswith(("SAVEPOINT", "RELEASE"))]


def _shape(sql: str) -> str:
    """The query without its values: the same look-up for another row has the same shape."""
    return re.sub(r"'[^']*'|\b\d+\b", "?", sql)


def _repeated(sql: list[str]) -> list[str]:
    """Look-ups run more than once, other than the audit events the page writes (one per thing seen)."""
    shapes = Counter(_shape(s) for s in sql if "audit_auditevent" not in s and "advisory" not in s)
    return [f"{n} x {s[:300]}" for s, n in shapes.items() if n > 1]


def _report(sql: list[str]) -> str:
    return f"{len(sql)} queries; repeated: {_repeated(sql) or 'none'}"


@pytest.mark.parametrize("spec", PAGES, ids=[p.name for p in PAGES])
def test_page_queries_do_not_grow_with_the_hub(db: None, spec: PageSpec) -> None:
    """The same page, at 10 cases and at 100 (half of them open, so every list has rows to show), runs
    the same queries, each once (a case page: the same case, the one with most requests at 10 cases)."""
    load_demo_hub()
    load_volume(cases=SMALL, seed=3, open_share=0.5)
    # The same page both times, for the same person: a case page is the same case's.
    url, username = spec.url(), spec.username or _researcher_of(_open_request())
    small = _queries(url, username)
    load_volume(cases=LARGE - SMALL, seed=4, open_share=0.5)
    large = _queries(url, username)
    assert len(large) <= MAX_QUERIES, f"{spec.name} at {LARGE} cases: {_report(large)}"
    assert len(large) == len(small), (
        f"{spec.name}: {len(small)} queries at {SMALL} cases, {len(large)} at {LARGE}: {_report(large)}"
    )
    assert not _repeated(large), f"{spec.name}: {_report(large)}"
