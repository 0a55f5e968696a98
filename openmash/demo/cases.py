"""About 200 synthetic cases, spread over every status, made through the real services.

The synthetic area's referral texts become referrals; each is then taken as far along the workflow as
its place in the spread says: screened, asked of agencies, answered, decided, fed back, closed. Times
are then moved back to when the synthetic referral arrived, so queues show realistic ages and some
requests are overdue. Only synthetic data is used.

Two states reviewers walk through are made on purpose: an adult at risk referred with their own partner
and son or daughter (where the hub covers adults at risk), and people the police researcher added to a
case during their search: one added in error that nothing names yet, so it can be removed again, and one
an agency's return has named since, so it cannot.
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
from openmash.casework.household import NewMember, household_member_add
from openmash.casework.intake import referral_receive
from openmash.casework.routing import routed_case_accept
from openmash.casework.screening import case_screen
from openmash.consent.models import ConsentDecision, Disclosure, ForWhom, InformedHow
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
from openmash.enquiries.models import (
    OPEN_STATUSES,
    HistoryType,
    InformationRequest,
    RequestStatus,
    Significance,
)
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
from openmash.hub.selectors import hub_configuration
from openmash.people.models import PersonAddition, RelationshipKind
from openmash.people.services import household_label, household_save, person_add, relationship_add
from openmash.referrals.models import (
    ADULT_AGE,
    Channel,
    ConcernCategory,
    FamilyConsent,
    Referral,
    ReferralPerson,
    Relationship,
)
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
    adult_case = _adult_at_risk(area, people, family_index, households, addresses, users, now)
    _added_in_searches(people, users, rng, exclude=adult_case)
    requests_mark_overdue()
    _challenges(users)
    _team_queue(users)
    return Case.objects.count()


# An adult at risk with their own family -------------------------------------------------------------------

ADULT_CONCERNS = (
    "{adult} ({age}) came to the surgery with {partner}, {poss} {partner_word}, and had bruising to both "
    "forearms that nobody could explain. Since a stroke last year {partner_given} has been {adult_given}'s "
    "main carer. {child}, {poss} {child_word}, rang the practice afterwards, worried that {partner_given} "
    "is not coping: {adult_given} is losing weight and missing medication, and {partner_given} shouts at "
    "{obj} when {adult_given} needs help at night. {adult_given} knows about this referral and agreed to "
    "it. We are referring {obj} as an adult at risk of neglect and of abuse by {poss} carer."
)


def _adult_family(area: Area, on: date) -> tuple[Person, Person, Person, str] | None:
    """The oldest adult of the area who lives with a partner or spouse and has a son or daughter of 18 or
    over living in the area: the adult, the partner, the son or daughter and the partnership's kind."""
    people = area.people_by_id()
    living = {m for h in area.households for m in h.member_ids if m in people and people[m].is_alive_on(on)}
    partners: dict[str, list[tuple[str, str]]] = {}
    children: dict[str, list[str]] = {}
    for rel in area.relationships:
        if rel.kind in ("partner", "spouse") and rel.status == "current":
            partners.setdefault(rel.from_id, []).append((rel.to_id, rel.kind))
            partners.setdefault(rel.to_id, []).append((rel.from_id, rel.kind))
        elif rel.kind == "parent":
            children.setdefault(rel.from_id, []).append(rel.to_id)
    found = []
    for pid in living:
        if people[pid].age_on(on) < ADULT_AGE:
            continue
        partner = next(((q, kind) for q, kind in sorted(partners.get(pid, [])) if q in living), None)
        child = next(
            (c for c in sorted(children.get(pid, [])) if c in living and people[c].age_on(on) >= ADULT_AGE),
            None,
        )
        if partner is not None and child is not None:
            found.append((people[pid].age_on(on), pid, partner, child))
    if not found:
        return None
    _, pid, (partner_id, kind), child_id = max(found)
    return people[pid], people[partner_id], people[child_id], kind


def _adult_at_risk(
    area: Area,
    people: dict[str, Person],
    family_index: dict[str, list[Any]],
    households: dict[str, Any],
    addresses: dict[str, Any],
    users: dict[str, User],
    now: datetime,
) -> Case | None:
    """An adult at risk, referred by their GP with their partner and a grown-up son or daughter, on the
    queues: screened to police, health and adult social care on the adult's own consent; health has
    answered and adult social care is working on it. Only where the hub takes referrals about adults at
    risk (a children's hub refuses an adult referred and an adult's family)."""
    referrer = users.get("referrer.gp")
    if not hub_configuration().covers_adults or referrer is None or "screening.manager" not in users:
        return None
    day = _recent_working_days(now.date(), 1, over=2)[0]  # a working day or two ago
    received = min(datetime.combine(day, time(10, 40), LONDON), now - timedelta(minutes=30))
    family = _adult_family(area, received.date())
    if family is None:
        return None
    adult, partner, child, kind = family
    home_of = {m: h for h in households.values() for m in h.member_ids}

    def row(person: Person, relationship: Relationship) -> PersonData:
        home = addresses.get(home_of[person.id].address_id) if person.id in home_of else None
        return PersonData(
            given_name=person.given_name,
            family_name=person.family_name,
            relationship=relationship,
            date_of_birth=person.date_of_birth,
            sex=SEX[person.sex],
            nhs_number=person.nhs_number or "",
            address=", ".join(p for p in (home.line1, home.line2, home.town) if p) if home else "",
            postcode=home.postcode if home else "",
        )

    words = {"female": ("her", "her"), "male": ("his", "him")}
    poss, obj = words.get(adult.sex, ("their", "them"))
    concerns = ADULT_CONCERNS.format(
        adult=adult.full_name,
        age=adult.age_on(received.date()),
        adult_given=adult.given_name,
        partner=partner.full_name,
        partner_given=partner.given_name,
        partner_word={"female": "wife", "male": "husband"}.get(partner.sex, "spouse")
        if kind == "spouse"
        else "partner",
        child=child.full_name,
        child_word={"female": "daughter", "male": "son"}.get(child.sex, "grown-up child"),
        poss=poss,
        obj=obj,
    )
    data = ReferralData(
        referrer_name=referrer.get_full_name(),
        referrer_organisation=referrer.agency.name,
        referrer_job_title="GP",
        referrer_email=f"{referrer.username}@openmash.invalid",
        referrer_agency=referrer.agency,
        source=SOURCE_CODES["gp"],
        concerns=concerns,
        concern_categories=[ConcernCategory.ADULT_AT_RISK, ConcernCategory.NEGLECT],
        family_consent=FamilyConsent.AWARE_AGREES,
        people=[
            row(adult, Relationship.SUBJECT),
            row(partner, Relationship.OWN_PARTNER),
            row(child, Relationship.SON_OR_DAUGHTER),
        ],
    )
    case = referral_receive(
        actor=Actor(user=referrer), data=data, channel=Channel.FORM, received_at=received
    ).case
    _add_family(case, [adult, partner, child], people, family_index, households, addresses, users)
    screener = Actor(user=users["screening.manager"])
    subject = case.referral.people.get(is_subject=True)
    consent_record(
        actor=screener,
        case=case,
        given_by=subject,
        for_whom=ForWhom.SELF,
        decision=ConsentDecision.GIVEN,
        informed_how=InformedHow.VERBAL,
        privacy_notice_version="2026-04",
        includes_health=True,
    )
    case.refresh_from_db()
    kinds = (AgencyKind.POLICE, AgencyKind.HEALTH, AgencyKind.ADULT_SOCIAL_CARE)
    agencies = [a for k in kinds if (a := Agency.objects.filter(kind=k).order_by("created_at").first())]
    case_screen(
        actor=screener,
        case=case,
        expected_version=case.version,
        level=ThresholdLevel.objects.get(number=3),
        indicators=[],
        rag=RagRating.AMBER,
        rag_reason="Unexplained bruising and a carer who may not be coping: agencies answer within a day",
        consent_position=ConsentPosition.GIVEN,
        route=Route.MASH_ENQUIRY,
        agencies=agencies,
        notes=f"{adult.given_name} agreed on the phone to agencies sharing what they know.",
    )
    on = received.date()
    for request in case.requests.filter(status=RequestStatus.OPEN).select_related("agency"):
        researcher = _researcher(request.agency, users)
        if researcher is None:
            continue
        if request.agency.kind == AgencyKind.HEALTH:
            request_save_return(
                actor=Actor(user=researcher),
                request=request,
                expected_version=request.version,
                summary=f"Registered with the practice. {adult.given_name} had a stroke last year and takes "
                f"blood thinners, so bruises easily; two medication reviews were missed this year, both "
                f"cancelled by {partner.given_name}.",
                risk_factors="Missed medication reviews; unexplained bruising; a carer under strain",
                protective_factors=f"{child.given_name} visits every week and raised the concern",
                history=[
                    HistoryData(
                        occurred_on=on - timedelta(days=130),
                        kind=HistoryType.HEALTH_ATTENDANCE,
                        description="Seen after a fall at home; no injury found",
                        significance=Significance.LOW,
                        source_reference="GP-40391",
                    ),
                    HistoryData(
                        occurred_on=on - timedelta(days=41),
                        kind=HistoryType.MISSED_APPOINTMENT,
                        description="Medication review missed; the carer cancelled the appointment",
                        significance=Significance.MEDIUM,
                        source_reference="GP-40417",
                    ),
                ],
                submit=True,
            )
        elif request.agency.kind == AgencyKind.ADULT_SOCIAL_CARE:
            request_take(actor=Actor(user=researcher), request=request)
    _backdate(case, received, now)
    return case


# People added during an agency's search -----------------------------------------------------------------

IN_ERROR_REASON = "A police call-out to this address in {when:%B %Y} names {man} as {whose}."
KEPT_REASON = (
    "{man} gave this address as his home when police officers stopped him in {when:%B %Y}; he says he "
    "lodges with the family."
)


def _added_in_searches(
    people: dict[str, Person], users: dict[str, User], rng: random.Random, *, exclude: Case | None
) -> None:
    """The police researcher adds someone to two open cases while answering the police request. On one
    nothing has named him since (no return, no consent, no confirmed search result): he was the wrong man
    of that name, and can be removed again. On the other another agency's return has been shared since,
    so the disclosure log names him and he stays on the case."""
    researcher = users.get("police.researcher")
    if researcher is None:
        return
    requests = InformationRequest.objects.filter(
        agency=researcher.agency,
        status__in=OPEN_STATUSES,
        case__status=CaseStatus.INFORMATION_GATHERING,
    ).select_related("case__referral", "agency")
    if exclude is not None:
        requests = requests.exclude(case=exclude)
    police = list(requests.order_by("-case__reference"))
    answered = set(
        InformationRequest.objects.filter(
            case__in=[r.case_id for r in police], status=RequestStatus.RETURNED
        ).values_list("case_id", flat=True)
    )
    actor = Actor(user=researcher)
    chosen: set[str] = set()
    in_error = next((r for r in police if r.case_id not in answered), None)
    if in_error is not None:
        _police_add(actor, in_error, people, chosen, in_error=True)
    for request in police:
        other = _other_open(request, users) if request is not in_error else None
        if other is None:
            continue
        if _police_add(actor, request, people, chosen, in_error=False) is not None:
            # Shared after he was added: the disclosure log names him among the case's people.
            _return(other, _researcher(other.agency, users), rng)
        return


def _other_open(request: InformationRequest, users: dict[str, User]) -> InformationRequest | None:
    """Another agency's request on the case, still open, that one of the demo's researchers answers."""
    others = (
        request.case.requests.filter(status__in=OPEN_STATUSES)
        .exclude(agency=request.agency)
        .select_related("agency", "case")
        .order_by("agency__name")
    )
    return next((o for o in others if _researcher(o.agency, users) is not None), None)


def _police_add(
    actor: Actor, request: InformationRequest, people: dict[str, Person], chosen: set[str], *, in_error: bool
) -> ReferralPerson | None:
    """A man of the area from another family, added to the request's case from the police search page."""
    if request.status == RequestStatus.OPEN:
        request_take(actor=actor, request=request)
    case = request.case
    on_case = list(case.referral.people.all())
    families = {p.family_name for p in on_case}
    on = timezone.localdate()
    man = next(
        (
            p
            for p in sorted(people.values(), key=lambda p: p.id)
            if p.sex == "male"
            and p.is_alive_on(on)
            and 20 <= p.age_on(on) <= 60
            and p.family_name not in families
            and p.id not in chosen
        ),
        None,
    )
    subject = next((p for p in on_case if p.is_subject), None)
    if man is None or subject is None:
        return None
    chosen.add(man.id)
    mother = next((p for p in on_case if p.relationship == Relationship.MOTHER), None)
    when = timezone.localdate(case.referral.received_at) - timedelta(days=75 if in_error else 130)
    if in_error:
        whose = f"{mother.given_name}'s new partner" if mother else "a man staying with the family"
        reason = IN_ERROR_REASON.format(man=man.full_name, when=when, whose=whose)
    else:
        reason = KEPT_REASON.format(man=man.full_name, when=when)
    household = case.households.filter(members=subject).first()
    partner_of = mother if in_error else None
    member = NewMember(
        given_name=man.given_name,
        family_name=man.family_name,
        relationship=Relationship.PARTNER if partner_of else Relationship.OTHER_ADULT,
        reason=reason,
        sex=Sex.MALE,
        date_of_birth=man.date_of_birth,
        partner_of=partner_of,
        household=household,
        with_child=household is None,
    )
    return household_member_add(actor=actor, request=request, member=member)


def demo_walks() -> list[str]:
    """Where the states reviewers walk through are, as `demo_load` prints them."""
    walks = []
    adult = (
        Case.objects.filter(
            status__in=(CaseStatus.INFORMATION_GATHERING, CaseStatus.READY_FOR_DECISION),
            referral__people__relationship=Relationship.OWN_PARTNER,
        )
        .order_by("reference")
        .first()
    )
    if adult is not None:
        walks.append(
            f"{adult.reference}: an adult at risk referred with their partner and their son or daughter "
            "(screening.manager; asc.researcher answers adult social care's request)"
        )
    added = (
        PersonAddition.objects.filter(
            case__status=CaseStatus.INFORMATION_GATHERING,
            request__agency__kind=AgencyKind.POLICE,
            request__status__in=OPEN_STATUSES,
        )
        .select_related("case", "person")
        .order_by("created_at")
    )
    removable = kept = False
    for addition in added:
        named = Disclosure.objects.filter(about=addition.person).exists()
        if not named and not removable:
            removable = True
            walks.append(
                f"{addition.case.reference}: {addition.person}, added in error during the police search; "
                "police.researcher removes him from the request's search page"
            )
        elif named and not kept:
            kept = True
            walks.append(
                f"{addition.case.reference}: {addition.person}, added during the police search and named "
                "in an agency's return since, so he cannot be removed"
            )
    return walks


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
    if rng.random() < 0.25:
        request_nil_return(actor=Actor(user=researcher), request=request, expected_version=request.version)
        return
    _return(request, researcher, rng)


def _return(request: InformationRequest, researcher: User | None, rng: random.Random) -> None:
    """The agency's return, submitted: a summary and one to three items of its history."""
    if researcher is None:
        return
    actor = Actor(user=researcher)
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
