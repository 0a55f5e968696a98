"""The demo hub holds the states reviewers walk through: an adult at risk referred with their own partner
and son or daughter, on the queues; and people the police researcher added during the search, one added
in error that the researcher can remove again, one an agency's return has named since, who stays."""

from __future__ import annotations

from pathlib import Path

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from openmash.access.policy import Action, decide
from openmash.accounts.models import User
from openmash.audit.catalogue import AuditAction
from openmash.audit.models import AuditEvent
from openmash.cases.models import Case, CaseStatus
from openmash.casework.household import KEPT_SHOWN, person_remove
from openmash.consent.models import Disclosure
from openmash.core.actor import Actor
from openmash.core.errors import DomainError
from openmash.demo.cases import demo_walks
from openmash.demo.loader import load_demo
from openmash.enquiries.models import OPEN_STATUSES, RequestStatus
from openmash.hub.models import AgencyKind
from openmash.people.models import PersonAddition, PersonRelationship, RelationshipKind
from openmash.referrals.models import (
    ADULT_AGE,
    ADULT_WORDS,
    ConcernCategory,
    ReferralPerson,
    Relationship,
    age_on,
)

pytestmark = pytest.mark.django_db(transaction=True)

ON_THE_QUEUES = (CaseStatus.INFORMATION_GATHERING, CaseStatus.READY_FOR_DECISION)


def test_the_demo_has_an_adult_at_risk_with_their_family_and_someone_added_in_error(
    tmp_path: Path,
) -> None:
    load_demo(seed=2026, households=60, area_dir=tmp_path / "area", cases=80)

    # An adult at risk, referred with their partner and their grown-up son or daughter, on the queues.
    case = Case.objects.select_related("referral").get(
        referral__people__relationship=Relationship.OWN_PARTNER
    )
    referral = case.referral
    assert case.status in ON_THE_QUEUES
    assert ConcernCategory.ADULT_AT_RISK in referral.concern_categories
    assert referral.subject_words == ADULT_WORDS
    on = timezone.localdate(referral.received_at)
    subject = referral.people.get(is_subject=True)
    partner = referral.people.get(relationship=Relationship.OWN_PARTNER)
    son_or_daughter = referral.people.get(relationship=Relationship.SON_OR_DAUGHTER)
    for person in (subject, partner, son_or_daughter):
        assert person.date_of_birth is not None and age_on(person.date_of_birth, on) >= ADULT_AGE
    assert not PersonAddition.objects.filter(person__in=[subject, partner, son_or_daughter]).exists()
    relationships = {
        (r.from_person_id, r.to_person_id, r.kind) for r in PersonRelationship.objects.filter(case=case)
    }
    assert (subject.pk, partner.pk, RelationshipKind.PARTNER) in relationships
    assert (subject.pk, son_or_daughter.pk, RelationshipKind.PARENT) in relationships
    assert case.requests.filter(agency__kind=AgencyKind.ADULT_SOCIAL_CARE, status__in=OPEN_STATUSES).exists()
    received = AuditEvent.objects.get(action=AuditAction.REFERRAL_RECEIVED, object_id=str(referral.pk))
    assert str(partner.pk) in received.persons and str(son_or_daughter.pk) in received.persons

    # Two men the police researcher added during the search, each on an open case, with why.
    police = User.objects.get(username="police.researcher")
    added = list(
        PersonAddition.objects.filter(request__agency=police.agency, created_by=police).select_related(
            "person__referral__case", "request"
        )
    )
    assert len(added) == 2
    for addition in added:
        assert addition.reason and addition.request is not None
        assert addition.request.status in OPEN_STATUSES
        assert addition.case.status == CaseStatus.INFORMATION_GATHERING
        assert decide(police, Action.PERSON_REMOVE, addition.person).allowed
    in_error = next(a for a in added if not Disclosure.objects.filter(about=a.person).exists())
    kept = next(a for a in added if a is not in_error)
    walks = demo_walks()
    assert any(line.startswith(case.reference) and "adult at risk" in line for line in walks), walks
    assert any(line.startswith(in_error.case.reference) and "removes" in line for line in walks), walks
    assert any(line.startswith(kept.case.reference) and "cannot be removed" in line for line in walks), walks

    # The one added in error: no agency has returned anything on its case, so the hub reading the case
    # shows nobody's information and names him nowhere; the researcher removes him from the search page.
    assert not in_error.case.requests.filter(status=RequestStatus.RETURNED).exists()
    hub = Client()
    hub.force_login(User.objects.get(username="screening.manager"))
    assert hub.get(reverse("cases:detail", args=[in_error.case.pk])).status_code == 200
    researcher = Client()
    researcher.force_login(police)
    search_page = researcher.get(reverse("trawl:page", args=[in_error.request.pk])).content.decode()
    remove = reverse("people:person_remove", args=[in_error.case.pk, in_error.person.pk]) + "?from=search"
    assert remove in search_page.replace("&amp;", "&")
    done = researcher.post(remove, {"reason": "Wrong man: a different date of birth from the call-out's"})
    assert done.status_code == 302
    assert not ReferralPerson.objects.filter(pk=in_error.person.pk).exists()

    # The one a later return named stays: the removal is refused, saying why.
    with pytest.raises(DomainError, match=KEPT_SHOWN.split(" (")[0]):
        person_remove(actor=Actor(user=police), person=kept.person, reason="Added in error")
    assert ReferralPerson.objects.filter(pk=kept.person.pk).exists()
