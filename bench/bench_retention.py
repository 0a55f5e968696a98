"""The retention sweep through the real flow: how long working out what is due takes over many closed
cases, and how long destroying each one takes (its people, returns with history items, the audit notes
of its events). Prints one table (not part of the test run).

.venv/bin/python bench/bench_retention.py --cases 300            # a SQLite file in a temporary folder
.venv/bin/python bench/bench_retention.py --database postgres://postgres@127.0.0.1:5432/openmash_bret

Each case: a referral with two people, screened to police and health, both return a history item,
closed seven years ago (a contact with no further action: due).
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from datetime import date, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def setup(database: str) -> None:
    folder = Path(tempfile.mkdtemp(prefix="bench-retention-"))
    if database == "sqlite":
        database = f"sqlite:///{folder / 'retention.sqlite3'}"
    os.environ["DATABASE_URL"] = database
    os.environ["DJANGO_SETTINGS_MODULE"] = "openmash.config.settings.test"
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()
    from django.conf import settings
    from django.core.management import call_command

    settings.OPENMASH_AUDIT_ANCHOR_DIR = folder
    settings.TASKS = {"default": {"BACKEND": "django.tasks.backends.immediate.ImmediateBackend"}}
    call_command("migrate", verbosity=0)


def build(count: int) -> None:
    from django.utils import timezone

    from openmash.accounts.models import RoleGrant, User
    from openmash.accounts.roles import Role
    from openmash.cases.models import Case, CaseStatus, Route
    from openmash.cases.tests.helpers import make_referral, screen
    from openmash.core.actor import Actor
    from openmash.enquiries.services import HistoryData, request_save_return, request_take
    from openmash.hub.models import Agency, AgencyKind
    from openmash.hub.services import hub_apply_preset
    from openmash.referrals.services import PersonData

    hub_apply_preset(actor=Actor.system("bench"), preset_slug="front-door")

    def user(name: str, role: Role, kind: str) -> User:
        person = User.objects.create(username=name, agency=Agency.objects.filter(kind=kind).first())
        RoleGrant.objects.create(user=person, role=role)
        return person

    screener = user("screener", Role.SCREENING_MANAGER, AgencyKind.CHILDRENS_SOCIAL_CARE)
    researchers = {
        kind: user(f"r-{kind}", Role.AGENCY_RESEARCHER, kind)
        for kind in (AgencyKind.POLICE, AgencyKind.HEALTH)
    }
    for n in range(count):
        people = [
            PersonData(given_name=f"Child{n}", family_name=f"Family{n}", date_of_birth=date(2016, 1, 1)),
            PersonData(given_name=f"Parent{n}", family_name=f"Family{n}", relationship="mother", sex="F"),
        ]
        case = make_referral(people=people).case
        screen(case, screener)
        for request in case.requests.select_related("agency"):
            actor = Actor(user=researchers[request.agency.kind])
            request_take(actor=actor, request=request)
            request.refresh_from_db()
            request_save_return(
                actor=actor,
                request=request,
                expected_version=request.version,
                summary=f"Known to {request.agency.name}",
                risk_factors="Violence in the home",
                protective_factors="",
                history=[HistoryData(date(2026, 9, 1), "domestic_abuse", "Incident", "high", f"S-{n}")],
                submit=True,
            )
        Case.objects.filter(pk=case.pk).update(
            status=CaseStatus.CLOSED, route=Route.NFA, closed_at=timezone.now() - timedelta(days=7 * 365)
        )


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--database", default="sqlite")
    parser.add_argument("--cases", type=int, default=300)
    args = parser.parse_args()
    setup(args.database)
    build(args.cases)

    from openmash.casework.destruction import case_destroy
    from openmash.core.actor import Actor
    from openmash.retention.selectors import cases_due

    started = time.perf_counter()
    due = cases_due()
    schedule_s = time.perf_counter() - started
    actor = Actor.system("bench")
    each = []
    for row in due:
        started = time.perf_counter()
        case_destroy(actor=actor, case=row.case)
        each.append((time.perf_counter() - started) * 1000)
    print("| database | closed cases | due | working out what is due (s) | destroy p50 ms | p95 ms |")
    print("|---|---|---|---|---|---|")
    p95 = statistics.quantiles(each, n=20)[-1] if len(each) >= 20 else max(each)
    print(
        f"| {args.database.split(':')[0]} | {args.cases} | {len(due)} | {schedule_s:.2f} | "
        f"{statistics.median(each):.1f} | {p95:.1f} |"
    )


if __name__ == "__main__":
    main()
