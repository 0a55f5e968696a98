"""A large synthetic hub, fast: tens of thousands of cases written in bulk, for load tests and demos at scale.

`make demo`'s 200 cases go through the services one by one (about a third of a second each). This
module writes the same records those services write (referral, people, case, screening, consent or
lawful basis, requests, returns with their history and disclosure-log lines, decision, agency views,
outcome notices, status history) as rows in bulk, and appends one audit event for each step a service
would have audited. The audit events are chained by the audit app's own hash function, under the
chain's lock, in the same transaction as the records: the trail verifies, and a failed load leaves
nothing behind. See docs/adr/0019-bulk-volume-load.md.

People come from several synthetic areas (one per year, each drawn from its own seed), so every family
is distinct; a child referred twice in one area is the same person on both referrals, linked as an
earlier referral, as the referral service links them.
"""

from __future__ import annotations

import json
import math
import random
import time
import uuid
from collections import Counter as Tally
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from django.db import connection, models, transaction
from django.utils import timezone

from openmash.accounts.models import User
from openmash.audit.catalogue import AuditAction
from openmash.audit.models import AuditEvent
from openmash.audit.services import (
    CHAIN_LOCK_KEY,
    audit_chain_head,
    audit_checkpoint,
    audit_key,
    audit_record,
    audit_seal,
)
from openmash.cases.models import AgencyAsked, Case, CaseEvent, CaseStatus, ConsentPosition, Route
from openmash.cases.services import decision_due_at
from openmash.consent.models import (
    HEALTH_OVERRIDE_TEXT,
    SPECIAL_CATEGORY_BASIS,
    Art6Basis,
    ConsentDecision,
    ConsentRecord,
    Disclosure,
    DisclosureKind,
    ForWhom,
    InformedHow,
    LawfulBasisDecision,
)
from openmash.core.actor import Actor
from openmash.core.models import Counter
from openmash.decisions.models import OUTCOME_CODES, AgencyView, Decision, Outcome
from openmash.decisions.services import ROUTE_OUTCOMES, level_change
from openmash.demo.cases import REFERRER_AGENCY, RETURN_TEXT, SEX, SOURCE_CODES, _recent_working_days
from openmash.enquiries.deadlines import due_at_many
from openmash.enquiries.models import HistoryItem, InformationRequest, RequestStatus
from openmash.enquiries.services import requests_mark_overdue
from openmash.feedback.models import Delivery, OutcomeNotification, Recipient
from openmash.hub.models import Agency, AgencyKind, RagRating, ThresholdLevel
from openmash.hub.selectors import hub_calendar, hub_configuration
from openmash.referrals.models import Channel, Referral, ReferralPerson, Relationship
from openmash.synth import Area, generate_area
from openmash.synth.area import Person
from openmash.synth.area import Referral as SyntheticReferral

LONDON = ZoneInfo("Europe/London")
BATCH = 2_000  # cases written per round trip; bounds memory whatever the total
OPEN_SHARE = 0.03  # the newest 3% of cases are still open, the rest closed (as in a working hub)
OPEN_MIX = (  # how the open cases divide between the open statuses
    (CaseStatus.NEW, 0.25),
    (CaseStatus.INFORMATION_GATHERING, 0.40),
    (CaseStatus.READY_FOR_DECISION, 0.20),
    (CaseStatus.DECIDED, 0.15),
)
ROUTED_AT_SCREENING = (Route.NFA, Route.EARLY_HELP, Route.DOMESTIC_ABUSE, Route.MISSING)
PRIVACY_NOTICE = "2026-04"
ALREADY_LOADED = "A volume load with seed {seed} is already in this hub; choose another --seed."
NO_DEMO = "Load the demo hub first (python manage.py demo_load): the volume load uses its users and agencies."


class VolumeError(Exception):
    pass


@dataclass
class VolumeResult:
    cases: int
    by_status: dict[str, int]
    people: int
    audit_events: int
    years: int
    seconds: dict[str, float] = field(default_factory=dict)


def load_volume(
    *, cases: int, seed: int, years: int = 5, open_share: float = OPEN_SHARE, now: datetime | None = None
) -> VolumeResult:
    """Add `cases` synthetic cases over the last `years` years, in one transaction; the newest
    `open_share` of them are still open (awaiting screening, gathering information, ready or decided)."""
    if not 0 <= open_share <= 1:
        raise VolumeError("The open share is a fraction between 0 and 1.")
    if cases < len(CaseStatus):
        raise VolumeError(f"Ask for at least {len(CaseStatus)} cases, one in each status.")
    if AuditEvent.objects.filter(action=AuditAction.DEMO_LOADED, detail__volume_seed=seed).exists():
        raise VolumeError(ALREADY_LOADED.format(seed=seed))
    now = now or timezone.now()
    timings: dict[str, float] = {}
    started = time.perf_counter()
    years = max(1, min(years, math.ceil(cases / 20)))
    picked = _draw_referrals(
        cases=cases, seed=seed, years=years, today=timezone.localdate(now), open_share=open_share
    )
    timings["synthetic areas"] = time.perf_counter() - started
    started = time.perf_counter()
    builder = _Builder(seed=seed, now=now)
    with transaction.atomic():
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute("SELECT pg_advisory_xact_lock(%s)", [CHAIN_LOCK_KEY])
        builder.start(picked)
        for first in range(0, len(picked), BATCH):
            for item in picked[first : first + BATCH]:
                builder.case(item)
            builder.flush()
        builder.finish_counters()
        timings["bulk write"] = time.perf_counter() - started
        started = time.perf_counter()
        overdue = requests_mark_overdue(now=now)  # through the service: one audited event per request
        audit_record(
            actor=builder.system,
            action=AuditAction.DEMO_LOADED,
            detail={
                "volume_seed": seed,
                "cases": len(picked),
                "years": years,
                "statuses": dict(sorted(builder.by_status.items())),
                "overdue_requests": len(overdue),
            },
        )
    timings["overdue sweep and commit"] = time.perf_counter() - started
    audit_checkpoint()  # anchor the bulk-written chain outside the database at once
    started = time.perf_counter()
    refresh_statistics()
    timings["planner statistics"] = time.perf_counter() - started
    return VolumeResult(
        cases=len(picked),
        by_status=dict(builder.by_status),
        people=builder.people_written,
        audit_events=builder.events_written + len(overdue) + 1,
        years=years,
        seconds=timings,
    )


def refresh_statistics() -> None:
    """Bring PostgreSQL's planner statistics up to date after a bulk load. Autovacuum would analyse the
    grown tables in its own time; until then the planner works from the empty tables' figures and picks
    sequential scans and hash joins (and compiles them) where an index look-up of a few rows is right, so
    the first pages after a load are several times slower than they should be."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")


# --- which synthetic referrals, in which status -------------------------------------------------


@dataclass
class _Picked:
    synthetic: SyntheticReferral
    area: _AreaIndex
    status: CaseStatus
    received: datetime


@dataclass
class _AreaIndex:
    area: Area
    people: dict[str, Person]
    households: dict[str, Any]
    addresses: dict[str, Any]
    nhs: dict[str, str]  # person id -> NHS number, blank where another area drew the same one


def _draw_referrals(*, cases: int, seed: int, years: int, today: date, open_share: float) -> list[_Picked]:
    """One synthetic area per year, each with its own seed and a year's referrals; the newest `cases`."""
    per_year = math.ceil(cases / years)
    taken_nhs = set(ReferralPerson.objects.exclude(nhs_number="").values_list("nhs_number", flat=True))
    pool: list[tuple[SyntheticReferral, _AreaIndex]] = []
    for year in range(years):
        area = generate_area(
            seed * 1_000 + year,
            households=max(per_year, 60),
            referrals=per_year,
            reference_date=today - timedelta(days=365 * year),
        )
        nhs: dict[str, str] = {}
        for person in area.people:
            number = person.nhs_number or ""
            if number in taken_nhs:
                number = ""  # another area drew it: this person has no NHS number on record
            nhs[person.id] = number
            taken_nhs.add(number)
        area_index = _AreaIndex(
            area=area,
            people={p.id: p for p in area.people},
            households={h.id: h for h in area.households},
            addresses=area.addresses_by_id(),
            nhs=nhs,
        )
        pool.extend((r, area_index) for r in area.referrals)
    if len(pool) < cases:
        raise VolumeError(f"The synthetic areas gave {len(pool)} referrals, fewer than {cases}.")
    pool.sort(key=lambda pair: (pair[0].received_on, pair[0].id))
    pool = pool[-cases:]
    statuses = _status_spread(cases, open_share)
    open_days = _recent_working_days(today, cases - statuses.count(CaseStatus.CLOSED), over=10)
    rng = random.Random(seed)  # noqa: S311 - synthetic data, not security
    picked = []
    first_open = len(pool) - len(open_days)
    for position, ((synthetic, drawn_from), status) in enumerate(zip(pool, statuses, strict=True)):
        if position >= first_open:  # open cases arrived in the last two working weeks
            day = open_days[position - first_open]
            minute = rng.randint(0, 450)
        else:
            day = synthetic.received_on
            minute = rng.randint(0, 540)
        received = datetime(day.year, day.month, day.day, 8, 30, tzinfo=LONDON) + timedelta(minutes=minute)
        picked.append(_Picked(synthetic, drawn_from, status, received))
    return picked


def _status_spread(cases: int, open_share: float) -> list[CaseStatus]:
    """Oldest first: closed, then the open statuses in workflow order from the oldest open case."""
    open_total = min(cases, max(len(OPEN_MIX), round(cases * open_share)))
    counts = {status: max(1, round(open_total * share)) for status, share in OPEN_MIX}
    counts[CaseStatus.INFORMATION_GATHERING] -= max(0, sum(counts.values()) - cases)  # all open: no closed
    spread = [CaseStatus.CLOSED] * (cases - sum(counts.values()))
    for status in (
        CaseStatus.DECIDED,
        CaseStatus.READY_FOR_DECISION,
        CaseStatus.INFORMATION_GATHERING,
        CaseStatus.NEW,
    ):
        spread += [status] * counts[status]
    return spread


# --- the rows ------------------------------------------------------------------------------------


class _Builder:
    """Builds each case's rows as its services would, and writes them in bulk at each flush."""

    def __init__(self, *, seed: int, now: datetime) -> None:
        self.rng = random.Random(seed)  # noqa: S311 - synthetic data, not security
        self.now = now
        self.cap = now - timedelta(minutes=5)
        self.system = Actor.system("demo_load")
        self.rows: dict[type[models.Model], list[dict[str, Any]]] = {}
        self.events: list[AuditEvent] = []
        self.by_status: Tally[str] = Tally()
        self.people_written = 0
        self.events_written = 0
        self.disclosure_ids: list[int] = []

    # set-up, once per load

    def start(self, picked: list[_Picked]) -> None:
        users = {u.username: u for u in User.objects.select_related("agency")}
        needed = ("screening.manager", "decision.maker")
        if any(name not in users for name in needed):
            raise VolumeError(NO_DEMO)
        self.users = users
        self.screener = Actor(user=users["screening.manager"])
        self.decider = Actor(user=users["decision.maker"])
        self.feedback = Actor.system("feedback")
        self.agencies = {a.kind: a for a in Agency.objects.filter(is_active=True).order_by("-created_at")}
        self.researchers = {u.agency_id: u for u in users.values() if u.username.endswith(".researcher")}
        self.referrers = {
            AgencyKind.POLICE: users.get("referrer.police"),
            AgencyKind.EDUCATION: users.get("referrer.school"),
            AgencyKind.HEALTH: users.get("referrer.gp"),
        }
        self.levels = {
            level.number: (level, list(level.indicators.all()[:2]))
            for level in ThresholdLevel.objects.prefetch_related("indicators")
        }
        if not self.levels:
            raise VolumeError(NO_DEMO)
        self.hub_name = hub_configuration().name
        calendar = hub_calendar()
        self.calendar = calendar
        self.due = due_at_many(calendar)
        # References continue each year's series, as the referral service numbers them.
        self.numbers: dict[int, int] = {}
        for year in sorted({p.received.year for p in picked}):
            counter = Counter.objects.select_for_update().filter(name=f"referral-{year}").first()
            self.numbers[year] = counter.value if counter else 0
        self.previous_hash = audit_chain_head(0)[1]  # the main chain, whose lock this load holds
        self.seen_children: dict[tuple[int, str], list[tuple[uuid.UUID, str]]] = {}

    def finish_counters(self) -> None:
        for year, value in self.numbers.items():
            Counter.objects.update_or_create(name=f"referral-{year}", defaults={"value": value})

    # one case

    def case(self, item: _Picked) -> None:
        rng = self.rng
        received = item.received
        synthetic = item.synthetic
        area = item.area
        self.numbers[received.year] += 1
        number = self.numbers[received.year]
        referral_id, case_id = uuid.uuid4(), uuid.uuid4()
        kind = REFERRER_AGENCY.get(synthetic.referrer_agency_kind)
        referrer = self.referrers.get(kind) if kind else None
        made_by = referrer.pk if referrer else None
        household = area.households[synthetic.household_id]
        home = area.addresses.get(household.address_id)
        where = (
            (", ".join(p for p in (home.line1, home.line2, home.town) if p), home.postcode.upper())
            if home is not None
            else ("", "")
        )
        children = [area.people[c] for c in synthetic.child_ids]
        adults = [
            area.people[m]
            for m in household.member_ids
            if m in area.people and area.people[m].age_on(received.date()) >= 18
        ][:2]
        people = []
        for person, relationship in [(c, Relationship.SUBJECT) for c in children] + [
            (a, Relationship.MOTHER if a.sex == "female" else Relationship.FATHER) for a in adults
        ]:
            row = self._row(
                ReferralPerson,
                received,
                made_by,
                referral_id=referral_id,
                is_subject=relationship == Relationship.SUBJECT,
                relationship=relationship,
                given_name=person.given_name,
                family_name=person.family_name,
                date_of_birth=person.date_of_birth,
                sex=SEX[person.sex],
                address=where[0],
                postcode=where[1],
                nhs_number=area.nhs[person.id],
                school=(person.school or "") if relationship == Relationship.SUBJECT else "",
            )
            people.append((row, person))
        self.people_written += len(people)
        person_ids = [str(row["id"]) for row, _ in people]
        reference = f"R-{received.year}-{number:05d}"
        earlier: list[tuple[uuid.UUID, str]] = []
        for child in children:  # the same child referred before in this area: linked, as the service does
            key = (id(area), child.id)
            earlier += [r for r in self.seen_children.get(key, []) if r not in earlier]
            self.seen_children.setdefault(key, []).append((referral_id, reference))
        for earlier_id, _ in earlier:
            self._add(
                Referral.earlier_referrals.through, from_referral_id=referral_id, to_referral_id=earlier_id
            )
        agency = referrer.agency if referrer else None
        case_ref = f"C-{received.year}-{number:05d}"
        self._row(
            Referral,
            received,
            made_by,
            id=referral_id,
            reference=reference,
            received_at=received,
            channel=Channel.FORM,
            made_by_id=made_by,
            referrer_name=synthetic.referrer_name,
            referrer_agency_id=agency.pk if agency else None,
            referrer_organisation=agency.name
            if agency
            else synthetic.referrer_agency_kind.replace("_", " ").title(),
            referrer_email=f"{referrer.username}@openmash.invalid" if referrer else "",
            source=SOURCE_CODES.get(synthetic.referrer_agency_kind, "10"),
            concerns=synthetic.text,
            concern_categories=list(synthetic.concern_categories),
            referrer_level=2 + len(synthetic.text) % 3,
            family_consent="aware_agrees" if len(synthetic.text) % 3 else "not_aware",
        )
        state = _CaseState(
            id=case_id,
            reference=case_ref,
            referral_ref=reference,
            referral_level=2 + len(synthetic.text) % 3,
            received=received,
            people=person_ids,
            adult=next((row for row, _ in people if not row["is_subject"]), people[0][0]),
            made_by=referrer,
            referrer_email=f"{referrer.username}@openmash.invalid" if referrer else "",
        )
        actor = Actor(user=referrer) if referrer else self.system
        self._event(
            received,
            actor,
            AuditAction.REFERRAL_RECEIVED,
            "referrals.referral",
            referral_id,
            persons=person_ids,
            detail={
                "reference": reference,
                "case": case_ref,
                "channel": Channel.FORM.value,
                "earlier_referrals": sorted(ref for _, ref in earlier),
            },
        )
        if item.status != CaseStatus.NEW:
            self._screen(state, item.status, rng)
        self.by_status[str(item.status.value)] += 1
        self._row(
            Case,
            received,
            made_by,
            id=case_id,
            version=state.version,
            reference=case_ref,
            referral_id=referral_id,
            status=state.status,
            status_changed_at=state.status_changed_at or received,
            decision_due_at=decision_due_at(received_at=received, calendar=self.calendar),
            level_id=state.level.pk if state.level else None,
            rag=state.rag,
            rag_reason=state.rag_reason,
            consent_position=state.consent_position,
            route=state.route,
            screened_by_id=self.screener.user.pk if state.screened_at and self.screener.user else None,
            screened_at=state.screened_at,
            closed_at=state.closed_at,
            modified_at=state.status_changed_at or received,
        )

    def _screen(self, state: _CaseState, target: CaseStatus, rng: random.Random) -> None:
        screener = self.screener
        at = self._at(state.received + timedelta(minutes=rng.randint(15, 240)))
        enquiry = target != CaseStatus.CLOSED or rng.random() < 0.7
        route = (
            (Route.MASH_ENQUIRY if rng.random() < 0.85 else Route.STRATEGY_DISCUSSION)
            if enquiry
            else rng.choice(ROUTED_AT_SCREENING)
        )
        kinds = [AgencyKind.POLICE, AgencyKind.HEALTH, AgencyKind.EDUCATION]
        kinds += rng.sample(
            [AgencyKind.HOUSING, AgencyKind.PROBATION, AgencyKind.YOUTH_OFFENDING], k=rng.randint(0, 2)
        )
        agencies = [self.agencies[k] for k in kinds if k in self.agencies] if enquiry else []
        rag = rng.choices([RagRating.RED, RagRating.AMBER, RagRating.GREEN], weights=[2, 5, 3])[0]
        level, indicators = self.levels.get(rng.choice([2, 3, 3, 4])) or next(iter(self.levels.values()))
        state.level, state.rag, state.route = level, rag.value, route.value
        state.rag_reason = f"{rag.label}: concerns in the referral need a response within the agreed time"
        state.screened_at = at
        # Consent (household, health named) or a lawful basis: either lets every request go at once.
        basis: dict[str, Any]
        if level.number >= 4 or rng.random() < 0.3:
            reason = "Seeking consent would place the child at risk of significant harm"
            lawful = self._row(
                LawfulBasisDecision,
                at,
                screener.user.pk if screener.user else None,
                case_id=state.id,
                art6=Art6Basis.PUBLIC_TASK,
                special_category=True,
                health_override=True,
                all_agencies=True,
                reason=reason,
                decided_by_id=screener.user.pk if screener.user else None,
                decided_at=at,
            )
            self._event(
                at,
                screener,
                AuditAction.LAWFUL_BASIS_RECORDED,
                "consent.lawfulbasisdecision",
                lawful["id"],
                justification=reason,
                detail={
                    "case": state.reference,
                    "art6": Art6Basis.PUBLIC_TASK.value,
                    "special_category": True,
                    "health_override": True,
                    "agencies": "all",
                },
            )
            state.consent_position = ConsentPosition.NOT_SOUGHT_RISK.value
            basis = {
                "lawful_basis_id": lawful["id"],
                "basis_text": "; ".join(
                    [str(Art6Basis.PUBLIC_TASK.label), SPECIAL_CATEGORY_BASIS, HEALTH_OVERRIDE_TEXT]
                ),
            }
        else:
            adult = state.adult
            consent = self._row(
                ConsentRecord,
                at,
                screener.user.pk if screener.user else None,
                case_id=state.id,
                given_by_id=adult["id"],
                for_whom=ForWhom.HOUSEHOLD,
                decision=ConsentDecision.GIVEN,
                all_agencies=True,
                includes_health=True,
                informed_how=InformedHow.VERBAL,
                privacy_notice_version=PRIVACY_NOTICE,
                given_at=at,
                recorded_by_id=screener.user.pk if screener.user else None,
            )
            self._event(
                at,
                screener,
                AuditAction.CONSENT_RECORDED,
                "consent.consentrecord",
                consent["id"],
                persons=[str(adult["id"])],
                detail={
                    "case": state.reference,
                    "decision": ConsentDecision.GIVEN.value,
                    "for_whom": ForWhom.HOUSEHOLD.value,
                    "agencies": "all",
                    "includes_health": True,
                    "informed": InformedHow.VERBAL.value,
                    "privacy_notice": PRIVACY_NOTICE,
                },
            )
            state.consent_position = ConsentPosition.GIVEN.value
            name = f"{adult['given_name']} {adult['family_name']}"
            basis = {
                "consent_id": consent["id"],
                "basis_text": f"Consent from {name} for the whole household "
                f"(verbally, privacy notice {PRIVACY_NOTICE}, including health information)",
            }
        for indicator in indicators:
            self._add(Case.indicators.through, case_id=state.id, thresholdindicator_id=indicator.pk)
        state.version += 1
        self._event(
            at,
            screener,
            AuditAction.CASE_SCREENED,
            "cases.case",
            state.id,
            persons=state.people,
            justification=state.rag_reason,
            detail={
                "level": level.number,
                "rag": rag.value,
                "route": route.value,
                "consent": state.consent_position,
                "agencies": sorted(a.name for a in agencies),
            },
        )
        if not enquiry:
            self._decide(state, at, outcome=ROUTE_OUTCOMES[route], route=route, requests=[])
            self._feed_back(state, at + timedelta(minutes=2), fail=False)
            return
        for agency in agencies:
            self._add(AgencyAsked, case_id=state.id, agency_id=agency.pk)
        state.asked = agencies
        self._transition(state, screener, CaseStatus.INFORMATION_GATHERING, at, route.label)
        requests = [self._request(state, agency, at) for agency in agencies]
        answered = (
            len(requests) if target != CaseStatus.INFORMATION_GATHERING else rng.randint(0, len(requests) - 1)
        )
        returned_at = at
        for request in requests[:answered]:
            returned_at = max(returned_at, self._answer(state, request, basis, rng))
        if target == CaseStatus.INFORMATION_GATHERING:
            for request in requests[answered : answered + 1]:
                self._take(state, request, self._at(at + timedelta(minutes=rng.randint(10, 300))))
            return
        researcher = self.researchers.get(requests[-1]["agency"].pk)
        last = Actor(user=researcher) if researcher else self.system
        self._transition(state, last, CaseStatus.READY_FOR_DECISION, returned_at, "Every agency has returned")
        if target == CaseStatus.READY_FOR_DECISION:
            return
        decided = self._at(returned_at + timedelta(minutes=rng.randint(30, 600)))
        self._decide(state, decided, outcome=rng.choice(list(Outcome)), route=None, requests=requests)
        self._feed_back(state, self._at(decided + timedelta(minutes=2)), fail=target == CaseStatus.DECIDED)

    def _request(self, state: _CaseState, agency: Agency, at: datetime) -> dict[str, Any]:
        due = self.due(at, state.rag)
        row = self._row(
            InformationRequest,
            at,
            self.screener.user.pk if self.screener.user else None,
            case_id=state.id,
            agency_id=agency.pk,
            status=RequestStatus.OPEN,
            sent_at=at,
            due_at=due,
        )
        row["agency"] = agency  # for the builder only; not a column
        self._event(
            at,
            self.screener,
            AuditAction.REQUEST_SENT,
            "enquiries.informationrequest",
            row["id"],
            detail={"case": state.reference, "agency": agency.name, "due_at": due.isoformat(), "basis": ""},
        )
        return row

    def _take(self, state: _CaseState, request: dict[str, Any], at: datetime) -> None:
        researcher = self.researchers.get(request["agency"].pk)
        if researcher is None:
            return
        request.update(
            status=RequestStatus.IN_PROGRESS, taken_by_id=researcher.pk, taken_at=at, modified_at=at
        )
        request["version"] += 1
        self._event(
            at,
            Actor(user=researcher),
            AuditAction.REQUEST_TAKEN,
            "enquiries.informationrequest",
            request["id"],
            detail={"case": state.reference},
        )

    def _answer(
        self, state: _CaseState, request: dict[str, Any], basis: dict[str, Any], rng: random.Random
    ) -> datetime:
        agency: Agency = request["agency"]
        researcher = self.researchers.get(agency.pk)
        user = researcher or self.screener.user
        actor = Actor(user=user)
        at = self._at(request["sent_at"] + timedelta(minutes=rng.randint(60, 2 * 24 * 60)))
        values = {
            "taken_by_id": user.pk if user else None,
            "taken_at": at,
            "returned_by_id": user.pk if user else None,
        }
        values.update(returned_at=at, modified_at=at, version=request["version"] + 1)
        if rng.random() < 0.25:
            request.update(status=RequestStatus.NIL_RETURN, **values)
            self._event(
                at,
                actor,
                AuditAction.NIL_RETURN,
                "enquiries.informationrequest",
                request["id"],
                detail={"case": state.reference},
            )
            return at
        summary, risk, kind = RETURN_TEXT.get(
            agency.kind, ("Known to this agency.", "Concerns noted", "other")
        )
        request.update(
            status=RequestStatus.RETURNED,
            summary=summary.format(n=rng.randint(1, 6), pct=rng.randint(62, 94)),
            risk_factors=risk,
            protective_factors="Extended family nearby and engaged with school",
            **values,
        )
        recipient = f"{self.hub_name}, case {state.reference}"
        shared = [(f"{agency.name}'s summary, risk and protective factors", "return", request["id"])]
        for _ in range(rng.randint(1, 3)):
            occurred = state.received.date() - timedelta(days=rng.randint(20, 700))
            source_reference = f"{agency.kind[:3].upper()}-{rng.randint(10000, 99999)}"
            item = self._row(
                HistoryItem,
                at,
                user.pk if user else None,
                request_id=request["id"],
                occurred_on=occurred,
                kind=kind,
                description=f"{risk} recorded by {agency.name}",
                significance=rng.choice(["high", "medium", "low"]),
                source_reference=source_reference,
            )
            label = dict(HistoryItem._meta.get_field("kind").flatchoices)[kind]
            shared.append((f"{occurred:%d %b %Y} {label} ({source_reference})", "history_item", item["id"]))
        for summary_text, item_type, item_id in shared:
            entry = self._add(
                Disclosure,
                at=at,
                kind=DisclosureKind.SHARED,
                case_id=state.id,
                from_agency_id=agency.pk,
                to_description=recipient[:300],
                by_user_id=user.pk if user else None,
                item_type=item_type,
                item_id=str(item_id),
                item_summary=summary_text[:300],
                consent_id=basis.get("consent_id"),
                lawful_basis_id=basis.get("lawful_basis_id"),
                basis_text=basis["basis_text"][:400],
                reason="",
            )
            for person in state.people:
                self._add(
                    Disclosure.about.through, disclosure_id=entry["id"], referralperson_id=uuid.UUID(person)
                )
        self._event(
            at,
            actor,
            AuditAction.RETURN_SUBMITTED,
            "enquiries.informationrequest",
            request["id"],
            persons=state.people,
            detail={"case": state.reference, "history_items": len(shared) - 1},
        )
        return at

    def _decide(
        self,
        state: _CaseState,
        at: datetime,
        *,
        outcome: Outcome,
        route: Route | None,
        requests: list[dict[str, Any]],
    ) -> None:
        decider = self.screener if route is not None else self.decider
        assert decider.user is not None  # noqa: S101 - set in start()
        level = state.level
        assert level is not None  # noqa: S101 - screened first
        contact_outcome, referral_outcome = OUTCOME_CODES[outcome]
        lead = self.agencies.get(AgencyKind.EARLY_HELP) if outcome == Outcome.EARLY_HELP else None
        other = (route.label if route else "MARAC") if outcome == Outcome.OTHER_SERVICE else ""
        change = level_change(state.referral_level, level.number)
        decision = self._row(
            Decision,
            at,
            decider.user.pk,
            case_id=state.id,
            outcome=outcome,
            lead_agency_id=lead.pk if lead else None,
            other_service=str(other),
            level_id=level.pk,
            level_change=change,
            contact_outcome=contact_outcome,
            referral_outcome=referral_outcome,
            rationale=state.rag_reason
            if route
            else "The agencies' information shows the needs described; this response is proportionate.",
            information_considered="The referral only: screened at the front door"
            if route
            else "The referral and every agency's return",
            participants=decider.label
            if route
            else "Decision maker, police, health and education researchers",
            proceeded_without=[],
            proceed_reason="",
            decided_by_id=decider.user.pk,
            decided_at=at,
        )
        views = {}
        for request in requests:
            view = "agree" if self.rng.random() < 0.9 else "disagree"
            views[request["agency"].name] = view
            self._row(
                AgencyView, at, None, decision_id=decision["id"], agency_id=request["agency"].pk, view=view
            )
        reason = f"Routed at screening: {route.label}" if route else Outcome(outcome).label
        self._transition(state, decider, CaseStatus.DECIDED, at, str(reason))
        self._event(
            at,
            decider,
            AuditAction.DECISION_RECORDED,
            "decisions.decision",
            decision["id"],
            persons=state.people,
            justification=decision["rationale"],
            detail={
                "case": state.reference,
                "outcome": str(outcome.value),
                "level": level.number,
                "level_change": str(change.value),
                "proceeded_without": [],
                "views": views,
                "challenges": 0,
            },
        )

    def _feed_back(self, state: _CaseState, at: datetime, *, fail: bool) -> None:
        """The outcome notices, sent (or one failing to send, when the case is to stay decided)."""
        referrer = state.made_by
        notices: list[tuple[Recipient, Agency | None, str]] = [
            (Recipient.REFERRER, None, state.referrer_email)
        ]
        notices += [(Recipient.AGENCY, a, a.contact_email) for a in state.asked]
        failing = max((i for i, (_, _, email) in enumerate(notices) if email), default=-1) if fail else -1
        for index, (recipient, agency, email) in enumerate(notices):
            if index == failing:
                delivery = Delivery.FAILED
            else:
                delivery = Delivery.SENT if email else Delivery.NO_ADDRESS
            notice = self._row(
                OutcomeNotification,
                at,
                self.decider.user.pk if self.decider.user else None,
                case_id=state.id,
                recipient=recipient,
                agency_id=agency.pk if agency else None,
                user_id=referrer.pk if referrer and recipient == Recipient.REFERRER else None,
                email=email,
                delivery=delivery,
                sent_at=at if delivery == Delivery.SENT else None,
                error="[Errno 111] Connection refused" if delivery == Delivery.FAILED else "",
            )
            self._event(
                at,
                self.feedback,
                AuditAction.OUTCOME_SEND_FAILED if delivery == Delivery.FAILED else AuditAction.OUTCOME_SENT,
                "feedback.outcomenotification",
                notice["id"],
                detail={
                    "case": state.reference,
                    "to": agency.name if agency else "referrer",
                    "delivery": delivery.value,
                },
            )
        if not fail:
            self._transition(state, self.feedback, CaseStatus.CLOSED, at, "Outcome fed back to all")

    def _transition(
        self, state: _CaseState, actor: Actor, target: CaseStatus, at: datetime, reason: str
    ) -> None:
        source = state.status
        self._row(
            CaseEvent,
            at,
            actor.user.pk if actor.user else None,
            case_id=state.id,
            kind=CaseEvent.Kind.STATUS,
            from_value=source,
            to_value=target.value,
            reason=reason,
            at=at,
        )
        state.status, state.status_changed_at = target.value, at
        state.version += 1
        if target == CaseStatus.CLOSED:
            state.closed_at = at
        self._event(
            at,
            actor,
            AuditAction.CASE_STATUS_CHANGED,
            "cases.case",
            state.id,
            justification=reason,
            detail={"from": source, "to": target.value},
        )

    # rows and events

    def _at(self, when: datetime) -> datetime:
        return min(when, self.cap)

    def _row(self, model: type[models.Model], at: datetime, by: Any, /, **values: Any) -> dict[str, Any]:
        """A row of a BaseModel table: a new id, made (and last changed) at `at` by `by`."""
        values.setdefault("id", uuid.uuid4())
        values.setdefault("created_at", at)
        values.setdefault("modified_at", at)
        values.setdefault("created_by_id", by)
        if any(f.attname == "version" for f in model._meta.concrete_fields):
            values.setdefault("version", 1)
        return self._add(model, **values)

    def _add(self, model: type[models.Model], **values: Any) -> dict[str, Any]:
        if model is Disclosure:
            values.setdefault("id", None)
            values["id"] = values["id"] or self._disclosure_id()
        self.rows.setdefault(model, []).append(values)
        return values

    def _disclosure_id(self) -> int:
        """Disclosure lines are numbered by the database: ids are reserved from its sequence in blocks."""
        if not self.disclosure_ids:
            self.disclosure_ids = _reserve_ids(Disclosure, 5_000)
        return self.disclosure_ids.pop()

    def _event(
        self,
        at: datetime,
        actor: Actor,
        action: AuditAction,
        object_type: str,
        object_id: object,
        *,
        persons: list[str] | None = None,
        justification: str = "",
        detail: dict[str, Any] | None = None,
    ) -> None:
        user = actor.user
        agency = getattr(user, "agency", None) if user is not None else None
        self.events.append(
            AuditEvent(
                occurred_at=at,
                actor_id=str(user.pk) if user is not None else "",
                actor_label=actor.label,
                actor_role=actor.role,
                agency_id=str(agency.pk) if agency is not None else "",
                agency_name=str(agency) if agency is not None else "",
                action=action.value,
                object_type=object_type,
                object_id=str(object_id),
                persons=list(persons or []),
                justification=justification,
                ip_address="",
                user_agent="",
                detail=detail or {},
            )
        )

    def flush(self) -> None:
        """Write the rows gathered so far, parents before children, then the batch's chained events."""
        order: list[type[models.Model]] = [
            Referral,
            ReferralPerson,
            Referral.earlier_referrals.through,
            Case,
            Case.indicators.through,
            LawfulBasisDecision,
            ConsentRecord,
            AgencyAsked,
            CaseEvent,
            InformationRequest,
            HistoryItem,
            Disclosure,
            Disclosure.about.through,
            Decision,
            AgencyView,
            OutcomeNotification,
        ]
        for model in order:
            rows = self.rows.pop(model, [])
            if rows:
                _write(model, rows)
        assert not self.rows, f"rows of {list(self.rows)} not written"  # noqa: S101
        self.events.sort(key=lambda e: e.occurred_at)  # stable: a case's own steps keep their order
        key = audit_key()
        for event in self.events:
            self.previous_hash = audit_seal(event, previous_hash=self.previous_hash, key=key)
        _write_events(self.events)
        self.events_written += len(self.events)
        self.events = []


@dataclass
class _CaseState:
    id: uuid.UUID
    reference: str
    referral_ref: str
    referral_level: int
    received: datetime
    people: list[str]
    adult: dict[str, Any]
    made_by: User | None
    referrer_email: str
    status: str = CaseStatus.NEW.value
    status_changed_at: datetime | None = None
    version: int = 1
    level: ThresholdLevel | None = None
    rag: str = ""
    rag_reason: str = ""
    consent_position: str = ""
    route: str = ""
    screened_at: datetime | None = None
    closed_at: datetime | None = None
    asked: list[Agency] = field(default_factory=list)


# --- writing -------------------------------------------------------------------------------------


def _columns(model: type[models.Model]) -> list[models.Field[Any, Any]]:
    return [
        f for f in model._meta.concrete_fields if not isinstance(f, models.AutoField) or model is Disclosure
    ]


def _write(model: type[models.Model], rows: list[dict[str, Any]]) -> None:
    """COPY on PostgreSQL (the fast path); Django's bulk_create elsewhere."""
    fields = _columns(model)
    if connection.vendor != "postgresql":
        model._default_manager.bulk_create(
            [model(**{f.attname: row[f.attname] for f in fields if f.attname in row}) for row in rows],
            batch_size=500,
        )
        return
    defaults = {f.attname: f.get_default() for f in fields}
    json_fields = {f.attname for f in fields if isinstance(f, models.JSONField)}
    names = ", ".join(connection.ops.quote_name(str(f.column)) for f in fields)
    table = connection.ops.quote_name(str(model._meta.db_table))
    with connection.cursor() as cursor, cursor.cursor.copy(f"COPY {table} ({names}) FROM STDIN") as copy:
        for row in rows:
            copy.write_row(
                [
                    json.dumps(row[f.attname])
                    if f.attname in json_fields
                    else row.get(f.attname, defaults[f.attname])
                    for f in fields
                ]
            )


def _write_events(events: list[AuditEvent]) -> None:
    if connection.vendor != "postgresql":
        AuditEvent.objects.bulk_create(events, batch_size=500)
        return
    fields = _columns(AuditEvent)
    names = ", ".join(connection.ops.quote_name(str(f.column)) for f in fields)
    table = connection.ops.quote_name(str(AuditEvent._meta.db_table))
    with connection.cursor() as cursor, cursor.cursor.copy(f"COPY {table} ({names}) FROM STDIN") as copy:
        for event in events:
            copy.write_row(
                [
                    json.dumps(getattr(event, f.attname))
                    if isinstance(f, models.JSONField)
                    else getattr(event, f.attname)
                    for f in fields
                ]
            )


def _reserve_ids(model: type[models.Model], count: int) -> list[int]:
    """`count` ids of an auto-numbered table that no other writer will use, highest first."""
    table = model._meta.db_table
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(
                "SELECT nextval(pg_get_serial_sequence(%s, 'id')) FROM generate_series(1, %s)", [table, count]
            )
            ids = [row[0] for row in cursor.fetchall()]
        else:  # SQLite: one writer at a time; explicit ids move its AUTOINCREMENT counter on
            cursor.execute(f"SELECT COALESCE(MAX(id), 0) FROM {connection.ops.quote_name(table)}")  # noqa: S608
            last = max(cursor.fetchone()[0], getattr(model, "_volume_last_id", 0))
            ids = list(range(last + 1, last + 1 + count))
            model._volume_last_id = ids[-1]  # type: ignore[attr-defined]
    return sorted(ids, reverse=True)
