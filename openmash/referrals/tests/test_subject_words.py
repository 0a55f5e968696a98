"""Pages about an adult at risk (a hub that covers adults, the concern "Adult at risk", someone 18 or
over) name them as an adult at risk, not a child: the case page, the referral summary, the people page and
its forms, the decision page and the outcome feedback. A child's pages still say "child". Lists that may
mix children and adults head the column "Person referred"."""

from __future__ import annotations

import re
from datetime import date
from typing import Any

import pytest
from django.core import mail
from django.test import Client
from django.urls import reverse

from openmash.cases.models import Case
from openmash.cases.tests.helpers import make_referral, screen
from openmash.decisions.tests.test_views import decide, people, police_returns  # noqa: F401
from openmash.feedback.delivery import feedback_deliver
from openmash.feedback.models import Recipient
from openmash.referrals.models import ADULT_WORDS, CHILD_WORDS, PERSON_WORDS, Relationship
from openmash.referrals.services import PersonData

pytestmark = pytest.mark.django_db

WALTER = PersonData(
    given_name="Walter",
    family_name="Crane",
    date_of_birth=date(1941, 3, 2),
    sex="M",
    address="4 Mill Lane, Northtown",
)
CARER = PersonData(given_name="Dana", family_name="Crane", relationship=Relationship.CARER, sex="F")
ADULT_AT_RISK: dict[str, Any] = {
    "concern_categories": ["adult_at_risk"],
    "concerns": "A neighbour reports a frail man left without food by his carer.",
    "people": [WALTER, CARER],
}


def screened(users: dict[str, Any], **referral: Any) -> Case:
    """A case screened for a MASH enquiry to Police and Health, neither of which has answered."""
    case = make_referral(users["referrer"], **referral).case
    screen(case, users["screener"])
    case.refresh_from_db()
    return case


#: The labels that name the person referred as a child, on the pages that show them.
CHILD_LABELS = [
    "Child referred",
    "child referred",
    "Relationship to the child",
    "The child<",
    "School, college or nursery",
    "the risk to the child",
    "about the child or family",
]
ADULT_LABELS = [
    "Adult at risk referred",
    "adult at risk referred",
    "Relationship to the adult at risk",
    "The adult at risk<",
    "the risk to the adult",
    "about the adult or family",
]


def pages(users: dict[str, Any], **referral: Any) -> str:
    """Every page and message that names the person referred, for one case, taken to its decision."""
    decider, referrer = Client(), Client()
    decider.force_login(users["decider"])
    referrer.force_login(users["referrer"])
    case = screened(users, **referral)
    police_returns(users, case)  # Health still outstanding: the decision page asks why not wait
    seen = [decider.get(reverse("decisions:record", args=[case.pk])).content.decode()]
    case.refresh_from_db()
    decide(users, case, 3, proceed_reason="Enough is known")
    feedback_deliver(case_id=case.pk, retry_failed=False)
    notice = case.notifications.get(recipient=Recipient.REFERRER)
    for client, url in [
        (decider, reverse("cases:detail", args=[case.pk])),
        (decider, reverse("people:case", args=[case.pk])),
        (decider, reverse("referrals:detail", args=[case.referral_id])),
        (referrer, reverse("referrals:detail", args=[case.referral_id])),
        (referrer, reverse("feedback:note", args=[notice.pk])),
    ]:
        response = client.get(url)
        assert response.status_code == 200, url
        seen.append(response.content.decode())
    seen += [message.body for message in mail.outbox]
    return re.sub(r"\s+", " ", "\n".join(seen))


def test_an_adult_at_risks_pages_name_them_so_and_never_as_a_child(people: dict[str, Any]) -> None:  # noqa: F811
    text = pages(people, **ADULT_AT_RISK)
    assert [label for label in CHILD_LABELS if label in text] == []
    assert [label for label in ADULT_LABELS if label not in text] == []


def test_a_childs_pages_still_say_child(people: dict[str, Any]) -> None:  # noqa: F811
    text = pages(people)
    assert [label for label in CHILD_LABELS if label not in text] == []
    assert [label for label in ADULT_LABELS if label in text] == []


def test_the_genogram_key_and_words_name_the_adult_referred(people: dict[str, Any]) -> None:  # noqa: F811
    decider = Client()
    decider.force_login(people["decider"])
    case = screened(people, **ADULT_AT_RISK)
    html = decider.get(reverse("people:genogram", args=[case.pk])).content.decode()
    assert "Adult at risk referred (double outline)" in html and "adult at risk referred" in html
    assert "hild referred" not in html


@pytest.mark.parametrize(
    ("concerns", "born", "words"),
    [
        (["neglect"], [date(2018, 5, 4)], CHILD_WORDS),
        (["adult_at_risk"], [date(1941, 3, 2)], ADULT_WORDS),
        (["adult_at_risk"], [date(2018, 5, 4)], CHILD_WORDS),  # a child whose carer is the adult at risk
        (["adult_at_risk"], [date(1941, 3, 2), date(2018, 5, 4)], PERSON_WORDS),
        (["adult_at_risk"], [None], PERSON_WORDS),
    ],
)
def test_the_words_follow_the_concern_and_the_age_on_the_day_of_referral(
    people: dict[str, Any],  # noqa: F811
    concerns: list[str],
    born: list[date | None],
    words: Any,
) -> None:
    subjects = [
        PersonData(given_name=f"Subject{i}", family_name="Crane", date_of_birth=dob, sex="M")
        for i, dob in enumerate(born)
    ]
    case = screened(people, concern_categories=concerns, people=[*subjects, CARER])
    assert case.referral.subject_words == words


def _headers(html: str) -> list[str]:
    cells = re.findall(r"<th [^>]*scope=\"col\"[^>]*>(.*?)</th>", html)
    return [re.sub(r"<[^>]+>", "", cell).strip() for cell in cells]


def test_the_lists_that_may_mix_children_and_adults_head_the_column_person_referred(
    people: dict[str, Any],  # noqa: F811
) -> None:
    """The screening queue, the case list, the decision queue, the agency's request queue and the homes
    list children and adults at risk together: their column says "Person referred", never "Child"."""
    make_referral(people["referrer"], **ADULT_AT_RISK)  # a new contact, for the screening queue
    screened(people, **ADULT_AT_RISK)  # gathering: for the decision queue and the police queue
    make_referral(people["referrer"])  # a child's contact beside them
    clients = {}
    for key in ("screener", "decider", "police", "referrer"):
        clients[key] = Client()
        clients[key].force_login(people[key])
    lists = [
        ("screener", reverse("cases:queue")),
        ("screener", reverse("cases:list")),
        ("screener", reverse("accounts:home")),
        ("decider", reverse("decisions:queue")),
        ("police", reverse("enquiries:queue")),
        ("referrer", reverse("accounts:home")),
    ]
    for who, url in lists:
        response = clients[who].get(url, follow=True)  # a home sends each person to their role's
        assert response.status_code == 200, url
        headers = _headers(response.content.decode())
        assert "Person referred" in headers, (url, headers)
        assert "Child" not in headers, (url, headers)


@pytest.mark.parametrize(
    ("referral", "label"),
    [({}, "Relationship to the child"), (ADULT_AT_RISK, "Relationship to the adult at risk")],
)
def test_changing_a_person_asks_their_relationship_to_the_person_referred(
    people: dict[str, Any],  # noqa: F811
    referral: dict[str, Any],
    label: str,
) -> None:
    case = screened(people, **referral)
    other = case.referral.people.get(is_subject=False)
    screener = Client()
    screener.force_login(people["screener"])
    for url in (
        reverse("people:person_change", args=[case.pk, other.pk]),
        reverse("people:person_add", args=[case.pk]),
    ):
        html = screener.get(url).content.decode()
        assert label in html, url
        assert ("Relationship to the child" in html) == (label == "Relationship to the child"), url


@pytest.mark.parametrize(("referral", "words"), [(ADULT_AT_RISK, ADULT_WORDS), ({}, CHILD_WORDS)])
def test_the_researchers_request_search_and_add_person_pages_name_the_person_referred(
    people: dict[str, Any],  # noqa: F811
    referral: dict[str, Any],
    words: Any,
) -> None:
    """A police researcher answering a request about an adult at risk is asked how someone is related to
    the adult at risk referred, not to a child; a child's request still says child."""
    from openmash.core.actor import Actor
    from openmash.enquiries.services import request_take
    from openmash.hub.models import AgencyKind

    case = screened(people, **referral)
    info = case.requests.get(agency__kind=AgencyKind.POLICE)
    request_take(actor=Actor(user=people["police"]), request=info)
    police = Client()
    police.force_login(people["police"])
    text = ""
    for url in (
        reverse("enquiries:detail", args=[info.pk]),
        reverse("trawl:page", args=[info.pk]),
        reverse("trawl:add-person", args=[info.pk]),
    ):
        response = police.get(url)
        assert response.status_code == 200, url
        text += re.sub(r"\s+", " ", response.content.decode())
    other = ADULT_WORDS if words is CHILD_WORDS else CHILD_WORDS
    assert f"How are they related to the {words.referred}?" in text
    assert f"living with the {words.short}," in text
    assert f"Relationship to the {words.noun}<" in text
    assert f"related to the {other.referred}" not in text
    assert f"living with the {other.short}," not in text
    # The add-person form's error names the same person: sent with nothing chosen, it asks how they
    # are related to the adult at risk (or child) referred.
    refused = police.post(reverse("trawl:add-person", args=[info.pk]), {})
    assert refused.status_code == 200
    error = re.sub(r"\s+", " ", refused.content.decode())
    assert f"Select how they are related to the {words.referred}" in error
    assert f"related to the {other.referred}" not in error
