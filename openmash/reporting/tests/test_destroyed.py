"""Destroyed cases still count: once retention destroys a case's personal data (the real flow,
casework/destruction.py), every measure and every Annex A list gives the same figures as before, from the
rows destruction keeps emptied and from what its destruction record (the tombstone) keeps: each child's
age, the earlier referrals whose links it cut, each request's history items, trawls and matches."""

from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pytest
from django.utils import timezone

from openmash.accounts.roles import Role
from openmash.cases.models import Case, CaseStatus
from openmash.cases.tests.helpers import make_referral, screen
from openmash.casework.destruction import case_destroy, retention_sweep
from openmash.casework.handover import case_hand_over, keyworker_appoint
from openmash.core.actor import Actor
from openmash.hub.models import Agency, AgencyKind
from openmash.referrals.models import Referral
from openmash.reporting import annex_a, selectors
from openmash.reporting.period import Filters, Period
from openmash.reporting.tests.hub import at, build
from openmash.retention.models import DestructionRecord, DestructionRule, RecordKind, RequestTombstone
from openmash.teams.tests.helpers import apply

pytestmark = pytest.mark.django_db

DECEMBER = Period(date(2026, 12, 1), date(2026, 12, 31))
AUTUMN = Period(date(2026, 11, 1), date(2026, 12, 31))
LONG_AFTER = date(2034, 1, 1)  # past every retention period


@pytest.fixture(autouse=True)
def _anchor(settings: Any, tmp_path: Path) -> None:
    settings.OPENMASH_AUDIT_ANCHOR_DIR = tmp_path / "anchor"


def figures() -> dict[str, Any]:
    """Every measure's tables and summary for December (November beside it), and every Annex A list
    for November and December."""
    now = at(2027, 1, 5, 12)
    out: dict[str, Any] = {}
    for slug in selectors.MEASURES:
        m = (
            selectors.timeliness(DECEMBER, Filters(), now=now)
            if slug == "timeliness"
            else selectors.measure(slug, DECEMBER, Filters())
        )
        out[slug] = {"summary": m.summary, **{t.slug: t.rows for t in m.tables}}
    for which in annex_a.LISTS:
        out[which] = list(annex_a.annex_a(which, AUTUMN)[2])
    return out


def destroy(case: Case) -> DestructionRecord:
    Case.objects.filter(pk=case.pk).update(status=CaseStatus.CLOSED, closed_at=at(2027, 1, 6, 12))
    case.refresh_from_db()
    return case_destroy(actor=Actor.system("retention_sweep"), case=case, today=LONG_AFTER)


def without_identity(rows: list[list[object]]) -> list[list[object]]:
    """Annex A rows less the child's ID and date of birth (what destruction takes away)."""
    return [[v for i, v in enumerate(row) if i not in (0, 3)] for row in rows]


def test_every_measure_and_list_counts_destroyed_cases_as_before(hub: Any, make_user: Any) -> None:
    """R0 (November, a referral), R1 (December, its re-referral, with police history and a health nil
    return) and R3 (December: a trawl with a confirmed match, a withheld item, history) are destroyed.
    R1's link to R0 is cut both ways; the counts stay."""
    r = build(make_user).refs
    r0_case = Case.objects.get(referral=r["r0"])
    for case in (r0_case, r["c1"], r["c3"]):
        Case.objects.filter(pk=case.pk).update(status=CaseStatus.CLOSED, closed_at=at(2027, 1, 6, 12))
    before = figures()
    records = [destroy(case) for case in (r0_case, r["c1"], r["c3"])]
    after = figures()

    assert not Referral.earlier_referrals.through.objects.filter(from_referral=r["r1"]).exists()  # cut
    # A withheld item's reason is free text, destroyed with the case; the item still counts.
    assert after["contributions"].pop("withheld") == [["Police", selectors.REASON_DESTROYED, 1]]
    assert before["contributions"].pop("withheld") == [["Police", "Would prejudice an investigation", 1]]
    # The re-referral list names the earlier referral while it is linked, then says only that there was one.
    assert before["rereferrals"].pop("list") == [
        [r["r1"].reference, date(2026, 12, 4), r["r0"].reference, date(2026, 11, 2)]
    ]
    assert after["rereferrals"].pop("list") == [
        [r["r1"].reference, date(2026, 12, 4), "1 earlier referral, since destroyed", None]
    ]
    for slug in selectors.MEASURES:
        assert after[slug] == before[slug], slug
    for which in annex_a.LISTS:
        assert without_identity(after[which]) == without_identity(before[which]), which
    # What a reader sees of the destroyed: R1 is still a re-referral, with an earlier referral since
    # destroyed; its child keeps their age (8 on 4 December 2026) and the count of referrals in the
    # last 12 months, without a date of birth or NHS number.
    assert after["rereferrals"]["rate"][1] == ["Re-referrals within 12 months", 1, 0]
    jaden = next(row for row in after["list3"] if row[5] == "04/12/2026")
    assert jaden[0] != "9990000018" and jaden[3] == "" and jaden[4] == 8 and jaden[8] == 1
    police = next(row for row in after["contributions"]["agencies"] if row[0] == "Police")
    assert police[5:] == [4, 1, 1, 1]  # history items shared, withheld, trawls run, matches confirmed
    assert {rec.rule for rec in records} == {DestructionRule.RETENTION_PERIOD}
    assert [rec.months for rec in records] == [72, 72, 72]
    assert records[1].referrals_in_last_12_months == 1 and records[1].subject_ages

    # Without the tombstones' counts the figures would change: this test fails if they are ignored.
    Referral.objects.update(earlier_referrals_destroyed=0)
    RequestTombstone.objects.all().delete()
    DestructionRecord.objects.update(subject_ages={})
    ignored = figures()
    assert ignored["rereferrals"]["rate"] != before["rereferrals"]["rate"]
    assert ignored["contributions"]["agencies"] != before["contributions"]["agencies"]
    assert without_identity(ignored["list1"]) != without_identity(before["list1"])
    assert without_identity(ignored["list3"]) != without_identity(before["list3"])


def test_a_later_referral_keeps_counting_the_destroyed_one_before_it(hub: Any, make_user: Any) -> None:
    """Only the earlier referral (R0) is destroyed: R1, still whole, remains a re-referral and its
    Annex A row still counts one referral in the last 12 months."""
    r = build(make_user).refs
    destroy(Case.objects.get(referral=r["r0"]))
    r["r1"].refresh_from_db()
    assert r["r1"].earlier_referrals_destroyed == 1
    assert selectors.rereferrals(DECEMBER, Filters()).table("rate").rows[1] == [
        "Re-referrals within 12 months",
        1,
        0,
    ]
    row = next(row for row in annex_a.list3(DECEMBER) if row[5] == "04/12/2026")
    assert row[0] == "9990000018" and row[8] == 1


def test_an_early_help_case_destroyed_by_the_keyworker_rule_still_counts(
    hub: Any, make_user: Any, django_capture_on_commit_callbacks: Any
) -> None:
    """The early-help hub destroys its record the day the keyworker has the product (the keyworker
    rule, not a retention period): the time to the keyworker and Annex A list 1 still count it."""
    apply("early-help")
    screener = make_user(Role.SCREENING_MANAGER)
    case = screen(make_referral().case, screener)
    case.refresh_from_db()
    keyworker_appoint(
        actor=Actor(user=screener),
        case=case,
        expected_version=case.version,
        name="Sam Keyes",
        agency=Agency.objects.get(kind=AgencyKind.EARLY_HELP),
        email="sam.keyes@earlyhelp.invalid",
    )
    case.refresh_from_db()
    with django_capture_on_commit_callbacks(execute=True):
        case_hand_over(actor=Actor(user=screener), case=case, expected_version=case.version)
    today = timezone.localdate()
    period = Period(today - timedelta(days=27), today)
    measure_before = selectors.early_help(period, Filters())
    list1_before = without_identity(list(annex_a.list1(period)))
    destroyed = retention_sweep().destroyed
    assert [rec.case_id for rec in destroyed] == [case.pk]
    record = destroyed[0]
    assert (record.kind, record.rule, record.months) == (
        RecordKind.EARLY_HELP,
        DestructionRule.KEYWORKER,
        None,
    )
    measure_after = selectors.early_help(period, Filters())
    assert measure_after.tables[1].rows[0] == ["Keyworkers appointed (a case's first)", 1, 0]
    assert [t.rows for t in measure_after.tables] == [t.rows for t in measure_before.tables]
    assert without_identity(list(annex_a.list1(period))) == list1_before
