"""Two people change one household, person or identifier at once: the second is refused with the
message, keeps what they typed, sees what the first saved, and the first's change stays."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from openmash.accounts.roles import Role
from openmash.audit.catalogue import AuditAction
from openmash.audit.models import AuditEvent
from openmash.cases.models import Case
from openmash.cases.tests.helpers import make_referral, screen
from openmash.core.actor import Actor
from openmash.core.errors import ConcurrentEditError
from openmash.core.tests.editing import (
    CONCURRENT_EDIT,
    NO_VERSION,
    error_summary,
    field_text,
    opened_version,
    their_version,
)
from openmash.people.models import Household, IdentifierScheme, PersonIdentifier
from openmash.people.services import household_save, identifier_add, identifier_update, person_update
from openmash.referrals.models import ReferralPerson

pytestmark = pytest.mark.django_db


@pytest.fixture
def first(make_user: Any) -> Any:
    return make_user(Role.SCREENING_MANAGER, first_name="Asha", last_name="Patel")


@pytest.fixture
def second(make_user: Any) -> Any:
    return make_user(Role.SCREENING_MANAGER, first_name="Ben", last_name="Lowe")


@pytest.fixture
def case(first: Any) -> Case:
    case = make_referral().case
    screen(case, first)
    case.refresh_from_db()
    return case


def client_for(user: Any) -> Client:
    client = Client()
    client.force_login(user)
    return client


def person(case: Case, given_name: str) -> ReferralPerson:
    return case.referral.people.get(given_name=given_name)


def url(name: str, case: Case, *args: object) -> str:
    return reverse(f"people:{name}", args=[case.pk, *args])


# Households


@pytest.fixture
def household(case: Case, first: Any) -> Household:
    kerry, jayden = person(case, "Kerry"), person(case, "Jayden")
    return household_save(
        actor=Actor(user=first), case=case, label="Mum's home", address="1 Elm Road", members=[kerry, jayden]
    )


def test_a_household_changed_in_two_places_keeps_the_first_save(
    case: Case, household: Household, first: Any, second: Any
) -> None:
    asha, ben = client_for(first), client_for(second)
    page = url("household_change", case, household.pk)
    asha_version, ben_version = opened_version(asha.get(page)), opened_version(ben.get(page))
    kerry, jayden = person(case, "Kerry"), person(case, "Jayden")

    saved = asha.post(
        page,
        {
            "version": asha_version,
            "label": "Mum's home",
            "address": "Refuge (address withheld)",
            "members": [str(kerry.pk), str(jayden.pk)],
        },
    )
    assert saved.status_code == 302
    late = ben.post(
        page,
        {
            "version": ben_version,
            "label": "Mum's home",
            "address": "1 Elm Road, Northtown NT1 1AA",
            "members": [str(kerry.pk)],
        },
    )

    assert late.status_code == 200
    assert error_summary(late) == [CONCURRENT_EDIT]
    assert field_text(late, "address") == "1 Elm Road, Northtown NT1 1AA"
    shown = their_version(late)
    assert "Asha Patel" in shown and "Refuge (address withheld)" in shown and "Jayden Whitmore" in shown
    household.refresh_from_db()
    assert household.address == "Refuge (address withheld)"
    assert set(household.members.all()) == {kerry, jayden}
    assert AuditEvent.objects.filter(action=AuditAction.HOUSEHOLD_SAVED).count() == 2  # made, then Asha's


def test_the_household_service_refuses_an_old_version(case: Case, household: Household, second: Any) -> None:
    opened = household.version
    household_save(
        actor=Actor(user=second),
        case=case,
        label="Nan's",
        members=[person(case, "Jayden")],
        household=household,
        expected_version=opened,
    )
    with pytest.raises(ConcurrentEditError):
        household_save(
            actor=Actor(user=second),
            case=case,
            label="Old name",
            members=[person(case, "Kerry")],
            household=Household.objects.get(pk=household.pk),
            expected_version=opened,
        )
    household.refresh_from_db()
    assert household.label == "Nan's"


def test_a_household_change_without_a_version_is_a_form_error(
    case: Case, household: Household, first: Any
) -> None:
    response = client_for(first).post(
        url("household_change", case, household.pk),
        {"label": "Renamed", "members": [str(person(case, "Kerry").pk)]},
    )
    assert response.status_code == 200
    assert NO_VERSION in error_summary(response)
    assert field_text(response, "label") == "Renamed"
    household.refresh_from_db()
    assert household.label == "Mum's home"


# People


def person_data(version: str, **changes: str) -> dict[str, str]:
    data = {
        "version": version,
        "given_name": "Kerry",
        "family_name": "Whitmore",
        "sex": "F",
        "relationship": "mother",
        "date_of_birth_0": "",
        "date_of_birth_1": "",
        "date_of_birth_2": "",
        "date_of_death_0": "",
        "date_of_death_1": "",
        "date_of_death_2": "",
    }
    return data | changes


def test_a_person_changed_in_two_places_keeps_the_first_save(case: Case, first: Any, second: Any) -> None:
    kerry = person(case, "Kerry")
    asha, ben = client_for(first), client_for(second)
    page = url("person_change", case, kerry.pk)
    asha_version, ben_version = opened_version(asha.get(page)), opened_version(ben.get(page))

    saved = asha.post(page, person_data(asha_version, family_name="Whitmore-Lane"))
    assert saved.status_code == 302
    late = ben.post(
        page,
        person_data(
            ben_version, given_name="Kerri", date_of_birth_0="3", date_of_birth_1="9", date_of_birth_2="1991"
        ),
    )

    assert late.status_code == 200
    assert error_summary(late) == [CONCURRENT_EDIT]
    assert field_text(late, "given_name") == "Kerri"
    assert field_text(late, "date_of_birth_2") == "1991"
    shown = their_version(late)
    assert "Asha Patel" in shown and "Whitmore-Lane" in shown
    kerry.refresh_from_db()
    assert (kerry.given_name, kerry.family_name, kerry.date_of_birth) == ("Kerry", "Whitmore-Lane", None)
    changed = AuditEvent.objects.filter(action=AuditAction.PERSON_CHANGED)
    assert changed.count() == 1 and changed.get().detail["changed"] == ["family_name"]


def test_the_person_service_refuses_an_old_version(case: Case, second: Any) -> None:
    kerry = person(case, "Kerry")
    opened = kerry.version
    person_update(
        actor=Actor(user=second),
        case=case,
        person=kerry,
        expected_version=opened,
        values={"family_name": "Lane"},
    )
    with pytest.raises(ConcurrentEditError):
        person_update(
            actor=Actor(user=second),
            case=case,
            person=person(case, "Kerry"),
            expected_version=opened,
            values={"family_name": "Whitmore"},
        )
    assert person(case, "Kerry").family_name == "Lane"


def test_a_person_change_without_a_version_is_a_form_error(case: Case, first: Any) -> None:
    kerry = person(case, "Kerry")
    data = person_data("", family_name="Lane")
    del data["version"]
    response = client_for(first).post(url("person_change", case, kerry.pk), data)
    assert response.status_code == 200
    assert NO_VERSION in error_summary(response)
    assert field_text(response, "family_name") == "Lane"
    kerry.refresh_from_db()
    assert kerry.family_name == "Whitmore"


# Identifiers


@pytest.fixture
def identifier(case: Case, first: Any) -> PersonIdentifier:
    return identifier_add(
        actor=Actor(user=first),
        person=person(case, "Kerry"),
        scheme=IdentifierScheme.POLICE,
        value="PNC-12/345",
    )


def test_an_identifier_changed_in_two_places_keeps_the_first_save(
    case: Case, identifier: PersonIdentifier, first: Any, second: Any
) -> None:
    kerry = person(case, "Kerry")
    asha, ben = client_for(first), client_for(second)
    page = url("identifier_change", case, kerry.pk, identifier.pk)
    asha_version, ben_version = opened_version(asha.get(page)), opened_version(ben.get(page))

    saved = asha.post(page, {"version": asha_version, "scheme": "police", "value": "PNC-12/346"})
    assert saved.status_code == 302
    late = ben.post(page, {"version": ben_version, "scheme": "social_care", "value": "SC-998"})

    assert late.status_code == 200
    assert error_summary(late) == [CONCURRENT_EDIT]
    assert field_text(late, "value") == "SC-998"
    shown = their_version(late)
    assert "Asha Patel" in shown and "PNC-12/346" in shown and "Police national computer ID" in shown
    identifier.refresh_from_db()
    assert (identifier.scheme, identifier.value) == ("police", "PNC-12/346")
    assert AuditEvent.objects.filter(action=AuditAction.PERSON_CHANGED, detail__identifier="police").exists()


def test_the_identifier_service_refuses_an_old_version(identifier: PersonIdentifier, second: Any) -> None:
    opened = identifier.version
    identifier_update(
        actor=Actor(user=second),
        identifier=identifier,
        expected_version=opened,
        scheme=IdentifierScheme.POLICE,
        value="PNC-1",
    )
    with pytest.raises(ConcurrentEditError):
        identifier_update(
            actor=Actor(user=second),
            identifier=PersonIdentifier.objects.get(pk=identifier.pk),
            expected_version=opened,
            scheme=IdentifierScheme.POLICE,
            value="PNC-2",
        )
    identifier.refresh_from_db()
    assert identifier.value == "PNC-1"


def test_an_identifier_change_without_a_version_is_a_form_error(
    case: Case, identifier: PersonIdentifier, first: Any
) -> None:
    response = client_for(first).post(
        url("identifier_change", case, person(case, "Kerry").pk, identifier.pk),
        {"scheme": "police", "value": "PNC-9"},
    )
    assert response.status_code == 200
    assert NO_VERSION in error_summary(response)
    assert field_text(response, "value") == "PNC-9"
    identifier.refresh_from_db()
    assert identifier.value == "PNC-12/345"
