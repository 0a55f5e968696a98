"""Every case view x every role x agency kind (CSC, police, health) -> allowed, 403 or 404.

The expectations are written out by hand, not derived from the policy under test. The case asked
about was sent to police and health only; the new case has not been sent to any agency. A meeting chair
sees only the cases on the agendas of the meetings they chair: the chair in the matrix chairs a meeting
discussing the case asked about (a new case cannot go on an agenda, so it is not found); a chair of
another meeting, which discusses a different case, is told neither case exists.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from openmash.accounts.roles import Role
from openmash.cases.models import Case, CaseStatus
from openmash.cases.tests.helpers import make_referral, screen
from openmash.hub.models import AgencyKind, RagRating
from openmash.meetings.tests.helpers import meeting_discussing

pytestmark = pytest.mark.django_db

R = Role
CSC, POLICE, HEALTH = AgencyKind.CHILDRENS_SOCIAL_CARE, AgencyKind.POLICE, AgencyKind.HEALTH
KINDS = [CSC, POLICE, HEALTH]
OK, FORBIDDEN, NOT_FOUND = 200, 403, 404


@dataclass(frozen=True)
class V:
    name: str
    url: str
    method: str = "get"


def views(new: Case, asked: Case) -> list[V]:
    return [
        V("queue", reverse("cases:queue")),
        V("list", reverse("cases:list")),
        V("detail-new", reverse("cases:detail", args=[new.pk])),
        V("detail-asked", reverse("cases:detail", args=[asked.pk])),
        V("screen", reverse("cases:screen", args=[new.pk])),
        V("screen-post", reverse("cases:screen", args=[new.pk]), method="post"),
        V("rerate", reverse("cases:rerate", args=[asked.pk])),
        V("rerate-post", reverse("cases:rerate", args=[asked.pk]), method="post"),
    ]


# Screening managers and decision makers hold their roles only in children's social care: elsewhere
# the grant gives nothing, so they hold no role at all and every signed-in page refuses them (403).
EXPECTED: dict[tuple[Role, AgencyKind], dict[str, int]] = {
    (R.SCREENING_MANAGER, CSC): {
        "queue": OK,
        "list": OK,
        "detail-new": OK,
        "detail-asked": OK,
        "screen": OK,
        "screen-post": OK,  # re-shows the form with its errors
        "rerate": OK,
        "rerate-post": OK,
    },
    (R.DECISION_MAKER, CSC): {
        "queue": FORBIDDEN,
        "list": OK,
        "detail-new": OK,
        "detail-asked": OK,
        "screen": FORBIDDEN,
        "screen-post": FORBIDDEN,
        "rerate": FORBIDDEN,
        "rerate-post": FORBIDDEN,
    },
    (R.AGENCY_RESEARCHER, POLICE): {
        "queue": FORBIDDEN,
        "list": FORBIDDEN,
        "detail-new": NOT_FOUND,
        "detail-asked": OK,
        "screen": FORBIDDEN,
        "screen-post": FORBIDDEN,
        "rerate": FORBIDDEN,
        "rerate-post": FORBIDDEN,
    },
    (R.AGENCY_RESEARCHER, HEALTH): {
        "queue": FORBIDDEN,
        "list": FORBIDDEN,
        "detail-new": NOT_FOUND,
        "detail-asked": OK,
        "screen": FORBIDDEN,
        "screen-post": FORBIDDEN,
        "rerate": FORBIDDEN,
        "rerate-post": FORBIDDEN,
    },
    (R.AGENCY_RESEARCHER, CSC): {  # children's social care was not asked about this case
        "queue": FORBIDDEN,
        "list": FORBIDDEN,
        "detail-new": NOT_FOUND,
        "detail-asked": NOT_FOUND,
        "screen": FORBIDDEN,
        "screen-post": FORBIDDEN,
        "rerate": FORBIDDEN,
        "rerate-post": FORBIDDEN,
    },
}
# The chair of a meeting whose agenda holds the case asked about.
CHAIR = {
    "queue": FORBIDDEN,
    "list": OK,
    "detail-new": NOT_FOUND,  # on no agenda: a new case cannot be discussed
    "detail-asked": OK,
    "screen": FORBIDDEN,
    "screen-post": FORBIDDEN,
    "rerate": FORBIDDEN,
    "rerate-post": FORBIDDEN,
}
# The chair of another meeting, whose agenda holds a different case: the list is theirs, these cases not.
CHAIR_OF_ANOTHER_MEETING = {
    "queue": FORBIDDEN,
    "list": OK,
    "detail-new": NOT_FOUND,
    "detail-asked": NOT_FOUND,
    "screen": FORBIDDEN,
    "screen-post": FORBIDDEN,
    "rerate": FORBIDDEN,
    "rerate-post": FORBIDDEN,
}
# Signed in with a role, but no business with cases: the pages refuse them, and a case is not found.
NO_CASES = {
    "queue": FORBIDDEN,
    "list": FORBIDDEN,
    "detail-new": NOT_FOUND,
    "detail-asked": NOT_FOUND,
    "screen": FORBIDDEN,
    "screen-post": FORBIDDEN,
    "rerate": FORBIDDEN,
    "rerate-post": FORBIDDEN,
}
NO_ROLE = dict.fromkeys(NO_CASES, FORBIDDEN)
for kind in KINDS:
    EXPECTED[(R.MEETING_CHAIR, kind)] = CHAIR
    for role in (R.REFERRER, R.IG_OFFICER, R.PERFORMANCE_MANAGER, R.HUB_ADMINISTRATOR):
        EXPECTED[(role, kind)] = NO_CASES
for kind in (POLICE, HEALTH):
    EXPECTED[(R.SCREENING_MANAGER, kind)] = NO_ROLE
    EXPECTED[(R.DECISION_MAKER, kind)] = NO_ROLE


@pytest.fixture
def cases(make_user: Any) -> tuple[Case, Case]:
    screener = make_user(R.SCREENING_MANAGER)
    asked = make_referral(make_user(R.REFERRER, AgencyKind.EDUCATION)).case
    screen(asked, screener, rag=RagRating.AMBER, kinds=(POLICE, HEALTH))
    new = make_referral(None).case
    return new, asked


def test_every_cell_is_written_down() -> None:
    assert set(EXPECTED) == {(role, kind) for role in Role for kind in KINDS}


def check(client: Client, cases: tuple[Case, Case], expected: dict[str, int], who: str) -> None:
    failures = []
    for view in views(*cases):
        status = (client.post(view.url, {}) if view.method == "post" else client.get(view.url)).status_code
        if status != expected[view.name]:
            failures.append(f"{view.name}: got {status}, expected {expected[view.name]}")
    assert not failures, f"{who}:\n" + "\n".join(failures)
    # Nothing any of them sent changed either case (the empty posts are refused or invalid).
    new, asked = cases
    assert Case.objects.get(pk=new.pk).status == CaseStatus.NEW
    assert Case.objects.get(pk=asked.pk).rag == RagRating.AMBER
    assert not new.requests.exists() and asked.requests.count() == 2


@pytest.mark.parametrize("kind", KINDS, ids=lambda k: k.value)
@pytest.mark.parametrize("role", list(Role), ids=lambda r: r.value)
def test_role_and_agency_matrix(
    role: Role, kind: AgencyKind, cases: tuple[Case, Case], make_user: Any
) -> None:
    user = make_user(role, kind)
    if role == R.MEETING_CHAIR:
        meeting_discussing(user, cases[1])  # the case asked about is on the agenda of their meeting
    client = Client()
    client.force_login(user)
    check(client, cases, EXPECTED[(role, kind)], f"{role.value} in {kind.value}")


@pytest.mark.parametrize("kind", KINDS, ids=lambda k: k.value)
def test_a_chair_of_another_meeting_matrix(
    kind: AgencyKind, cases: tuple[Case, Case], make_user: Any
) -> None:
    _, asked = cases
    meeting_discussing(make_user(R.MEETING_CHAIR), asked)  # someone else chairs the meeting about it
    elsewhere = make_referral(None).case
    screen(elsewhere, make_user(R.SCREENING_MANAGER), kinds=(POLICE,))
    chair = make_user(R.MEETING_CHAIR, kind)
    meeting_discussing(chair, elsewhere)
    client = Client()
    client.force_login(chair)
    check(client, cases, CHAIR_OF_ANOTHER_MEETING, f"chair of another meeting in {kind.value}")
    assert client.get(reverse("cases:detail", args=[elsewhere.pk])).status_code == OK


def test_the_referrer_who_made_the_referral_is_sent_to_it(cases: tuple[Case, Case]) -> None:
    _, asked = cases
    client = Client()
    client.force_login(asked.referral.made_by)
    response = client.get(reverse("cases:detail", args=[asked.pk]))
    assert response.status_code == 302
    assert response["Location"] == reverse("referrals:detail", args=[asked.referral_id])


def test_nobody_signed_in_is_sent_to_sign_in(cases: tuple[Case, Case]) -> None:
    client = Client()
    for view in views(*cases):
        response = client.post(view.url, {}) if view.method == "post" else client.get(view.url)
        assert response.status_code == 302, view.name
        assert response["Location"].startswith(reverse("accounts:sign-in")), view.name


def test_the_home_pages_refuse_other_roles(cases: tuple[Case, Case], make_user: Any) -> None:
    for role, slug in ((R.SCREENING_MANAGER, "meeting-chair"), (R.MEETING_CHAIR, "screening-manager")):
        client = Client()
        client.force_login(make_user(role))
        assert client.get(reverse("accounts:role-home", args=[slug])).status_code == 403
