"""No page, PDF or e-mail about an adult at risk calls them a child (ADR 0024).

One case, about Walter Crane (born 1941, the concern "Adult at risk") and his carer Dana, is taken through
the real services: consent from Dana for Walter by name, a lawful basis that sets aside the health duty of
confidentiality, screening with consent "not sought" because seeking it would put him at risk, and a
police return. Each family of pages that shows it is read as the person who uses it, and its visible
text (`words.child_words`: less the names of agencies, threshold levels, outcomes and the like) must not
say "child" or "children". The referral form is in test_form_words.
"""

from __future__ import annotations

import re
from typing import Any

import pytest
from django.core import mail
from django.test import Client
from django.urls import reverse

from openmash.accounts.roles import Role
from openmash.cases.models import Case, ConsentPosition, Route
from openmash.cases.tests.helpers import make_referral
from openmash.casework.consent import consent_record, lawful_basis_record
from openmash.casework.screening import case_screen
from openmash.consent.models import ConsentDecision, ConsentRecord, ForWhom, InformedHow
from openmash.core.actor import Actor
from openmash.core.errors import DomainError
from openmash.decisions.tests.test_views import decide, people, police_returns  # noqa: F401
from openmash.feedback.delivery import feedback_deliver
from openmash.feedback.models import Recipient
from openmash.hub.models import Agency, AgencyKind, RagRating, ThresholdLevel
from openmash.people.services import person_update
from openmash.referrals.tests.test_subject_words import ADULT_AT_RISK
from openmash.referrals.tests.words import child_words, visible

pytestmark = pytest.mark.django_db


def _actor(user: Any) -> Actor:
    return Actor(user=user)


def adult_case(users: dict[str, Any]) -> Case:
    """Walter's case, screened to Police and Health, with consent and a basis recorded, Police's return in."""
    case = make_referral(users["referrer"], **ADULT_AT_RISK).case
    walter, dana = (case.referral.people.get(is_subject=s) for s in (True, False))
    screener = _actor(users["screener"])
    consent_record(
        actor=screener,
        case=case,
        given_by=dana,
        for_whom=ForWhom.CHILD,  # one named person referred: here an adult at risk
        child=walter,
        decision=ConsentDecision.GIVEN,
        informed_how=InformedHow.VERBAL,
        privacy_notice_version="2026-04",
    )
    lawful_basis_record(
        actor=screener, case=case, reason="Asking his carer would put him in danger", health_override=True
    )
    case.refresh_from_db()
    case_screen(
        actor=screener,
        case=case,
        expected_version=case.version,
        level=ThresholdLevel.objects.get(number=3),
        indicators=[],
        rag=RagRating.AMBER,
        rag_reason="Left without food by his carer",
        consent_position=ConsentPosition.NOT_SOUGHT_RISK,
        route=Route.MASH_ENQUIRY,
        agencies=list(Agency.objects.filter(kind__in=[AgencyKind.POLICE, AgencyKind.HEALTH])),
    )
    case.refresh_from_db()
    police_returns(users, case)  # Police share their summary and two incidents; Health has not answered
    case.refresh_from_db()
    return case


@pytest.fixture
def staff(people: dict[str, Any], make_user: Any) -> dict[str, Any]:  # noqa: F811
    return {**people, "ig": make_user(Role.IG_OFFICER)}


def client_for(user: Any) -> Client:
    client = Client()
    client.force_login(user)
    return client


def _flat(text: str) -> str:
    return re.sub(r"\s+", " ", text)


def read(user: Any, url: str) -> str:
    response = client_for(user).get(url)
    assert response.status_code == 200, url
    return visible(response)


# The case's own pages, as the screening manager, the decision maker and the police researcher see them.
CASE_PAGES = [
    ("screener", "cases:detail"),
    ("decider", "product:case"),
    ("decider", "product:pack"),
    ("police", "enquiries:detail"),
    ("police", "trawl:page"),
]


@pytest.mark.parametrize(("who", "name"), CASE_PAGES)
def test_the_case_pages_never_call_the_adult_a_child(staff: dict[str, Any], who: str, name: str) -> None:
    case = adult_case(staff)
    police = case.requests.get(agency__kind=AgencyKind.POLICE)
    args = [police.pk] if name.startswith(("enquiries:", "trawl:")) else [case.pk]
    text = read(staff[who], reverse(name, args=args))
    assert "Walter Crane" in text
    assert child_words(text) == []


def test_the_screening_page_asks_about_the_adult_not_a_child(staff: dict[str, Any]) -> None:
    """The consent questions (who gave it, for whom, the reasons to share without it) on a new contact."""
    case = make_referral(staff["referrer"], **ADULT_AT_RISK).case
    text = read(staff["screener"], reverse("cases:screen", args=[case.pk]))
    assert "Walter Crane (adult at risk referred)" in text
    assert "A named adult at risk: Walter Crane" in text
    assert "Not sought: seeking it would place the adult at risk" in text
    # The hub's threshold document is written about children: its indicators are names, not the person.
    assert child_words(text) == []


def test_the_decision_page_and_what_the_decision_sends_never_call_the_adult_a_child(
    staff: dict[str, Any],
) -> None:
    case = adult_case(staff)
    decider = staff["decider"]
    seen = [read(decider, reverse("decisions:record", args=[case.pk]))]
    decide(staff, case, 3, proceed_reason="Enough is known")
    feedback_deliver(case_id=case.pk, retry_failed=False)
    notice = case.notifications.get(recipient=Recipient.REFERRER)
    seen.append(read(staff["referrer"], reverse("feedback:note", args=[notice.pk])))
    seen += [f"{message.subject}\n{message.body}" for message in mail.outbox]
    assert len(mail.outbox) >= 2  # the referrer and each agency asked
    assert [words for text in seen for words in child_words(text)] == []


# Consent: the case's consent page and the forms that record and withdraw it.
CONSENT_PAGES = ["consent:case", "consent:record", "consent:lawful-basis", "consent:withdraw"]


@pytest.mark.parametrize("name", CONSENT_PAGES)
def test_the_consent_pages_never_call_the_adult_a_child(staff: dict[str, Any], name: str) -> None:
    case = adult_case(staff)
    consent = ConsentRecord.objects.get(case=case)
    args = [consent.pk] if name == "consent:withdraw" else [case.pk]
    text = read(staff["screener"], reverse(name, args=args))
    assert "Walter Crane" in text
    assert child_words(text) == []


def test_the_consent_page_names_whom_consent_is_for_and_the_override_in_the_adults_words(
    staff: dict[str, Any],
) -> None:
    case = adult_case(staff)
    text = _flat(read(staff["screener"], reverse("consent:case", args=[case.pk])))
    assert "Dana Crane (carer)" in text
    assert "A named adult at risk: Walter Crane" in text
    assert "because of a risk of significant harm to an adult" in text
    assert "Not sought: seeking it would place the adult at risk" in read(
        staff["screener"], reverse("cases:detail", args=[case.pk])
    )


def test_a_consent_form_sent_with_mistakes_still_speaks_of_the_adult(staff: dict[str, Any]) -> None:
    case = adult_case(staff)
    screener = client_for(staff["screener"])
    for name, field in (("consent:record", "decision"), ("consent:lawful-basis", "reason")):
        response = screener.post(reverse(name, args=[case.pk]), {field: ""})
        assert response.status_code == 200, name
        text = visible(response)
        assert "There is a problem" in text, name
        assert child_words(text) == [], name


# Transparency: the report (page and PDF) for the adult, and for his carer (who is named in his information).
@pytest.mark.parametrize("output", ["consent:transparency", "consent:transparency-pdf"])
@pytest.mark.parametrize("who", ["walter", "dana"])
def test_the_transparency_reports_never_call_the_adult_a_child(
    staff: dict[str, Any], who: str, output: str
) -> None:
    case = adult_case(staff)
    read(staff["decider"], reverse("cases:detail", args=[case.pk]))  # Police's return is viewed
    person = case.referral.people.get(is_subject=who == "walter")
    text = _flat(read(staff["ig"], reverse(output, args=[person.pk])))
    assert "Crane" in text
    # Walter is on the referral as the adult at risk referred; Dana is named in his information.
    assert (
        "On the referral as Adult at risk referred" if who == "walter" else "adult at risk referred"
    ) in text
    assert child_words(text) == []


def test_the_disclosure_log_of_the_case_never_calls_the_adult_a_child(staff: dict[str, Any]) -> None:
    case = adult_case(staff)
    read(staff["decider"], reverse("cases:detail", args=[case.pk]))
    text = read(staff["ig"], reverse("consent:disclosures") + f"?case={case.reference}")
    assert "Walter Crane" in text and "Adult at risk referred" in text
    assert "for a named adult at risk" in text  # the basis each shared item was shared under
    assert child_words(text) == []


def test_the_rules_that_refuse_a_change_name_the_adult_as_such(staff: dict[str, Any]) -> None:
    """A change the services refuse about the person referred names them in the referral's words."""
    case = make_referral(staff["referrer"], **ADULT_AT_RISK).case
    walter, dana = (case.referral.people.get(is_subject=s) for s in (True, False))
    actor = _actor(staff["screener"])
    refusals = []
    with pytest.raises(DomainError) as refused:
        person_update(
            actor=actor,
            case=case,
            person=walter,
            expected_version=walter.version,
            values={"relationship": "carer"},
        )
    refusals.append(str(refused.value))
    for child in (None, dana):
        with pytest.raises(DomainError) as refused:
            consent_record(
                actor=actor,
                case=case,
                given_by=dana,
                for_whom=ForWhom.CHILD,
                child=child,
                decision=ConsentDecision.GIVEN,
                informed_how=InformedHow.VERBAL,
                privacy_notice_version="2026-04",
            )
        refusals.append(str(refused.value))
    assert refusals == [
        "The adult at risk referred stays the adult at risk referred",
        "Choose the adult at risk the consent is for",
        "Dana Crane is not an adult referred on this case",
    ]


def test_names_of_things_are_not_the_person(hub: object) -> None:
    """The agency and the levels keep their names; the person referred is still caught beside them."""
    text = "Screened by Sam, Children's Social Care. Level 3: Child in need. Relationship to the child"
    assert child_words(text) == ["Relationship to the child"]
