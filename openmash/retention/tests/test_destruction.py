"""Destroying a demo case: after `retention_sweep`, none of its people's names, dates of birth, NHS
numbers or addresses is left in any column of any table, nor in an e-mail file; its destruction record
remains; the audit chain still verifies; the counts per agency and the figures by outcome are the same."""

from __future__ import annotations

import io
from collections import Counter
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from django.core.management import call_command
from django.utils import timezone

from openmash.audit.models import AuditEvent, AuditNote
from openmash.cases.models import Case, CaseStatus
from openmash.casework.destruction import HELD, case_destroy, retention_sweep
from openmash.core.actor import Actor
from openmash.core.errors import DomainError
from openmash.decisions.models import Decision
from openmash.enquiries.models import HistoryItem, InformationRequest
from openmash.retention.models import DestructionRecord, RecordKind
from openmash.retention.services import legal_hold_lift, legal_hold_place
from openmash.retention.tests.helpers import build_demo_case, personal_details, scan_every_table
from openmash.trawl.models import TrawlCandidate

pytestmark = pytest.mark.django_db


@pytest.fixture
def mail_dir(settings: Any, tmp_path: Path) -> Path:
    folder = tmp_path / "mail"
    folder.mkdir()
    settings.MAILERS = {
        "default": {
            "BACKEND": "django.core.mail.backends.filebased.EmailBackend",
            "OPTIONS": {"file_path": str(folder)},
        }
    }
    return folder


def _counts_per_agency() -> Counter[tuple[str, str]]:
    return Counter(InformationRequest.objects.values_list("agency__name", "status"))


def _figures() -> dict[str, Any]:
    return {
        "cases": Case.objects.count(),
        "closed": Case.objects.filter(status=CaseStatus.CLOSED).count(),
        "by_outcome": Counter(Decision.objects.values_list("outcome", "contact_outcome", "referral_outcome")),
        "by_level_rag": Counter(Case.objects.values_list("level__number", "rag", "route")),
        "per_agency": _counts_per_agency(),
    }


def _close_years_ago(case: Case, years: int) -> None:
    Case.objects.filter(pk=case.pk).update(closed_at=timezone.now() - timedelta(days=365 * years + 2))


def test_the_sweep_destroys_a_demo_case_and_leaves_no_personal_data_anywhere(
    tmp_path: Path, settings: Any, mail_dir: Path, django_capture_on_commit_callbacks: Any
) -> None:
    settings.OPENMASH_AUDIT_ANCHOR_DIR = tmp_path / "anchor"
    demo = build_demo_case(tmp_path, django_capture_on_commit_callbacks)
    case = demo.case
    assert case.status == CaseStatus.CLOSED
    secrets = personal_details(case)
    assert len(secrets) >= 6, secrets
    before = scan_every_table(secrets)
    # The scan finds them where the case keeps them (so it can fail), and the trawl left its evidence.
    assert "referrals_referralperson.given_name" not in before  # given names alone are not looked for
    assert {"referrals_referralperson.date_of_birth", "referrals_referralperson.address"} <= set(before)
    assert {"audit_auditnote.justification", "trawl_trawlcandidate.evidence"} <= set(before)
    assert TrawlCandidate.objects.filter(trawl__request__case=case).exists()
    assert HistoryItem.objects.filter(request__case=case).exists()
    assert any(case.reference in p.read_text(errors="replace") for p in mail_dir.iterdir())
    figures = _figures()
    _close_years_ago(case, 7)

    out = io.StringIO()
    with django_capture_on_commit_callbacks(execute=True):
        call_command("retention_sweep", stdout=out)

    assert f"Destroyed: {case.reference}" in out.getvalue()
    assert scan_every_table(secrets) == {}
    assert not [p for p in mail_dir.iterdir() if case.reference in p.read_text(errors="replace")]
    record = DestructionRecord.objects.get(case=case)
    assert (record.case_reference, record.kind, record.level, record.rag) == (
        case.reference,
        RecordKind.SOCIAL_CARE,
        3,
        "amber",
    )
    assert (record.outcome, record.contact_outcome) == ("s17_assessment", "cin_referral")
    assert {a["agency"] for a in record.agencies} == {r.agency.name for r in case.requests.all()}
    assert sum(a["history_items"] for a in record.agencies) > 0
    assert record.removed["trawl_candidates"] > 0 and record.removed["audit_notes"] > 0
    assert _figures() == figures
    assert AuditNote.objects.filter(erased_at__isnull=False).exists()
    verify = io.StringIO()
    call_command("audit_verify", stdout=verify)
    assert "Audit chain intact" in verify.getvalue()
    assert AuditEvent.objects.filter(action="retention.case_destroyed", object_id=str(case.pk)).exists()


def test_a_held_case_is_never_destroyed_and_goes_once_the_hold_is_lifted(
    tmp_path: Path, settings: Any, mail_dir: Path, django_capture_on_commit_callbacks: Any
) -> None:
    settings.OPENMASH_AUDIT_ANCHOR_DIR = tmp_path / "anchor"
    demo = build_demo_case(tmp_path, django_capture_on_commit_callbacks)
    case = demo.case
    _close_years_ago(case, 10)
    ig = Actor(user=demo.users["ig.officer"])
    hold = legal_hold_place(actor=ig, case=case, reason="Disclosure for care proceedings")

    dry = io.StringIO()
    call_command("retention_sweep", "--dry-run", stdout=dry)
    assert case.reference not in dry.getvalue()
    assert len(retention_sweep()) == 0
    with pytest.raises(DomainError, match=HELD):
        case_destroy(actor=ig, case=case)
    assert not DestructionRecord.objects.filter(case=case).exists()

    legal_hold_lift(actor=ig, hold=hold, reason="Proceedings concluded")
    dry = io.StringIO()
    call_command("retention_sweep", "--dry-run", stdout=dry)
    assert f"Due for destruction: {case.reference}" in dry.getvalue()
    assert not DestructionRecord.objects.filter(case=case).exists()  # a dry run destroys nothing
    with django_capture_on_commit_callbacks(execute=True):
        assert [r.case_id for r in retention_sweep().destroyed] == [case.pk]
    hold.refresh_from_db()
    assert "care proceedings" not in hold.reason
