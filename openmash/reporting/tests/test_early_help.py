"""Early help: the time from a referral to its first keyworker, where the hub runs early help (hands its
product to a keyworker instead of deciding, `decision_in_hub` off). The right answers are worked out by
hand on the hub's working-time clock (09:00 to 17:00, weekdays, England and Wales bank holidays)."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

import pytest
from django.core.management import CommandError, call_command
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from openmash.accounts.roles import Role
from openmash.cases.models import Case, CaseStatus, Keyworker
from openmash.cases.tests.helpers import make_referral, screen
from openmash.casework.handover import keyworker_appoint, working_seconds
from openmash.core.actor import Actor
from openmash.hub.models import Agency, AgencyKind, RagRating
from openmash.hub.selectors import hub_configuration
from openmash.reporting import annex_a, selectors
from openmash.reporting.period import Filters, Period
from openmash.reporting.tests.hub import at, contact, open_case
from openmash.teams.tests.helpers import apply

pytestmark = pytest.mark.django_db

DECEMBER = Period(date(2026, 12, 1), date(2026, 12, 31))


def rows(table: selectors.Table) -> dict[object, list[object]]:
    return {r[0]: r[1:] for r in table.rows}


def given_keyworker(received_at: datetime, appointed_at: datetime, *, rag: str = RagRating.AMBER) -> Case:
    """A case whose first keyworker was appointed at `appointed_at`, stored as the hand-over flow stores
    it (the working time counted by the same function)."""
    case = open_case(contact(received_at), screened_at=received_at, rag=rag)
    Keyworker.objects.create(
        case=case,
        name="Sam Keyes",
        agency=Agency.objects.get(kind=AgencyKind.EARLY_HELP),
        email="sam.keyes@earlyhelp.invalid",
        appointed_at=appointed_at,
        first_appointed_at=appointed_at,
        working_seconds_to_first=working_seconds(received_at, appointed_at),
    )
    return case


@pytest.fixture
def early_help_hub(hub: Any) -> dict[str, Case]:
    """December 2026 (the period) and November (the period before).

    K1  Fri 4 Dec 16:30 to Mon 7 Dec 10:30: half an hour on Friday, the weekend closed, an hour and a
        half on Monday: 2 working hours.
    K2  Thu 24 Dec 15:00 to Tue 29 Dec 11:00: 2 hours on Thursday; Christmas Day, the weekend and the
        Boxing Day substitute bank holiday (Monday 28) closed; 2 on Tuesday: 4 working hours.
    K3  Tue 1 Dec 09:00 to Tue 8 Dec 09:00, red: five whole working days, 40 working hours.
    K4  Mon 30 Nov 09:00 to Tue 1 Dec 09:00: 8 working hours; appointed in December, so December's.
    K5  Mon 2 Nov 09:00 to Wed 4 Nov 13:00: 20 working hours, November's.
    W   Gathering information with no keyworker: waiting now.
    December: 2, 4, 8, 40 hours: median (4 + 8) / 2 = 6 hours, 0.75 working days; 90th percentile by
    nearest rank (the 4th of 4) 40 hours, 5 working days. November: 20 hours, 2.5 working days.
    """
    apply("early-help")
    cases = {
        "k1": given_keyworker(at(2026, 12, 4, 16, 30), at(2026, 12, 7, 10, 30)),
        "k2": given_keyworker(at(2026, 12, 24, 15), at(2026, 12, 29, 11)),
        "k3": given_keyworker(at(2026, 12, 1, 9), at(2026, 12, 8, 9), rag=RagRating.RED),
        "k4": given_keyworker(at(2026, 11, 30, 9), at(2026, 12, 1, 9)),
        "k5": given_keyworker(at(2026, 11, 2, 9), at(2026, 11, 4, 13)),
        "w": open_case(contact(at(2026, 12, 10, 10)), screened_at=at(2026, 12, 10, 11)),
    }
    return cases


def test_working_time_to_the_keyworker_skips_weekends_and_bank_holidays(
    early_help_hub: dict[str, Case],
) -> None:
    stored = {k: c.keyworker.working_seconds_to_first for k, c in early_help_hub.items() if k != "w"}
    assert stored == {"k1": 2 * 3600, "k2": 4 * 3600, "k3": 40 * 3600, "k4": 8 * 3600, "k5": 20 * 3600}


def test_time_from_referral_to_keyworker(early_help_hub: dict[str, Case]) -> None:
    m = selectors.early_help(DECEMBER, Filters())
    assert rows(m.table("time")) == {
        "Median working days": [0.8, 2.5],  # 0.75 working days, written to one decimal place
        "90th percentile working days": [5.0, 2.5],
        "Median working hours": [6.0, 20.0],
        "90th percentile working hours": [40.0, 20.0],
    }
    assert rows(m.table("keyworkers")) == {
        "Keyworkers appointed (a case's first)": [4, 1],
        "Cases gathering information without a keyworker now": [1, None],
    }
    assert m.summary[0] == (
        "4 families were given a keyworker this period (1 the period before), a median of 0.8 working days "
        "after the referral arrived (the period before, 2.5 working days)."
    )
    red = rows(selectors.early_help(DECEMBER, Filters(rag=RagRating.RED)).table("time"))
    assert red["Median working hours"] == [40.0, None]


def test_a_replaced_keyworker_keeps_the_time_to_the_first(hub: Any, make_user: Any) -> None:
    """Through the hand-over flow: the first appointment's time is stored once, and a second keyworker
    appointed later does not change how long the family waited."""
    apply("early-help")
    screener = make_user(Role.SCREENING_MANAGER)
    case = screen(make_referral().case, screener)
    case.refresh_from_db()
    early_help = Agency.objects.get(kind=AgencyKind.EARLY_HELP)
    keyworker_appoint(
        actor=Actor(user=screener),
        case=case,
        expected_version=case.version,
        name="Sam Keyes",
        agency=early_help,
        email="sam.keyes@earlyhelp.invalid",
    )
    first = Keyworker.objects.get(case=case)
    received = case.referral.received_at
    assert first.first_appointed_at == first.appointed_at
    assert first.working_seconds_to_first == working_seconds(received, first.appointed_at)
    case.refresh_from_db()
    keyworker_appoint(
        actor=Actor(user=screener),
        case=case,
        expected_version=case.version,
        name="Jo Other",
        agency=early_help,
        phone="01632 960000",
    )
    second = Keyworker.objects.get(case=case)
    assert second.name == "Jo Other" and second.appointed_at > first.appointed_at
    assert second.first_appointed_at == first.first_appointed_at
    assert second.working_seconds_to_first == first.working_seconds_to_first
    today = timezone.localdate()
    m = selectors.early_help(Period(today, today), Filters())
    assert rows(m.table("keyworkers"))["Keyworkers appointed (a case's first)"][0] == 1


@pytest.mark.parametrize("decides", [True, False])
def test_the_measure_is_there_only_where_the_hub_runs_early_help(
    early_help_hub: dict[str, Case], make_user: Any, decides: bool, tmp_path: Any
) -> None:
    """`decision_in_hub`: off (early help), the dashboard, its page, its export and the command have the
    measure; on, none of them does, whatever keyworkers the records hold."""
    config = hub_configuration()
    config.decision_in_hub = decides
    config.save()
    client = Client()
    client.force_login(make_user(Role.PERFORMANCE_MANAGER))
    december = "?start=2026-12-01&end=2026-12-31"
    dashboard = client.get(reverse("reporting:dashboard") + december).content.decode()
    page = client.get(reverse("reporting:measure", args=["earlyhelp"]) + december)
    export = client.get(reverse("reporting:measure-xlsx", args=["earlyhelp"]) + december)
    out = tmp_path / "earlyhelp.csv"
    command = ("report", "earlyhelp", "--from", "2026-12-01", "--to", "2026-12-31", "--out", str(out))
    if decides:
        assert 'data-testid="dashboard-earlyhelp"' not in dashboard
        assert page.status_code == 404 and export.status_code == 404
        with pytest.raises(CommandError, match="does not run early help"):
            call_command(*command)
        return
    assert 'data-testid="dashboard-earlyhelp"' in dashboard
    assert "4 families were given a keyworker this period (1 the period before)" in dashboard
    assert page.status_code == 200 and export.status_code == 200
    assert "Median working days, this period: 0.8" in page.content.decode()  # the chart's bar
    call_command(*command)
    assert "Median working hours,6.0,20.0" in out.read_text(encoding="utf-8-sig")


def test_a_family_still_waiting_is_not_counted_as_given_a_keyworker(early_help_hub: dict[str, Case]) -> None:
    waiting = early_help_hub["w"]
    assert waiting.status == CaseStatus.INFORMATION_GATHERING
    Case.objects.filter(pk=waiting.pk).update(status=CaseStatus.CLOSED)
    m = selectors.early_help(DECEMBER, Filters())
    assert rows(m.table("keyworkers"))["Cases gathering information without a keyworker now"][0] == 0


def test_annex_a_list_2_lists_the_children_handed_to_a_keyworker(early_help_hub: dict[str, Case]) -> None:
    """One row per child whose case had its first keyworker in the period: the start is that day, the
    organisation the keyworker's agency. K5's keyworker came in November, so it is not December's."""
    rows_ = list(annex_a.list2(DECEMBER))
    assert [(row[5], row[6], row[7]) for row in rows_] == [
        ("01/12/2026", "", "Early Help"),  # K4
        ("07/12/2026", "", "Early Help"),  # K1
        ("08/12/2026", "", "Early Help"),  # K3
        ("29/12/2026", "", "Early Help"),  # K2
    ]
    assert rows_[0][1:5] == ["a) Male", "t) NOBT", "04/05/2018", 8]  # Jayden, 8 on 1 December 2026
    assert annex_a.counts(DECEMBER)["list2"] == 4
