"""Someone added to the case in error (the wrong man of that name) is removed again: by the researcher
of the agency that added him while its request is open, or by the screening manager while the case is
open; with why, kept in the audit trail. His relationships, household place and unconfirmed search
results go with him. Nobody removes someone the referral named, someone another agency added, or anyone
once the case is decided; and while something recorded about him keeps him (a confirmed match, consent
from him) the removal is refused, saying what to undo first.

The case: Jayden Whitmore and his mother Kerry, screened to police and health. Police add Dean Harrow as
Kerry's partner, and their search finds his police record."""

from __future__ import annotations

import re
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from openmash.accounts.roles import Role
from openmash.audit.catalogue import AuditAction
from openmash.audit.models import AuditEvent
from openmash.casework.consent import consent_record
from openmash.casework.household import (
    CASE_DECIDED_REMOVE,
    KEPT,
    KEPT_CONFIRMED,
    KEPT_CONSENT,
    KEPT_SEARCHING,
    NAMED_BY_REFERRAL,
    NO_REMOVE_REASON,
    household_member_add,
    person_remove,
)
from openmash.consent.models import ConsentDecision, ForWhom, InformedHow
from openmash.core.actor import Actor
from openmash.core.errors import DomainError
from openmash.enquiries.models import InformationRequest
from openmash.enquiries.services import request_nil_return
from openmash.people.models import PersonAddition, PersonRelationship
from openmash.referrals.models import ReferralPerson
from openmash.trawl.models import TrawlCandidate
from openmash.trawl.services import candidate_confirm, trawl_start
from openmash.trawl.tests.test_household_member import dean, info, people  # noqa: F401

pytestmark = pytest.mark.django_db

WHY = "Wrong man: the Dean Harrow in incident INC-2026-000555 was born in 1971."


def client_for(user: Any) -> Client:
    client = Client()
    client.force_login(user)
    return client


def remove_url(person: ReferralPerson, **query: str) -> str:
    url = reverse("people:person_remove", args=[person.referral.case.pk, person.pk])
    return url + ("?" + "&".join(f"{k}={v}" for k, v in query.items()) if query else "")


def added_and_searched(people: dict[str, Any], info: InformationRequest, capture: Any) -> ReferralPerson:  # noqa: F811
    actor = Actor(user=people["police"])
    added = household_member_add(actor=actor, request=info, member=dean(info))
    with capture(execute=True):
        trawl_start(actor=actor, request=info)
    assert TrawlCandidate.objects.filter(person=added).exists()
    return added


def _text(response: Any) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", response.content.decode()))


def test_the_researcher_removes_the_wrong_man_from_the_search_page(
    people: dict[str, Any],  # noqa: F811
    info: InformationRequest,  # noqa: F811
    django_capture_on_commit_callbacks: Any,
    make_user: Any,
) -> None:
    added = added_and_searched(people, info, django_capture_on_commit_callbacks)
    results = TrawlCandidate.objects.filter(person=added).count()
    police = client_for(people["police"])
    search_page = reverse("trawl:page", args=[info.pk])
    page = police.get(search_page).content.decode()
    link = remove_url(added, **{"from": "search"})
    assert "Added from this request: Dean Harrow" in _text(police.get(search_page))
    assert f'href="{link}"' in page

    form = _text(police.get(link))
    assert "Remove Dean Harrow from the case?" in form
    assert "Added by Police researcher Priya Shah during the search" in form
    assert "search results about them that nobody confirmed go with them" in form
    # No reason: the error summary says so, and nothing is removed.
    refused = police.post(link, {"reason": " "})
    assert refused.status_code == 200 and NO_REMOVE_REASON in _text(refused)
    assert ReferralPerson.objects.filter(pk=added.pk).exists()

    done = police.post(link, {"reason": WHY}, follow=True)
    assert done.redirect_chain[-1][0] == search_page
    plural = "" if results == 1 else "s"
    assert (
        f"Dean Harrow was removed from case {info.case.reference}. {results} search result{plural} about "
        "them went with them."
    ) in _text(done)
    assert "Dean Harrow" not in _text(done).replace(
        f"Dean Harrow was removed from case {info.case.reference}", ""
    )
    # Nothing of him is left on the case: not his addition, relationship, household place or results.
    assert not ReferralPerson.objects.filter(pk=added.pk).exists()
    assert not PersonAddition.objects.filter(person_id=added.pk).exists()
    assert not PersonRelationship.objects.filter(case=info.case).filter(to_person_id=added.pk).exists()
    assert {m.given_name for h in info.case.households.all() for m in h.members.all()} == {"Jayden"}
    assert not TrawlCandidate.objects.filter(person_id=added.pk).exists()
    # The trail keeps the removal, who added him, how many results went, and why.
    event = AuditEvent.objects.get(action=AuditAction.PERSON_REMOVED)
    assert event.persons == [str(added.pk)] and event.actor_id == str(people["police"].pk)
    assert event.detail["added_by"] == "Police" and event.detail["search_results_removed"] == results
    assert event.reason == WHY
    # The hub sees it in the case's history, with who removed him and why (the entry itself does not name
    # him), and the family's chronology is not changed by it.
    screener = client_for(make_user(Role.SCREENING_MANAGER))
    history = _text(screener.get(reverse("cases:detail", args=[info.case.pk])))
    assert "Someone added to the case in error was removed" in history and WHY in history
    assert "Dean Harrow" not in history.replace(WHY, "")
    chronology = _text(screener.get(reverse("chronology:case", args=[info.case.pk])))
    assert "in error" not in chronology and WHY not in chronology


def test_a_confirmed_match_or_consent_from_him_keeps_him_until_undone(
    people: dict[str, Any],  # noqa: F811
    info: InformationRequest,  # noqa: F811
    django_capture_on_commit_callbacks: Any,
    make_user: Any,
) -> None:
    added = added_and_searched(people, info, django_capture_on_commit_callbacks)
    police = Actor(user=people["police"])
    best = TrawlCandidate.objects.filter(person=added).order_by("-match_probability").first()
    assert best is not None
    candidate_confirm(actor=police, candidate=best, reason="Same name, date of birth and address")
    with pytest.raises(DomainError) as kept:
        person_remove(actor=police, person=added, reason=WHY)
    assert str(kept.value) == KEPT.format(name="Dean Harrow", why=KEPT_CONFIRMED)
    consent_record(
        actor=Actor(user=make_user(Role.SCREENING_MANAGER)),
        case=info.case,
        given_by=added,
        for_whom=ForWhom.HOUSEHOLD,
        decision=ConsentDecision.GIVEN,
        informed_how=InformedHow.VERBAL,
        privacy_notice_version="2026-04",
    )
    with pytest.raises(DomainError) as kept:
        person_remove(actor=police, person=added, reason=WHY)
    assert str(kept.value) == KEPT.format(name="Dean Harrow", why=f"{KEPT_CONSENT}; {KEPT_CONFIRMED}")
    assert ReferralPerson.objects.filter(pk=added.pk).exists()
    assert not AuditEvent.objects.filter(action=AuditAction.PERSON_REMOVED).exists()


def test_who_may_remove_him_and_whom_nobody_removes(
    people: dict[str, Any],  # noqa: F811
    info: InformationRequest,  # noqa: F811
    make_user: Any,
) -> None:
    added = household_member_add(actor=Actor(user=people["police"]), request=info, member=dean(info))
    kerry = info.case.referral.people.get(given_name="Kerry")
    screener = client_for(make_user(Role.SCREENING_MANAGER))
    # Another agency asked about the case, still working its request: not theirs to remove.
    health = client_for(people["health"])
    assert health.get(remove_url(added)).status_code == 403
    assert health.post(remove_url(added), {"reason": WHY}).status_code == 403
    # Someone the referral named is corrected, never removed; the refusal names nobody.
    refusal = screener.get(remove_url(kerry))
    assert refusal.status_code == 403 and "Kerry" not in _text(refusal)
    with pytest.raises(DomainError, match=re.escape(NAMED_BY_REFERRAL.format(name="Kerry Whitmore"))):
        person_remove(actor=Actor(user=people["screener"]), person=kerry, reason=WHY)
    # The screening manager may; the people page offers it for him only.
    people_page = screener.get(reverse("people:case", args=[info.case.pk])).content.decode()
    assert people_page.count('data-testid="remove-person"') == 1
    assert remove_url(added) in people_page
    assert screener.get(remove_url(added)).status_code == 200
    # Once Police have answered, their researcher no longer may.
    info.refresh_from_db()
    request_nil_return(actor=Actor(user=people["police"]), request=info, expected_version=info.version)
    assert client_for(people["police"]).get(remove_url(added)).status_code == 403


def test_nobody_is_removed_from_a_decided_case(
    people: dict[str, Any],  # noqa: F811
    info: InformationRequest,  # noqa: F811
) -> None:
    added = household_member_add(actor=Actor(user=people["police"]), request=info, member=dean(info))
    type(info.case).objects.filter(pk=info.case.pk).update(status="decided")
    with pytest.raises(DomainError, match=CASE_DECIDED_REMOVE):
        person_remove(actor=Actor(user=people["screener"]), person=added, reason=WHY)
    assert client_for(people["screener"]).get(remove_url(added)).status_code == 403


def test_he_is_not_removed_while_a_search_that_looks_for_him_is_under_way(
    people: dict[str, Any],  # noqa: F811
    info: InformationRequest,  # noqa: F811
    django_capture_on_commit_callbacks: Any,
) -> None:
    """The search would record results about someone no longer there: the removal waits for it."""
    police = Actor(user=people["police"])
    added = household_member_add(actor=police, request=info, member=dean(info))
    with django_capture_on_commit_callbacks(execute=False):  # queued: no worker has run it yet
        search = trawl_start(actor=police, request=info)
    with pytest.raises(DomainError) as kept:
        person_remove(actor=police, person=added, reason=WHY)
    assert str(kept.value) == KEPT.format(
        name="Dean Harrow", why=KEPT_SEARCHING.format(agency=info.agency.name)
    )
    search.status = "done"
    search.save(update_fields=["status"])
    assert person_remove(actor=police, person=added, reason=WHY) == 0


def test_a_partner_agency_not_told_of_police_information_is_not_told_who_removed_him_or_why(
    people: dict[str, Any],  # noqa: F811
    info: InformationRequest,  # noqa: F811
) -> None:
    """Who Police found, and why they took him off again, is Police's contribution: a health researcher
    who does not see Police's information reads only that someone added in error was removed."""
    from openmash.access.policy import contribution_agencies

    police = Actor(user=people["police"])
    added = household_member_add(actor=police, request=info, member=dean(info))
    person_remove(actor=police, person=added, reason=WHY)
    health = people["health"]
    assert info.agency_id not in contribution_agencies(health, info.case)  # the hub's rule here
    history = _text(client_for(health).get(reverse("cases:detail", args=[info.case.pk])))
    assert "Someone added to the case in error was removed" in history
    assert WHY not in history and "Priya Shah" not in history
