"""About 200 synthetic cases, spread over every status, made through the real services.

The synthetic area's referral texts become referrals; each is then taken as far along the workflow as
its place in the spread says: screened, asked of agencies, answered, decided, fed back, closed. Times
are then moved back to when the synthetic referral arrived, so queues show realistic ages and some
requests are overdue. Only synthetic data is used.
"""

from __future__ import annotations

import random
from datetime import date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db.models import F
from django.test.utils import override_settings
from django.utils import timezone

from openmash.accounts.models import User
from openmash.cases.models import Case, CaseEvent, CaseStatus, ConsentPosition, Route
from openmash.casework.consent import consent_record, lawful_basis_record
from openmash.casework.intake import referral_receive
from openmash.casework.routing import routed_case_accept
from openmash.casework.screening import case_screen
from openmash.consent.models import ConsentDecision, ForWhom, InformedHow
from openmash.core.actor import Actor
from openmash.core.codes import Sex
from openmash.decisions.models import Decision, Outcome
from openmash.decisions.services import (
    ViewData,
    decision_record,
    outcome_challenge_answer,
    outcome_challenge_raise,
)
from openmash.enquiries.deadlines import due_at
from openmash.enquiries.models import InformationRequest, RequestStatus
from openmash.enquiries.services import (
    HistoryData,
    request_nil_return,
    request_save_return,
    request_take,
    requests_mark_overdue,
)
from openmash.feedback.delivery import feedback_deliver
from openmash.feedback.models import Delivery, OutcomeNotification
from openmash.hub.models import Agency, AgencyKind, RagRating, Specialism, Team, ThresholdLevel
from openmash.people.models import RelationshipKind
from openmash.people.services import household_label, household_save, person_add, relationship_add
from openmash.referrals.models import Channel, ConcernCategory, Referral, Relationship
from openmash.referrals.services import PersonData, ReferralData
from openmash.synth import Area
from openmash.synth.area import Person
from openmash.synth.area import Referral as SyntheticReferral
from openmash.teams.models import Routing, RoutingStatus

LONDON = ZoneInfo("Europe/London")
SOURCE_CODES = {
    "police": "6",
    "school": "2A",
    "gp": "3A",
    "health_visitor": "3B",
    "midwife": "3D",
    "hospital": "3E",
    "ambulance": "3F",
    "school_nurse": "3C",
    "housing": "4",
    "probation": "7",
    "early_help": "5D",
    "youth_service": "5B",
    "family_member": "1A",
    "public": "1D",
    "anonymous": "9",
}
REFERRER_AGENCY = {
    "police": AgencyKind.POLICE,
    "school": AgencyKind.EDUCATION,
    "gp": AgencyKind.HEALTH,
    "health_visitor": AgencyKind.HEALTH,
    "midwife": AgencyKind.HEALTH,
    "hospital": AgencyKind.HEALTH,
    "school_nurse": AgencyKind.HEALTH,
}
SEX = {"male": "M", "female": "F", "unknown": "U"}
# The spread of statuses for the most recent referrals; older ones are all closed.
OPEN_SPREAD = (
    [CaseStatus.READY_FOR_DECISION] * 14 + [CaseStatus.INFORMATION_GATHERING] * 30 + [CaseStatus.NEW] * 24
)
FAILED_FEEDBACK = 4  # decided cases whose e-mail could not be sent stay "decided"
RETURN_TEXT: dict[str, tuple[str, str, str]] = {
    AgencyKind.POLICE: (
        "Known to police: {n} incidents at the address in the last two years.",
        "Domestic abuse incidents with children present",
        "incident",
    ),
    AgencyKind.HEALTH: (
        "Registered with the GP; {n} missed appointments this year.",
        "Missed health appointments",
        "missed_appointment",
    ),
    AgencyKind.EDUCATION: (
        "Attendance {pct}% this term; pastoral concerns logged.",
        "Falling attendance",
        "school_attendance",
    ),
    AgencyKind.HOUSING: ("Tenancy with rent arrears; {n} reports of noise.", "Rent arrears", "housing"),
    AgencyKind.PROBATION: (
        "An adult in the household is supervised on licence.",
        "Violent offending history",
        "crime",
    ),
    AgencyKind.YOUTH_OFFENDING: ("Known: an out-of-court disposal last year.", "Anti-social peers", "crime"),
    AgencyKind.EARLY_HELP: (
        "A previous early help plan closed {n} months ago.",
        "Plan closed with needs unmet",
        "assessment",
    ),
    AgencyKind.ADULT_SOCIAL_CARE: ("A parent receives a care package.", "Parental illness", "assessment"),
}


def load_demo_cases(*, area: Area, count: int = 200, seed: int = 2026) -> int:
    """Create the demo cases once (skipped when cases exist already); returns how many exist."""
    if Case.objects.exists():
        return Case.objects.count()
    rng = random.Random(seed)  # noqa: S311 - synthetic data, not security
    users = {u.username: u for u in User.objects.select_related("agency")}
    people = {p.id: p for p in area.people}
    households = {h.id: h for h in area.households}
    addresses = area.addresses_by_id()
    family_index: dict[str, list[Any]] = {}
    for rel in area.relationships:
        family_index.setdefault(rel.from_id, []).append(rel)
        family_index.setdefault(rel.to_id, []).append(rel)
    referrals = sorted(area.referrals, key=lambda r: r.received_on)[-count:]
    statuses = [CaseStatus.CLOSED] * (len(referrals) - len(OPEN_SPREAD) - FAILED_FEEDBACK)
    statuses += [CaseStatus.DECIDED] * FAILED_FEEDBACK + OPEN_SPREAD
    now = timezone.now()
    open_days = _recent_working_days(now.date(), len(OPEN_SPREAD) + FAILED_FEEDBACK)
    for index, (synthetic, status) in enumerate(zip(referrals, statuses, strict=True)):
        if status == CaseStatus.CLOSED:
            received = datetime.combine(synthetic.received_on, time(9, 5), LONDON) + timedelta(
                minutes=7 * (index % 60)
            )
        else:
            day = open_days[index - (len(referrals) - len(open_days))]
            received = datetime.combine(day, time(9, 0), LONDON) + timedelta(minutes=rng.randint(0, 420))
        received = min(received, now - timedelta(minutes=30))
        adults = [
            people[m]
            for m in households[synthetic.household_id].member_ids
            if m in people and m not in synthetic.child_ids and people[m].age_on(received.date()) >= 18
        ]
        home = addresses.get(households[synthetic.household_id].address_id)
        referral = _make_referral(synthetic, people, users, received, adults[:2], home)
        if status != CaseStatus.CLOSED:
            known = [people[c] for c in synthetic.child_ids] + adults[:2]
            _add_family(referral.case, known, people, family_index, households, addresses, users)
        _advance(referral.case, status, users, rng)
        _backdate(referral.case, received, now)
    requests_mark_overdue()
    _challenges(users)
    _team_queue(users)
    return Case.objects.count()


def _team_queue(users: dict[str, User]) -> None:
    """Two new contacts routed to the domestic abuse team at screening: one waits in the team's queue,
    the team has accepted the other (the screening manager and the team's police member act)."""
    screener = users.get("screening.manager")
    team = Team.objects.filter(specialism=Specialism.DOMESTIC_ABUSE, is_active=True).first()
    if screener is None or team is None or not team.members.exists():
        return
    waiting = list(Case.objects.filter(status=CaseStatus.NEW, in_triage=False).order_by("-created_at")[:2])
    level = ThresholdLevel.objects.get(number=3)
    for number, case in enumerate(waiting):
        case_screen(
            actor=Actor(user=screener),
            case=case,
            expected_version=case.version,
            level=level,
            indicators=[],
            rag=RagRating.AMBER,
            rag_reason="Domestic abuse in the household: the specialist team should lead",
            consent_position=ConsentPosition.NOT_SOUGHT_RISK,
            route=Route.DOMESTIC_ABUSE,
            agencies=[],
        )
        routing = Routing.objects.get(case=case, status=RoutingStatus.WAITING)
        if number == 1:
            member = team.members.first()
            routed_case_accept(actor=Actor(user=member), routing=routing, expected_version=routing.version)


def _challenges(users: dict[str, User]) -> None:
    """Two referrers challenge an outcome after it was sent; a decision maker has answered one."""
    notices = list(
        OutcomeNotification.objects.filter(
            recipient="referrer", case__status=CaseStatus.CLOSED, case__referral__made_by__isnull=False
        ).order_by("-case__decision__decided_at")[:2]
    )
    for number, notice in enumerate(notices):
        challenge = outcome_challenge_raise(
            actor=Actor(user=notice.case.referral.made_by),
            notice=notice,
            reasons="Since the referral the child has told us more about what happens at home; we think "
            "this needs an assessment, not the response decided.",
        )
        if number == 1 and "decision.maker" in users:
            outcome_challenge_answer(
                actor=Actor(user=users["decision.maker"]),
                challenge=challenge,
                answer="We have read the school's new information with the police return; the decision "
                "stands, and the lead agency will share it with the school at the next review.",
                result="stands",
            )


def _recent_working_days(today: date, n: int, *, over: int = 6) -> list[date]:
    """n dates on the last `over` weekdays, oldest first, so the newest referrals arrived most recently."""
    days: list[date] = []
    day = today
    while len(days) < over:
        if day.weekday() < 5:
            days.append(day)
        day -= timedelta(days=1)
    days.sort()
    return [days[i * over // n] for i in range(n)]


def _make_referral(
    synthetic: object,
    people: dict[str, Person],
    users: dict[str, User],
    received: datetime,
    adults: list[Person],
    home: Any = None,
) -> Referral:
    assert isinstance(synthetic, SyntheticReferral)  # noqa: S101
    children = [people[c] for c in synthetic.child_ids]
    concerns: list[str] = list(synthetic.concern_categories)
    # An open case's referral is moved to recent days, so a child of the area may be 18 by then: the
    # referral is kept only about those still under 18, or, if none is, made about an adult at risk.
    under_18 = [c for c in children if c.age_on(received.date()) < 18]
    if under_18:
        children = under_18
    elif ConcernCategory.ADULT_AT_RISK not in concerns:
        concerns.append(ConcernCategory.ADULT_AT_RISK)
    kind = REFERRER_AGENCY.get(synthetic.referrer_agency_kind)
    referrer = (
        {
            AgencyKind.POLICE: users.get("referrer.police"),
            AgencyKind.EDUCATION: users.get("referrer.school"),
            AgencyKind.HEALTH: users.get("referrer.gp"),
        }.get(kind)
        if kind
        else None
    )
    agency = referrer.agency if referrer else None
    where = (
        {"address": ", ".join(p for p in (home.line1, home.line2, home.town) if p), "postcode": home.postcode}
        if home is not None
        else {}
    )
    person_rows = [
        PersonData(
            given_name=c.given_name,
            family_name=c.family_name,
            relationship=Relationship.SUBJECT,
            date_of_birth=c.date_of_birth,
            sex=SEX[c.sex],
            nhs_number=c.nhs_number or "",
            school=c.school or "",
            **where,
        )
        for c in children
    ] + [
        PersonData(
            given_name=a.given_name,
            family_name=a.family_name,
            relationship=Relationship.MOTHER if a.sex == "female" else Relationship.FATHER,
            date_of_birth=a.date_of_birth,
            sex=SEX[a.sex],
            nhs_number=a.nhs_number or "",
            **where,
        )
        for a in adults
    ]
    data = ReferralData(
        referrer_name=synthetic.referrer_name,
        referrer_organisation=agency.name
        if agency
        else synthetic.referrer_agency_kind.replace("_", " ").title(),
        source=SOURCE_CODES.get(synthetic.referrer_agency_kind, "10"),
        concerns=synthetic.text,
        concern_categories=concerns,
        family_consent="aware_agrees" if len(synthetic.text) % 3 else "not_aware",
        people=person_rows,
        referrer_agency=agency,
        referrer_email=f"{referrer.username}@openmash.invalid" if referrer else "",
        referrer_level=2 + len(synthetic.text) % 3,
        # Police domestic-abuse notifications carry their DASH grading (where the hub does not screen
        # everything, those graded standard wait on the triage list).
        risk_grading=("standard", "standard", "medium", "high")[len(synthetic.text) % 4]
        if synthetic.referrer_agency_kind == "police" and "domestic_abuse" in synthetic.concern_categories
        else "",
    )
    actor = Actor(user=referrer) if referrer else Actor.system("demo_load")
    return referral_receive(actor=actor, data=data, channel=Channel.FORM, received_at=received)


def _advance(case: Case, target: CaseStatus, users: dict[str, User], rng: random.Random) -> None:
    if target == CaseStatus.NEW:
        return
    screener = Actor(user=users["screening.manager"])
    decider = Actor(user=users["decision.maker"])
    enquiry = target != CaseStatus.CLOSED or rng.random() < 0.7
    route = (
        (Route.MASH_ENQUIRY if rng.random() < 0.85 else Route.STRATEGY_DISCUSSION)
        if enquiry
        else rng.choice([Route.NFA, Route.EARLY_HELP, Route.DOMESTIC_ABUSE, Route.MISSING])
    )
    kinds = [AgencyKind.POLICE, AgencyKind.HEALTH, AgencyKind.EDUCATION]
    kinds += rng.sample(
        [AgencyKind.HOUSING, AgencyKind.PROBATION, AgencyKind.YOUTH_OFFENDING], k=rng.randint(0, 2)
    )
    agencies = list(Agency.objects.filter(kind__in=kinds)) if enquiry else []
    rag = rng.choices([RagRating.RED, RagRating.AMBER, RagRating.GREEN], weights=[2, 5, 3])[0]
    level = ThresholdLevel.objects.get(number=rng.choice([2, 3, 3, 4]))
    consent_position = _consent_or_basis(
        case, screener, level, rng, complete=target != CaseStatus.INFORMATION_GATHERING
    )
    case_screen(
        actor=screener,
        case=case,
        expected_version=case.version,
        level=level,
        indicators=list(level.indicators.all()[:2]),
        rag=rag,
        rag_reason=f"{rag.label}: concerns in the referral need a response within the agreed time",
        consent_position=consent_position,
        route=route,
        agencies=agencies,
    )
    if not enquiry:
        # A route to a specialist team: a member accepts it, so the case can close.
        routing = (
            Routing.objects.filter(case=case, status=RoutingStatus.WAITING).select_related("team").first()
        )
        member = routing.team.members.first() if routing is not None else None
        if routing is not None and member is not None:
            routed_case_accept(actor=Actor(user=member), routing=routing, expected_version=routing.version)
        return
    requests = list(case.requests.exclude(status=RequestStatus.BLOCKED).select_related("agency"))
    answered = (
        len(requests) if target != CaseStatus.INFORMATION_GATHERING else rng.randint(0, len(requests) - 1)
    )
    for request in requests[:answered]:
        _answer(request, users, rng)
    if target == CaseStatus.INFORMATION_GATHERING:
        for request in requests[answered : answered + 1]:
            researcher = _researcher(request.agency, users)
            if researcher is not None:
                request_take(actor=Actor(user=researcher), request=request)
        return
    if target == CaseStatus.READY_FOR_DECISION:
        return
    case.refresh_from_db()
    outcome = rng.choice(list(Outcome))
    failing = target == CaseStatus.DECIDED
    mailer = {
        "default": {
            "BACKEND": "django.core.mail.backends.smtp.EmailBackend",
            "OPTIONS": {"host": "127.0.0.1", "port": 9, "timeout": 1},
        }
    }
    with override_settings(**({"MAILERS": mailer} if failing else {})):
        decision_record(
            actor=decider,
            case=case,
            expected_version=case.version,
            outcome=outcome,
            level=level,
            rationale="The agencies' information shows the needs described; this response is proportionate.",
            information_considered="The referral and every agency's return",
            participants="Decision maker, police, health and education researchers",
            lead_agency=Agency.objects.filter(kind=AgencyKind.EARLY_HELP).first()
            if outcome == Outcome.EARLY_HELP
            else None,
            other_service="MARAC" if outcome == Outcome.OTHER_SERVICE else "",
            views=[ViewData(r.agency, "agree" if rng.random() < 0.9 else "disagree") for r in requests],
        )
        # The worker sends outcome notices; the demo sends them now, so some fail as a hub would see.
        feedback_deliver(case_id=case.pk, retry_failed=False)
    if failing:
        # The mail server stayed down through every automatic try: a decision maker must send these
        # again or give them up (the case stays decided until then).
        case.notifications.filter(delivery=Delivery.FAILED).update(
            attempts=settings.OUTCOME_MAX_ATTEMPTS, next_attempt_at=None
        )


def _add_family(
    case: Case,
    known: list[Person],
    people: dict[str, Person],
    family_index: dict[str, list[Any]],
    households: dict[str, Any],
    addresses: dict[str, Any],
    users: dict[str, User],
) -> None:
    """Bring the children's wider family from the synthetic area onto the case, for the genogram."""
    actor = Actor(user=users["screening.manager"])
    on_case = {p.id: rp for p, rp in zip(known, _referral_people(case, known), strict=True) if rp is not None}
    wanted = set(on_case)
    frontier = set(on_case)
    for _hop in range(2):  # parents, siblings, grandparents, step-family: two steps from the children
        nxt = set()
        for pid in frontier:
            for rel in family_index.get(pid, []):
                other = rel.to_id if rel.from_id == pid else rel.from_id
                if other not in wanted and other in people:
                    nxt.add(other)
        wanted |= nxt
        frontier = nxt
    for pid in sorted(wanted - set(on_case))[:14]:
        p = people[pid]
        on_case[pid] = person_add(
            actor=actor,
            case=case,
            given_name=p.given_name,
            family_name=p.family_name,
            sex=Sex(SEX[p.sex]),
            date_of_birth=p.date_of_birth,
            date_of_death=p.date_of_death,
        )
    seen = {
        (r.from_person_id, r.to_person_id) for r in case.relationships.all()
    }  # the referral's own relationships come first
    seen |= {(b, a) for a, b in seen}
    for pid in sorted(on_case):
        for rel in family_index.get(pid, []):
            if rel.from_id not in on_case or rel.to_id not in on_case:
                continue
            key = (on_case[rel.from_id].pk, on_case[rel.to_id].pk)
            if key in seen or key[0] == key[1]:  # two people of the area named once on the referral
                continue
            seen |= {key, key[::-1]}
            relationship_add(
                actor=actor,
                case=case,
                from_person=on_case[rel.from_id],
                to_person=on_case[rel.to_id],
                kind=RelationshipKind(rel.kind),
                status=rel.status or "",
            )
    for household in households.values():
        members = [on_case[m] for m in household.member_ids if m in on_case]
        if not members:
            continue
        home = addresses.get(household.address_id)
        label = household_label(home.line1, home.postcode) if home else "Household"
        parts = (home.line1, home.line2, home.town, home.postcode) if home else ()
        address = ", ".join(p for p in parts if p)
        # The referral's household at this home grows to the whole household, not a second one.
        existing = next(
            (h for h in case.households.all() if {m.pk for m in h.members.all()} & {m.pk for m in members}),
            None,
        )
        if existing is not None:
            members = list({m.pk: m for m in [*existing.members.all(), *members]}.values())
        household_save(
            actor=actor,
            case=case,
            label=label,
            address=address,
            members=members,
            household=existing,
            expected_version=existing.version if existing else None,
        )


def _referral_people(case: Case, known: list[Person]) -> list[Any]:
    rows = list(case.referral.people.all())
    found = []
    for person in known:
        match = next(
            (r for r in rows if r.given_name == person.given_name and r.family_name == person.family_name),
            None,
        )
        found.append(match)
    return found


def _consent_or_basis(
    case: Case, screener: Actor, level: ThresholdLevel, rng: random.Random, *, complete: bool
) -> ConsentPosition:
    """Child protection goes ahead on a lawful basis; otherwise consent, sometimes not naming health."""
    if level.number >= 4 or rng.random() < 0.3:
        lawful_basis_record(
            actor=screener,
            case=case,
            health_override=True,
            reason="Seeking consent would place the child at risk of significant harm",
        )
        return ConsentPosition.NOT_SOUGHT_RISK
    adult = case.referral.people.filter(is_subject=False).first() or case.referral.people.first()
    assert adult is not None  # noqa: S101
    consent_record(
        actor=screener,
        case=case,
        given_by=adult,
        for_whom=ForWhom.HOUSEHOLD,
        decision=ConsentDecision.GIVEN,
        informed_how=InformedHow.VERBAL,
        privacy_notice_version="2026-04",
        includes_health=complete or rng.random() < 0.5,
    )
    return ConsentPosition.GIVEN


def _researcher(agency: Agency, users: dict[str, User]) -> User | None:
    return next(
        (u for u in users.values() if u.agency_id == agency.pk and u.username.endswith(".researcher")), None
    )


def _answer(request: InformationRequest, users: dict[str, User], rng: random.Random) -> None:
    researcher = _researcher(request.agency, users)
    if researcher is None:
        return
    actor = Actor(user=researcher)
    if rng.random() < 0.25:
        request_nil_return(actor=actor, request=request, expected_version=request.version)
        return
    summary, risk, kind = RETURN_TEXT.get(
        request.agency.kind, ("Known to this agency.", "Concerns noted", "other")
    )
    received = request.case.referral.received_at.date()
    history = [
        HistoryData(
            occurred_on=received - timedelta(days=rng.randint(20, 700)),
            kind=kind,
            description=f"{risk} recorded by {request.agency.name}",
            significance=rng.choice(["high", "medium", "low"]),
            source_reference=f"{request.agency.kind[:3].upper()}-{rng.randint(10000, 99999)}",
        )
        for _ in range(rng.randint(1, 3))
    ]
    request_save_return(
        actor=actor,
        request=request,
        expected_version=request.version,
        summary=summary.format(n=rng.randint(1, 6), pct=rng.randint(62, 94)),
        risk_factors=risk,
        protective_factors="Extended family nearby and engaged with school",
        history=history,
        submit=True,
    )


def _backdate(case: Case, received: datetime, now: datetime) -> None:
    """Move the case's own timestamps back by the time between its referral and now (audit is untouched)."""
    shift = now - received - timedelta(minutes=20)
    if shift <= timedelta(0):
        return
    Case.objects.filter(pk=case.pk).update(
        status_changed_at=F("status_changed_at") - shift,
        screened_at=F("screened_at") - shift,
        closed_at=F("closed_at") - shift,
    )
    CaseEvent.objects.filter(case=case).update(at=F("at") - shift)
    case.refresh_from_db()
    for request in InformationRequest.objects.filter(case=case):
        sent = request.sent_at - shift
        InformationRequest.objects.filter(pk=request.pk).update(
            sent_at=sent,
            due_at=due_at(sent_at=sent, rag=case.rag),
            taken_at=F("taken_at") - shift,
            returned_at=F("returned_at") - shift,
        )
    Decision.objects.filter(case=case).update(decided_at=F("decided_at") - shift)
