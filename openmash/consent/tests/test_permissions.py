"""Every consent view x every role x children's social care, police and health -> allowed, 403 or 404.

Consent is the hub's record of what a family agreed to. Screening managers and decision makers (held
only in children's social care) read and change it; a meeting chair reads it for the cases on the agendas
of the meetings they chair (the chair in the matrix chairs a meeting discussing the case), and is told the
case's page does not exist (404) when their meetings do not discuss it; no one else may see it at all
(403), including the researchers of the agencies asked about the case. The expectations are written out
by hand, not derived from the policy under test.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from openmash.accounts.roles import Role
from openmash.cases.models import Case
from openmash.cases.tests.helpers import make_referral, screen
from openmash.casework.consent import consent_record
from openmash.consent.models import ConsentDecision, ConsentRecord, ForWhom, InformedHow, LawfulBasisDecision
from openmash.core.actor import Actor
from openmash.enquiries.models import RequestStatus
from openmash.hub.models import AgencyKind
from openmash.meetings.tests.helpers import meeting_discussing

pytestmark = pytest.mark.django_db

R = Role
CSC, POLICE, HEALTH = AgencyKind.CHILDRENS_SOCIAL_CARE, AgencyKind.POLICE, AgencyKind.HEALTH
KINDS = [CSC, POLICE, HEALTH]
MISSING = "00000000-0000-0000-0000-000000000000"


@dataclass(frozen=True)
class V:
    name: str
    url: str
    method: str = "get"


def views(case: Case, consent: ConsentRecord) -> list[V]:
    return [
        V("page", reverse("consent:case", args=[case.pk])),
        V("record", reverse("consent:record", args=[case.pk])),
        V("record-post", reverse("consent:record", args=[case.pk]), "post"),  # re-shown with errors
        V("basis", reverse("consent:lawful-basis", args=[case.pk])),
        V("basis-post", reverse("consent:lawful-basis", args=[case.pk]), "post"),
        V("ask-again", reverse("consent:ask-again", args=[case.pk]), "post"),
        V("withdraw", reverse("consent:withdraw", args=[consent.pk])),
        V("withdraw-post", reverse("consent:withdraw", args=[consent.pk]), "post"),
        V("page-missing", reverse("consent:case", args=[MISSING])),
        V("withdraw-missing", reverse("consent:withdraw", args=[MISSING])),
    ]


ALL = {
    "page": 200,
    "record": 200,
    "record-post": 200,
    "basis": 200,
    "basis-post": 200,
    "ask-again": 302,
    "withdraw": 200,
    "withdraw-post": 200,
    "page-missing": 404,
    "withdraw-missing": 404,
}
READ_ONLY = {name: 403 for name in ALL} | {"page": 200, "page-missing": 404}
NOTHING = {name: 403 for name in ALL}
# The chair of another meeting, which discusses a different case: a chair may read consent pages, but
# this case is not theirs to know about; changing consent is refused to chairs whichever the case.
CHAIR_OF_ANOTHER_MEETING = READ_ONLY | {"page": 404}

# Screening managers and decision makers hold their roles only in children's social care: elsewhere the
# grant gives nothing, so every consent page refuses them.
EXPECTED: dict[tuple[Role, AgencyKind], dict[str, int]] = {
    (R.SCREENING_MANAGER, CSC): ALL,
    (R.DECISION_MAKER, CSC): ALL,
    **{(R.MEETING_CHAIR, kind): READ_ONLY for kind in KINDS},  # chairing a meeting discussing the case
}


def expected(role: Role, kind: AgencyKind) -> dict[str, int]:
    return EXPECTED.get((role, kind), NOTHING)


@pytest.fixture
def setting(make_user: Any) -> tuple[Case, ConsentRecord]:
    screener = make_user(R.SCREENING_MANAGER, CSC)
    case = make_referral().case
    consent = consent_record(
        actor=Actor(user=screener),
        case=case,
        given_by=case.referral.people.get(is_subject=False),
        for_whom=ForWhom.HOUSEHOLD,
        decision=ConsentDecision.GIVEN,
        informed_how=InformedHow.VERBAL,
        privacy_notice_version="2026-04",
    )
    case.refresh_from_db()
    screen(case, screener, lawful_basis=False)
    return case, consent


def fetch(client: Client, view: V) -> int:
    if view.method == "post":
        return client.post(view.url, {}).status_code
    return client.get(view.url).status_code


@pytest.mark.parametrize("kind", KINDS, ids=lambda k: k.value)
@pytest.mark.parametrize("role", list(Role), ids=lambda r: r.value)
def test_role_and_agency_matrix(
    role: Role, kind: AgencyKind, setting: tuple[Case, ConsentRecord], make_user: Any
) -> None:
    case, consent = setting
    user = make_user(role, kind)
    if role == R.MEETING_CHAIR:
        meeting_discussing(user, case)  # the case is on the agenda of their meeting
    client = Client()
    client.force_login(user)
    want = expected(role, kind)
    got = {view.name: fetch(client, view) for view in views(case, consent)}
    assert got == want, f"{role.value} in {kind.value}"


@pytest.mark.parametrize("kind", KINDS, ids=lambda k: k.value)
def test_a_chair_of_another_meeting_matrix(
    kind: AgencyKind, setting: tuple[Case, ConsentRecord], make_user: Any
) -> None:
    case, consent = setting
    meeting_discussing(make_user(R.MEETING_CHAIR), case)  # someone else chairs the meeting about it
    elsewhere = make_referral(None).case
    screen(elsewhere, make_user(R.SCREENING_MANAGER))
    chair = make_user(R.MEETING_CHAIR, kind)
    meeting_discussing(chair, elsewhere)
    client = Client()
    client.force_login(chair)
    got = {view.name: fetch(client, view) for view in views(case, consent)}
    assert got == CHAIR_OF_ANOTHER_MEETING, f"chair of another meeting in {kind.value}"
    assert client.get(reverse("consent:case", args=[elsewhere.pk])).status_code == 200


def test_nobody_signed_in_is_sent_to_sign_in(setting: tuple[Case, ConsentRecord]) -> None:
    client = Client()
    for view in views(*setting):
        response = client.post(view.url, {}) if view.method == "post" else client.get(view.url)
        assert response.status_code == 302, view.name
        assert response["Location"].startswith(reverse("accounts:sign-in")), view.name


@pytest.mark.parametrize("kind", [POLICE, HEALTH], ids=lambda k: k.value)
def test_refused_posts_change_nothing(
    kind: AgencyKind, setting: tuple[Case, ConsentRecord], make_user: Any
) -> None:
    """A researcher of an agency asked about the case, posting a complete form, still changes nothing."""
    case, consent = setting
    client = Client()
    client.force_login(make_user(R.AGENCY_RESEARCHER, kind))
    mother = case.referral.people.get(is_subject=False)
    posts = {
        reverse("consent:record", args=[case.pk]): {
            "decision": "given",
            "consent_by": str(mother.pk),
            "consent_for": "household",
            "consent_health": "on",
            "consent_informed": "verbal",
            "consent_notice": "2026-04",
            "given_on_0": "1",
            "given_on_1": "1",
            "given_on_2": "2026",
            "scope": "all",
        },
        reverse("consent:lawful-basis", args=[case.pk]): {
            "reason": "Risk",
            "art6": "6(1)(e)",
            "health_override": "on",
            "scope": "all",
        },
        reverse("consent:ask-again", args=[case.pk]): {},
        reverse("consent:withdraw", args=[consent.pk]): {"note": "Withdrawn by phone"},
    }
    for url, data in posts.items():
        assert client.post(url, data).status_code == 403, url
    consent.refresh_from_db()
    assert consent.withdrawn_at is None
    assert ConsentRecord.objects.count() == 1 and not LawfulBasisDecision.objects.exists()
    assert dict(case.requests.values_list("agency__kind", "status")) == {
        POLICE: RequestStatus.OPEN,
        HEALTH: RequestStatus.BLOCKED,
    }
