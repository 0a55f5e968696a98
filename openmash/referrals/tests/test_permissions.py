"""Referral and outcome pages: every role x agency kind -> the status each should get, written by hand.

200 allowed; 403 the role may not use the page; 404 the page is theirs to use but the object is not
(a referral's or a notice's existence is itself personal data). Screening managers and decision makers
hold their roles only in children's social care: elsewhere the grant gives them nothing (403). A meeting
chair sees the referral of a case on the agenda of a meeting they chair: the chairs in the matrix each
chaired a meeting that discussed the case before it was decided; the chair of another meeting, which
discussed a different case, is told the referral does not exist (404).
"""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from openmash.accounts.models import User
from openmash.accounts.roles import Role
from openmash.cases.models import Case
from openmash.cases.tests.helpers import make_referral, screen
from openmash.core.actor import Actor
from openmash.decisions.models import Outcome
from openmash.decisions.services import decision_record
from openmash.hub.models import AgencyKind, ThresholdLevel
from openmash.meetings.tests.helpers import meeting_discussing
from openmash.referrals.models import Referral
from openmash.referrals.tests.test_views import form_data

pytestmark = pytest.mark.django_db
R = Role
CSC, POLICE, HEALTH, EDUCATION = (
    AgencyKind.CHILDRENS_SOCIAL_CARE,
    AgencyKind.POLICE,
    AgencyKind.HEALTH,
    AgencyKind.EDUCATION,
)
KINDS = [CSC, POLICE, HEALTH, EDUCATION]


def same(status: int) -> dict[str, int]:
    return dict.fromkeys(KINDS, status)


CSC_ONLY_200 = {CSC: 200, POLICE: 403, HEALTH: 403, EDUCATION: 403}

# page -> role -> agency kind -> status
EXPECTED: dict[str, dict[Role, dict[str, int]]] = {
    "make a referral": {
        R.REFERRER: same(200),
        R.SCREENING_MANAGER: same(403),
        R.AGENCY_RESEARCHER: same(403),
        R.DECISION_MAKER: same(403),
        R.MEETING_CHAIR: same(403),
        R.IG_OFFICER: same(403),
        R.PERFORMANCE_MANAGER: same(403),
        R.HUB_ADMINISTRATOR: same(403),
    },
    "someone else's referral": {
        R.REFERRER: same(404),
        R.SCREENING_MANAGER: CSC_ONLY_200,
        R.AGENCY_RESEARCHER: same(404),  # even the agencies asked: they see the case, not the referral page
        R.DECISION_MAKER: CSC_ONLY_200,
        R.MEETING_CHAIR: same(200),  # chairing a meeting that discussed the case
        R.IG_OFFICER: same(404),
        R.PERFORMANCE_MANAGER: same(404),
        R.HUB_ADMINISTRATOR: same(404),
    },
    "outcomes": {
        R.REFERRER: same(200),
        R.SCREENING_MANAGER: same(403),
        R.AGENCY_RESEARCHER: same(200),
        R.DECISION_MAKER: same(403),
        R.MEETING_CHAIR: same(403),
        R.IG_OFFICER: same(403),
        R.PERFORMANCE_MANAGER: same(403),
        R.HUB_ADMINISTRATOR: same(403),
    },
    "police's outcome note": {
        R.REFERRER: same(404),
        R.SCREENING_MANAGER: same(403),
        R.AGENCY_RESEARCHER: {CSC: 404, POLICE: 200, HEALTH: 404, EDUCATION: 404},
        R.DECISION_MAKER: same(403),
        R.MEETING_CHAIR: same(403),
        R.IG_OFFICER: same(403),
        R.PERFORMANCE_MANAGER: same(403),
        R.HUB_ADMINISTRATOR: same(403),
    },
}


# page -> agency kind -> status, for the chair of another meeting, which discussed a different case.
CHAIR_OF_ANOTHER_MEETING: dict[str, dict[str, int]] = {
    "make a referral": same(403),
    "someone else's referral": same(404),
    "outcomes": same(403),
    "police's outcome note": same(403),
}


@pytest.fixture
def chairs(make_user: Any) -> dict[str, User]:
    """A meeting chair in each agency kind."""
    return {kind: make_user(R.MEETING_CHAIR, kind) for kind in KINDS}


@pytest.fixture
def case(make_user: Any, chairs: dict[str, User]) -> Case:
    """A referral by an education referrer, asked of police and health, on the agenda of a meeting each
    chair chairs, then decided."""
    case = make_referral(make_user(R.REFERRER, EDUCATION)).case
    screen(case, make_user(R.SCREENING_MANAGER))
    for chair in chairs.values():
        meeting_discussing(chair, case)
    case.refresh_from_db()
    decision_record(
        actor=Actor(user=make_user(R.DECISION_MAKER)),
        case=case,
        expected_version=case.version,
        outcome=Outcome.S17_ASSESSMENT,
        level=ThresholdLevel.objects.get(number=3),
        rationale="Neglect with domestic abuse",
        proceed_reason="Strategy needed today",
    )
    case.refresh_from_db()
    return case


def urls(case: Case) -> dict[str, str]:
    police_notice = case.notifications.get(agency__kind=POLICE)
    return {
        "make a referral": reverse("referrals:create"),
        "someone else's referral": reverse("referrals:detail", args=[case.referral.pk]),
        "outcomes": reverse("feedback:outcomes"),
        "police's outcome note": reverse("feedback:note", args=[police_notice.pk]),
    }


def test_every_role_is_expected_somewhere() -> None:
    for page, by_role in EXPECTED.items():
        assert set(by_role) == set(Role), page
        assert all(set(by_kind) == set(KINDS) for by_kind in by_role.values()), page


@pytest.mark.parametrize("role", list(Role), ids=lambda r: r.value)
def test_role_and_agency_matrix(role: Role, case: Case, chairs: dict[str, User], make_user: Any) -> None:
    failures = []
    for kind in KINDS:
        client = Client()
        client.force_login(chairs[kind] if role == R.MEETING_CHAIR else make_user(role, kind))
        for page, url in urls(case).items():
            expected = EXPECTED[page][role][kind]
            status = client.get(url).status_code
            if status != expected:
                failures.append(f"{page} in {kind}: got {status}, expected {expected}")
    assert not failures, f"{role.value}:\n" + "\n".join(failures)


def test_a_chair_of_another_meeting_matrix(case: Case, make_user: Any) -> None:
    elsewhere = make_referral(None).case
    screen(elsewhere, make_user(R.SCREENING_MANAGER))
    failures = []
    for kind in KINDS:
        chair = make_user(R.MEETING_CHAIR, kind)
        meeting_discussing(chair, elsewhere)
        client = Client()
        client.force_login(chair)
        for page, url in urls(case).items():
            expected = CHAIR_OF_ANOTHER_MEETING[page][kind]
            status = client.get(url).status_code
            if status != expected:
                failures.append(f"{page} in {kind}: got {status}, expected {expected}")
        assert client.get(reverse("referrals:detail", args=[elsewhere.referral.pk])).status_code == 200
    assert not failures, "chair of another meeting:\n" + "\n".join(failures)


def test_the_referrer_who_made_it_may_see_it(case: Case) -> None:
    client = Client()
    client.force_login(case.referral.made_by)
    assert client.get(reverse("referrals:detail", args=[case.referral.pk])).status_code == 200
    own_note = case.notifications.get(recipient="referrer")
    assert client.get(reverse("feedback:note", args=[own_note.pk])).status_code == 200


def test_nobody_signed_in_is_sent_to_sign_in(case: Case) -> None:
    client = Client()
    for page, url in urls(case).items():
        response = client.get(url)
        assert response.status_code == 302, page
        assert response["Location"].startswith(reverse("accounts:sign-in")), page
    response = client.post(reverse("referrals:create"), form_data())
    assert response.status_code == 302
    assert Referral.objects.count() == 1


@pytest.mark.parametrize(
    ("role", "kind"),
    [(R.SCREENING_MANAGER, CSC), (R.AGENCY_RESEARCHER, POLICE), (R.HUB_ADMINISTRATOR, HEALTH)],
)
def test_refused_referral_post_writes_nothing(role: Role, kind: str, make_user: Any) -> None:
    make_referral(None)
    client = Client()
    client.force_login(make_user(role, kind))
    assert client.post(reverse("referrals:create"), form_data()).status_code == 403
    assert Referral.objects.count() == 1
