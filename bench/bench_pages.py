"""Page costs at a busy hub's volume: a 20,000-case hub in a PostgreSQL database of its own, the main
pages served by gunicorn to 1, 5 and 20 signed-in people at once, beside the same pages of a 200-case
hub, and the audit write rate.

    nice -n 19 /work/main/.venv/bin/python bench/bench_pages.py             # build (or reuse) and measure
    nice -n 19 /work/main/.venv/bin/python bench/bench_pages.py --fresh     # rebuild the databases first
    nice -n 19 /work/main/.venv/bin/python bench/bench_pages.py --beside '' # the big hub alone
    nice -n 19 /work/main/.venv/bin/python bench/bench_pages.py --users 1 \
        --beside openmash_volume_pages --beside-checkout /tmp/old   # two versions of the code, same data

Builds each hub with the project's own commands (migrate, demo_load, volume_load: bench/load/hub.py),
starts a gunicorn for each, and signs each simulated person in through the sign-in form (two-factor is
switched off for the demo accounts, as in bench/load). Every simulated person asks for every page once a
round, in an order shuffled for each person and round, so a slow moment of the shared machine falls on
all pages alike rather than on the one measured then. At one user the small hub's pages are in the same
rounds. For each page it prints p50 and p95 in milliseconds, errors, the queries the page runs (counted
in-process with Django's CaptureQueriesContext, one request as the same person), the table rows it
shows, p50 as a multiple of the bare sign-in page's p50 in the same run and, at one user, as a multiple
of the same page's p50 at 200 cases (whose hub has open work enough to fill each list's first page).
Then the audit writes a second with 1, 5 and 20 writers, with one chain and with 16
(bench/bench_audit.py, on a database of its own next to the hub's). Not part of the test run; the
machine it runs on is shared, so figures move from run to run.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import re
import statistics
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import requests

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT), str(ROOT / "bench" / "load")]  # this checkout's code, not an installed one

from hub import PYTHON, Hub, hub_env, prepare_database  # noqa: E402

PASSWORD = os.environ.get("OPENMASH_DEMO_PASSWORD", "synthetic-demo-only")
BARE = "sign-in page (bare)"


@dataclass(frozen=True)
class Page:
    name: str
    username: str  # "" for the bare page, which nobody signs in for
    path: str


@dataclass
class Result:
    times: list[float] = field(default_factory=list)
    errors: int = 0


def pick_pages() -> list[Page]:
    """The main pages, at records chosen the same way each run (the oldest of each kind)."""
    from django.db.models import Count

    from openmash.cases.models import Case, CaseStatus
    from openmash.enquiries.models import OPEN_STATUSES, InformationRequest, RequestStatus

    def case(status: str) -> str:
        found = (
            Case.objects.filter(status=status)
            .annotate(n=Count("requests"))
            .order_by("-n", "created_at")
            .values_list("pk", flat=True)
            .first()
        )
        return str(found)

    police_request = (
        InformationRequest.objects.filter(agency__kind="police", status__in=OPEN_STATUSES)
        .exclude(status=RequestStatus.BLOCKED)
        .order_by("created_at")
        .values_list("pk", flat=True)
        .first()
    )
    open_case, closed = case(CaseStatus.INFORMATION_GATHERING), case(CaseStatus.CLOSED)
    return [
        Page(BARE, "", "/sign-in/"),
        Page("screening queue", "screening.manager", "/cases/screening/"),
        Page("case page, open", "screening.manager", f"/cases/{open_case}/"),
        Page("case page, closed", "screening.manager", f"/cases/{closed}/"),
        Page("requests queue (police)", "police.researcher", "/requests/"),
        Page("request page", "police.researcher", f"/requests/{police_request}/"),
        Page("chronology", "screening.manager", f"/chronology/{closed}/"),
        Page("people", "screening.manager", f"/people/{closed}/"),
        Page("genogram", "screening.manager", f"/people/{closed}/genogram/"),
        Page("decision page", "decision.maker", f"/decisions/{case(CaseStatus.READY_FOR_DECISION)}/"),
        Page("audit trail", "ig.officer", "/audit/"),
        Page("disclosure log", "ig.officer", "/consent/disclosures/"),
    ]


def queries_per_page(pages: list[Page]) -> dict[str, tuple[int, int]]:
    """The queries each page runs and the table rows it shows."""
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    from openmash.accounts.models import User

    counts: dict[str, tuple[int, int]] = {}
    for page in pages:
        client = Client(SERVER_NAME="localhost")
        if page.username:
            client.force_login(User.objects.get(username=page.username))
        client.get(page.path)
        with CaptureQueriesContext(connection) as captured:
            response = client.get(page.path)
        rows = response.content.count(b"<tr")
        counts[page.name] = (len(captured) if response.status_code == 200 else -response.status_code, rows)
    return counts


def sign_in(base: str, username: str) -> requests.Session:
    session = requests.Session()
    form = session.get(f"{base}/sign-in/", timeout=60)
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', form.text)
    answer = session.post(
        f"{base}/sign-in/",
        data={
            "username": username,
            "password": PASSWORD,
            "csrfmiddlewaretoken": token.group(1) if token else "",
        },
        allow_redirects=False,
        timeout=60,
    )
    if answer.status_code != 302:
        raise SystemExit(f"{username} could not sign in (HTTP {answer.status_code})")
    return session


def pages_of(database: str) -> tuple[int, list[Page], dict[str, tuple[int, int]]]:
    """The cases, pages and queries per page of one benchmark database, read in a process of its own
    (Django is set up for one database per process)."""
    env = hub_env(database)
    answer = subprocess.run(  # noqa: S603 - our own benchmark
        [PYTHON, str(Path(__file__).resolve()), "--list-pages", "--database", database],
        cwd=ROOT,
        env=env,
        check=True,
        capture_output=True,
        text=True,
    )
    found = json.loads(answer.stdout.strip().splitlines()[-1])
    return (
        found["cases"],
        [Page(**p) for p in found["pages"]],
        {k: tuple(v) for k, v in found["queries"].items()},
    )


def list_pages() -> None:
    import django

    django.setup()
    from openmash.cases.models import Case

    pages = pick_pages()
    queries = queries_per_page(pages)
    print(
        json.dumps(
            {
                "cases": Case.objects.count(),
                "pages": [p.__dict__ for p in pages],
                "queries": queries,
            }
        )
    )


@dataclass(frozen=True)
class Target:
    """One page of one running hub."""

    hub: str  # the hub's label: "main" or "beside"
    base: str
    page: Page


def measure(
    targets: list[Target], users: int, rounds: int, session_for: Callable[[int, str, str], requests.Session]
) -> dict[Target, Result]:
    """Each of `users` people asks for every target once a round, in an order shuffled for each person
    and round, so whatever else the machine is doing falls on every page alike."""
    results = {target: Result() for target in targets}
    lock = threading.Lock()
    start = threading.Barrier(users)

    def person(who: int) -> None:
        sessions = {(t.base, t.page.username): session_for(who, t.base, t.page.username) for t in targets}
        start.wait()
        for round_ in range(rounds + 1):  # the first round warms up and is not counted
            order = list(targets)
            random.Random(f"{who}-{round_}").shuffle(order)  # noqa: S311 - an order, not a secret
            for target in order:
                session = sessions[(target.base, target.page.username)]
                began = time.perf_counter()
                try:
                    answer = session.get(target.base + target.page.path, timeout=120, allow_redirects=False)
                    ok = answer.status_code == 200
                except requests.RequestException:
                    ok = False
                took = time.perf_counter() - began
                if round_:
                    with lock:
                        results[target].times.append(took)
                        results[target].errors += not ok

    threads = [threading.Thread(target=person, args=(who,)) for who in range(users)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return results


def percentile(times: list[float], p: int) -> float:
    if len(times) < 2:
        return times[0] * 1000 if times else float("nan")
    return statistics.quantiles(times, n=100)[p - 1] * 1000


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--database", default="openmash_volume_pages")
    parser.add_argument("--cases", type=int, default=20_000)
    parser.add_argument(
        "--beside", default="openmash_pages_small", help="the small hub's database ('' for none)"
    )
    parser.add_argument("--beside-cases", type=int, default=200)
    parser.add_argument(
        "--beside-checkout",
        type=Path,
        default=ROOT,
        help="serve the beside hub from another checkout's code, to compare two versions of the code "
        "(with --beside set to the main database, on the same data)",
    )
    parser.add_argument("--open-share", type=float, default=0.03)
    parser.add_argument(
        "--beside-open-share",
        type=float,
        default=0.6,
        help="open work enough to fill each list's first page at 200 cases, so that a list page is "
        "compared with itself showing as many rows",
    )
    parser.add_argument("--fresh", action="store_true")
    parser.add_argument("--workers", type=int, default=2, help="gunicorn workers")
    parser.add_argument("--users", type=int, nargs="+", default=[1, 5, 20])
    parser.add_argument(
        "--requests", type=int, default=100, help="requests of each page at each level, in all"
    )
    parser.add_argument("--port", type=int, default=8791)
    parser.add_argument("--list-pages", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.list_pages:
        list_pages()
        return 0

    began = time.perf_counter()
    hubs = {"main": (args.database, args.cases, args.open_share)}
    if args.beside:
        hubs["beside"] = (args.beside, args.beside_cases, args.beside_open_share)
    found: dict[str, tuple[int, list[Page], dict[str, tuple[int, int]]]] = {}
    running: dict[str, Hub] = {}
    for n, (label, (database, cases, open_share)) in enumerate(hubs.items()):
        timings = prepare_database(database, cases=cases, open_share=open_share, fresh=args.fresh)
        for step, seconds in timings.items():
            print(f"set-up {database} {step}: {seconds:.0f} s")
        found[label] = pages_of(database)
        checkout = args.beside_checkout.resolve() if label == "beside" else ROOT
        running[label] = Hub(database, port=args.port + n, workers=args.workers, checkout=checkout)
    pages = found["main"][1]

    pool: dict[tuple[int, str, str], requests.Session] = {}

    def session_for(who: int, base: str, username: str) -> requests.Session:
        """Each simulated person signs in once on each hub as each account, and keeps the session."""
        key = (who, base, username)
        if key not in pool:
            pool[key] = sign_in(base, username) if username else requests.Session()
        return pool[key]

    results: dict[int, dict[Target, Result]] = {}
    try:
        for hub in running.values():
            hub.start_web()
        for users in args.users:
            # the small hub is served beside the big one at one user: its pages are the yardstick
            # "within 20% of its own time at 200 cases"; under load it would halve the big hub's share
            labels = list(running) if users == 1 else ["main"]
            targets = [
                Target(label, running[label].url, page) for label in labels for page in found[label][1]
            ]
            results[users] = measure(targets, users, max(2, args.requests // users), session_for)
    finally:
        for hub in running.values():
            hub.stop()

    def result_of(users: int, label: str, name: str) -> Result:
        return next(r for t, r in results[users].items() if t.hub == label and t.page.name == name)

    def p50(users: int, label: str, name: str) -> float:
        return percentile(result_of(users, label, name).times, 50)

    print()
    load = ", ".join(f"{x:.1f}" for x in os.getloadavg())
    cases = found["main"][0]
    other_code = args.beside_checkout.resolve() != ROOT
    beside = (
        f"; beside it at one user, the same pages of a {found['beside'][0]}-case hub"
        + (f" served by the code at {args.beside_checkout}" if other_code else "")
        if "beside" in found
        else ""
    )
    print(
        f"{cases} cases in PostgreSQL{beside}; gunicorn with {args.workers} workers; {args.requests} "
        f"requests of each page at each level, every page once a round in a shuffled order; load "
        f"average at the end {load} (other work on the machine slows every figure)"
    )
    header = f"{'page':<26} {'queries':>7} {'rows':>4}"
    for users in args.users:
        header += f" | {users:>2} user{'s' if users > 1 else ' '} p50   p95  err   ×bare"
        if users == 1 and "beside" in found:
            header += " other rows  p50 ×other" if other_code else " small rows  p50 ×small"
    print(header)
    for page in pages:
        queries, rows = found["main"][2][page.name]
        line = f"{page.name:<26} {queries:>7} {rows:>4}"
        for users in args.users:
            result = result_of(users, "main", page.name)
            mine = percentile(result.times, 50)
            line += (
                f" | {mine:>10.0f} {percentile(result.times, 95):>5.0f} {result.errors:>4} "
                f"{mine / p50(users, 'main', BARE):>6.2f}"
            )
            if users == 1 and "beside" in found:
                small = p50(1, "beside", page.name)
                line += f" {found['beside'][2][page.name][1]:>10} {small:>4.0f} {mine / small:>6.2f}"
        print(line)
    errors = sum(r.errors for level in results.values() for r in level.values())
    print(f"errors in all: {errors}")

    print()
    audit_db = (
        hub_env(args.database)["DATABASE_URL"].rsplit("/", 1)[0] + f"/{args.database}_audit"
    )  # not the hub's own trail
    print(
        f"Audit writes a second (bench/bench_audit.py on {audit_db.rsplit('/', 1)[1]}, 100 events a writer):"
    )
    sys.stdout.flush()
    subprocess.run(  # noqa: S603 - our own benchmark
        [
            PYTHON,
            str(ROOT / "bench" / "bench_audit.py"),
            "--database",
            audit_db,
            "--chains",
            "1",
            "16",
            "--writers",
            *[str(u) for u in args.users],
            "--events",
            "100",
        ],
        cwd=ROOT,
        check=False,
    )
    print(f"\nwhole run: {(time.perf_counter() - began) / 60:.1f} minutes")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
