"""How long `volume_load` takes to build a large hub on PostgreSQL, and what it costs; prints a table.

    /work/main/.venv/bin/python bench/bench_volume.py [--cases 20000] [--database openmash_load]

Builds a fresh database (migrate, the demo hub's users and agencies without its 200 cases, then
`volume_load --cases N`), verifies the audit chain, and prints wall-clock seconds, the CPU seconds of the
loader and of its PostgreSQL backend, the loader's peak memory, and the machine's load average (on a
shared machine the wall clock grows with it; the CPU seconds do not). Not part of the test run.
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
import json, os, resource, time
import django
django.setup()
from django.db import connection
from openmash.demo.loader import load_demo_hub
from openmash.demo.volume import load_volume
from openmash.audit.services import audit_verify_chain
load_demo_hub()
with connection.cursor() as cursor:
    cursor.execute("SELECT pg_backend_pid()")
    backend = cursor.fetchone()[0]
def backend_cpu():
    fields = open(f"/proc/{backend}/stat").read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
cpu_before, pg_before, started = time.process_time(), backend_cpu(), time.perf_counter()
result = load_volume(cases=CASES, seed=1)
wall = time.perf_counter() - started
cpu, pg = time.process_time() - cpu_before, backend_cpu() - pg_before
started = time.perf_counter()
report = audit_verify_chain()
print(json.dumps({"wall": wall, "cpu": cpu, "pg_cpu": pg, "steps": result.seconds,
                  "peak_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
                  "events": result.audit_events, "people": result.people, "statuses": result.by_status,
                  "chain": report.intact, "checked": report.checked,
                  "verify": time.perf_counter() - started}))
"""


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--cases", type=int, default=20_000)
    parser.add_argument("--database", default="openmash_load", help="dropped and rebuilt")
    args = parser.parse_args()
    env = dict(os.environ)
    env.update(
        DATABASE_URL=f"postgres://postgres@127.0.0.1:5432/{args.database}",
        DJANGO_SETTINGS_MODULE="openmash.config.settings.dev",
    )

    def psql(sql: str) -> None:
        subprocess.run(["psql", "-h", "127.0.0.1", "-U", "postgres", "-qc", sql], check=True)  # noqa: S603, S607

    psql(f'DROP DATABASE IF EXISTS "{args.database}" WITH (FORCE)')
    psql(f'CREATE DATABASE "{args.database}"')
    subprocess.run([sys.executable, "manage.py", "migrate", "-v0"], cwd=ROOT, env=env, check=True)  # noqa: S603
    load_before = os.getloadavg()
    out = subprocess.run(  # noqa: S603
        [sys.executable, "-c", BUILD.replace("CASES", str(args.cases))],
        cwd=ROOT,
        env=env,
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    r = json.loads(out.strip().splitlines()[-1])
    load_after = os.getloadavg()
    print(f"volume_load of {args.cases} cases on PostgreSQL ({os.cpu_count()} cores)")
    print(
        f"{'wall s':>8} {'loader CPU s':>12} {'PG CPU s':>9} {'peak MB':>8} {'events':>8} {'people':>7} "
        f"{'load avg':>10}"
    )
    print(
        f"{r['wall']:>8.0f} {r['cpu']:>12.0f} {r['pg_cpu']:>9.0f} {r['peak_mb']:>8.0f} {r['events']:>8} "
        f"{r['people']:>7} {load_before[0]:>4.1f}-{load_after[0]:<4.1f}"
    )
    print("steps: " + ", ".join(f"{k} {v:.0f} s" for k, v in r["steps"].items()))
    print(f"statuses: {r['statuses']}")
    print(f"audit chain intact: {r['chain']} ({r['checked']} events checked in {r['verify']:.0f} s)")


if __name__ == "__main__":
    main()
