"""The services refuse a destroyed case themselves, not only the pages: every service and casework flow that
writes to a case (or to its requests, notices, challenges, consents, routings, agenda items, people) raises
`CaseDestroyedError` (a domain error) with the date once the case's personal data was destroyed, and writes
nothing. Whatever calls them without a page (the worker, a command, the API, a new view) is refused alike.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from django.core import mail
from django.db.models import Max
from django.utils import timezone

from openmash.audit.models import AuditEvent
from openmash.cases import services as cases
from openmash.cases.models import CaseStatus, ConsentPosition, Route
from openmash.casework import consent as consent_flows
from openmash.casework import handover, routing, screening, triage
from openmash.casework.household import NewMember, household_member_add
from openmash.consent import services as consent
from openmash.consent.models import ConsentDecision, ForWhom, InformedHow
from openmash.core.actor import Actor
from openmash.core.errors import DomainError
from openmash.decisions import services as decisions
from openmash.decisions.models import Outcome, OutcomeChallenge
from openmash.enquiries import services as enquiries
from openmash.enquiries.models import HistoryItem
from openmash.feedback import services as feedback
from openmash.feedback.delivery import feedback_deliver, notices_retry_due
from openmash.feedback.models import Delivery, OutcomeNotification
from openmash.hub.models import Agency, AgencyKind, RagRating, Specialism, Team, ThresholdLevel
from openmash.meetings.services import agenda_item_discussed
from openmash.people import services as people_services
from openmash.people.models import IdentifierScheme, RelationshipKind
from openmash.referrals.models import Relationship
from openmash.retention.tests.kept import Kept
from openmash.teams import services as teams
from openmash.trawl import services as trawl
from openmash.trawl.models import Trawl, TrawlCandidate

pytestmark = pytest.mark.django_db


def _as(k: Kept, who: str) -> Actor:
    return Actor(user=k.users[who])


def _level() -> ThresholdLevel:
    return ThresholdLevel.objects.get(number=3)


def _candidate(k: Kept) -> TrawlCandidate:
    """A search's candidate on the case's police request (searches and their candidates are removed when a
    case is destroyed: this one is what a worker or a stale page would still hold)."""
    return TrawlCandidate(trawl=Trawl(request=k.police), person=k.subject)


def _item(k: Kept) -> HistoryItem:
    return HistoryItem(request=k.police, source_system="Police records", description="An event")


Call = Callable[[Kept], object]

#: Every service and flow that writes to a case, called as its page (or the worker) would call it.
WRITES: dict[str, Call] = {
    # The case itself.
    "cases.case_transition": lambda k: cases.case_transition(
        actor=_as(k, "decider"), case=k.case, target=CaseStatus.DECIDED, reason="Reopened"
    ),
    "cases.case_allocate": lambda k: cases.case_allocate(
        actor=_as(k, "decider"), case=k.case, expected_version=k.case.version, team="Team A", worker="Sam"
    ),
    # People.
    "people.person_add": lambda k: people_services.person_add(
        actor=_as(k, "decider"), case=k.case, given_name="Rowan", family_name="Ashby"
    ),
    "people.relationship_add": lambda k: people_services.relationship_add(
        actor=_as(k, "decider"),
        case=k.case,
        from_person=k.mother,
        to_person=k.subject,
        kind=RelationshipKind.GRANDPARENT,
    ),
    "people.relationship_remove": lambda k: people_services.relationship_remove(
        actor=_as(k, "decider"), relationship=k.relationship
    ),
    "people.household_save": lambda k: people_services.household_save(
        actor=_as(k, "decider"), case=k.case, label="Nan's house", members=[k.subject]
    ),
    "people.person_update": lambda k: people_services.person_update(
        actor=_as(k, "decider"),
        case=k.case,
        person=k.subject,
        expected_version=k.subject.version,
        values={"given_name": "Rowan"},
    ),
    "people.identifier_add": lambda k: people_services.identifier_add(
        actor=_as(k, "decider"), person=k.subject, scheme=IdentifierScheme.POLICE, value="PNC-78"
    ),
    "people.identifier_update": lambda k: people_services.identifier_update(
        actor=_as(k, "decider"),
        identifier=k.identifier,
        expected_version=k.identifier.version,
        scheme=IdentifierScheme.POLICE,
        value="PNC-79",
    ),
    "people.address_add": lambda k: people_services.address_add(
        actor=_as(k, "decider"), person=k.subject, address="2 Elm Road, Northtown"
    ),
    "people.people_from_referral": lambda k: people_services.people_from_referral(
        actor=_as(k, "screener"), case=k.case
    ),
    # Decisions and challenges.
    "decisions.decision_record": lambda k: decisions.decision_record(
        actor=_as(k, "decider"),
        case=k.case,
        expected_version=k.case.version,
        outcome=Outcome.S17_ASSESSMENT,
        level=_level(),
        rationale="Again",
    ),
    "decisions.decision_at_screening": lambda k: decisions.decision_at_screening(
        actor=_as(k, "screener"), case=k.case, route=Route.NFA, level=_level(), rationale="Again"
    ),
    "decisions.outcome_challenge_raise": lambda k: decisions.outcome_challenge_raise(
        actor=_as(k, "referrer"), notice=k.police_notice, reasons="We see more"
    ),
    "decisions.outcome_challenge_answer": lambda k: decisions.outcome_challenge_answer(
        actor=_as(k, "decider"),
        challenge=k.challenge,
        answer="It stands",
        result=OutcomeChallenge.Result.STANDS,
    ),
    # Requests and returns.
    "enquiries.requests_send": lambda k: enquiries.requests_send(
        actor=_as(k, "screener"),
        case=k.case,
        agencies=[Agency.objects.get(kind=AgencyKind.EDUCATION)],
        sent_at=timezone.now(),
    ),
    "enquiries.requests_recheck": lambda k: enquiries.requests_recheck(actor=_as(k, "screener"), case=k.case),
    "enquiries.requests_end": lambda k: enquiries.requests_end(
        actor=_as(k, "screener"), case=k.case, reason="Decided"
    ),
    "enquiries.request_take": lambda k: enquiries.request_take(actor=_as(k, "police"), request=k.police),
    "enquiries.request_save_return": lambda k: enquiries.request_save_return(
        actor=_as(k, "police"),
        request=k.police,
        expected_version=k.police.version,
        summary="More",
        risk_factors="",
        protective_factors="",
        history=[],
        submit=False,
    ),
    "enquiries.request_nil_return": lambda k: enquiries.request_nil_return(
        actor=_as(k, "police"), request=k.police, expected_version=k.police.version
    ),
    "enquiries.request_withhold": lambda k: enquiries.request_withhold(
        actor=_as(k, "police"), request=k.police, what="An intelligence report", reason="Live operation"
    ),
    # Searches of the agency's records.
    "trawl.trawl_start": lambda k: trawl.trawl_start(actor=_as(k, "police"), request=k.police),
    "trawl.candidate_confirm": lambda k: trawl.candidate_confirm(
        actor=_as(k, "police"), candidate=_candidate(k)
    ),
    "trawl.candidate_reject": lambda k: trawl.candidate_reject(
        actor=_as(k, "police"), candidate=_candidate(k)
    ),
    "trawl.candidate_undo": lambda k: trawl.candidate_undo(actor=_as(k, "police"), candidate=_candidate(k)),
    "trawl.events_add": lambda k: trawl.events_add(
        actor=_as(k, "police"), candidate=_candidate(k), event_keys=["E-1"]
    ),
    "trawl.trawl_item_remove": lambda k: trawl.trawl_item_remove(actor=_as(k, "police"), item=_item(k)),
    "trawl.trawl_item_edit": lambda k: trawl.trawl_item_edit(
        actor=_as(k, "police"), item=_item(k), expected_version=1, description="Edited", significance="high"
    ),
    # Consent and lawful bases, the domain services and the flows that ask the gate again.
    "consent.consent_record": lambda k: consent.consent_record(
        actor=_as(k, "screener"),
        case=k.case,
        given_by=k.subject,
        for_whom=ForWhom.SELF,
        decision=ConsentDecision.GIVEN,
        informed_how=InformedHow.VERBAL,
        privacy_notice_version="2026-04",
    ),
    "consent.consent_withdraw": lambda k: consent.consent_withdraw(
        actor=_as(k, "screener"), consent=k.consent
    ),
    "consent.lawful_basis_record": lambda k: consent.lawful_basis_record(
        actor=_as(k, "screener"), case=k.case, reason="Risk of significant harm"
    ),
    "casework.consent_record": lambda k: consent_flows.consent_record(
        actor=_as(k, "screener"),
        case=k.case,
        given_by=k.subject,
        for_whom=ForWhom.SELF,
        decision=ConsentDecision.GIVEN,
        informed_how=InformedHow.VERBAL,
        privacy_notice_version="2026-04",
    ),
    "casework.consent_withdraw": lambda k: consent_flows.consent_withdraw(
        actor=_as(k, "screener"), consent=k.consent
    ),
    "casework.lawful_basis_record": lambda k: consent_flows.lawful_basis_record(
        actor=_as(k, "screener"), case=k.case, reason="Risk of significant harm"
    ),
    "casework.ask_again": lambda k: consent_flows.ask_again(actor=_as(k, "screener"), case=k.case),
    # Outcome notices.
    "feedback.feedback_prepare": lambda k: feedback.feedback_prepare(actor=_as(k, "decider"), case=k.case),
    "feedback.notice_resend": lambda k: feedback.notice_resend(actor=_as(k, "decider"), notice=k.notice),
    "feedback.notice_give_up": lambda k: feedback.notice_give_up(
        actor=_as(k, "decider"), notice=k.notice, reason="Told by phone"
    ),
    # Specialist teams, meetings, hand-over to a keyworker.
    "teams.routing_start": lambda k: teams.routing_start(
        actor=_as(k, "screener"), case=k.case, team=Team.objects.get(specialism=Specialism.DOMESTIC_ABUSE)
    ),
    "teams.routing_accept": lambda k: teams.routing_accept(
        actor=_as(k, "member"), routing=k.routing, expected_version=k.routing.version
    ),
    "teams.routing_send_back": lambda k: teams.routing_send_back(
        actor=_as(k, "member"), routing=k.routing, expected_version=k.routing.version, reason="Not ours"
    ),
    "casework.routed_case_accept": lambda k: routing.routed_case_accept(
        actor=_as(k, "member"), routing=k.routing, expected_version=k.routing.version
    ),
    "casework.case_route_again": lambda k: routing.case_route_again(
        actor=_as(k, "screener"),
        case=k.case,
        team=Team.objects.get(specialism=Specialism.DOMESTIC_ABUSE),
        reason="Back to them",
    ),
    "meetings.agenda_item_discussed": lambda k: agenda_item_discussed(actor=_as(k, "chair"), item=k.item),
    "casework.keyworker_appoint": lambda k: handover.keyworker_appoint(
        actor=_as(k, "screener"),
        case=k.case,
        expected_version=k.case.version,
        name="Sam Keyes",
        agency=Agency.objects.get(kind=AgencyKind.EARLY_HELP),
        email="sam.keyes@earlyhelp.invalid",
    ),
    "casework.case_hand_over": lambda k: handover.case_hand_over(
        actor=_as(k, "screener"), case=k.case, expected_version=k.case.version
    ),
    "casework.household_member_add": lambda k: household_member_add(
        actor=_as(k, "police"),
        request=k.police,
        member=NewMember(
            given_name="Rowan",
            family_name="Ashby",
            relationship=Relationship.PARTNER,
            reason="On our records at the address",
        ),
    ),
    # Screening, re-rating, asking again, triage.
    "casework.case_screen": lambda k: screening.case_screen(
        actor=_as(k, "screener"),
        case=k.case,
        expected_version=k.case.version,
        level=_level(),
        indicators=[],
        rag=RagRating.RED,
        rag_reason="Again",
        consent_position=ConsentPosition.GIVEN,
        route=Route.NFA,
        agencies=[],
    ),
    "casework.screening_record": lambda k: screening.screening_record(
        actor=_as(k, "screener"),
        case=k.case,
        expected_version=k.case.version,
        level=_level(),
        indicators=[],
        rag=RagRating.RED,
        rag_reason="Again",
        consent_position=ConsentPosition.GIVEN,
        route=Route.NFA,
        agencies=[],
    ),
    "casework.case_ask_further": lambda k: screening.case_ask_further(
        actor=_as(k, "screener"),
        case=k.case,
        expected_version=k.case.version,
        agencies=[Agency.objects.get(kind=AgencyKind.EDUCATION)],
        reason="The school knows more",
    ),
    "casework.case_rerate": lambda k: screening.case_rerate(
        actor=_as(k, "screener"),
        case=k.case,
        expected_version=k.case.version,
        rag=RagRating.RED,
        reason="Worse",
    ),
    "casework.triage_decide": lambda k: triage.triage_decide(
        actor=_as(k, "screener"),
        cases=[k.case],
        choice=triage.TriageChoice.NFA,
        level=_level(),
        reason="No further action",
    ),
}


# Outside a test transaction, as in production: each service's own durable transaction commits or rolls
# back alone, so one service's failure cannot hide the next one's answer.
@pytest.mark.django_db(transaction=True)
def test_every_service_that_writes_to_a_case_refuses_a_destroyed_one(kept: Kept) -> None:
    day = kept.destroy()
    last = AuditEvent.objects.aggregate(m=Max("sequence"))["m"]
    kept.police.refresh_from_db()
    kept.routing.refresh_from_db()
    refusal = (
        f"This case's personal data was destroyed on {day} under the hub's retention rules: nothing more is "
        "recorded on it."
    )
    answers: dict[str, str] = {}
    for name, call in WRITES.items():
        try:
            call(kept)
        except Exception as error:  # noqa: BLE001 - every other answer is a failure, reported below
            answers[name] = str(error) if isinstance(error, DomainError) else f"{error!r}"
        else:
            answers[name] = "accepted"
    wrong = {name: answer for name, answer in answers.items() if answer != refusal}
    assert not wrong, "services that do not refuse a destroyed case with the date:\n" + "\n".join(
        f"{name}: {answer}" for name, answer in wrong.items()
    )
    assert not AuditEvent.objects.filter(sequence__gt=last).exists(), "a refused service wrote to the trail"


def test_the_worker_sends_no_outcome_notice_on_a_destroyed_case(kept: Kept, settings: Any) -> None:
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    kept.destroy()
    OutcomeNotification.objects.filter(case=kept.case).update(
        delivery=Delivery.FAILED, next_attempt_at=timezone.now()
    )
    last = AuditEvent.objects.aggregate(m=Max("sequence"))["m"]
    mail.outbox = []
    feedback_deliver(case_id=kept.case.pk)
    assert notices_retry_due() == []
    assert mail.outbox == []
    assert set(OutcomeNotification.objects.filter(case=kept.case).values_list("delivery", flat=True)) == {
        Delivery.FAILED
    }
    assert not AuditEvent.objects.filter(sequence__gt=last).exists()
