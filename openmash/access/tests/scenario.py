"""A small hub that covers every scope the access policy distinguishes, built through the real services.

Cases: a new contact from another referrer; an open case both police and health returned to (on the
chair's agenda); a case whose Health request is blocked by the duty of confidentiality (police open); a
case whose family withdrew consent after police searched their records and confirmed one (police blocked
again); a decided (closed) case; a case only Health was asked about; a case routed to the domestic abuse
team, waiting for it; an early-help case whose product was handed to a keyworker in Early Help; a case
decided and closed long ago whose personal data was destroyed under the retention rules, with something of
each kind still on it to act on (its request, outcome notices, a challenge, a consent, a routing).
People: one person in each role,
partner researchers and information governance officers in two agencies, two meeting chairs (one with
the open case on the agenda, one with an empty meeting), two referrers, two hub administrators, a police
officer in the domestic abuse team, and a researcher in the keyworker's agency (Early Help).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path
from typing import Any

from django.db import transaction
from django.utils import timezone

from openmash.accounts.models import User
from openmash.accounts.roles import Role
from openmash.cases.models import Case, CaseStatus, Route
from openmash.cases.tests.helpers import make_referral, screen
from openmash.casework.consent import consent_record, consent_withdraw, lawful_basis_record
from openmash.casework.destruction import case_destroy
from openmash.casework.handover import case_hand_over, keyworker_appoint
from openmash.consent.models import ConsentDecision, ConsentRecord, ForWhom, InformedHow
from openmash.core.actor import Actor
from openmash.decisions.models import Outcome, OutcomeChallenge
from openmash.decisions.services import decision_record, outcome_challenge_raise
from openmash.enquiries.models import InformationRequest, RequestStatus
from openmash.enquiries.services import HistoryData, request_save_return, request_take
from openmash.feedback.models import OutcomeNotification, Recipient
from openmash.hub.models import Agency, AgencyKind, HubConfiguration, Specialism, Team, ThresholdLevel
from openmash.meetings.models import Meeting
from openmash.meetings.services import agenda_build_from_ready
from openmash.meetings.tests.helpers import schedule
from openmash.people.models import RelationshipKind
from openmash.people.services import household_save, relationship_add
from openmash.referrals.models import ReferralPerson
from openmash.referrals.services import PersonData
from openmash.sources.models import DataSource, SourceLoad
from openmash.sources.tests.helpers import police_source
from openmash.teams.models import Routing
from openmash.teams.services import routing_start
from openmash.trawl.models import TrawlCandidate
from openmash.trawl.services import candidate_confirm, candidate_record, events_add, trawl_start

CSC, POLICE, HEALTH, EDUCATION = (
    AgencyKind.CHILDRENS_SOCIAL_CARE,
    AgencyKind.POLICE,
    AgencyKind.HEALTH,
    AgencyKind.EDUCATION,
)

# Whose pages each user is: (role, agency kind, first name, last name).
STAFF: dict[str, tuple[Role, str]] = {
    "referrer": (Role.REFERRER, EDUCATION),
    "other_referrer": (Role.REFERRER, POLICE),
    "screener": (Role.SCREENING_MANAGER, CSC),
    "decider": (Role.DECISION_MAKER, CSC),
    "police": (Role.AGENCY_RESEARCHER, POLICE),
    "health": (Role.AGENCY_RESEARCHER, HEALTH),
    "education": (Role.AGENCY_RESEARCHER, EDUCATION),
    "chair": (Role.MEETING_CHAIR, CSC),
    "other_chair": (Role.MEETING_CHAIR, POLICE),
    "hub_ig": (Role.IG_OFFICER, CSC),
    "health_ig": (Role.IG_OFFICER, HEALTH),
    "education_ig": (Role.IG_OFFICER, EDUCATION),
    "performance": (Role.PERFORMANCE_MANAGER, CSC),
    "admin": (Role.HUB_ADMINISTRATOR, CSC),
    "admin2": (Role.HUB_ADMINISTRATOR, CSC),
    "da_member": (Role.AGENCY_RESEARCHER, POLICE),
    "earlyhelp": (Role.AGENCY_RESEARCHER, AgencyKind.EARLY_HELP),
}


def child(given: str, family: str, born: date, nhs: str = "") -> PersonData:
    return PersonData(
        given_name=given,
        family_name=family,
        date_of_birth=born,
        sex="F",
        nhs_number=nhs,
        address=f"{len(given)} Quarry Lane, Northtown",
        postcode="NT2 2BB",
    )


def parent(given: str, family: str) -> PersonData:
    return PersonData(given_name=given, family_name=family, relationship="mother", sex="F")


@dataclass
class Scenario:
    users: dict[str, User]
    cases: dict[str, Case]
    meetings: dict[str, Meeting]
    source: DataSource
    consents: dict[str, ConsentRecord] = field(default_factory=dict)
    candidates: dict[str, TrawlCandidate] = field(default_factory=dict)
    notices: dict[str, OutcomeNotification] = field(default_factory=dict)
    teams: dict[str, Team] = field(default_factory=dict)
    routings: dict[str, Routing] = field(default_factory=dict)
    challenges: dict[str, OutcomeChallenge] = field(default_factory=dict)

    def request(self, case: str, kind: str) -> InformationRequest:
        return InformationRequest.objects.get(case=self.cases[case], agency__kind=kind)

    def people(self, case: str) -> list[ReferralPerson]:
        return list(self.cases[case].referral.people.order_by("-is_subject", "given_name"))

    def secrets(self, case: str) -> list[str]:
        """What must never appear on a refused page: each person's name, date of birth, NHS number (none
        left once the case's personal data was destroyed)."""
        out = []
        for p in self.people(case):
            if p.given_name or p.family_name:
                out.append(f"{p.given_name} {p.family_name}")
            if p.date_of_birth:
                out += [p.date_of_birth.isoformat(), f"{p.date_of_birth:%d/%m/%Y}"]
                out.append(f"{p.date_of_birth.day} {p.date_of_birth:%B %Y}")
            if p.nhs_number:
                out.append(p.nhs_number)
        return out


def _actor(user: User) -> Actor:
    return Actor(user=user)


def _return(researcher: User, info: InformationRequest) -> None:
    """Take the request if nobody has, and submit a return with one history item."""
    actor = _actor(researcher)
    if info.status == RequestStatus.OPEN:
        request_take(actor=actor, request=info)
    info.refresh_from_db()
    request_save_return(
        actor=actor,
        request=info,
        expected_version=info.version,
        summary=f"{info.agency.name} knows the family",
        risk_factors="Violence in the home",
        protective_factors="Grandmother nearby",
        history=[
            HistoryData(
                date(2026, 9, 1), "domestic_abuse", "Incident at home", "high", f"SRC-{info.agency.kind}"
            )
        ],
        submit=True,
    )


@dataclass
class Destroyed:
    case: Case
    consent: ConsentRecord
    notice: OutcomeNotification
    challenge: OutcomeChallenge


def _destroyed(users: dict[str, User], capture: Any, team: Team) -> Destroyed:
    """A case with consent, screened to police, decided, its outcome challenged by the referrer and routed
    to a team; then closed ten years ago and its personal data destroyed by the retention rules."""
    screener = users["screener"]
    case = make_referral(
        users["referrer"],
        people=[child("Esme", "Calloway", date(2012, 3, 14), "9990000085"), parent("Lorna", "Calloway")],
    ).case
    consent = consent_record(
        actor=_actor(screener),
        case=case,
        given_by=case.referral.people.get(is_subject=False),
        for_whom=ForWhom.HOUSEHOLD,
        decision=ConsentDecision.GIVEN,
        informed_how=InformedHow.VERBAL,
        privacy_notice_version="2026-04",
    )
    case.refresh_from_db()
    screen(case, screener, kinds=(POLICE,), lawful_basis=False)
    case.refresh_from_db()
    decision_record(
        actor=_actor(users["decider"]),
        case=case,
        expected_version=case.version,
        outcome=Outcome.S17_ASSESSMENT,
        level=ThresholdLevel.objects.get(number=3),
        rationale="Neglect",
        proceed_reason="Police had not answered",
    )
    notice = case.notifications.get(recipient=Recipient.REFERRER)
    challenge = outcome_challenge_raise(
        actor=_actor(users["referrer"]), notice=notice, reasons="The school sees more"
    )
    with capture(execute=True), transaction.atomic():
        routing_start(actor=_actor(screener), case=case, team=team)
    Case.objects.filter(pk=case.pk).update(
        status=CaseStatus.CLOSED, closed_at=timezone.now() - timedelta(days=3650)
    )
    case_destroy(actor=Actor.system("retention_sweep"), case=case)
    case.refresh_from_db()
    return Destroyed(case=case, consent=consent, notice=notice, challenge=challenge)


def build(make_user: Any, tmp_path: Path, capture: Any) -> Scenario:
    users = {
        key: make_user(role, kind, first_name=key.title(), last_name="Staff")
        for key, (role, kind) in STAFF.items()
    }
    screener = users["screener"]
    source = police_source(tmp_path)

    cases: dict[str, Case] = {}
    # A new contact from the other referrer: not screened, no agency asked.
    cases["new"] = make_referral(
        users["other_referrer"], people=[child("Saffron", "Quill", date(2016, 2, 3), "9990000026")]
    ).case

    # Open: police and health asked under a basis with the health override; both return. On the agenda.
    cases["open"] = make_referral(
        users["referrer"],
        people=[child("Jayden", "Whitmore", date(2018, 5, 4), "9990000018"), parent("Kerry", "Whitmore")],
    ).case
    screen(cases["open"], screener)
    with capture(execute=True):
        trawl_start(
            actor=_actor(users["police"]),
            request=InformationRequest.objects.get(case=cases["open"], agency__kind=POLICE),
        )
    best = (
        TrawlCandidate.objects.filter(trawl__request__case=cases["open"])
        .order_by("-match_probability")
        .first()
    )
    assert best is not None
    candidate_confirm(actor=_actor(users["police"]), candidate=best)
    record = candidate_record(actor=_actor(users["police"]), candidate=best)
    assert record is not None and record.events
    events_add(actor=_actor(users["police"]), candidate=best, event_keys=[record.events[0].key])
    for kind in (POLICE, HEALTH):
        info = InformationRequest.objects.get(case=cases["open"], agency__kind=kind)
        _return(users["police" if kind == POLICE else "health"], info)

    # Health blocked: a basis without the health override lets police go, Health waits.
    cases["blocked"] = make_referral(
        users["referrer"],
        people=[child("Imogen", "Farrow", date(2015, 7, 9), "9990000034"), parent("Delia", "Farrow")],
    ).case
    lawful_basis_record(actor=_actor(screener), case=cases["blocked"], reason="Risk of significant harm")
    cases["blocked"].refresh_from_db()
    screen(cases["blocked"], screener, lawful_basis=False)

    # Withdrawn: consent (naming health) lets both go; police search and confirm; the family withdraws.
    cases["withdrawn"] = make_referral(
        users["referrer"],
        people=[child("Jayden", "Whitmore", date(2018, 5, 4)), parent("Kerry", "Whitmore")],
    ).case
    mother = cases["withdrawn"].referral.people.get(is_subject=False)
    consent = consent_record(
        actor=_actor(screener),
        case=cases["withdrawn"],
        given_by=mother,
        for_whom=ForWhom.HOUSEHOLD,
        decision=ConsentDecision.GIVEN,
        informed_how=InformedHow.VERBAL,
        privacy_notice_version="2026-04",
        includes_health=True,
    )
    cases["withdrawn"].refresh_from_db()
    screen(cases["withdrawn"], screener, lawful_basis=False)
    police_withdrawn = InformationRequest.objects.get(case=cases["withdrawn"], agency__kind=POLICE)
    with capture(execute=True):
        trawl_start(actor=_actor(users["police"]), request=police_withdrawn)
    found = (
        TrawlCandidate.objects.filter(trawl__request=police_withdrawn).order_by("-match_probability").first()
    )
    assert found is not None
    candidate_confirm(actor=_actor(users["police"]), candidate=found)
    consent_withdraw(actor=_actor(screener), consent=consent, note="The family asked us to stop")

    # Decided (closed): screened to police and health, decided without waiting.
    cases["closed"] = make_referral(
        users["referrer"], people=[child("Rowan", "Ashdown", date(2014, 11, 23), "9990000042")]
    ).case
    screen(cases["closed"], screener)
    cases["closed"].refresh_from_db()
    decision_record(
        actor=_actor(users["decider"]),
        case=cases["closed"],
        expected_version=cases["closed"].version,
        outcome=Outcome.S17_ASSESSMENT,
        level=ThresholdLevel.objects.get(number=3),
        rationale="Neglect with domestic abuse",
        proceed_reason="Strategy needed today",
    )

    # Health only: police were never asked about this family.
    cases["health_only"] = make_referral(
        users["other_referrer"], people=[child("Tobias", "Penrose", date(2017, 1, 30), "9990000050")]
    ).case
    screen(cases["health_only"], screener, kinds=(HEALTH,))

    # Routed at the front door to the domestic abuse team (one member, a police officer): waiting for it.
    da_team = Team.objects.get(specialism=Specialism.DOMESTIC_ABUSE)
    da_team.members.set([users["da_member"]])
    cases["routed"] = make_referral(
        users["other_referrer"], people=[child("Nia", "Barrow", date(2013, 6, 12), "9990000069")]
    ).case
    with capture(execute=True):
        screen(cases["routed"], screener, route=Route.DOMESTIC_ABUSE, lawful_basis=False)

    # Early help: the hub's rule switched off for a moment, police asked, the product handed to a
    # keyworker in Early Help; police's request closed as no longer needed.
    cases["handed"] = make_referral(
        users["referrer"], people=[child("Ola", "Kemp", date(2016, 8, 20), "9990000077")]
    ).case
    screen(cases["handed"], screener, kinds=(POLICE,))
    HubConfiguration.objects.update(decision_in_hub=False)
    cases["handed"].refresh_from_db()
    keyworker_appoint(
        actor=_actor(screener),
        case=cases["handed"],
        expected_version=cases["handed"].version,
        name="Sam Keyes",
        agency=Agency.objects.get(kind=AgencyKind.EARLY_HELP),
        email="sam.keyes@earlyhelp.invalid",
    )
    cases["handed"].refresh_from_db()
    with capture(execute=True):
        case_hand_over(actor=_actor(screener), case=cases["handed"], expected_version=cases["handed"].version)
    HubConfiguration.objects.update(decision_in_hub=True)

    # A relationship and a household on each case with two people, for the pages that change them.
    for key in ("open", "blocked", "withdrawn"):
        kerry, jayden = (cases[key].referral.people.get(is_subject=s) for s in (False, True))
        if not cases[key].relationships.exists():
            relationship_add(
                actor=_actor(screener),
                case=cases[key],
                from_person=kerry,
                to_person=jayden,
                kind=RelationshipKind.PARENT,
            )
        household_save(actor=_actor(screener), case=cases[key], label="Family home", members=[kerry, jayden])

    # The chair's meeting takes the case ready for decision (the open one); the other chair's has none.
    meetings = {"chaired": schedule(users["chair"]), "other": schedule(users["other_chair"], "Other meeting")}
    agenda_build_from_ready(
        actor=_actor(users["chair"]),
        meeting=meetings["chaired"],
        expected_version=meetings["chaired"].version,
    )

    destroyed = _destroyed(users, capture, da_team)
    cases["destroyed"] = destroyed.case

    for key in cases:
        cases[key].refresh_from_db()
    scenario = Scenario(users=users, cases=cases, meetings=meetings, source=source)
    scenario.consents = {"withdrawn": consent, "destroyed": destroyed.consent}
    scenario.teams = {"da": da_team}
    scenario.routings = {
        "routed": Routing.objects.get(case=cases["routed"]),
        "destroyed": Routing.objects.get(case=cases["destroyed"]),
    }
    scenario.candidates = {"open": best, "withdrawn": found}
    scenario.notices = {
        n.recipient + (n.agency.kind if n.agency else ""): n
        for n in cases["closed"].notifications.select_related("agency")
    }
    scenario.notices["destroyed/referrer"] = destroyed.notice
    scenario.challenges = {
        "referrer": outcome_challenge_raise(
            actor=_actor(users["referrer"]),
            notice=scenario.notices["referrer"],
            reasons="The school sees more than the hub weighed",
        ),
        "destroyed": destroyed.challenge,
    }
    assert SourceLoad.objects.filter(source=source).exists()
    assert Agency.objects.filter(kind=HEALTH).exists()
    return scenario
