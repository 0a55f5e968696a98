"""Every trawl page x every role x police/health -> allowed, 403 or 404 (another agency's request).
Written out by hand, not derived from the policy under test."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from openmash.accounts.roles import Role
from openmash.core.actor import Actor
from openmash.enquiries.models import InformationRequest
from openmash.enquiries.tests.test_views import make_case, make_people, request_to
from openmash.hub.models import AgencyKind
from openmash.sources.tests.helpers import police_source
from openmash.trawl.models import CandidateStatus, TrawlCandidate
from openmash.trawl.services import candidate_confirm, candidate_record, events_add, trawl_start

pytestmark = pytest.mark.django_db


def views(info: InformationRequest, candidate: TrawlCandidate) -> list[tuple[str, str, str, dict[str, str]]]:
    item = info.history.first()
    return [
        ("page", "get", reverse("trawl:page", args=[info.pk]), {}),
        ("progress", "get", reverse("trawl:progress", args=[info.pk]), {}),
        ("add-person", "get", reverse("trawl:add-person", args=[info.pk]), {}),
        ("run", "post", reverse("trawl:run", args=[info.pk]), {}),
        ("decide", "post", reverse("trawl:decide", args=[info.pk, candidate.pk]), {"decision": "reject"}),
        ("record", "get", reverse("trawl:record", args=[info.pk, candidate.pk]), {}),
        ("edit", "get", reverse("trawl:edit-item", args=[info.pk, item.pk if item else candidate.pk]), {}),
        (
            "remove",
            "post",
            reverse("trawl:remove-item", args=[info.pk, item.pk if item else candidate.pk]),
            {},
        ),
    ]


@pytest.fixture
def police_case(
    make_user: Any, tmp_path: Path, django_capture_on_commit_callbacks: Any
) -> InformationRequest:
    people = make_people(make_user)
    police_source(tmp_path)
    info = request_to(make_case(people), AgencyKind.POLICE)
    actor = Actor(user=people["police"])
    with django_capture_on_commit_callbacks(execute=True):
        trawl_start(actor=actor, request=info)
    # One event of the best candidate in the draft return, for the edit and remove pages.
    best = TrawlCandidate.objects.filter(trawl__request=info).order_by("-match_probability").first()
    assert best is not None
    candidate_confirm(actor=actor, candidate=best)
    record = candidate_record(actor=actor, candidate=best)
    assert record is not None and record.events
    events_add(actor=actor, candidate=best, event_keys=[record.events[0].key])
    return info


def test_role_and_agency_matrix(police_case: InformationRequest, make_user: Any) -> None:
    """Every role in police and in health, in turn; the police researcher (who may act) goes last."""
    candidate = (
        TrawlCandidate.objects.filter(trawl__request=police_case).order_by("-match_probability").last()
    )
    assert candidate is not None
    expected = {
        "page": 200,
        "progress": 200,
        "add-person": 200,
        "run": 302,
        "decide": 302,
        "record": 302,
        "edit": 200,
        "remove": 302,
    }
    combinations = [(role, kind) for kind in (AgencyKind.HEALTH, AgencyKind.POLICE) for role in Role]
    combinations.sort(key=lambda rk: rk == (Role.AGENCY_RESEARCHER, AgencyKind.POLICE))
    failures = []
    for role, kind in combinations:
        client = Client()
        client.force_login(make_user(role, kind))
        own = role == Role.AGENCY_RESEARCHER and kind == AgencyKind.POLICE
        for name, method, url, data in views(police_case, candidate):
            status = (client.post(url, data) if method == "post" else client.get(url)).status_code
            want = expected[name] if own else 404 if role == Role.AGENCY_RESEARCHER else 403
            if status != want:
                failures.append(f"{role.value} in {kind.value} {name}: got {status}, expected {want}")
        candidate.refresh_from_db()
        assert candidate.status == (CandidateStatus.REJECTED if own else CandidateStatus.PROPOSED), (
            role,
            kind,
        )
    assert not failures, "\n".join(failures)


def test_nobody_signed_in_is_sent_to_sign_in(police_case: InformationRequest) -> None:
    candidate = TrawlCandidate.objects.filter(trawl__request=police_case).first()
    assert candidate is not None
    client = Client()
    for name, method, url, data in views(police_case, candidate):
        response = client.post(url, data) if method == "post" else client.get(url)
        assert response.status_code == 302 and response["Location"].startswith(reverse("accounts:sign-in")), (
            name
        )
