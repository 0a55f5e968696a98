"""How fast the partnership performance pages and exports answer over a large hub on PostgreSQL.

    nice -n 19 /work/main/.venv/bin/python bench/bench_reporting.py [--cases 20000]
        [--database openmash_reporting_bench] [--reuse]

Builds a fresh database unless --reuse (migrate, the demo hub's users and agencies, then
`volume_load --cases N` spread over five years; see bench/bench_volume.py and docs/adr/0019), then,
signed in as the demo performance manager, asks for every dashboard page and export over the last
twelve months and prints, for each, the wall-clock seconds (best of three, each drawing its charts
afresh with vl-convert, whose engine is started first as each web worker starts it) and the number of
database queries. Beside the wall clock: the web process's own CPU seconds (its Python: views, charts,
exports; the engine vl-convert runs in its own threads is counted too) and the seconds the database
queries took as the client saw them; on a machine shared with other work the wall clock and the SQL time
grow with the load, the CPU seconds much less. Not part of the test run.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

BUILD = """
import django
django.setup()
from openmash.demo.loader import load_demo_hub
from openmash.demo.volume import load_volume
load_demo_hub()
load_volume(cases=CASES, seed=1)
"""

MEASURE = """
import json, time
import django
django.setup()
from datetime import timedelta
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from openmash.accounts.models import User
from openmash.cases.models import Case
from openmash.hub.models import Agency, AgencyKind
from openmash.reporting import charts
from openmash.reporting.selectors import measure_titles
from openmash.reporting.views import today

started = time.perf_counter()
charts.warm()  # as each gunicorn worker does when it starts
warm_seconds = time.perf_counter() - started

last = today()
first = last - timedelta(days=364)
query = f"?start={first.isoformat()}&end={last.isoformat()}"
client = Client()
client.force_login(User.objects.get(username="performance.manager"))
police = Agency.objects.get(kind=AgencyKind.POLICE)
pages = [("home", reverse("accounts:role-home", args=["performance-manager"]))]
pages.append(("dashboard (12 months)", reverse("reporting:dashboard") + query))
for slug in measure_titles():
    pages.append((f"{slug} page", reverse("reporting:measure", args=[slug]) + query))
for slug in measure_titles():
    pages.append((f"{slug} XLSX", reverse("reporting:measure-xlsx", args=[slug]) + query))
pages.append(("volumes sources CSV", reverse("reporting:measure-csv", args=["volumes", "sources"]) + query))
pages.append(("police scorecard", reverse("reporting:scorecard", args=[police.pk]) + query))
half = f"?start={(last - timedelta(days=182)).isoformat()}&end={last.isoformat()}"
pages.append(("Annex A page (6 months)", reverse("reporting:annex-a") + half))
for which in ("list1", "list2", "list3"):
    pages.append((f"Annex A {which} CSV", reverse("reporting:annex-a-csv", args=[which]) + half))
pages.append(("Annex A XLSX", reverse("reporting:annex-a-xlsx") + half))
out = {"cases": Case.objects.count(), "rows": [], "warm": warm_seconds}
for name, url in pages:
    best = None
    for _ in range(3):
        charts.clear_cache()  # every chart drawn again: the figure includes vl-convert
        with CaptureQueriesContext(connection) as queries:
            started, cpu = time.perf_counter(), time.process_time()
            response = client.get(url)
            seconds, cpu = time.perf_counter() - started, time.process_time() - cpu
        assert response.status_code == 200, (name, response.status_code)
        sql = sum(float(q["time"]) for q in queries.captured_queries)
        if best is None or seconds < best[0]:
            best = (seconds, cpu, sql)
    out["rows"].append([name, *best, len(queries), len(response.content)])
print(json.dumps(out))
"""


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--cases", type=int, default=20_000)
    parser.add_argument("--database", default="openmash_reporting_bench", help="dropped and rebuilt")
    parser.add_argument("--reuse", action="store_true", help="use the database as it is")
    args = parser.parse_args()
    env = dict(os.environ)
    env.update(
        DATABASE_URL=f"postgres://postgres@127.0.0.1:5432/{args.database}",
        DJANGO_SETTINGS_MODULE="openmash.config.settings.dev",
        ALLOWED_HOSTS="testserver",
    )
    if not args.reuse:

        def psql(sql: str) -> None:
            subprocess.run(["psql", "-h", "127.0.0.1", "-U", "postgres", "-qc", sql], check=True)  # noqa: S603, S607

        psql(f'DROP DATABASE IF EXISTS "{args.database}" WITH (FORCE)')
        psql(f'CREATE DATABASE "{args.database}"')
        subprocess.run([sys.executable, "manage.py", "migrate", "-v0"], cwd=ROOT, env=env, check=True)  # noqa: S603
        subprocess.run(  # noqa: S603
            [sys.executable, "-c", BUILD.replace("CASES", str(args.cases))], cwd=ROOT, env=env, check=True
        )
    load_before = os.getloadavg()
    run = subprocess.run(  # noqa: S603
        [sys.executable, "-c", MEASURE], cwd=ROOT, env=env, check=False, capture_output=True, text=True
    )
    if run.returncode:
        sys.exit(run.stderr[-3000:])
    result = run.stdout
    r = json.loads(result.strip().splitlines()[-1])
    load_after = os.getloadavg()
    print(f"partnership performance over {r['cases']} cases on PostgreSQL ({os.cpu_count()} cores)")
    print(f"{'page or export':32} {'seconds':>8} {'app CPU':>8} {'SQL':>8} {'queries':>8} {'bytes':>10}")
    for name, seconds, cpu, sql, queries, size in r["rows"]:
        print(f"{name:32} {seconds:8.3f} {cpu:8.3f} {sql:8.3f} {queries:8d} {size:10d}")
    print(f"chart engine started in {r['warm']:.2f} s (once per process, before the first page)")
    print(f"load average before {load_before[0]:.2f}, after {load_after[0]:.2f}")


if __name__ == "__main__":
    main()
