"""The people pages: what they show, each form's happy path, and each form's errors with nothing saved."""

from __future__ import annotations

from datetime import date
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
from openmash.hub.models import AgencyKind
from openmash.people.models import Household, PersonAddress, PersonIdentifier, PersonRelationship
from openmash.people.services import household_save, relationship_add
from openmash.referrals.models import ReferralPerson

pytestmark = pytest.mark.django_db


@pytest.fixture
def screener(make_user: Any) -> Any:
    return make_user(Role.SCREENING_MANAGER)


@pytest.fixture
def case(screener: Any) -> Case:
    case = make_referral().case
    screen(case, screener)
    case.refresh_from_db()
    return case


@pytest.fixture
def client(screener: Any) -> Client:
    client = Client()
    client.force_login(screener)
    return client


def person(case: Case, given_name: str) -> ReferralPerson:
    return case.referral.people.get(given_name=given_name)


def url(name: str, case: Case, *args: object) -> str:
    return reverse(f"people:{name}", args=[case.pk, *args])


def errors(response: Any) -> str:
    html = response.content.decode()
    assert response.status_code == 200
    assert "<title>Error: " in html
    assert 'data-testid="error-summary"' in html
    return html


def date_fields(prefix: str, day: str, month: str, year: str) -> dict[str, str]:
    return {f"{prefix}_0": day, f"{prefix}_1": month, f"{prefix}_2": year}


# The page


def test_people_page_shows_people_identifiers_addresses_relationships_and_households(
    case: Case, client: Client, screener: Any
) -> None:
    actor = Actor(user=screener)
    jayden, kerry = person(case, "Jayden"), person(case, "Kerry")
    assert case.relationships.filter(from_person=kerry, to_person=jayden)  # from the referral
    household_save(actor=actor, case=case, label="Mum's home", members=[kerry, jayden], address="1 Elm Road")
    response = client.get(url("case", case))
    html = response.content.decode()
    assert response.status_code == 200
    assert "Jayden Whitmore" in html and "Kerry Whitmore" in html
    assert "9990000018" in html  # the NHS number from the referral
    assert "1 Elm Road, Northtown" in html
    assert 'data-testid="relationships"' in html and "parent" in html
    assert 'data-testid="relationship-sentences"' in html
    assert "Mum&#x27;s home" in html
    assert "Add a person" in html  # a screening manager may edit
    assert AuditEvent.objects.filter(action=AuditAction.PEOPLE_VIEWED, object_id=str(case.pk)).count() == 1


def test_genogram_page_inlines_the_svg_and_the_text_list(case: Case, client: Client, screener: Any) -> None:
    response = client.get(url("genogram", case))
    html = response.content.decode()
    assert "<svg" in html and "&lt;svg" not in html
    assert 'data-testid="relationship-sentences"' in html
    assert url("genogram_svg", case) in html
    assert AuditEvent.objects.filter(action=AuditAction.GENOGRAM_VIEWED).count() == 1


def test_genogram_download_is_an_svg_attachment_and_audited(case: Case, client: Client) -> None:
    response = client.get(url("genogram_svg", case))
    assert response["Content-Type"].startswith("image/svg+xml")
    assert "attachment" in response["Content-Disposition"]
    assert response.content.decode().lstrip().startswith(("<svg", "<?xml"))
    assert AuditEvent.objects.filter(action=AuditAction.GENOGRAM_DOWNLOADED).count() == 1


def test_names_are_escaped_in_the_inline_genogram(case: Case, client: Client) -> None:
    client.post(
        url("person_add", case),
        {"given_name": "<script>x</script>", "family_name": "Evil", "sex": "U", "relationship": "other"},
    )
    html = client.get(url("genogram", case)).content.decode()
    assert "<script>x</script>" not in html


# Add a person


def test_add_person(case: Case, client: Client) -> None:
    response = client.post(
        url("person_add", case),
        {
            "given_name": "Brian",
            "family_name": "Hollis",
            "sex": "M",
            "relationship": "grandparent",
            **date_fields("date_of_birth", "20", "1", "1950"),
            **date_fields("date_of_death", "2", "11", "2019"),
        },
    )
    assert response.status_code == 302 and response["Location"] == url("case", case)
    brian = person(case, "Brian")
    assert brian.date_of_death == date(2019, 11, 2) and brian.sex == "M" and not brian.is_subject
    assert AuditEvent.objects.filter(action=AuditAction.PERSON_ADDED).count() == 1


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"given_name": "", "family_name": "Hollis"}, "Enter their first name"),
        ({"given_name": "Brian", "family_name": ""}, "Enter their last name"),
        (
            {
                "given_name": "Brian",
                "family_name": "Hollis",
                **date_fields("date_of_birth", "31", "2", "1950"),
            },
            "Date of birth must be a real date",
        ),
        (
            {
                "given_name": "Brian",
                "family_name": "Hollis",
                **date_fields("date_of_birth", "1", "1", "2999"),
            },
            "Date of birth must be today or in the past",
        ),
        (
            {
                "given_name": "Brian",
                "family_name": "Hollis",
                **date_fields("date_of_birth", "1", "1", "1990"),
                **date_fields("date_of_death", "1", "1", "1980"),
            },
            "Date of death must be after date of birth",
        ),
    ],
)
def test_add_person_errors_save_nothing(
    case: Case, client: Client, data: dict[str, str], message: str
) -> None:
    before = case.referral.people.count()
    html = errors(client.post(url("person_add", case), {"sex": "M", "relationship": "other", **data}))
    assert message in html
    assert case.referral.people.count() == before
    assert 'value="Hollis"' in html or 'value="Brian"' in html  # the user's input is kept


# Relationships


def test_add_and_remove_a_partnership(case: Case, client: Client) -> None:
    kerry, jayden = person(case, "Kerry"), person(case, "Jayden")
    client.post(
        url("person_add", case),
        {"given_name": "Dean", "family_name": "Whitmore", "sex": "M", "relationship": "father"},
    )
    dean = person(case, "Dean")
    response = client.post(
        url("relationship_add", case),
        {"from_person": str(dean.pk), "kind": "spouse", "to_person": str(kerry.pk), "status": "divorced"},
    )
    assert response.status_code == 302
    rel = PersonRelationship.objects.get(case=case, kind="spouse")
    assert (rel.from_person, rel.to_person, rel.kind, rel.status) == (dean, kerry, "spouse", "divorced")
    assert jayden.pk  # the child is untouched
    page = client.get(url("relationship_remove", case, rel.pk))
    assert "Remove this relationship?" in page.content.decode()
    assert PersonRelationship.objects.filter(pk=rel.pk).exists()  # GET asks; it does not remove
    response = client.post(url("relationship_remove", case, rel.pk))
    assert response.status_code == 302
    assert not PersonRelationship.objects.filter(pk=rel.pk).exists()
    assert AuditEvent.objects.filter(action=AuditAction.RELATIONSHIP_REMOVED).count() == 1


@pytest.mark.parametrize(
    ("pick", "message"),
    [
        (lambda k, j: {"kind": "parent", "to_person": j}, "Select the first person"),
        (lambda k, j: {"from_person": k, "to_person": j}, "Select the relationship"),
        (lambda k, j: {"from_person": k, "kind": "parent", "to_person": k}, "Choose two different people"),
        (
            lambda k, j: {"from_person": k, "kind": "parent", "to_person": j, "status": "divorced"},
            "Only partners, spouses and ex-partners have a partnership status",
        ),
        (
            lambda k, j: {"from_person": k, "kind": "parent", "to_person": "not-a-person"},
            "Select a valid choice",
        ),
    ],
)
def test_add_relationship_errors_save_nothing(case: Case, client: Client, pick: Any, message: str) -> None:
    k, j = str(person(case, "Kerry").pk), str(person(case, "Jayden").pk)
    html = errors(client.post(url("relationship_add", case), pick(k, j)))
    assert message in html
    assert PersonRelationship.objects.count() == 1  # only the one the referral gave


def test_duplicate_relationship_shows_the_service_error(case: Case, client: Client) -> None:
    data = {
        "from_person": str(person(case, "Kerry").pk),
        "kind": "parent",
        "to_person": str(person(case, "Jayden").pk),
    }
    client.post(url("relationship_add", case), data)
    html = errors(client.post(url("relationship_add", case), data))
    assert "This relationship is already recorded" in html
    assert PersonRelationship.objects.count() == 1


def test_someone_from_another_case_cannot_be_chosen(case: Case, client: Client, screener: Any) -> None:
    other = make_referral().case
    stranger = other.referral.people.first()
    assert stranger is not None
    data = {"from_person": str(stranger.pk), "kind": "parent", "to_person": str(person(case, "Jayden").pk)}
    html = errors(client.post(url("relationship_add", case), data))
    assert "Select a valid choice" in html
    assert PersonRelationship.objects.count() == 2  # only those the two referrals gave


# Households


def test_add_then_change_a_household(case: Case, client: Client) -> None:
    kerry, jayden = person(case, "Kerry"), person(case, "Jayden")
    client.post(
        url("household_add", case),
        {"label": "Mum's home", "address": "1 Elm Road", "members": [str(kerry.pk), str(jayden.pk)]},
    )
    household = Household.objects.get(case=case)
    assert set(household.members.all()) == {kerry, jayden}
    page = client.get(url("household_change", case, household.pk)).content.decode()
    assert "Mum&#x27;s home" in page
    client.post(
        url("household_change", case, household.pk),
        {"version": household.version, "label": "Kerry's flat", "members": [str(kerry.pk)]},
    )
    household.refresh_from_db()
    assert household.label == "Kerry's flat" and list(household.members.all()) == [kerry]
    assert Household.objects.count() == 1


def test_household_errors_save_nothing(case: Case, client: Client) -> None:
    html = errors(client.post(url("household_add", case), {"label": "", "members": []}))
    assert "Enter a name for the household" in html
    assert "Select at least one person who lives in the household" in html
    assert not Household.objects.exists()


# Identifiers and addresses


def test_add_identifier(case: Case, client: Client) -> None:
    kerry = person(case, "Kerry")
    response = client.post(url("identifier_add", case, kerry.pk), {"scheme": "police", "value": "PNC-12/345"})
    assert response.status_code == 302
    assert PersonIdentifier.objects.get(person=kerry).value == "PNC-12/345"
    assert "PNC-12/345" in client.get(url("case", case)).content.decode()


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"scheme": "nhs", "value": "1234567890"}, "Enter a valid 10-digit NHS number"),
        ({"value": "X1"}, "Select the type of identifier"),
        ({"scheme": "upn"}, "Enter the identifier"),
    ],
)
def test_identifier_errors_save_nothing(
    case: Case, client: Client, data: dict[str, str], message: str
) -> None:
    html = errors(client.post(url("identifier_add", case, person(case, "Kerry").pk), data))
    assert message in html
    assert not PersonIdentifier.objects.exists()


def test_add_address(case: Case, client: Client) -> None:
    kerry = person(case, "Kerry")
    client.post(
        url("address_add", case, kerry.pk),
        {
            "address": "9 Ash Lane, Northtown",
            "postcode": "nt2 2bb",
            **date_fields("from_date", "1", "4", "2022"),
        },
    )
    entry = PersonAddress.objects.get(person=kerry)
    assert (entry.postcode, entry.from_date, entry.to_date) == ("NT2 2BB", date(2022, 4, 1), None)
    assert "9 Ash Lane, Northtown" in client.get(url("case", case)).content.decode()


def test_address_errors_save_nothing(case: Case, client: Client) -> None:
    kerry = person(case, "Kerry")
    html = errors(client.post(url("address_add", case, kerry.pk), {"address": ""}))
    assert "Enter the address" in html
    html = errors(
        client.post(
            url("address_add", case, kerry.pk),
            {
                "address": "9 Ash Lane",
                **date_fields("from_date", "1", "4", "2022"),
                **date_fields("to_date", "1", "4", "2021"),
            },
        )
    )
    assert "The date they moved out must be after the date they moved in" in html
    assert not PersonAddress.objects.exists()


def test_a_person_from_another_case_is_404(case: Case, client: Client) -> None:
    stranger = make_referral().case.referral.people.first()
    assert stranger is not None
    assert client.get(url("identifier_add", case, stranger.pk)).status_code == 404
    assert client.post(url("address_add", case, stranger.pk), {"address": "x"}).status_code == 404
    assert not PersonAddress.objects.exists()


def test_a_relationship_from_another_case_is_404(case: Case, client: Client, screener: Any) -> None:
    other = make_referral().case
    a, b = list(other.referral.people.all())[:2]
    rel = relationship_add(actor=Actor(user=screener), case=other, from_person=a, to_person=b, kind="sibling")  # type: ignore[arg-type]
    assert client.post(url("relationship_remove", case, rel.pk)).status_code == 404
    assert PersonRelationship.objects.filter(pk=rel.pk).exists()


def test_agency_researcher_asked_adds_a_person_through_their_request(case: Case, make_user: Any) -> None:
    """A researcher's "Add a person" is the request's own form, so the case records that their agency
    found the person during its search; the other changes are the people page's."""
    police = Client()
    police.force_login(make_user(Role.AGENCY_RESEARCHER, AgencyKind.POLICE))
    info = case.requests.get(agency__kind=AgencyKind.POLICE)
    page = police.get(url("case", case)).content.decode()
    assert reverse("trawl:add-person", args=[info.pk]) in page
    response = police.post(
        url("person_add", case),
        {"given_name": "Lee", "family_name": "Parker", "sex": "M", "relationship": "partner"},
    )
    assert response.status_code == 302
    assert response["Location"] == reverse("trawl:add-person", args=[info.pk])
    assert not case.referral.people.filter(given_name="Lee").exists()
    response = police.post(
        url("relationship_add", case),
        {"from_person": str(list(case.referral.people.all())[0].pk), "kind": "sibling", "to_person": ""},
    )
    assert response.status_code == 200  # the people page's own forms stay open to them
