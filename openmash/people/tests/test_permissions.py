"""Who may open the people, genogram and case product pages, and who may change the people on a case.

Expectations written by hand: role x agency kind -> status for each view. The case was screened with
police and health asked (children's social care was not asked as an agency). A meeting chair sees the
case only when it is on the agenda of a meeting they chair: the chair in the matrix chairs such a
meeting; the chair of another meeting, which discusses a different case, is told it does not exist.
404, not 403, wherever a person may not know the case exists; 403 where they may read but not change.
"""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from openmash.accounts.roles import Role
from openmash.cases.models import Case
from openmash.cases.tests.helpers import make_referral, screen
from openmash.core.actor import Actor
from openmash.hub.models import AgencyKind
from openmash.meetings.tests.helpers import meeting_discussing
from openmash.people.models import IdentifierScheme
from openmash.people.services import household_save, identifier_add

pytestmark = pytest.mark.django_db

CSC, POLICE, HEALTH = AgencyKind.CHILDRENS_SOCIAL_CARE, AgencyKind.POLICE, AgencyKind.HEALTH

READ_VIEWS = ["people:case", "people:genogram", "people:genogram_svg", "product:case", "product:pack"]
EDIT_VIEWS = [
    "people:person_add",
    "people:relationship_add",
    "people:relationship_remove",
    "people:household_add",
    "people:household_change",
    "people:identifier_add",
    "people:address_add",
    "people:person_change",
    "people:identifier_change",
]

# (role, agency kind) -> (status for every read view, status for every edit view)
MATRIX: dict[tuple[Role, str], tuple[int, int]] = {
    (Role.SCREENING_MANAGER, CSC): (200, 200),
    (Role.DECISION_MAKER, CSC): (200, 403),
    # The chair of a meeting discussing the case.
    (Role.MEETING_CHAIR, CSC): (200, 403),
    (Role.MEETING_CHAIR, POLICE): (200, 403),
    (Role.MEETING_CHAIR, HEALTH): (200, 403),
    (Role.AGENCY_RESEARCHER, CSC): (404, 404),  # children's social care was not asked
    (Role.AGENCY_RESEARCHER, POLICE): (200, 200),
    (Role.AGENCY_RESEARCHER, HEALTH): (200, 200),
    (Role.REFERRER, CSC): (404, 404),
    (Role.REFERRER, POLICE): (404, 404),
    (Role.REFERRER, HEALTH): (404, 404),
    (Role.IG_OFFICER, CSC): (404, 404),
    (Role.IG_OFFICER, POLICE): (404, 404),
    (Role.PERFORMANCE_MANAGER, HEALTH): (404, 404),
    (Role.HUB_ADMINISTRATOR, CSC): (404, 404),
    # Screening and decisions are held only in children's social care: elsewhere the person has no role.
    (Role.SCREENING_MANAGER, POLICE): (403, 403),
    (Role.DECISION_MAKER, HEALTH): (403, 403),
}
# agency kind -> (read, edit) for the chair of another meeting, which discusses a different case.
CHAIR_OF_ANOTHER_MEETING: dict[str, tuple[int, int]] = {
    CSC: (404, 404),
    POLICE: (404, 404),
    HEALTH: (404, 404),
}


@pytest.fixture
def case(make_user: Any) -> Case:
    screener = make_user(Role.SCREENING_MANAGER)
    case = make_referral().case
    screen(case, screener, kinds=(POLICE, HEALTH))
    actor = Actor(user=screener)
    people = list(case.referral.people.all())
    assert case.relationships.exists()  # the referral's mother is the child's parent
    household_save(actor=actor, case=case, label="Home", members=people)
    identifier_add(actor=actor, person=people[0], scheme=IdentifierScheme.POLICE, value="PNC-1")
    case.refresh_from_db()
    return case


def urls(case: Case, names: list[str]) -> dict[str, str]:
    person = case.referral.people.first()
    assert person is not None
    extra = {
        "people:relationship_remove": [case.relationships.get().pk],
        "people:household_change": [case.households.get().pk],
        "people:identifier_add": [person.pk],
        "people:address_add": [person.pk],
        "people:person_change": [person.pk],
        "people:identifier_change": [person.pk, person.identifiers.get().pk],
    }
    return {name: reverse(name, args=[case.pk, *extra.get(name, [])]) for name in names}


@pytest.mark.parametrize(("role", "kind"), list(MATRIX), ids=[f"{r.value}-{k}" for r, k in MATRIX])
def test_matrix(case: Case, make_user: Any, role: Role, kind: str) -> None:
    read, edit = MATRIX[(role, kind)]
    user = make_user(role, kind)
    if role == Role.MEETING_CHAIR:
        meeting_discussing(user, case)  # the case is on the agenda of their meeting
    client = Client()
    client.force_login(user)
    got = {name: client.get(url).status_code for name, url in urls(case, READ_VIEWS + EDIT_VIEWS).items()}
    expected = {**dict.fromkeys(READ_VIEWS, read), **dict.fromkeys(EDIT_VIEWS, edit)}
    if role == Role.AGENCY_RESEARCHER and edit == 200:
        # A researcher adds someone through their agency's request, so the case says they found them.
        expected["people:person_add"] = 302
    assert got == expected


@pytest.mark.parametrize("kind", list(CHAIR_OF_ANOTHER_MEETING))
def test_a_chair_of_another_meeting_matrix(case: Case, make_user: Any, kind: str) -> None:
    read, edit = CHAIR_OF_ANOTHER_MEETING[kind]
    meeting_discussing(make_user(Role.MEETING_CHAIR), case)  # someone else chairs the meeting about it
    elsewhere = make_referral(None).case
    screen(elsewhere, make_user(Role.SCREENING_MANAGER))
    chair = make_user(Role.MEETING_CHAIR, kind)
    meeting_discussing(chair, elsewhere)
    client = Client()
    client.force_login(chair)
    got = {name: client.get(url).status_code for name, url in urls(case, READ_VIEWS + EDIT_VIEWS).items()}
    expected = {**dict.fromkeys(READ_VIEWS, read), **dict.fromkeys(EDIT_VIEWS, edit)}
    assert got == expected
    assert client.get(reverse("people:case", args=[elsewhere.pk])).status_code == 200


def test_read_only_staff_cannot_post_changes(case: Case, make_user: Any) -> None:
    client = Client()
    client.force_login(make_user(Role.DECISION_MAKER))
    before = case.referral.people.count()
    response = client.post(
        reverse("people:person_add", args=[case.pk]),
        {"given_name": "Lee", "family_name": "Parker", "sex": "M", "relationship": "partner"},
    )
    assert response.status_code == 403
    rel = case.relationships.get()
    assert client.post(reverse("people:relationship_remove", args=[case.pk, rel.pk])).status_code == 403
    assert case.referral.people.count() == before and case.relationships.exists()


def test_read_only_staff_see_no_edit_links(case: Case, make_user: Any) -> None:
    chair = make_user(Role.MEETING_CHAIR, POLICE)
    meeting_discussing(chair, case)
    client = Client()
    client.force_login(chair)
    html = client.get(reverse("people:case", args=[case.pk])).content.decode()
    assert "Add a person" not in html and "Remove" not in html
    assert "You can read this page" in html


def test_the_referrer_who_made_the_referral_gets_404(make_user: Any) -> None:
    referrer = make_user(Role.REFERRER, AgencyKind.EDUCATION)
    case = make_referral(referrer).case
    client = Client()
    client.force_login(referrer)
    for url in urls_without_rows(case):
        assert client.get(url).status_code == 404, url


def urls_without_rows(case: Case) -> list[str]:
    names = ["people:case", "people:genogram", "people:genogram_svg", "product:case", "product:pack"]
    names += ["people:person_add", "people:relationship_add", "people:household_add"]
    return [reverse(name, args=[case.pk]) for name in names]


def test_anonymous_is_sent_to_sign_in(case: Case) -> None:
    for url in urls(case, READ_VIEWS + EDIT_VIEWS).values():
        response = Client().get(url)
        assert response.status_code == 302 and "/sign-in/" in response["Location"], url
