"""Load benchmark: 50 signed-in people for 10 minutes against gunicorn and PostgreSQL at volume.

    /work/main/.venv/bin/python bench/load/run.py                 # 10 minutes, 50 users
    /work/main/.venv/bin/python bench/load/run.py --minutes 1     # a smoke run
    /work/main/.venv/bin/python bench/load/run.py --fresh         # rebuild the database first

Sets up the database (migrate, demo_load, volume_load of 20,000 cases, unless already there), starts
gunicorn and the background worker, runs locust headless (bench/load/locustfile.py), stops the hub,
then checks that every write the server acknowledged is stored and that the audit chain verifies.
Prints errors, p50/p95 per page and writes acknowledged/stored. Not part of the test run.
"""

from __future__ import annotations

import argparse
import csv
import json
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from hub import OUT, PYTHON, ROOT, Hub, hub_env, prepare_database  # noqa: E402


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--database", default="openmash_load")
    parser.add_argument("--minutes", type=float, default=10)
    parser.add_argument("--users", type=int, default=50)
    parser.add_argument("--workers", type=int, default=3, help="gunicorn workers (2-4 on a small machine)")
    parser.add_argument("--cases", type=int, default=20_000)
    parser.add_argument("--open-share", type=float, default=0.15, help="open cases give the writers work")
    parser.add_argument("--fresh", action="store_true", help="drop and rebuild the database first")
    parser.add_argument("--port", type=int, default=8765)
    args = parser.parse_args()

    OUT.mkdir(parents=True, exist_ok=True)
    timings = prepare_database(args.database, cases=args.cases, open_share=args.open_share, fresh=args.fresh)
    for step, seconds in timings.items():
        print(f"set-up {step}: {seconds:.0f} s")
    acks = OUT / "acked.jsonl"
    acks.unlink(missing_ok=True)
    hub = Hub(args.database, port=args.port, workers=args.workers)
    try:
        hub.start_web()
        hub.start_worker()
        print(f"gunicorn ({args.workers} workers) and the worker are up at {hub.url}")
        prefix = OUT / "locust"
        started = time.monotonic()
        subprocess.run(  # noqa: S603
            [
                PYTHON,
                "-m",
                "locust",
                "-f",
                str(Path(__file__).with_name("locustfile.py")),
                "--headless",
                "--users",
                str(args.users),
                "--spawn-rate",
                "2",
                "--run-time",
                f"{int(args.minutes * 60)}s",
                "--host",
                hub.url,
                "--csv",
                str(prefix),
                "--only-summary",
                "--loglevel",
                "WARNING",
            ],
            cwd=ROOT,
            env=hub_env(args.database, OPENMASH_LOAD_ACKS=str(acks)),
            check=False,
        )
        elapsed = time.monotonic() - started
    finally:
        hub.stop()
    print()
    print(
        f"{args.users} users for {elapsed / 60:.1f} minutes, "
        f"{args.workers} gunicorn workers, {args.cases} cases"
    )
    errors = report(prefix)
    lost = check_writes(args.database, acks)
    tracebacks = (OUT / "gunicorn.log").read_text(errors="replace").count("Traceback")
    print(f"Tracebacks in the gunicorn log: {tracebacks}")
    return 1 if errors or lost else 0


def report(prefix: Path) -> int:
    rows = list(csv.DictReader((prefix.parent / f"{prefix.name}_stats.csv").open()))
    print(f"{'page or action':<36} {'requests':>9} {'errors':>7} {'p50 ms':>7} {'p95 ms':>7} {'max ms':>8}")
    errors = 0
    for row in rows:
        name = f"{row['Type'].lower()} {row['Name']}"[:36]
        if row["Type"] == "REFUSED":
            print(f"  refused, shown on the form: {row['Name']} x{row['Request Count']}")
            continue
        if row["Name"] == "Aggregated":
            name = "all requests (incl. sign-in)"
        else:
            errors += int(row["Failure Count"])
        print(
            f"{name:<36} {row['Request Count']:>9} {row['Failure Count']:>7} {row['50%']:>7} "
            f"{row['95%']:>7} {float(row['Max Response Time']):>8.0f}"
        )
    failures = prefix.parent / f"{prefix.name}_failures.csv"
    if failures.exists():
        for row in csv.DictReader(failures.open()):
            print(f"  error: {row['Method']} {row['Name']}: {row['Error']} x{row['Occurrences']}")
    print(f"Errors: {errors}")
    return errors


CHECK = """
import json, sys
from openmash.audit.services import audit_verify_chain
from openmash.decisions.models import Decision
from openmash.enquiries.models import InformationRequest, RequestStatus
acks = [json.loads(line) for line in open(sys.argv[-1])]
stored = {"return": 0, "decision": 0}
missing = []
for ack in acks:
    if ack["kind"] == "return":
        ok = InformationRequest.objects.filter(
            pk=ack["id"], status=RequestStatus.RETURNED, summary__contains=ack["marker"]).exists()
    else:
        ok = Decision.objects.filter(case_id=ack["id"], rationale__contains=ack["marker"]).exists()
    stored[ack["kind"]] += ok
    if not ok:
        missing.append(ack)
acked = {k: sum(1 for a in acks if a["kind"] == k) for k in stored}
chain = audit_verify_chain().intact
print(json.dumps({"acked": acked, "stored": stored, "missing": missing[:20], "chain": chain}))
"""


def check_writes(database: str, acks: Path) -> int:
    if not acks.exists():
        print("Writes acknowledged: 0")
        return 0
    out = subprocess.run(  # noqa: S603
        [PYTHON, "-c", "import django; django.setup()\n" + CHECK, str(acks)],
        cwd=ROOT,
        env=hub_env(database),
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    result = json.loads(out.strip().splitlines()[-1])
    lost = 0
    for kind in ("return", "decision"):
        acked, stored = result["acked"][kind], result["stored"][kind]
        lost += acked - stored
        print(f"Writes ({kind}s): acknowledged {acked}, stored {stored}, lost {acked - stored}")
    for ack in result["missing"]:
        print(f"  not stored: {ack}")
    print(f"Audit chain after the run: {'intact' if result['chain'] else 'BROKEN'}")
    return lost


if __name__ == "__main__":
    raise SystemExit(main())
