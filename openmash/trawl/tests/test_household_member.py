"""A researcher adds someone the referral did not name (the mother's new partner, found in the police
records, living with the child) and searches for them: the flow, the pages, who is told what, and
who is refused.

The case: Jayden Whitmore (1 Elm Road, NT1 1AA) and his mother Kerry, screened to police and health.
The police extract holds Dean Harrow at the same address, with two incidents."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from openmash.accounts.roles import Role
from openmash.audit.catalogue import AuditAction
from openmash.audit.models import AuditEvent
from openmash.casework.household import REQUEST_ANSWERED, NewMember, household_member_add
from openmash.core.actor import Actor
from openmash.core.codes import Sex
from openmash.core.errors import DomainError
from openmash.enquiries.models import InformationRequest, RequestStatus
from openmash.enquiries.services import request_nil_return
from openmash.enquiries.tests.test_views import make_case, make_people, request_to
from openmash.feedback.tests.helpers import decided_case
from openmash.hub.models import AgencyKind, HubConfiguration
from openmash.people.models import PersonAddition, PersonRelationship
from openmash.referrals.models import ReferralPerson, Relationship
from openmash.sources.tests.helpers import police_source
from openmash.trawl.models import CandidateStatus, Trawl
from openmash.trawl.runner import people_searched
from openmash.trawl.services import candidate_confirm, trawl_start

pytestmark = pytest.mark.django_db

DEAN = ["POL-103", "Dean", "HARROW", "21/07/1988", "M", "NT1 1AA", "1 Elm Road, Northtown", "violence"]
DEAN_EVENTS = [
    [
        "POL-103",
        "2026-08-30",
        "domestic_abuse",
        "Arrested after a domestic incident.",
        "high",
        "INC-2026-000555",
        "suspect",
    ],
    ["POL-103", "2025-02-11", "assault", "Assault outside a pub.", "medium", "INC-2025-001212", "suspect"],
]
HOW = "Named as Kerry's partner, living at the address, in incident INC-2026-000555."


@pytest.fixture
def people(make_user: Any) -> dict[str, Any]:
    return make_people(make_user)


@pytest.fixture
def info(people: dict[str, Any], tmp_path: Path) -> InformationRequest:
    police_source(tmp_path, extra_rows=[DEAN], extra_events=DEAN_EVENTS)
    return request_to(make_case(people), AgencyKind.POLICE)


def kerry(info: InformationRequest) -> ReferralPerson:
    return info.case.referral.people.get(given_name="Kerry")


def dean(info: InformationRequest, **changes: Any) -> NewMember:
    values: dict[str, Any] = {
        "given_name": "Dean",
        "family_name": "Harrow",
        "relationship": Relationship.PARTNER,
        "reason": HOW,
        "sex": Sex.MALE,
        "date_of_birth": date(1988, 7, 21),
        "partner_of": kerry(info),
        "with_child": True,
    }
    return NewMember(**{**values, **changes})


def client_for(user: Any) -> Client:
    client = Client()
    client.force_login(user)
    return client


def add_url(info: InformationRequest) -> str:
    return reverse("trawl:add-person", args=[info.pk])


def form_post(info: InformationRequest, **changes: str) -> dict[str, str]:
    data = {
        "given_name": "Dean",
        "family_name": "Harrow",
        "date_of_birth_0": "21",
        "date_of_birth_1": "7",
        "date_of_birth_2": "1988",
        "sex": "M",
        "relationship": "partner",
        "partner_of": str(kerry(info).pk),
        "home": "child",
        "address": "",
        "postcode": "",
        "reason": HOW,
    }
    return {**data, **changes}


def test_the_partner_joins_the_case_with_relationship_household_and_who_found_him(
    people: dict[str, Any], info: InformationRequest
) -> None:
    added = household_member_add(actor=Actor(user=people["police"]), request=info, member=dean(info))
    assert not added.is_subject and added.relationship == Relationship.PARTNER
    # He lives with the child, so the search looks for him at the child's address.
    assert (added.address, added.postcode) == ("1 Elm Road, Northtown", "NT1 1AA")
    addition = PersonAddition.objects.get(person=added)
    assert (addition.request, addition.agency, addition.reason) == (info, info.agency, HOW)
    assert addition.provenance == "Added by Police researcher Priya Shah during the search"
    partnership = PersonRelationship.objects.get(to_person=added)
    assert (partnership.from_person, partnership.kind, partnership.status) == (
        kerry(info),
        "partner",
        "current",
    )
    (household,) = info.case.households.all()
    assert household.label == "Household at 1 Elm Road, NT1 1AA"
    assert {m.given_name for m in household.members.all()} == {"Jayden", "Dean"}
    # Each write audited, naming him; the addition with the request, the agency and how they know.
    event = AuditEvent.objects.get(action=AuditAction.PERSON_ADDED)
    assert str(added.pk) in event.persons
    assert event.detail["during"] == "search" and event.detail["agency"] == "Police"
    assert event.detail["request"] == str(info.pk)
    assert event.reason == HOW
    for action in (AuditAction.RELATIONSHIP_ADDED, AuditAction.HOUSEHOLD_SAVED):
        assert any(str(added.pk) in e.persons for e in AuditEvent.objects.filter(action=action)), action


def test_joining_a_household_already_recorded_keeps_it_and_adds_him(
    people: dict[str, Any], info: InformationRequest, make_user: Any
) -> None:
    from openmash.people.services import household_save

    screener = make_user(Role.SCREENING_MANAGER)
    family = list(info.case.referral.people.all())
    home = household_save(actor=Actor(user=screener), case=info.case, label="Mum's home", members=family)
    added = household_member_add(
        actor=Actor(user=people["police"]),
        request=info,
        member=dean(info, with_child=False, household=home),
    )
    home.refresh_from_db()
    assert home.label == "Mum's home" and home.version == 2
    assert {m.given_name for m in home.members.all()} == {"Jayden", "Kerry", "Dean"}
    assert added.postcode == "NT1 1AA"  # the household's home, from the child on it


def test_the_next_search_looks_for_him_and_finds_his_police_record(
    people: dict[str, Any], info: InformationRequest, django_capture_on_commit_callbacks: Any
) -> None:
    actor = Actor(user=people["police"])
    with django_capture_on_commit_callbacks(execute=True):
        first = trawl_start(actor=actor, request=info)
    added = household_member_add(actor=actor, request=info, member=dean(info))
    first.refresh_from_db()
    assert added not in people_searched(first)  # added after that search began
    assert not first.candidates.filter(person=added).exists()

    police = client_for(people["police"])
    page = police.get(reverse("trawl:page", args=[info.pk])).content.decode()
    assert "Dean Harrow was added after the last search" in page
    assert "Not searched yet" in page
    assert "Added by Police researcher Priya Shah during the search" in page

    with django_capture_on_commit_callbacks(execute=True):
        second = trawl_start(actor=actor, request=info)
    second.refresh_from_db()
    assert (second.people_done, second.people_total) == (3, 3)
    best = second.candidates.filter(person=added).order_by("-match_probability").first()
    assert best is not None and best.record_id == "POL-103" and best.match_probability > 0.9
    candidate_confirm(actor=actor, candidate=best, reason="Same name, date of birth and address")
    best.refresh_from_db()
    assert best.status == CandidateStatus.CONFIRMED
    page = police.get(reverse("trawl:page", args=[info.pk])).content.decode()
    assert "Not searched yet" not in page and "POL-103" in page


def test_the_form_adds_him_and_goes_back_to_the_search(
    people: dict[str, Any], info: InformationRequest
) -> None:
    police = client_for(people["police"])
    form = police.get(add_url(info)).content.decode()
    assert "Add someone the referral did not name" in form
    assert "With Jayden Whitmore, at 1 Elm Road, Northtown, NT1 1AA" in form
    response = police.post(add_url(info), form_post(info), follow=True)
    assert response.redirect_chain[-1][0] == reverse("trawl:page", args=[info.pk]) + "#people"
    page = response.content.decode()
    assert f"Dean Harrow added to case {info.case.reference}" in page
    assert "Search Police&#x27;s records to look for them" in page  # no search yet: not "again"
    added = info.case.referral.people.get(given_name="Dean")
    assert added.date_of_birth == date(1988, 7, 21) and added.addition.request == info


def test_the_form_says_what_is_missing_and_adds_nobody(
    people: dict[str, Any], info: InformationRequest
) -> None:
    police = client_for(people["police"])
    blank = {key: "" for key in form_post(info)}
    page = police.post(add_url(info), blank).content.decode()
    for message in (
        "Enter their first name",
        "Enter their last name",
        "Select how they are related to the child referred",
        "Select where they live",
        "Enter how you know about them",
    ):
        assert message in page
    assert "There is a problem" in page
    assert not PersonAddition.objects.exists()


def test_the_hub_sees_who_found_him_and_how_another_agency_is_told_only_that_an_agency_did(
    people: dict[str, Any], info: InformationRequest, make_user: Any
) -> None:
    household_member_add(actor=Actor(user=people["police"]), request=info, member=dean(info))
    manager = client_for(make_user(Role.SCREENING_MANAGER))
    case = info.case
    page = manager.get(reverse("people:case", args=[case.pk])).content.decode()
    assert "Added by Police researcher Priya Shah during the search" in page
    assert HOW.replace("'", "&#x27;") in page
    assert "Named on the referral" in page  # Kerry
    genogram = manager.get(reverse("people:genogram", args=[case.pk])).content.decode()
    assert "Added by Police researcher" in genogram and "during the search" in genogram
    history = manager.get(reverse("cases:detail", args=[case.pk])).content.decode()
    assert "Dean Harrow added to the case during the search" in history
    assert "by Police researcher Priya Shah" in history

    # Health's researcher sees him on the case, but not which agency's records hold him, nor why.
    assert not HubConfiguration.objects.get().partners_see_contributions
    health = client_for(people["health"])
    page = health.get(reverse("people:case", args=[case.pk])).content.decode()
    assert "Dean Harrow" in page and "Added by a partner agency during the search" in page
    assert "Police researcher" not in page and "INC-2026-000555" not in page
    genogram = health.get(reverse("people:genogram", args=[case.pk])).content.decode()
    assert "Added by a partner agency" in genogram and "Police" not in genogram


def refused(client: Client, info: InformationRequest, status: int) -> str:
    before = AuditEvent.objects.filter(action=AuditAction.ACCESS_REFUSED).count()
    for response in (client.get(add_url(info)), client.post(add_url(info), form_post(info))):
        assert response.status_code == status
    assert AuditEvent.objects.filter(action=AuditAction.ACCESS_REFUSED).count() == before + 2
    assert not PersonAddition.objects.filter(request=info).exists()
    return response.content.decode()


def test_another_agencys_researcher_is_told_nothing_exists(
    people: dict[str, Any], info: InformationRequest
) -> None:
    page = refused(client_for(people["health"]), info, 404)
    assert "Jayden" not in page


def test_not_once_the_request_is_answered(people: dict[str, Any], info: InformationRequest) -> None:
    request_nil_return(actor=Actor(user=people["police"]), request=info, expected_version=info.version)
    info.refresh_from_db()
    assert info.status == RequestStatus.NIL_RETURN
    page = refused(client_for(people["police"]), info, 403)
    assert "Your agency has answered this request" in page
    detail = client_for(people["police"]).get(reverse("enquiries:detail", args=[info.pk])).content.decode()
    assert add_url(info) not in detail
    # The flow refuses too, whatever page it is called from.
    with pytest.raises(DomainError, match=REQUEST_ANSWERED):
        household_member_add(actor=Actor(user=people["police"]), request=info, member=dean(info))


def test_not_on_a_decided_case_whose_request_was_closed(people: dict[str, Any], make_user: Any) -> None:
    case = decided_case(
        referrer=people["referrer"], screener=people["screener"], decider=make_user(Role.DECISION_MAKER)
    )
    info = request_to(case, AgencyKind.POLICE)
    assert info.status == RequestStatus.WITHDRAWN  # closed as no longer needed by the decision
    page = refused(client_for(people["police"]), info, 403)
    assert "Your agency's request was withdrawn" in page  # what happened, not the family
    assert "Jayden" not in page
    assert not Trawl.objects.filter(request=info).exists()


def test_an_open_request_on_the_case_page_offers_it(people: dict[str, Any], info: InformationRequest) -> None:
    police = client_for(people["police"])
    detail = police.get(reverse("enquiries:detail", args=[info.pk])).content.decode()
    assert add_url(info) in detail
    trawl = police.get(reverse("trawl:page", args=[info.pk])).content.decode()
    assert add_url(info) in trawl
    assert "Named on the referral" in trawl
