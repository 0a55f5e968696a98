"""A demo-like case built the way the demo loader builds one (the synthetic area, the demo hub, its
agencies' sources, the real services), taken through a trawl, returns, a decision, outcome notices and
a challenge to closure; and a scan of every column of every table for its people's details."""

from __future__ import annotations

import json
import random
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

from django.db import connection
from django.utils import timezone

from openmash.accounts.models import User
from openmash.cases.models import Case, ConsentPosition, Route
from openmash.casework.consent import lawful_basis_record
from openmash.casework.screening import case_screen
from openmash.core.actor import Actor
from openmash.decisions.models import Outcome
from openmash.decisions.services import decision_record, outcome_challenge_raise
from openmash.demo.cases import _add_family, _answer, _make_referral
from openmash.demo.loader import load_demo_hub
from openmash.demo.sources import demo_sources
from openmash.enquiries.models import InformationRequest, RequestStatus
from openmash.enquiries.services import request_take
from openmash.feedback.delivery import feedback_deliver
from openmash.feedback.models import Recipient
from openmash.hub.models import Agency, AgencyKind, RagRating, ThresholdLevel
from openmash.people.models import Household, PersonAddress
from openmash.people.services import address_add
from openmash.synth import generate_area
from openmash.synth.extracts import generate_extracts
from openmash.trawl.models import TrawlCandidate
from openmash.trawl.services import candidate_confirm, candidate_record, events_add, trawl_start

SEED = 11


@dataclass
class DemoCase:
    case: Case
    users: dict[str, User]


def build_demo_case(tmp_path: Path, capture: Any, *, households: int = 30) -> DemoCase:
    """One closed case with everything the demo puts on a case, plus a police trawl (confirmed match,
    the agency record read, its events added to the return)."""
    load_demo_hub()
    area = generate_area(SEED, households=households, reference_date=timezone.localdate())
    with capture(execute=True):
        demo_sources(
            actor=Actor.system("demo_load"), extracts=generate_extracts(area), directory=tmp_path / "extracts"
        )
    users = {u.username: u for u in User.objects.select_related("agency")}
    today = timezone.localdate()
    people = {p.id: p for p in area.people}
    households_by_id = {h.id: h for h in area.households}
    addresses = area.addresses_by_id()
    family_index: dict[str, list[Any]] = {}
    for rel in area.relationships:
        family_index.setdefault(rel.from_id, []).append(rel)
        family_index.setdefault(rel.to_id, []).append(rel)
    synthetic = next(
        r
        for r in sorted(area.referrals, key=lambda r: r.received_on)
        if r.referrer_agency_kind == "school"
        and any(people[m].age_on(today) >= 18 for m in households_by_id[r.household_id].member_ids)
    )
    home = households_by_id[synthetic.household_id]
    adults = [people[m] for m in home.member_ids if people[m].age_on(today) >= 18]
    received = timezone.now() - timezone.timedelta(days=2)
    referral = _make_referral(synthetic, people, users, received, adults[:2], addresses.get(home.address_id))
    case = referral.case
    known = [people[c] for c in synthetic.child_ids] + adults[:2]
    _add_family(case, known, people, family_index, households_by_id, addresses, users)
    screener = Actor(user=users["screening.manager"])
    subject = case.referral.people.filter(is_subject=True).first()
    assert subject is not None
    address_add(
        actor=screener, person=subject, address=f"Flat 2, {subject.address}", postcode=subject.postcode
    )
    lawful_basis_record(
        actor=screener,
        case=case,
        health_override=True,
        reason=f"Seeking consent would place {subject.given_name} at risk of significant harm",
    )
    case.refresh_from_db()
    level = ThresholdLevel.objects.get(number=3)
    kinds = [AgencyKind.POLICE, AgencyKind.HEALTH, AgencyKind.EDUCATION]
    agencies = list(Agency.objects.filter(kind__in=kinds))
    case_screen(
        actor=screener,
        case=case,
        expected_version=case.version,
        level=level,
        indicators=list(level.indicators.all()[:2]),
        rag=RagRating.AMBER,
        rag_reason=f"{subject.given_name} {subject.family_name} told a teacher about violence at home",
        consent_position=ConsentPosition.NOT_SOUGHT_RISK,
        route=Route.MASH_ENQUIRY,
        agencies=agencies,
        notes=f"School says {subject.given_name} lives at {subject.address}",
    )
    police = InformationRequest.objects.get(case=case, agency__kind=AgencyKind.POLICE)
    researcher = Actor(user=users["police.researcher"])
    request_take(actor=researcher, request=police)
    with capture(execute=True):
        trawl_start(actor=researcher, request=police)
    best = TrawlCandidate.objects.filter(trawl__request=police).order_by("-match_probability").first()
    assert best is not None, "the police trawl found no one"
    candidate_confirm(actor=researcher, candidate=best, reason=f"Same name and date of birth as {subject}")
    record = candidate_record(actor=researcher, candidate=best)
    if record is not None and record.events:
        events_add(actor=researcher, candidate=best, event_keys=[e.key for e in record.events[:3]])
    rng = random.Random(SEED)  # noqa: S311 - synthetic data
    for request in InformationRequest.objects.filter(case=case).exclude(status=RequestStatus.BLOCKED):
        request.refresh_from_db()
        _answer(request, users, rng)
    case.refresh_from_db()
    decision_record(
        actor=Actor(user=users["decision.maker"]),
        case=case,
        expected_version=case.version,
        outcome=Outcome.S17_ASSESSMENT,
        level=level,
        rationale=f"{subject.given_name} needs an assessment: the police and school returns agree",
        information_considered="The referral and every agency's return",
        participants="Decision maker, police, health and education researchers",
        proceed_reason="",
    )
    feedback_deliver(case_id=case.pk, retry_failed=False)
    notice = case.notifications.filter(recipient=Recipient.REFERRER).first()
    if notice is not None and case.referral.made_by is not None:
        outcome_challenge_raise(
            actor=Actor(user=case.referral.made_by),
            notice=notice,
            reasons=f"{subject.given_name} has told us more since; we think this needs more.",
        )
    case.refresh_from_db()
    return DemoCase(case=case, users=users)


def personal_details(case: Case) -> list[str]:
    """Every person's name, date of birth (as the product and the database write it), NHS number and
    address on the case, as they are before destruction."""
    out: set[str] = set()
    people = list(case.referral.people.all())
    for p in people:
        out.add(f"{p.given_name} {p.family_name}")
        if p.date_of_birth:
            d = p.date_of_birth
            out |= {d.isoformat(), f"{d:%d/%m/%Y}", f"{d.day} {d:%B %Y}"}
        if p.nhs_number:
            out |= {p.nhs_number, f"{p.nhs_number[:3]} {p.nhs_number[3:6]} {p.nhs_number[6:]}"}
        if p.address:
            out.add(p.address)
        if p.postcode:
            out.add(p.postcode)
    for a in PersonAddress.objects.filter(person__in=people):
        out |= {a.address, a.postcode}
    for h in Household.objects.filter(case=case):
        if h.address:
            out.add(h.address)
    return sorted(s for s in out if len(s.strip()) >= 5)


def _text(value: Any) -> str:
    if type(value) is date:  # a date column (a datetime is not a date of birth)
        return value.isoformat()
    if isinstance(value, memoryview):
        value = value.tobytes()
    if isinstance(value, bytes):
        return value.decode("utf-8", "replace")
    if isinstance(value, (dict, list)):
        return json.dumps(value, ensure_ascii=False, default=str)
    if isinstance(value, str):
        return value
    return ""


def scan_every_table(secrets: list[str]) -> dict[str, list[str]]:
    """Table.column -> the secrets found there, over every column of every table holding text, JSON or
    a date."""
    found: dict[str, set[str]] = {}
    with connection.cursor() as cursor:
        for table in connection.introspection.table_names(cursor):
            cursor.execute(f"SELECT * FROM {connection.ops.quote_name(table)}")  # noqa: S608 - table names
            columns = [c[0] for c in cursor.description]
            for row in cursor.fetchall():
                for column, value in zip(columns, row, strict=True):
                    text = _text(value)
                    if not text:
                        continue
                    hits = [s for s in secrets if s in text]
                    if hits:
                        found.setdefault(f"{table}.{column}", set()).update(hits)
    return {k: sorted(v) for k, v in sorted(found.items())}
