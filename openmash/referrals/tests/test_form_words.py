"""The referral form speaks of the person or people you are worried about where the hub covers adults at
risk (ADR 0024), and of a child, exactly as before, where it does not; so does the referrer's home page.

On a hub that covers adults the form's only "child" is "a child or adult" (anyone in danger, anyone you
may refer); rows are "Person 1" and the household's "Household member 1", so that no two rows share a
name. The field names and ids stay a child's form's, for every hub.
"""

from __future__ import annotations

import html
import re
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from openmash.accounts.roles import Role
from openmash.hub.models import HubConfiguration
from openmash.referrals.tests.words import child_words, visible

pytestmark = pytest.mark.django_db

FORM = reverse("referrals:create")

#: What the form says about the people referred, in a hub that covers adults at risk and in one that
#: does not (exactly as before adults could be referred).
SAYS = {
    True: [
        "If a child or adult is in immediate danger",
        "about a child or adult you are worried about",
        "The person or people you are worried about",
        "Add each person you are worried about",
        "Person 1",
        "Add another person",
        "Household member 1",
        "Add another household member",
        "any other adults who live with the person or look after them",
        "Relationship to the person you are worried about",
        "Include what is going well for the person, if you know",
        "What level of need do you think the person has?",
        "could put the person at risk",
    ],
    False: [
        "If a child is in immediate danger",
        "about a child you are worried about",
        "The child or children",
        "Add each child you are worried about",
        "Child 1",
        "Add another child",
        "Person 1",
        "Add another person",
        "any other adults who live with the child or look after them",
        "Relationship to the child",
        "Include what is going well for the child, if you know",
        "What level of need do you think the child has?",
        "could put the child at risk",
    ],
}


#: What it no longer says (a hub covering adults), or does not say yet (a hub for children only).
NOT_SAYS = {
    True: [
        "If a child is in",
        "about a child you",
        "The child or children",
        "Add each child",
        "Child 1",
        "Add another child",
        "with the child or",
        "Relationship to the child",
        "for the child",
        "the child has",
        "put the child at risk",
    ],
    False: ["child or adult", "person you are worried about", "Household member", "the person has"],
}


def _flat(text: str) -> str:
    return re.sub(r"\s+", " ", text)


@pytest.mark.parametrize("covers_adults", [True, False], ids=["covers-adults", "children-only"])
def test_the_referral_form_speaks_of_the_person_where_the_hub_covers_adults(
    referrer: Any, covers_adults: bool
) -> None:
    HubConfiguration.objects.update(covers_adults=covers_adults)
    client = client_for(referrer)
    form = _flat(visible(client.get(FORM)))
    home = _flat(visible(client.get(reverse("accounts:role-home", args=["referrer"]))))
    assert [words for words in SAYS[covers_adults] if words not in form] == []
    assert [words for words in NOT_SAYS[covers_adults] if words in form] == []
    if covers_adults:  # "a child or adult" is about anyone in danger, not the person referred
        assert child_words(form, also_allowed=("a child or adult",)) == []
        assert "Referrals you make about a child or adult appear here" in home
    else:
        assert "Referrals you make about a child appear here" in home
    # The ids the fields and the error summary use are the same for every hub.
    page = client.get(FORM).content.decode()
    for field in ("id_child-0-given_name", "id_household-0-relationship_to_child", "id_child-0-school"):
        assert f'id="{field}"' in page


def test_adding_a_row_on_a_hub_covering_adults_adds_another_person(referrer: Any) -> None:
    client = client_for(referrer)
    page = client.post(FORM, {"child-TOTAL_FORMS": "1", "household-TOTAL_FORMS": "1", "add": "child"})
    text = _flat(visible(page))
    assert "Person 2" in text and 'id="id_child-1-given_name"' in page.content.decode()
    assert child_words(text, also_allowed=("a child or adult",)) == []


def test_the_form_s_mistakes_on_a_hub_covering_adults_speak_of_the_person(referrer: Any) -> None:
    """Nobody referred, a household member without a relationship, no level: each message speaks of the
    person you are worried about, and each link in the error summary points at an input on the page."""
    response = client_for(referrer).post(
        FORM,
        {
            "referrer_name": "Amira Okafor",
            "referrer_organisation": "Northshire Primary School",
            "referrer_email": "dsl@school.invalid",
            "source": "2A",
            "concerns": "A neighbour reports a frail man left without food.",
            "concern_categories": ["adult_at_risk"],
            "family_consent": "aware_agrees",
            "child-TOTAL_FORMS": "1",
            "child-INITIAL_FORMS": "0",
            "household-TOTAL_FORMS": "1",
            "household-INITIAL_FORMS": "0",
            "household-0-given_name": "Dana",
            "household-0-family_name": "Crane",
        },
    )
    assert response.status_code == 200
    page = response.content.decode()
    summary = re.search(r'data-testid="error-summary".*?</ul>', page, flags=re.DOTALL)
    assert summary is not None
    links = re.findall(r'<a href="#([^"]+)">([^<]+)</a>', summary.group(0))
    assert [html.unescape(message) for _, message in links] == [
        "Add at least one person you are worried about",
        "Household member 1: Select how this person is related to the person you are worried about",
        "Select the level of need you think the person has, or select 'Not sure'",
    ]
    assert [anchor for anchor, _ in links if f'id="{anchor}"' not in page] == []
    assert child_words(_flat(visible(response)), also_allowed=("a child or adult",)) == []


@pytest.fixture
def referrer(make_user: Any) -> Any:
    return make_user(Role.REFERRER, "education")


def client_for(user: Any) -> Client:
    client = Client()
    client.force_login(user)
    return client
