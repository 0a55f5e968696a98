"""Every enquiries view x every role x children's social care, police and health -> allowed, 403 or 404.

An agency researcher works only on requests addressed to their own agency: another agency's request is
404 (its existence is itself personal data), on the page and on every POST. Everyone else is refused
with 403. The expectations are written out by hand, not derived from the policy under test.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from openmash.accounts.roles import Role
from openmash.cases.models import Case
from openmash.enquiries.models import InformationRequest, RequestStatus
from openmash.enquiries.tests.test_views import make_case, make_people, request_to, return_post
from openmash.hub.models import AgencyKind

AGENCY_KINDS = [AgencyKind.CHILDRENS_SOCIAL_CARE, AgencyKind.POLICE, AgencyKind.HEALTH]
# Whose request each researcher tries to reach when it is not their own.
OTHER_KIND = {
    AgencyKind.CHILDRENS_SOCIAL_CARE: AgencyKind.POLICE,
    AgencyKind.POLICE: AgencyKind.HEALTH,
    AgencyKind.HEALTH: AgencyKind.CHILDRENS_SOCIAL_CARE,
}

# View -> what an agency researcher gets. Every other role gets 403 on every one of them.
RESEARCHER_GETS = {
    "queue": 200,
    "queue-returned": 200,
    "own-detail": 200,
    "other-detail": 404,
    "other-save": 404,
    "other-take": 404,
    "other-nil": 404,
    "own-take": 302,
    "own-save": 302,
    "own-nil": 302,
}


@dataclass(frozen=True)
class V:
    name: str
    url: str
    method: str = "get"
    data: dict[str, str] | None = None


def views(own: InformationRequest, other: InformationRequest) -> list[V]:
    nil = {"nil-confirm": "on"}
    return [
        V("queue", reverse("enquiries:queue")),
        V("queue-returned", reverse("enquiries:queue") + "?show=returned"),
        V("own-detail", reverse("enquiries:detail", args=[own.pk])),
        V("other-detail", reverse("enquiries:detail", args=[other.pk])),
        V(
            "other-save",
            reverse("enquiries:detail", args=[other.pk]),
            "post",
            return_post(other, summary="x"),
        ),
        V("other-take", reverse("enquiries:take", args=[other.pk]), "post"),
        V("other-nil", reverse("enquiries:nil-return", args=[other.pk]), "post", {**nil, "nil-version": "1"}),
        V("own-take", reverse("enquiries:take", args=[own.pk]), "post"),
        V(
            "own-save",
            reverse("enquiries:detail", args=[own.pk]),
            "post",
            return_post(own, summary="Draft", version=2),
        ),
        V("own-nil", reverse("enquiries:nil-return", args=[own.pk]), "post", {**nil, "nil-version": "3"}),
    ]


@pytest.fixture
def case(make_user: Any) -> Case:
    people = make_people(make_user)
    return make_case(people, kinds=tuple(AGENCY_KINDS))


def send(client: Client, view: V) -> int:
    if view.method == "post":
        return client.post(view.url, view.data or {}).status_code
    return client.get(view.url).status_code


@pytest.mark.parametrize("kind", AGENCY_KINDS, ids=lambda k: k.value)
@pytest.mark.parametrize("role", list(Role), ids=lambda r: r.value)
def test_role_and_agency_matrix(role: Role, kind: AgencyKind, case: Case, make_user: Any) -> None:
    own = request_to(case, kind)
    other = request_to(case, OTHER_KIND[kind])
    client = Client()
    client.force_login(make_user(role, kind))
    failures = []
    for view in views(own, other):
        expected = RESEARCHER_GETS[view.name] if role == Role.AGENCY_RESEARCHER else 403
        status = send(client, view)
        if status != expected:
            failures.append(f"{view.name}: got {status}, expected {expected}")
    assert not failures, f"{role.value} in {kind.value}:\n" + "\n".join(failures)

    other.refresh_from_db()
    assert (other.status, other.version, other.summary) == (RequestStatus.OPEN, 1, "")
    own.refresh_from_db()
    if role == Role.AGENCY_RESEARCHER:
        assert own.status == RequestStatus.NIL_RETURN  # taken (v2), draft saved (v3), nil return (v4)
    else:
        assert (own.status, own.version) == (RequestStatus.OPEN, 1)


def test_nobody_signed_in_is_sent_to_sign_in(case: Case) -> None:
    client = Client()
    for view in views(request_to(case, AgencyKind.POLICE), request_to(case, AgencyKind.HEALTH)):
        response = client.post(view.url, view.data or {}) if view.method == "post" else client.get(view.url)
        assert response.status_code == 302, view.name
        assert response["Location"].startswith(reverse("accounts:sign-in")), view.name


def test_a_researcher_not_asked_sees_nothing_of_the_case(case: Case, make_user: Any) -> None:
    """Education was not asked: its researcher's queue is empty and every request on the case is 404."""
    client = Client()
    client.force_login(make_user(Role.AGENCY_RESEARCHER, AgencyKind.EDUCATION))
    body = client.get(reverse("enquiries:queue")).content.decode()
    assert case.reference not in body and "Whitmore" not in body
    for kind in AGENCY_KINDS:
        assert client.get(reverse("enquiries:detail", args=[request_to(case, kind).pk])).status_code == 404
