"""Page costs at a busy hub's volume: a 20,000-case hub in a PostgreSQL database of its own, the main
pages served by gunicorn to 1, 5 and 20 signed-in people at once, and the audit write rate.

    nice -n 19 /work/main/.venv/bin/python bench/bench_pages.py             # build (or reuse) and measure
    nice -n 19 /work/main/.venv/bin/python bench/bench_pages.py --fresh     # rebuild the database first
    nice -n 19 /work/main/.venv/bin/python bench/bench_pages.py --cases 200 --database openmash_pages_small

Builds the hub with the project's own commands (migrate, demo_load, volume_load: bench/load/hub.py),
starts gunicorn, and signs each simulated person in through the sign-in form (two-factor is switched off
for the demo accounts, as in bench/load). For each page it prints p50 and p95 in milliseconds, errors,
the queries the page runs (counted in-process with Django's CaptureQueriesContext, one request as the
same person), and p50 as a multiple of the bare sign-in page's p50 in the same run. Then the audit
writes a second with 1, 5 and 20 writers, with one chain and with 16 (bench/bench_audit.py, on a
database of its own next to the hub's). Not part of the
test run; the machine it runs on is shared, so figures move from run to run.
"""

from __future__ import annotations

import argparse
import os
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


def queries_per_page(pages: list[Page]) -> dict[str, int]:
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    from openmash.accounts.models import User

    counts: dict[str, int] = {}
    for page in pages:
        client = Client(SERVER_NAME="localhost")
        if page.username:
            client.force_login(User.objects.get(username=page.username))
        client.get(page.path)
        with CaptureQueriesContext(connection) as captured:
            response = client.get(page.path)
        counts[page.name] = len(captured) if response.status_code == 200 else -response.status_code
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


def measure(
    base: str, page: Page, users: int, requests_each: int, sessions: Callable[[str], requests.Session]
) -> Result:
    result = Result()
    lock = threading.Lock()
    start = threading.Barrier(users)

    def person() -> None:
        session = sessions(page.username) if page.username else requests.Session()
        start.wait()
        for _ in range(requests_each):
            began = time.perf_counter()
            try:
                answer = session.get(base + page.path, timeout=120, allow_redirects=False)
                ok = answer.status_code == 200
            except requests.RequestException:
                ok = False
            took = time.perf_counter() - began
            with lock:
                result.times.append(took)
                result.errors += not ok

    threads = [threading.Thread(target=person) for _ in range(users)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return result


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
    parser.add_argument("--open-share", type=float, default=0.03)
    parser.add_argument("--fresh", action="store_true")
    parser.add_argument("--workers", type=int, default=2, help="gunicorn workers")
    parser.add_argument("--users", type=int, nargs="+", default=[1, 5, 20])
    parser.add_argument(
        "--requests", type=int, default=60, help="requests of each page at each level, in all"
    )
    parser.add_argument("--port", type=int, default=8791)
    args = parser.parse_args()

    began = time.perf_counter()
    timings = prepare_database(args.database, cases=args.cases, open_share=args.open_share, fresh=args.fresh)
    for step, seconds in timings.items():
        print(f"set-up {step}: {seconds:.0f} s")
    env = hub_env(args.database)
    os.environ.update(
        {k: env[k] for k in ("DATABASE_URL", "DJANGO_SETTINGS_MODULE", "OPENMASH_MFA_REQUIRED")}
    )
    os.environ["OPENMASH_VAR_DIR"] = env["OPENMASH_VAR_DIR"]
    import django

    django.setup()
    from openmash.cases.models import Case

    pages = pick_pages()
    queries = queries_per_page(pages)
    cases = Case.objects.count()
    from django.db import connections

    connections.close_all()

    hub = Hub(args.database, port=args.port, workers=args.workers)
    results: dict[tuple[str, int], Result] = {}
    try:
        hub.start_web()
        pool: dict[str, list[requests.Session]] = {}
        lock = threading.Lock()
        handed: dict[str, int] = {}

        def session_for(username: str) -> requests.Session:
            """Each simulated person signs in once and keeps their session for every page."""
            with lock:
                n = handed.get(username, 0)
                handed[username] = n + 1
                sessions = pool.setdefault(username, [])
                if n < len(sessions):
                    return sessions[n]
            session = sign_in(hub.url, username)
            with lock:
                sessions.append(session)
            return session

        for users in args.users:
            for page in pages:
                handed.clear()
                each = max(2, args.requests // users)
                measure(hub.url, page, users, 1, session_for)  # warm up: sign in, first render
                handed.clear()
                results[(page.name, users)] = measure(hub.url, page, users, each, session_for)
    finally:
        hub.stop()

    print()
    load = ", ".join(f"{x:.1f}" for x in os.getloadavg())
    print(
        f"{cases} cases in PostgreSQL; gunicorn with {args.workers} workers; {args.requests} requests of "
        f"each page at each level; load average at the end {load} (other work on the machine slows "
        f"every figure)"
    )
    header = f"{'page':<26} {'queries':>7}"
    for users in args.users:
        header += f" | {users:>2} user{'s' if users > 1 else ' '} p50   p95  err  ×bare"
    print(header)
    for page in pages:
        line = f"{page.name:<26} {queries[page.name]:>7}"
        for users in args.users:
            r = results[(page.name, users)]
            bare = percentile(results[(BARE, users)].times, 50)
            p50, p95 = percentile(r.times, 50), percentile(r.times, 95)
            line += f" | {p50:>10.0f} {p95:>5.0f} {r.errors:>4} {p50 / bare:>6.1f}"
        print(line)
    print()
    audit_db = env["DATABASE_URL"].rsplit("/", 1)[0] + f"/{args.database}_audit"  # not the hub's own trail
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
