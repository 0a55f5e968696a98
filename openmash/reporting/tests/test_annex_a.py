"""Ofsted Annex A lists 1, 2 and 3: columns and codes as the national code lists give them (CODES.md
section 3), one row per child per contact, and referrals in the last 12 months across a year boundary."""

from __future__ import annotations

import csv
import io
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from django.core.management import call_command
from django.test import Client
from django.urls import reverse
from openpyxl import load_workbook

from openmash.accounts.roles import Role
from openmash.audit.catalogue import AuditAction
from openmash.audit.models import AuditEvent
from openmash.core.codes import ReferralSource
from openmash.decisions.models import Outcome
from openmash.hub.models import Agency, AgencyKind
from openmash.reporting import annex_a
from openmash.reporting.period import Period
from openmash.reporting.tests.hub import at, contact, decide, open_case

pytestmark = pytest.mark.django_db

JANUARY = Period(date(2027, 1, 1), date(2027, 1, 31))

# CODES.md section 3, as written there.
COMMON = "Child Unique ID; Gender; Ethnicity; Date of Birth; Age of Child (Years)"
LIST_1 = "Date of Contact; Contact Source"
LIST_2 = "Assessment start date; Assessment completion date; Organisation completing assessment"
LIST_3 = (
    "Date of referral; Referral Source; Referral NFA?; Number of Referrals in Last 12 Months; "
    "Allocated Team; Allocated Worker"
)
LETTERS = (
    "a 1A, b 1B, c 1C, d 1D, e 2A, f 2B, g 3A, h 3B, i 3C, j 3D, k 3E, l 3F, m 4, n 5A, o 5B, p 5C, "
    "p1 5D, q 6, r 7, s 8, t 9, u 10"
)

ZOE = (("Zoe", "Hartley", date(2016, 3, 15), "F", "9990000034"),)
SIBLINGS = (
    ("Sam", "Cole", date(2019, 6, 1), "M", ""),
    ("Lily", "Cole", date(2021, 1, 20), "F", ""),
)


def columns(text: str) -> list[str]:
    return [c.strip() for c in text.split(";")]


def test_the_columns_are_in_the_order_of_the_lists() -> None:
    assert annex_a.LIST_1 == columns(COMMON) + columns(LIST_1)
    assert annex_a.LIST_2 == columns(COMMON) + columns(LIST_2)
    assert annex_a.LIST_3 == columns(COMMON) + columns(LIST_3)


def test_every_referral_source_has_its_picklist_letter() -> None:
    expected = dict(reversed(pair.split()) for pair in LETTERS.split(", "))
    assert set(expected) == set(ReferralSource.values)
    for code, letter in expected.items():
        assert annex_a.source_pick(code).startswith(f"{letter}) {code}: ")
    assert annex_a.source_pick("1A") == "a) 1A: Individual"
    assert annex_a.source_pick("5D") == "p1) 5D: LA services"
    assert annex_a.source_pick("3E") == "k) 3E: Health services"
    assert annex_a.source_pick("XX") == "u) 10: Unknown"


@pytest.fixture
def year(hub: Any, make_user: Any) -> dict[str, Any]:
    """Zoe: referrals on 20 Dec 2025 (386 days before 10 Jan 2027: too early), 1 Mar 2026 and 20 Nov
    2026 (both counted), a contact on 1 Dec 2026 that was not a referral (not counted), and the
    referral of 10 Jan 2027. Sam and Lily: one contact about both on 12 Jan 2027 (no further action).
    Ava: early help decided on 14 Jan 2027, with the early help service leading."""
    maker = make_user("decision_maker")

    def referral(
        when: Any, children: Any = ZOE, source: str = "2A", outcome: str = Outcome.S17_ASSESSMENT
    ) -> Any:
        r = contact(when, children=children, source=source)
        case = open_case(r, screened_at=when)
        decide(case, maker, outcome, decided_at=when)
        return r

    referral(at(2025, 12, 20))
    referral(at(2026, 3, 1))
    referral(at(2026, 11, 20))
    referral(at(2026, 12, 1), outcome=Outcome.NFA)
    january = referral(at(2027, 1, 10, 11))
    siblings = referral(at(2027, 1, 12, 9), children=SIBLINGS, source="3E", outcome=Outcome.NFA)
    ava = contact(at(2027, 1, 13, 10), source="5D", children=(("Ava", "Reed", date(2022, 1, 1), "F", ""),))
    d = decide(
        open_case(ava, screened_at=at(2027, 1, 13, 11)), maker, Outcome.EARLY_HELP, decided_at=at(2027, 1, 14)
    )
    d.lead_agency = Agency.objects.get(kind=AgencyKind.EARLY_HELP)
    d.save()
    return {"january": january, "siblings": siblings, "ava": ava}


def test_list_1_has_a_row_per_child_per_contact(year: dict[str, Any]) -> None:
    rows = list(annex_a.list1(JANUARY))
    assert rows == [
        ["9990000034", "b) Female", "t) NOBT", "15/03/2016", 10, "10/01/2027", "e) 2A: Schools"],
        [rows[1][0], "b) Female", "t) NOBT", "20/01/2021", 5, "12/01/2027", "k) 3E: Health services"],
        [rows[2][0], "a) Male", "t) NOBT", "01/06/2019", 7, "12/01/2027", "k) 3E: Health services"],
        [rows[3][0], "b) Female", "t) NOBT", "01/01/2022", 5, "13/01/2027", "p1) 5D: LA services"],
    ]
    assert len({r[0] for r in rows}) == 4  # each child their own ID


def test_list_3_counts_referrals_in_the_last_12_months_across_the_new_year(year: dict[str, Any]) -> None:
    rows = list(annex_a.list3(JANUARY))
    assert rows == [
        [
            "9990000034",
            "b) Female",
            "t) NOBT",
            "15/03/2016",
            10,
            "10/01/2027",
            "e) 2A: Schools",
            "b) No",
            2,  # 1 March and 20 November 2026; not 20 December 2025, nor the contact of 1 December
            "",
            "",
        ]
    ]


def test_list_2_lists_early_help_with_the_lead_agency(year: dict[str, Any]) -> None:
    lead = Agency.objects.get(kind=AgencyKind.EARLY_HELP).name
    assert list(annex_a.list2(JANUARY)) == [
        [list(annex_a.list1(JANUARY))[3][0], "b) Female", "t) NOBT", "01/01/2022", 5, "14/01/2027", "", lead]
    ]
    assert annex_a.counts(JANUARY) == {"list1": 4, "list2": 1, "list3": 1}


def test_the_command_writes_three_csvs_and_a_workbook(year: dict[str, Any], tmp_path: Path) -> None:
    out = io.StringIO()
    call_command("annex_a", "--from", "2027-01-01", "--to", "2027-01-31", "--out", str(tmp_path), stdout=out)
    for slug, expected in (("list1", annex_a.LIST_1), ("list2", annex_a.LIST_2), ("list3", annex_a.LIST_3)):
        text = (tmp_path / f"{slug}.csv").read_text(encoding="utf-8-sig")
        header, *body = list(csv.reader(io.StringIO(text)))
        assert header == expected
        assert len(body) == {"list1": 4, "list2": 1, "list3": 1}[slug]
    book = load_workbook(tmp_path / "annex-a.xlsx")
    assert book.sheetnames == ["List 1 Contacts", "List 2 Early help", "List 3 Referrals"]
    assert [c.value for c in book["List 3 Referrals"][2]][8] == 2
    assert AuditEvent.objects.filter(action=AuditAction.ANNEX_A_EXPORTED).count() == 1


def test_the_report_command(year: dict[str, Any], tmp_path: Path) -> None:
    out = io.StringIO()
    call_command("report", "volumes", "--from", "2027-01-01", "--to", "2027-01-31", stdout=out)
    text = out.getvalue()
    assert "Contacts received,3,1" in text  # January: 3 contacts; December, the month before: 1
    call_command(
        "report",
        "rereferrals",
        "--from",
        "2027-01-01",
        "--to",
        "2027-01-31",
        "--format",
        "xlsx",
        "--out",
        str(tmp_path / "r.xlsx"),
        stdout=io.StringIO(),
    )
    book = load_workbook(tmp_path / "r.xlsx")
    rate = book.worksheets[0]
    assert [c.value for c in rate[3]] == ["Re-referrals within 12 months", 1, 0]


def test_a_decision_maker_records_the_allocation_list_3_shows(year: dict[str, Any], make_user: Any) -> None:
    case = year["january"].case
    client = Client()
    client.force_login(make_user(Role.SCREENING_MANAGER))
    assert client.get(reverse("cases:allocate", args=[case.pk])).status_code == 403
    client.force_login(make_user(Role.DECISION_MAKER))
    empty = client.post(reverse("cases:allocate", args=[case.pk]), {"version": case.version, "team": ""})
    assert "Enter the team the referral is allocated to" in empty.content.decode()
    done = client.post(
        reverse("cases:allocate", args=[case.pk]),
        {"version": case.version, "team": "Assessment team 2", "worker": "Sam Okoro"},
    )
    assert done.status_code == 302
    assert list(annex_a.list3(JANUARY))[0][9:] == ["Assessment team 2", "Sam Okoro"]
    assert AuditEvent.objects.filter(action=AuditAction.CASE_ALLOCATED, object_id=str(case.pk)).exists()
    stale = client.post(
        reverse("cases:allocate", args=[case.pk]), {"version": case.version, "team": "Another team"}
    )
    assert stale.status_code == 400  # someone saved first: the page is out of date
