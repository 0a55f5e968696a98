"""Fault benchmark: what the hub does when its worker dies mid-task, and when PostgreSQL restarts under load.

    /work/main/.venv/bin/python bench/faults.py                 # every step
    /work/main/.venv/bin/python bench/faults.py --skip-postgres # without restarting PostgreSQL

Uses the load benchmark's database (bench/load/run.py sets it up: the demo plus the volume cases) and
the same gunicorn and worker. Steps, each printed as it happens:

1. The worker is killed (SIGKILL) while it runs a trawl, then started again: does the trawl finish?
2. The worker is killed while it loads an agency data source, then started again: is the load marked
   failed and tried again, with the source still searchable from its previous load (nothing half-written)?
3. PostgreSQL is restarted (`pg_ctlcluster 15 main restart`, once) while signed-in people read and
   write: do requests fail cleanly (an error page, never a traceback) and does the hub recover on its
   own, without restarting gunicorn (CONN_HEALTH_CHECKS)?

It restarts the machine's shared PostgreSQL server in step 3: run it rarely.
"""

from __future__ import annotations

import argparse
import json
import re
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import requests

sys.path.insert(0, str(Path(__file__).resolve().parent / "load"))

from hub import PYTHON, ROOT, Hub, hub_env, prepare_database, psql  # noqa: E402

PASSWORD = "synthetic-demo-only"  # noqa: S105 - the demo's printed password
UUID = r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}"


def django(database: str, code: str) -> dict[str, object]:
    """Run `code` with Django set up against the benchmark database; it prints one JSON line."""
    out = subprocess.run(  # noqa: S603
        [PYTHON, "-c", "import django, json; django.setup()\n" + code],
        cwd=ROOT,
        env=hub_env(database),
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    return json.loads(out.strip().splitlines()[-1])


START_TRAWL = """
from openmash.accounts.models import User
from openmash.core.actor import Actor
from openmash.enquiries.models import InformationRequest, RequestStatus
from openmash.trawl.services import trawl_start
user = User.objects.get(username="police.researcher")
skip = {skip!r}
info = (InformationRequest.objects.filter(agency=user.agency, status=RequestStatus.OPEN)
        .exclude(pk__in=skip).order_by("-case__referral__received_at").first())
trawl = trawl_start(actor=Actor(user=user, role="agency_researcher"), request=info)
print(json.dumps({{"trawl": str(trawl.pk), "request": str(info.pk), "case": info.case.reference}}))
"""
TRAWL_STATE = """
from openmash.trawl.models import Trawl
from django_tasks_db.models import DBTaskResult
t = Trawl.objects.get(pk="{trawl}")
tasks = list(DBTaskResult.objects.filter(task_path__endswith="run_trawl", args_kwargs__args=["{trawl}"])
             .values_list("status", flat=True))
print(json.dumps({{"status": t.status, "people_done": t.people_done, "people_total": t.people_total,
                  "candidates": t.candidates.count() if hasattr(t, "candidates") else None,
                  "error": t.error, "tasks": tasks}}))
"""
START_LOAD = """
from openmash.accounts.models import User
from openmash.core.actor import Actor
from openmash.sources.models import DataSource
from openmash.sources.services import load_request
admin = User.objects.get(username="hub.admin")
source = DataSource.objects.filter(agency__kind="police").first()
before = str(source.current_load_id)
load = load_request(actor=Actor(user=admin, role="hub_administrator"), source=source)
print(json.dumps({"load": str(load.pk), "source": str(source.pk), "previous": before}))
"""
LOAD_STATE = """
from openmash.sources.models import DataSource, SourceLoad
from openmash.sources.index import index_for
from openmash.trawl.runner import query_for
from openmash.referrals.models import ReferralPerson
from django_tasks_db.models import DBTaskResult
load = SourceLoad.objects.get(pk="{load}")
source = DataSource.objects.get(pk="{source}")
loads = list(SourceLoad.objects.filter(source=source, created_at__gte=load.created_at)
             .order_by("created_at").values_list("status", flat=True))
tasks = list(DBTaskResult.objects.filter(task_path__endswith="run_load")
             .order_by("enqueued_at").values_list("status", flat=True))[-3:]
searchable = None
try:
    index = index_for(source.current_load)
    person = ReferralPerson.objects.filter(is_subject=True).first()
    index.search([query_for(person)], top=3, threshold=source.threshold)
    searchable = True
except Exception as error:
    searchable = f"{{type(error).__name__}}: {{error}}"
print(json.dumps({{"status": load.status, "stage": getattr(load, "stage", ""), "error": load.error[:200],
                  "records": load.records, "current_load": str(source.current_load_id),
                  "loads_since": loads, "tasks": tasks, "searchable": searchable}}))
"""


def step(title: str) -> None:
    print()
    print(f"== {title}")


def say(text: str) -> None:
    print(f"   {time.strftime('%H:%M:%S')} {text}", flush=True)


def kill_worker_during(
    hub: Hub, database: str, *, what: str, table: str, row: str, delay: float, timeout: float = 90
) -> bool:
    """Poll the row's status (straight from PostgreSQL, every 20 ms) until it is running, wait `delay`
    seconds into the work, then SIGKILL the worker. False if the work finished first."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        status = psql(f"SELECT status FROM {table} WHERE id = '{row}'", database)  # noqa: S608 - our own ids
        if status == "running":
            time.sleep(delay)
            hub.kill("worker")
            after = psql(f"SELECT status FROM {table} WHERE id = '{row}'", database)  # noqa: S608
            say(f"worker killed (SIGKILL) {delay:.1f} s into the {what}; its status then: {after}")
            return after == "running"
        if status in ("done", "failed", "loaded"):
            say(f"the {what} finished ({status}) before the worker could be killed")
            return False
        time.sleep(0.02)
    say(f"the {what} never started within {timeout:.0f} s")
    return False


def wait_for(state: Callable[[], dict[str, object]], finished: set[str], seconds: float) -> dict[str, object]:
    deadline = time.monotonic() + seconds
    current = state()
    while time.monotonic() < deadline and current["status"] not in finished:
        time.sleep(1)
        current = state()
    return current


def worker_mid_trawl(hub: Hub, database: str) -> str:
    step("1. Worker killed mid-trawl, then restarted")
    tried: list[str] = []
    for _attempt in range(5):
        started = django(database, START_TRAWL.format(skip=tried))
        tried.append(str(started["request"]))
        say(f"trawl {started['trawl']} queued for case {started['case']}")

        def state(trawl: str = str(started["trawl"])) -> dict[str, object]:
            return django(database, TRAWL_STATE.format(trawl=trawl))

        if kill_worker_during(
            hub, database, what="trawl", table="trawl_trawl", row=str(started["trawl"]), delay=0.05
        ):
            break
        if "worker" not in hub.processes:
            hub.start_worker()
    else:
        return "not tested: every trawl finished before the worker could be killed"
    say(f"after the kill: {state()}")
    hub.start_worker()
    say("worker started again; waiting up to 90 s")
    final = wait_for(state, {"done", "failed"}, 90)
    say(f"after the restart: {final}")
    if final["status"] == "done":
        return "recovered: the trawl finished after the worker restarted"
    return f"NOT recovered: the trawl is still {final['status']} (its task: {final['tasks']})"


def worker_mid_load(hub: Hub, database: str) -> str:
    step("2. Worker killed mid-load of a data source, then restarted")
    started = django(database, START_LOAD)
    say(f"load {started['load']} of the police source queued (current load {started['previous']})")

    def state() -> dict[str, object]:
        return django(database, LOAD_STATE.format(load=started["load"], source=started["source"]))

    if not kill_worker_during(
        hub, database, what="load", table="sources_sourceload", row=str(started["load"]), delay=1.0
    ):
        if "worker" not in hub.processes:
            hub.start_worker()
        return "not tested: the load finished before the worker could be killed"
    after = state()
    say(f"after the kill: {after}")
    hub.start_worker()
    say("worker started again; waiting up to 120 s")
    final = wait_for(state, {"failed", "loaded"}, 120)
    time.sleep(5)
    final = state()
    say(f"after the restart: {final}")
    retried = final["status"] == "failed" and "loaded" in list(final["loads_since"])[1:]
    kept = final["current_load"] == started["previous"] or final["status"] == "loaded"
    if retried:
        return (
            f"recovered: the killed load was marked failed ({final['error']}) and its retry loaded; "
            f"loads since: {final['loads_since']}; searchable after the kill: {after['searchable']}, "
            f"after the retry: {final['searchable']}"
        )
    verdict = (
        f"load {final['status']}; loads since: {final['loads_since']}; the source "
        f"{'still searches its previous load' if kept else 'moved to another load'} "
        f"(searchable: {final['searchable']})"
    )
    if final["status"] == "running":
        return (
            "NOT recovered (depends on the dead-load detection being added in openmash/sources): " + verdict
        )
    return verdict


@dataclass
class Traffic:
    """Signed-in people reading pages (and a researcher saving drafts) while PostgreSQL restarts."""

    url: str
    stop: threading.Event = field(default_factory=threading.Event)
    log: list[tuple[float, str, int, str]] = field(default_factory=list)

    def session(self, username: str) -> requests.Session:
        s = requests.Session()
        page = s.get(f"{self.url}/sign-in/", timeout=30)
        token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page.text)
        answer = s.post(
            f"{self.url}/sign-in/",
            data={
                "username": username,
                "password": PASSWORD,
                "csrfmiddlewaretoken": token.group(1) if token else "",
            },
            allow_redirects=False,
            timeout=30,
        )
        if answer.status_code != 302:
            raise RuntimeError(f"{username} could not sign in")
        return s

    def reader(self, username: str, paths: list[str]) -> None:
        s = self.session(username)
        i = 0
        while not self.stop.is_set():
            path = paths[i % len(paths)]
            i += 1
            try:
                r = s.get(f"{self.url}{path}", timeout=30, allow_redirects=False)
                self.log.append((time.monotonic(), path, r.status_code, _kind(r)))
            except requests.RequestException as error:
                self.log.append((time.monotonic(), path, 0, type(error).__name__))
            time.sleep(0.1)


def _kind(response: requests.Response) -> str:
    body = response.text
    if "Traceback" in body or "technical_500" in body or "Exception Value" in body:
        return "TRACEBACK PAGE"
    if response.status_code >= 500:
        title = re.search(r"<title>(.*?)</title>", body, re.S)
        heading = re.search(r"<h1[^>]*>(.*?)</h1>", body, re.S)
        return (title or heading).group(1).strip()[:80] if (title or heading) else body[:80]
    return ""


def postgres_restart(hub: Hub, database: str) -> str:
    step("3. PostgreSQL restarted under load (pg_ctlcluster 15 main restart)")
    traffic = Traffic(hub.url)
    case = django(
        database,
        "from openmash.cases.models import Case\nprint(json.dumps({'id': str(Case.objects.first().pk)}))",
    )
    readers = [
        threading.Thread(
            target=traffic.reader, args=("screening.manager", ["/cases/", f"/cases/{case['id']}/", "/"])
        ),
        threading.Thread(target=traffic.reader, args=("ig.officer", ["/audit/", "/"])),
        threading.Thread(target=traffic.reader, args=("police.researcher", ["/requests/", "/"])),
    ]
    for thread in readers:
        thread.start()
    time.sleep(10)
    say(
        f"traffic running: {len(traffic.log)} requests in 10 s, "
        f"all answered (200, or 302 to the role's home): {all(c in (200, 302) for _, _, c, _ in traffic.log)}"
    )
    restart_at = time.monotonic()
    say("restarting PostgreSQL")
    subprocess.run(["pg_ctlcluster", "15", "main", "restart"], check=True)  # noqa: S603, S607
    back_at = time.monotonic()
    say(
        f"PostgreSQL back after {back_at - restart_at:.1f} s; "
        "traffic continues for 30 s (gunicorn not restarted)"
    )
    time.sleep(30)
    traffic.stop.set()
    for thread in readers:
        thread.join(timeout=60)
    during = [entry for entry in traffic.log if entry[0] >= restart_at]
    failed = [entry for entry in during if entry[2] != 200 and entry[2] != 302]
    tracebacks = [entry for entry in during if entry[3] == "TRACEBACK PAGE"]
    first_ok_after = next((t for t, _, code, _ in during if t >= back_at and code == 200), None)
    last_fail = max((t for t, _, code, _ in failed), default=None)
    say(
        f"requests from the restart on: {len(during)}; failed: {len(failed)}; "
        f"traceback pages: {len(tracebacks)}"
    )
    kinds: dict[str, int] = {}
    for _, _, code, kind in failed:
        kinds[f"{code} {kind}"] = kinds.get(f"{code} {kind}", 0) + 1
    for kind, count in sorted(kinds.items()):
        say(f"  failed as: {kind} x{count}")
    if last_fail is not None:
        say(f"last failure {last_fail - restart_at:.1f} s after the restart began")
    if first_ok_after is not None:
        say(f"first success {first_ok_after - back_at:.1f} s after PostgreSQL was back")
    tail = [entry for entry in during if entry[0] >= back_at + 10]
    recovered = bool(tail) and all(code in (200, 302) for _, _, code, _ in tail)
    say(f"from 10 s after PostgreSQL was back: {len(tail)} requests, all answered: {recovered}")
    return (
        f"{len(failed)} failed requests during the restart ({', '.join(sorted(kinds)) or 'none'}), "
        f"{len(tracebacks)} traceback pages; "
        f"{'recovered without a restart' if recovered else 'NOT recovered'}"
    )


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--database", default="openmash_load")
    parser.add_argument("--cases", type=int, default=20_000)
    parser.add_argument("--skip-postgres", action="store_true", help="leave the shared PostgreSQL alone")
    parser.add_argument("--port", type=int, default=8766)
    args = parser.parse_args()
    prepare_database(args.database, cases=args.cases, open_share=0.15, fresh=False)
    hub = Hub(args.database, port=args.port, workers=2)
    results = {}
    try:
        hub.start_web()
        hub.start_worker()
        results["worker killed mid-trawl"] = worker_mid_trawl(hub, args.database)
        results["worker killed mid-load"] = worker_mid_load(hub, args.database)
        if not args.skip_postgres:
            results["PostgreSQL restarted under load"] = postgres_restart(hub, args.database)
    finally:
        hub.stop()
    step("Summary")
    for name, verdict in results.items():
        print(f"   {name}: {verdict}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
