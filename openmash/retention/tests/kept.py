"""A decided case with something of every kind on it (a request, outcome notices, a challenge, a consent, a
routing, an agenda item, an identifier, a household), and the people who act on each; destroyed on demand.

Shared by the tests of a destroyed case's pages, its refused writes and its services."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from typing import Any

import pytest
from django.db import transaction
from django.test import Client
from django.utils import timezone

from openmash.accounts.roles import Role
from openmash.cases.models import Case, CaseStatus
from openmash.casework.consent import consent_record
from openmash.casework.destruction import case_destroy
from openmash.consent.models import ConsentDecision, ConsentRecord, ForWhom, InformedHow
from openmash.core.actor import Actor
from openmash.core.dates import format_date
from openmash.decisions.models import OutcomeChallenge
from openmash.decisions.services import outcome_challenge_raise
from openmash.decisions.tests.test_views import decide as record_decision
from openmash.decisions.tests.test_views import people, ready  # noqa: F401
from openmash.enquiries.models import InformationRequest
from openmash.feedback.models import OutcomeNotification, Recipient
from openmash.hub.models import AgencyKind, Specialism, Team
from openmash.meetings.models import AgendaItem, Meeting
from openmash.meetings.services import agenda_build_from_ready, meeting_start
from openmash.meetings.tests.helpers import schedule
from openmash.people.models import Household, IdentifierScheme, PersonIdentifier, PersonRelationship
from openmash.people.services import household_save, identifier_add
from openmash.referrals.models import ReferralPerson
from openmash.retention.tests.helpers import personal_details
from openmash.teams.models import Routing
from openmash.teams.services import routing_start


@dataclass
class Kept:
    """A case decided with something of every kind on it to act on, and the people who act."""

    case: Case
    police: InformationRequest
    notice: OutcomeNotification
    """The referrer's outcome notice."""
    police_notice: OutcomeNotification
    challenge: OutcomeChallenge
    consent: ConsentRecord
    routing: Routing
    meeting: Meeting
    item: AgendaItem
    subject: ReferralPerson
    mother: ReferralPerson
    relationship: PersonRelationship
    household: Household
    identifier: PersonIdentifier
    users: dict[str, Any]
    secrets: list[str]
    """Every person's name, date of birth, NHS number and address, the referrer's name and the concerns:
    none may appear on a page of the case once it is destroyed."""

    def client(self, key: str) -> Client:
        client = Client()
        client.force_login(self.users[key])
        return client

    def destroy(self) -> str:
        """Close the case ten years ago and destroy it; the date the pages give for it."""
        Case.objects.filter(pk=self.case.pk).update(
            status=CaseStatus.CLOSED, closed_at=timezone.now() - timedelta(days=3650)
        )
        record = case_destroy(actor=Actor.system("retention_sweep"), case=self.case)
        self.case.refresh_from_db()
        return format_date(record.destroyed_at)


@pytest.fixture
def kept(
    people: dict[str, Any],  # noqa: F811
    make_user: Any,
    settings: Any,
    tmp_path: Any,
    django_capture_on_commit_callbacks: Any,
) -> Kept:
    settings.OPENMASH_AUDIT_ANCHOR_DIR = tmp_path
    users = dict(people)
    users["chair"] = make_user(Role.MEETING_CHAIR)
    users["member"] = make_user(Role.AGENCY_RESEARCHER, AgencyKind.POLICE)
    users["ig"] = make_user(Role.IG_OFFICER)
    users["education"] = make_user(Role.AGENCY_RESEARCHER, AgencyKind.EDUCATION)
    case = ready(people)
    screener = Actor(user=people["screener"])
    subject = case.referral.people.get(is_subject=True)
    mother = case.referral.people.get(is_subject=False)
    consent = consent_record(
        actor=screener,
        case=case,
        given_by=mother,
        for_whom=ForWhom.HOUSEHOLD,
        decision=ConsentDecision.GIVEN,
        informed_how=InformedHow.VERBAL,
        privacy_notice_version="2026-04",
    )
    household = household_save(actor=screener, case=case, label="Family home", members=[mother, subject])
    identifier = identifier_add(
        actor=screener, person=subject, scheme=IdentifierScheme.POLICE, value="PNC-77"
    )
    chair = Actor(user=users["chair"])
    meeting = schedule(users["chair"])
    agenda_build_from_ready(actor=chair, meeting=meeting, expected_version=meeting.version)
    meeting.refresh_from_db()
    meeting_start(actor=chair, meeting=meeting, expected_version=meeting.version)
    case.refresh_from_db()
    record_decision(people, case, 3)
    notice = case.notifications.get(recipient=Recipient.REFERRER)
    challenge = outcome_challenge_raise(
        actor=Actor(user=people["referrer"]), notice=notice, reasons="The school sees more than this"
    )
    team = Team.objects.get(specialism=Specialism.DOMESTIC_ABUSE)
    team.members.set([users["member"]])
    with django_capture_on_commit_callbacks(execute=True), transaction.atomic():
        routing = routing_start(actor=screener, case=case, team=team)
    case.refresh_from_db()
    secrets = [*personal_details(case), case.referral.referrer_name, case.referral.concerns]
    return Kept(
        case=case,
        police=case.requests.get(agency__kind=AgencyKind.POLICE),
        notice=notice,
        police_notice=case.notifications.get(recipient=Recipient.AGENCY, agency__kind=AgencyKind.POLICE),
        challenge=challenge,
        consent=consent,
        routing=routing,
        meeting=meeting,
        item=meeting.items.get(case=case),
        subject=subject,
        mother=mother,
        relationship=case.relationships.first() or _missing("relationship"),
        household=household,
        identifier=identifier,
        users=users,
        secrets=secrets,
    )


def _missing(what: str) -> Any:
    raise AssertionError(f"the case has no {what}")
