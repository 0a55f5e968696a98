"""The referral form, the referral page and the referrer's home page, driven through the real views."""

from __future__ import annotations

import html
import re
from datetime import date, timedelta
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from openmash.accounts.roles import Role
from openmash.audit.catalogue import AuditAction
from openmash.audit.models import AuditEvent
from openmash.cases.models import Case, CaseStatus, Route
from openmash.cases.tests.helpers import CHILD_NHS, make_referral, screen
from openmash.core.actor import Actor
from openmash.enquiries.services import request_save_return
from openmash.feedback.tests.helpers import decided_case
from openmash.hub.models import AgencyKind, HubConfiguration
from openmash.referrals import forms as referral_forms
from openmash.referrals import services as rules
from openmash.referrals.models import Referral, ReferralPerson
from openmash.referrals.views import SENT
from openmash.teams.tests.helpers import apply

pytestmark = pytest.mark.django_db
CREATE = reverse("referrals:create")


def form_data(**overrides: Any) -> dict[str, Any]:
    """A complete referral as the browser posts it: one child and one household member."""
    data: dict[str, Any] = {
        "referrer_name": "Amira Okafor",
        "referrer_organisation": "Northshire Primary School",
        "referrer_job_title": "Designated safeguarding lead",
        "referrer_email": "dsl@school.invalid",
        "referrer_phone": "01632 960 001",
        "source": "2A",
        "child-TOTAL_FORMS": "1",
        "child-INITIAL_FORMS": "0",
        "child-0-given_name": "Jayden",
        "child-0-family_name": "Whitmore",
        "child-0-date_of_birth_0": "4",
        "child-0-date_of_birth_1": "5",
        "child-0-date_of_birth_2": "2018",
        "child-0-sex": "M",
        "child-0-address": "1 Elm Road, Northtown",
        "child-0-postcode": "nt1  1aa",
        "child-0-nhs_number": "999 000 0018",
        "child-0-school": "Northshire Primary",
        "household-TOTAL_FORMS": "1",
        "household-INITIAL_FORMS": "0",
        "household-0-given_name": "Kerry",
        "household-0-family_name": "Whitmore",
        "household-0-relationship_to_child": "mother",
        "household-0-sex": "F",
        "concerns": "Jayden has arrived hungry on several mornings this half term.",
        "concern_categories": ["neglect", "domestic_abuse"],
        "referrer_level": "3",
        "family_consent": "aware_agrees",
    }
    data.update(overrides)
    return {k: v for k, v in data.items() if v is not None}


def summary_links(response: Any) -> list[tuple[str, str]]:
    """The error summary's (href, message) pairs, in order."""
    text = response.content.decode()
    block = re.search(r'<div class="govuk-error-summary".*?</ul>', text, re.S)
    if block is None:
        return []
    return [(h, html.unescape(m)) for h, m in re.findall(r'<a href="([^"]+)">([^<]+)</a>', block.group(0))]


@pytest.fixture
def referrer(make_user: Any) -> Any:
    return make_user(Role.REFERRER, AgencyKind.EDUCATION, job_title="Designated safeguarding lead")


@pytest.fixture
def client_for() -> Any:
    def signed_in(user: Any) -> Client:
        client = Client()
        client.force_login(user)
        return client

    return signed_in


# The form -------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("kind", "source"),
    [
        (AgencyKind.EDUCATION, "2A"),
        (AgencyKind.POLICE, "6"),
        (AgencyKind.HEALTH, "3A"),
        (AgencyKind.HOUSING, "4"),
        (AgencyKind.EARLY_HELP, "5D"),
    ],
)
def test_form_is_prefilled_from_the_referrer_and_their_agency(
    kind: str, source: str, make_user: Any, client_for: Any
) -> None:
    user = make_user(Role.REFERRER, kind, first_name="Amira", last_name="Okafor", phone="01632 960 002")
    response = client_for(user).get(CREATE)
    assert response.status_code == 200
    page = response.content.decode()
    assert 'value="Amira Okafor"' in page
    # "Your organisation" is the referrer's own (named on their last referral), never the agency kind.
    assert f'value="{html.escape(user.agency.name, quote=True)}"' not in page
    make_referral(user, referrer_organisation="Northshire Primary School")
    again = client_for(user).get(CREATE).content.decode()
    assert 'value="Northshire Primary School"' in again
    assert 'value="01632 960 002"' in page
    assert re.search(rf'<option value="{source}"\s+selected>', page), f"source {source} not preselected"
    # Threshold levels come from the hub's own document, with "Not sure" as the last choice.
    assert "Level 3: Child in need" in page
    assert 'value="not_sure"' in page
    assert not summary_links(response)


def test_referral_is_created_with_its_case_and_the_referrer_sees_the_reference(
    referrer: Any, client_for: Any
) -> None:
    client = client_for(referrer)
    response = client.post(CREATE, form_data())
    referral = Referral.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("referrals:detail", args=[referral.pk])

    assert referral.made_by == referrer
    assert referral.referrer_agency == referrer.agency
    assert referral.channel == "form"
    assert referral.source == "2A"
    assert referral.referrer_level == 3
    assert referral.concern_categories == ["neglect", "domestic_abuse"]
    child = referral.people.get(is_subject=True)
    assert (child.given_name, child.date_of_birth, child.sex) == ("Jayden", date(2018, 5, 4), "M")
    assert child.nhs_number == CHILD_NHS  # spaces taken out
    assert child.postcode == "NT1 1AA"
    mother = referral.people.get(is_subject=False)
    assert (mother.relationship, mother.given_name) == ("mother", "Kerry")
    assert Case.objects.get(referral=referral).status == CaseStatus.NEW
    assert AuditEvent.objects.filter(
        action=AuditAction.REFERRAL_RECEIVED, object_id=str(referral.pk)
    ).exists()

    page = client.get(response["Location"]).content.decode()
    assert "govuk-notification-banner--success" in page
    assert SENT.format(reference=referral.reference) in page
    assert referral.reference.startswith("R-")


def test_blank_rows_are_ignored_and_several_children_are_taken(referrer: Any, client_for: Any) -> None:
    data = form_data(
        **{
            "child-TOTAL_FORMS": "3",
            "child-2-given_name": "Mia",
            "child-2-family_name": "Whitmore",
            "household-TOTAL_FORMS": "4",
        }
    )
    response = client_for(referrer).post(CREATE, data)
    assert response.status_code == 302, summary_links(response)
    referral = Referral.objects.get()
    assert sorted(referral.people.filter(is_subject=True).values_list("given_name", flat=True)) == [
        "Jayden",
        "Mia",
    ]
    assert referral.people.filter(is_subject=False).count() == 1


def test_add_another_child_keeps_the_input_and_adds_a_row_without_sending(
    referrer: Any, client_for: Any
) -> None:
    client = client_for(referrer)
    response = client.post(CREATE, form_data(add="child"))
    page = response.content.decode()
    assert response.status_code == 200
    assert not summary_links(response)  # not checked yet: nothing is wrong to say
    assert 'id="id_child-1-given_name"' in page
    assert 'formaction="#child-row-2"' in page  # the next press adds the third row
    assert 'value="Jayden"' in page and "hungry on several mornings" in page
    assert not Referral.objects.exists()

    full = client.post(CREATE, form_data(**{"child-TOTAL_FORMS": "3", "add": "child"})).content.decode()
    assert 'id="id_child-2-given_name"' in full
    assert 'id="id_child-3-given_name"' not in full  # three children at most
    assert 'data-testid="add-child"' not in full

    household = client.post(CREATE, form_data(add="household")).content.decode()
    assert 'id="id_household-1-given_name"' in household


def test_adding_a_row_to_an_unfinished_form_points_out_no_mistakes_yet(
    referrer: Any, client_for: Any
) -> None:
    data = form_data(referrer_email="", concerns="", **{"child-0-date_of_birth_1": "", "add": "child"})
    response = client_for(referrer).post(CREATE, data)
    page = response.content.decode()
    assert not summary_links(response)
    assert "govuk-form-group--error" not in page and "govuk-input--error" not in page
    assert "<title>Make a referral" in page
    assert 'value="4"' in page and 'value="2018"' in page  # the half-typed date is still there


FUTURE = timezone.localdate() + timedelta(days=3)
ADULT = timezone.localdate().replace(year=timezone.localdate().year - 20)
BLANK_CHILD = {f"child-0-{name}": "" for name in ("given_name", "family_name", "address", "postcode")} | {
    "child-0-nhs_number": "",
    "child-0-school": "",
    "child-0-sex": None,
    "child-0-date_of_birth_0": "",
    "child-0-date_of_birth_1": "",
    "child-0-date_of_birth_2": "",
}


def dob(day: date) -> dict[str, str]:
    return {
        "child-0-date_of_birth_0": str(day.day),
        "child-0-date_of_birth_1": str(day.month),
        "child-0-date_of_birth_2": str(day.year),
    }


INVALID = [
    pytest.param(BLANK_CHILD, "#id_child-0-given_name", rules.NO_CHILD, id="no-child"),
    pytest.param(
        {"child-0-nhs_number": "123 456 7890"},
        "#id_child-0-nhs_number",
        f"Child 1: {rules.BAD_NHS_NUMBER}",
        id="nhs-number",
    ),
    pytest.param(dob(FUTURE), "#id_child-0-date_of_birth_0", f"Child 1: {rules.BORN_IN_FUTURE}", id="future"),
    pytest.param(dob(ADULT), "#id_child-0-date_of_birth_0", f"Child 1: {rules.CHILD_TOO_OLD}", id="adult"),
    pytest.param(
        {"child-0-date_of_birth_1": ""},
        "#id_child-0-date_of_birth_1",
        "Child 1: " + referral_forms.DOB_MISSING.format(parts="month"),
        id="dob-no-month",
    ),
    pytest.param(
        {"child-0-date_of_birth_0": "31", "child-0-date_of_birth_1": "2"},
        "#id_child-0-date_of_birth_0",
        f"Child 1: {referral_forms.DOB_NOT_REAL}",
        id="dob-not-real",
    ),
    pytest.param(
        {"child-0-date_of_birth_2": "18"},
        "#id_child-0-date_of_birth_2",
        f"Child 1: {referral_forms.DOB_YEAR}",
        id="dob-two-digit-year",
    ),
    pytest.param(
        {"child-0-family_name": ""}, "#id_child-0-family_name", f"Child 1: {rules.NO_NAME}", id="no-last-name"
    ),
    pytest.param(
        {"child-0-given_name": ""}, "#id_child-0-given_name", f"Child 1: {rules.NO_NAME}", id="no-first-name"
    ),
    pytest.param(
        {"child-0-postcode": "NOT A POSTCODE"},
        "#id_child-0-postcode",
        f"Child 1: {referral_forms.BAD_POSTCODE}",
        id="postcode",
    ),
    pytest.param(
        {"household-0-relationship_to_child": ""},
        "#id_household-0-relationship_to_child",
        "Person 1: " + referral_forms.NO_RELATIONSHIP.format(noun="child"),
        id="no-relationship",
    ),
    pytest.param(
        {"household-0-nhs_number": "1111111112"},
        "#id_household-0-nhs_number",
        f"Person 1: {rules.BAD_NHS_NUMBER}",
        id="household-nhs-number",
    ),
    pytest.param({"concerns": "   "}, "#id_concerns", rules.NO_CONCERNS, id="no-concerns"),
    pytest.param({"concern_categories": None}, "#id_concern_categories_1", rules.NO_CATEGORY, id="no-kind"),
    pytest.param(
        {"referrer_level": None},
        "#id_referrer_level_1",
        referral_forms.NO_LEVEL.format(short="child"),
        id="no-level",
    ),
    pytest.param(
        {"family_consent": None}, "#id_family_consent_1", referral_forms.NO_CONSENT, id="no-consent"
    ),
    pytest.param({"referrer_name": ""}, "#id_referrer_name", referral_forms.NO_REFERRER_NAME, id="no-name"),
    pytest.param(
        {"referrer_organisation": ""},
        "#id_referrer_organisation",
        referral_forms.NO_ORGANISATION,
        id="no-organisation",
    ),
    pytest.param({"referrer_email": ""}, "#id_referrer_email", referral_forms.NO_EMAIL, id="no-email"),
    pytest.param(
        {"referrer_email": "dsl-at-school"}, "#id_referrer_email", referral_forms.BAD_EMAIL, id="bad-email"
    ),
    pytest.param(
        {"referrer_phone": "call me"}, "#id_referrer_phone", referral_forms.BAD_PHONE, id="bad-phone"
    ),
    pytest.param({"source": ""}, "#id_source", referral_forms.NO_SOURCE, id="no-source"),
]


@pytest.mark.parametrize(("changes", "href", "message"), INVALID)
def test_each_mistake_is_shown_in_the_error_summary_with_the_input_kept(
    changes: dict[str, Any], href: str, message: str, referrer: Any, client_for: Any
) -> None:
    HubConfiguration.objects.update(covers_adults=False)  # a hub for children only
    data = form_data(**changes)
    response = client_for(referrer).post(CREATE, data)
    page = response.content.decode()
    assert response.status_code == 200
    assert summary_links(response) == [(href, message)]
    assert "<title>Error: Make a referral" in page
    # The message is also shown by the field it is about.
    bare = message.split(": ", 1)[1] if message.startswith(("Child", "Person")) else message
    assert html.escape(bare) in page.split("govuk-error-summary__list", 1)[1].split("</ul>", 1)[1]
    # Nothing is lost: every other value the referrer typed is still there.
    for name in ("referrer_name", "referrer_email", "child-0-given_name", "household-0-given_name"):
        if data.get(name):
            assert f'value="{html.escape(data[name])}"' in page, name
    if data.get("concerns", "").strip():
        assert data["concerns"] in page
    for value in data.get("concern_categories", []):
        assert re.search(rf'value="{value}"\s+checked', page), value
    if "referrer_level" in data:
        assert re.search(r'value="3"\s+checked', page)
    # And nothing was written.
    assert not Referral.objects.exists()
    assert not Case.objects.exists()
    assert not ReferralPerson.objects.exists()


def test_every_mistake_at_once_is_listed_in_page_order(referrer: Any, client_for: Any) -> None:
    data = form_data(
        referrer_email="",
        concerns="",
        family_consent=None,
        **{"child-0-nhs_number": "12", "household-0-relationship_to_child": ""},
    )
    links = summary_links(client_for(referrer).post(CREATE, data))
    assert [href for href, _ in links] == [
        "#id_referrer_email",
        "#id_child-0-nhs_number",
        "#id_household-0-relationship_to_child",
        "#id_concerns",
        "#id_family_consent_1",
    ]


def test_a_tampered_row_count_is_refused(referrer: Any, client_for: Any) -> None:
    response = client_for(referrer).post(CREATE, form_data(**{"child-TOTAL_FORMS": "50"}))
    assert response.status_code == 200
    assert ("#id_child-0-given_name", "You can add up to 3 people here") in summary_links(response)
    assert not Referral.objects.exists()


# The referral page ---------------------------------------------------------------------------------


def test_referrer_sees_their_referral_and_its_status_and_the_view_is_audited(
    referrer: Any, client_for: Any
) -> None:
    referral = make_referral(referrer)
    response = client_for(referrer).get(reverse("referrals:detail", args=[referral.pk]))
    page = response.content.decode()
    assert response.status_code == 200
    assert referral.reference in page and referral.case.reference in page
    assert "Received" in page and "will screen it" in page
    assert 'data-testid="no-outcome-yet"' in page
    assert "Jayden Whitmore" in page and "arrived hungry" in page
    assert "Open the case" not in page  # a referrer has no case page
    assert 'data-testid="rereferral-warning"' not in page
    event = AuditEvent.objects.get(action=AuditAction.REFERRAL_VIEWED)
    assert event.object_id == str(referral.pk)
    assert set(event.persons) == {str(pk) for pk in referral.people.values_list("pk", flat=True)}


def test_another_referrer_gets_not_found(referrer: Any, make_user: Any, client_for: Any) -> None:
    referral = make_referral(referrer)
    other = make_user(Role.REFERRER, AgencyKind.EDUCATION)
    response = client_for(other).get(reverse("referrals:detail", args=[referral.pk]))
    assert response.status_code == 404
    assert referral.reference not in response.content.decode()
    assert not AuditEvent.objects.filter(action=AuditAction.REFERRAL_VIEWED).exists()


def test_hub_staff_see_any_referral_with_a_link_to_the_case(
    referrer: Any, make_user: Any, client_for: Any
) -> None:
    referral = make_referral(referrer)
    page = client_for(make_user(Role.SCREENING_MANAGER)).get(reverse("referrals:detail", args=[referral.pk]))
    assert page.status_code == 200
    assert reverse("cases:detail", args=[referral.case.pk]) in page.content.decode()


def test_the_outcome_shows_the_decision_maker_but_never_what_agencies_returned(
    referrer: Any, make_user: Any, client_for: Any
) -> None:
    screener = make_user(Role.SCREENING_MANAGER)
    decider = make_user(
        Role.DECISION_MAKER,
        first_name="Priya",
        last_name="Shah",
        phone="01632 960 555",
        job_title="Team manager",
    )
    police = make_user(Role.AGENCY_RESEARCHER, AgencyKind.POLICE)
    case = make_referral(referrer).case
    screen(case, screener, kinds=(AgencyKind.POLICE,))
    request = case.requests.get()
    request_save_return(
        actor=Actor(user=police),
        request=request,
        expected_version=request.version,
        summary="Officers attended a domestic incident at the address",
        risk_factors="Violence in the home",
        protective_factors="",
        history=[],
        submit=True,
    )
    case.refresh_from_db()
    from openmash.decisions.models import Outcome
    from openmash.decisions.services import decision_record
    from openmash.hub.models import ThresholdLevel

    decision_record(
        actor=Actor(user=decider),
        case=case,
        expected_version=case.version,
        outcome=Outcome.S17_ASSESSMENT,
        level=ThresholdLevel.objects.get(number=4),
        rationale="Police information shows violence in the home",
    )
    page = client_for(referrer).get(reverse("referrals:detail", args=[case.referral.pk])).content.decode()
    outcome = page.split('data-testid="referral-outcome"', 1)[1].split("</dl>", 1)[0]
    assert "Child in need assessment (s.17)" in outcome
    assert "Level 4: Child protection" in outcome
    assert "The referral suggested Level 2: Early help" in outcome
    assert "Priya Shah" in outcome and "Team manager" in outcome
    assert decider.email in outcome and "01632 960 555" in outcome
    assert timezone.localdate().strftime("%-d %B %Y") in outcome
    for returned in ("domestic incident", "Violence in the home", "Police information shows"):
        assert returned not in page


def test_re_referral_warning_lists_earlier_referrals_for_staff_only(
    referrer: Any, make_user: Any, client_for: Any
) -> None:
    screener = make_user(Role.SCREENING_MANAGER)
    first = make_referral(referrer)
    screen(first.case, screener, route=Route.EARLY_HELP)  # decided at screening
    second = make_referral(None)  # from an agency system, about the same child (same NHS number)
    latest = make_referral(referrer)
    assert list(latest.earlier_referrals.all()) == [first, second]

    def warning_text(user: Any) -> str:
        page = client_for(user).get(reverse("referrals:detail", args=[latest.pk])).content.decode()
        warning = page.split('data-testid="rereferral-warning"', 1)[1].split("</div>\n</div>", 1)[0]
        return re.sub(r"\s+", " ", warning)

    # The referrer learns only that there were earlier referrals, not other people's references or outcomes.
    text = warning_text(referrer)
    assert "This child has been referred 2 times before." in text
    assert second.reference not in text
    assert "outcome" not in text
    text = warning_text(screener)
    assert "This child has been referred 2 times before" in text
    when = first.received_at.strftime("%-d %B %Y")
    assert f"{first.reference} ({when}, outcome: Early help, with a lead agency)" in text
    assert f"{second.reference} ({when}, no outcome yet)" in text


def test_the_case_page_warns_of_earlier_referrals_only_where_there_were_some(
    referrer: Any, make_user: Any, client_for: Any
) -> None:
    """The case page's referral panel: a child referred before is warned of, with each earlier
    referral's reference linking to its case; a first referral shows no warning."""
    screener = make_user(Role.SCREENING_MANAGER)
    first = make_referral(referrer)
    latest = make_referral(referrer)
    assert list(latest.earlier_referrals.all()) == [first]

    def case_page(referral: Any) -> str:
        response = client_for(screener).get(reverse("cases:detail", args=[referral.case.pk]))
        assert response.status_code == 200
        return str(response.content.decode())

    page = case_page(latest)
    warning = re.sub(r"\s+", " ", page.split('data-testid="rereferral-warning"', 1)[1].split("</ul>", 1)[0])
    assert "This child has been referred before:" in warning
    link = reverse("cases:detail", args=[first.case.pk])
    assert (
        f'<a class="govuk-link" href="{link}" data-testid="earlier-referral-link">{first.reference}'
        in warning
    )
    assert 'data-testid="rereferral-warning"' not in case_page(first)


def test_a_different_child_gives_no_warning(referrer: Any, client_for: Any) -> None:
    make_referral(referrer)
    data = form_data(**{"child-0-nhs_number": "", "child-0-given_name": "Amelia"})
    response = client_for(referrer).post(CREATE, data, follow=True)
    assert 'data-testid="rereferral-warning"' not in response.content.decode()


def test_form_referral_about_a_known_child_warns_after_sending(referrer: Any, client_for: Any) -> None:
    earlier = make_referral(referrer)
    response = client_for(referrer).post(CREATE, form_data(), follow=True)
    page = response.content.decode()
    assert 'data-testid="rereferral-warning"' in page
    assert "This child has been referred before." in page
    assert f"{earlier.reference} (" not in page


# The referrer's home page ---------------------------------------------------------------------------


def test_home_lists_only_your_referrals_newest_first(referrer: Any, make_user: Any, client_for: Any) -> None:
    older = make_referral(referrer, received_at=timezone.now() - timedelta(days=3))
    newer = make_referral(
        referrer,
        people=[rules.PersonData(given_name="Mia", family_name="Lane", date_of_birth=date(2019, 1, 2))],
    )
    theirs = make_referral(make_user(Role.REFERRER, AgencyKind.EDUCATION))
    screener = make_user(Role.SCREENING_MANAGER)
    screen(older.case, screener, route=Route.EARLY_HELP)

    response = client_for(referrer).get(reverse("accounts:role-home", args=["referrer"]))
    page = response.content.decode()
    table = page.split('data-testid="your-referrals"', 1)[1]
    assert table.index(newer.reference) < table.index(older.reference)
    assert theirs.reference not in page
    assert "Mia Lane" in table and "Jayden Whitmore" in table
    assert "Early help, with a lead agency" in table and "Not decided yet" in table
    assert "Outcome sent" in table or "Decided" in table
    assert reverse("referrals:detail", args=[newer.pk]) in table
    assert reverse("referrals:create") in page
    event = AuditEvent.objects.filter(action=AuditAction.QUEUE_VIEWED).latest("sequence")
    assert event.detail["referrals"] == [newer.reference, older.reference]


def test_home_says_when_there_are_no_referrals(referrer: Any, client_for: Any) -> None:
    page = client_for(referrer).get(reverse("accounts:role-home", args=["referrer"])).content.decode()
    assert 'data-testid="empty-queue"' in page
    assert reverse("referrals:create") in page
    assert not AuditEvent.objects.filter(action=AuditAction.QUEUE_VIEWED).exists()


def test_home_points_to_new_outcomes(referrer: Any, make_user: Any, client_for: Any) -> None:
    decided_case(
        referrer=referrer, screener=make_user(Role.SCREENING_MANAGER), decider=make_user(Role.DECISION_MAKER)
    )
    client = client_for(referrer)
    home = reverse("accounts:role-home", args=["referrer"])
    assert "1 new outcome" in client.get(home).content.decode()
    client.get(reverse("feedback:outcomes"))
    assert 'data-testid="unread-outcomes"' not in client.get(home).content.decode()


def test_home_pages_through_many_referrals(referrer: Any, client_for: Any, monkeypatch: Any) -> None:
    monkeypatch.setattr("openmash.referrals.homes.PAGE_SIZE", 1)
    older = make_referral(referrer, received_at=timezone.now() - timedelta(days=1))
    newer = make_referral(referrer)
    client = client_for(referrer)
    home = reverse("accounts:role-home", args=["referrer"])
    first = client.get(home).content.decode()
    assert newer.reference in first and older.reference not in first
    assert 'href="?page=2"' in first
    second = client.get(home, {"page": 2}).content.decode()
    assert older.reference in second and newer.reference not in second


# The risk grading, where the hub triages notifications by it ----------------------------------------------


def police_notification(**changes: Any) -> dict[str, Any]:
    """A police notification about domestic abuse, as a police referrer posts it."""
    return form_data(
        referrer_organisation="Northshire Police",
        source="6",
        concerns="Police attended a verbal argument at the home; the children were asleep upstairs.",
        concern_categories=["domestic_abuse"],
        **changes,
    )


@pytest.fixture
def police(make_user: Any) -> Any:
    return make_user(Role.REFERRER, AgencyKind.POLICE)


def test_a_graded_notification_made_on_the_form_is_triaged_by_the_hubs_rule(
    police: Any, make_user: Any, client_for: Any
) -> None:
    apply("children-in-need")  # screens only some referrals: police domestic abuse graded standard is triaged
    form = client_for(police).get(CREATE).content.decode()
    assert 'name="risk_grading"' in form and "What is the risk grading?" in form
    assert "The DASH risk grading of a notification from Police about domestic abuse." in form
    for grading in ("standard", "high"):
        response = client_for(police).post(CREATE, police_notification(risk_grading=grading))
        assert response.status_code == 302, summary_links(response)
    standard = Referral.objects.get(risk_grading="standard").case
    high = Referral.objects.get(risk_grading="high").case
    assert standard.in_triage and not high.in_triage

    screener = client_for(make_user(Role.SCREENING_MANAGER))
    queue = screener.get(reverse("cases:queue")).content.decode()
    triage = screener.get(reverse("cases:triage")).content.decode()
    assert standard.reference in triage and standard.reference not in queue
    assert high.reference in queue and high.reference not in triage


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        pytest.param(
            {}, referral_forms.NO_GRADING.format(what="from Police about domestic abuse"), id="none"
        ),
        pytest.param({"risk_grading": "severe"}, referral_forms.BAD_GRADING, id="not-a-grading"),
    ],
)
def test_a_notification_the_hub_triages_needs_its_grading(
    changes: dict[str, Any], message: str, police: Any, client_for: Any
) -> None:
    apply("children-in-need")
    response = client_for(police).post(CREATE, police_notification(**changes))
    assert response.status_code == 200
    assert summary_links(response) == [("#id_risk_grading_1", message)]
    after = response.content.decode().split("govuk-error-summary__list", 1)[1].split("</ul>", 1)[1]
    assert html.escape(message) in after  # also beside the question
    assert not Referral.objects.exists()


def test_other_referrals_need_no_grading_and_are_screened(referrer: Any, client_for: Any) -> None:
    apply("children-in-need")
    response = client_for(referrer).post(CREATE, form_data())  # a school, about neglect and domestic abuse
    assert response.status_code == 302, summary_links(response)
    referral = Referral.objects.get()
    assert referral.risk_grading == "" and not referral.case.in_triage


def test_no_grading_is_asked_where_the_hub_does_not_triage_by_it(police: Any, client_for: Any) -> None:
    # The front door screens every referral: its triage rule is not used.
    assert "risk_grading" not in client_for(police).get(CREATE).content.decode()
    apply("children-in-need")
    HubConfiguration.objects.update(triage_grading="")  # triages police domestic abuse whatever its grading
    assert "risk_grading" not in client_for(police).get(CREATE).content.decode()
    response = client_for(police).post(CREATE, police_notification())
    assert response.status_code == 302, summary_links(response)
    assert Referral.objects.get().case.in_triage
