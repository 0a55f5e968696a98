"""The volume load: a large synthetic hub written in bulk must look to its users like one built case by
case through the services: every status, distinct families over several years, requests, returns and
decisions that match each case's status, pages that open, and an audit trail that verifies."""

from __future__ import annotations

from collections import defaultdict
from io import StringIO
from typing import Any

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection
from django.test import Client
from django.urls import reverse

from openmash.audit.catalogue import AuditAction
from openmash.audit.models import AuditEvent
from openmash.audit.services import audit_verify_chain
from openmash.cases.models import Case, CaseStatus
from openmash.consent.models import Disclosure, DisclosureKind
from openmash.core.actor import Actor
from openmash.demo.loader import load_demo_hub
from openmash.demo.volume import load_volume
from openmash.enquiries.models import DONE_STATUSES, OPEN_STATUSES, RequestStatus
from openmash.feedback.models import Delivery
from openmash.referrals.models import Channel, Referral, ReferralPerson
from openmash.referrals.services import PersonData, ReferralData, referral_create

pytestmark = pytest.mark.django_db
CASES = 60


@pytest.fixture
def hub_at_volume(db: None) -> Any:
    load_demo_hub()
    return load_volume(cases=CASES, seed=7)


def test_every_status_has_cases(hub_at_volume: Any) -> None:
    counts = {s: Case.objects.filter(status=s).count() for s in CaseStatus.values}
    assert all(counts[s] >= 1 for s in CaseStatus.values), counts
    assert sum(counts.values()) == CASES == hub_at_volume.cases
    assert counts[CaseStatus.CLOSED] > CASES / 2  # most of a hub's cases are closed


def test_cases_spread_over_several_years(hub_at_volume: Any) -> None:
    years = {r.received_at.year for r in Referral.objects.all()}
    assert len(years) >= 2
    spread = max(r.received_at for r in Referral.objects.all()) - min(
        r.received_at for r in Referral.objects.all()
    )
    assert spread.days > 365 * 2


def test_families_are_distinct_people(hub_at_volume: Any) -> None:
    """No two different people share an NHS number; a child on two referrals is one person, linked."""
    by_number: dict[str, set[tuple[str, str, Any]]] = defaultdict(set)
    subjects: dict[tuple[str, str, Any], set[str]] = defaultdict(set)
    for person in ReferralPerson.objects.select_related("referral"):
        identity = (person.given_name, person.family_name, person.date_of_birth)
        if person.nhs_number:
            by_number[person.nhs_number].add(identity)
        if person.is_subject:
            subjects[identity].add(str(person.referral_id))
    assert all(len(identities) == 1 for identities in by_number.values())
    assert len(subjects) > CASES * 0.7  # distinct children, not the same few families copied
    for identity, referral_ids in subjects.items():
        if len(referral_ids) > 1:  # referred again: the later referral names the earlier one
            referrals = sorted(Referral.objects.filter(pk__in=referral_ids), key=lambda r: r.received_at)
            assert referrals[0] in referrals[-1].earlier_referrals.all(), identity


def test_requests_returns_and_decisions_match_each_status(hub_at_volume: Any) -> None:
    for case in Case.objects.prefetch_related("requests__history", "notifications", "events"):
        requests = list(case.requests.all())
        statuses = {r.status for r in requests}
        decided = hasattr(case, "decision")
        path = [e.to_value for e in sorted(case.events.all(), key=lambda e: (e.at, e.created_at))]
        assert (path[-1] if path else CaseStatus.NEW) == case.status, case.reference
        if case.status == CaseStatus.NEW:
            assert not requests and not decided and case.rag == ""
            continue
        assert case.rag and case.screened_at and case.level_id
        assert case.consents.exists() or case.lawful_bases.exists()
        if case.status == CaseStatus.INFORMATION_GATHERING:
            assert statuses & OPEN_STATUSES and not decided
        if case.status == CaseStatus.READY_FOR_DECISION:
            assert requests and statuses <= DONE_STATUSES and not decided
        notices = list(case.notifications.all())
        if case.status == CaseStatus.DECIDED:
            assert decided and any(n.delivery == Delivery.FAILED for n in notices)
        if case.status == CaseStatus.CLOSED:
            assert decided and notices and case.closed_at
            assert not any(n.delivery == Delivery.FAILED for n in notices)
        if decided:
            assert case.decision.decided_at >= case.screened_at
        for request in requests:
            if request.status == RequestStatus.RETURNED:
                assert request.summary and request.returned_at and request.returned_by_id
                items = list(request.history.all())
                assert items
                shared = Disclosure.objects.filter(
                    case=case, kind=DisclosureKind.SHARED, item_id=str(request.pk)
                )
                assert shared.count() == 1 and shared.get().about.count() == case.referral.people.count()
                assert Disclosure.objects.filter(item_id__in=[str(i.pk) for i in items]).count() == len(items)
            elif request.status == RequestStatus.NIL_RETURN:
                assert not request.history.exists() and request.returned_at
            else:
                assert request.status in OPEN_STATUSES and request.due_at and not request.returned_at


def test_audit_chain_intact_with_one_event_per_step(hub_at_volume: Any) -> None:
    out = StringIO()
    call_command("audit_verify", stdout=out)
    assert "intact" in out.getvalue().lower()
    assert audit_verify_chain().intact
    assert AuditEvent.objects.filter(action=AuditAction.REFERRAL_RECEIVED).count() == CASES
    decided = Case.objects.filter(status__in=[CaseStatus.DECIDED, CaseStatus.CLOSED]).count()
    assert AuditEvent.objects.filter(action=AuditAction.DECISION_RECORDED).count() == decided
    returned = AuditEvent.objects.filter(action=AuditAction.RETURN_SUBMITTED).count()
    from openmash.enquiries.models import InformationRequest

    assert returned == InformationRequest.objects.filter(status=RequestStatus.RETURNED).count()


def test_chain_stays_intact_for_events_written_after_the_load(hub_at_volume: Any) -> None:
    """A referral made after the load continues the reference series and the audit chain."""
    case = Case.objects.order_by("-referral__received_at").first()
    assert case is not None
    referral = referral_create(
        actor=Actor.system("tests"),
        data=ReferralData(
            referrer_name="A Teacher",
            referrer_organisation="A School",
            source="2A",
            concerns="Bruising seen on the child's arm.",
            concern_categories=["physical_abuse"],
            family_consent="not_aware",
            people=[PersonData(given_name="Ada", family_name="Zed", relationship="subject")],
        ),
        channel=Channel.FORM,
    )
    assert Referral.objects.filter(reference=referral.reference).count() == 1
    assert audit_verify_chain().intact


def test_pages_of_bulk_cases_open(hub_at_volume: Any) -> None:
    from openmash.accounts.models import User

    client = Client()
    client.force_login(User.objects.get(username="screening.manager"))
    for status in CaseStatus.values:
        case = Case.objects.filter(status=status).first()
        assert case is not None
        page = client.get(reverse("cases:detail", args=[case.pk]))
        assert page.status_code == 200 and case.reference in page.content.decode()
    listing = client.get(reverse("cases:list"))
    assert listing.status_code == 200
    police = Client()
    police.force_login(User.objects.get(username="police.researcher"))
    queue = police.get(reverse("enquiries:queue"))
    assert queue.status_code == 200


def test_same_seed_twice_is_refused_and_adds_nothing(hub_at_volume: Any) -> None:
    before = Case.objects.count()
    with pytest.raises(CommandError, match="seed 7 is already"):
        call_command("volume_load", "--cases", "10", "--seed", "7", stdout=StringIO())
    assert Case.objects.count() == before


def test_command_adds_more_families_with_another_seed(hub_at_volume: Any) -> None:
    out = StringIO()
    call_command("volume_load", "--cases", "10", "--seed", "8", "--years", "1", stdout=out)
    assert "Added 10 synthetic cases" in out.getvalue()
    assert Case.objects.count() == CASES + 10
    assert audit_verify_chain().intact


def test_open_share_sets_how_many_cases_are_still_open(db: None) -> None:
    load_demo_hub()
    load_volume(cases=40, seed=11, years=1, open_share=0.5)
    still_open = Case.objects.exclude(status=CaseStatus.CLOSED).count()
    assert still_open == 20
    with pytest.raises(CommandError, match="between 0 and 1"):
        call_command("volume_load", "--cases", "10", "--seed", "12", "--open-share", "1.5", stdout=StringIO())


@pytest.mark.skipif(connection.vendor != "postgresql", reason="PostgreSQL's planner statistics")
def test_the_load_leaves_the_planner_statistics_current(hub_at_volume: Any) -> None:
    """Without ANALYZE after the load the planner still believes the tables empty (reltuples -1 or 0)
    and scans whole tables for a page's few rows."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT relname, reltuples FROM pg_class WHERE relname IN "
            "('cases_case', 'referrals_referralperson', 'enquiries_informationrequest')"
        )
        estimated = dict(cursor.fetchall())
    assert estimated["cases_case"] >= Case.objects.count() * 0.9
    assert estimated["referrals_referralperson"] > 0
    assert estimated["enquiries_informationrequest"] > 0
