"""Audit writes per second through the real service (`audit_record`: the chain's lock, the keyed hash,
the insert, a checkpoint every OPENMASH_AUDIT_CHECKPOINT_EVERY events), with 1, 5 and 20 writers at
once, each a separate process with its own database connection as web workers are; then how fast
`audit_verify` walks the trail. Prints one table (not part of the test run).

.venv/bin/python bench/bench_audit.py --database postgres://postgres@127.0.0.1:5432/openmash_volume_audit
.venv/bin/python bench/bench_audit.py --database sqlite    # a SQLite file in a temporary folder

The database is migrated first; events are appended to whatever trail it holds. Its checkpoints are
anchored in one folder per database (under the system's temporary folder), kept between runs as a hub
keeps its anchor: `audit_verify` at the end checks this run's events and every earlier run's. A
PostgreSQL database named here is this benchmark's own: where its anchor folder is missing (a new
machine, a cleaned temporary folder), the database is dropped and made again.
"""

from __future__ import annotations

import argparse
import multiprocessing
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]


def setup(database: str, anchor: Path) -> None:
    if database == "sqlite":
        database = f"sqlite:///{Path(tempfile.mkdtemp(prefix='bench-audit-')) / 'audit.sqlite3'}"
    os.environ["DATABASE_URL"] = database
    os.environ["DJANGO_SETTINGS_MODULE"] = "openmash.config.settings.test"
    os.environ["OPENMASH_AUDIT_ANCHOR_DIR"] = str(anchor)
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()
    from django.conf import settings

    settings.OPENMASH_AUDIT_ANCHOR_DIR = anchor  # the test settings would use a folder of their own


def writer(events: int, start: Any, out: Any) -> None:
    from django.db import connection

    from openmash.core.actor import Actor

    actor = Actor.system("benchmark")
    latencies: list[float] = []
    start.wait()
    try:
        append(events, actor, latencies)
    except Exception as error:  # noqa: BLE001 - reported by the parent, which would otherwise wait for ever
        out.put(f"{type(error).__name__}: {error}")
        raise
    connection.close()
    out.put(latencies)


def append(events: int, actor: Any, latencies: list[float]) -> None:
    from openmash.audit.catalogue import AuditAction
    from openmash.audit.services import audit_record

    for i in range(events):
        began = time.perf_counter()
        audit_record(
            actor=actor,
            action=AuditAction.AUDIT_VIEWED,
            object_type="audit.auditevent",
            persons=[f"bench-{os.getpid()}-{i}"],
            detail={"filters": {"action": "", "actor": "", "object_id": ""}, "agency": "all"},
        )
        latencies.append(time.perf_counter() - began)


def run(writers: int, events: int) -> tuple[float, float, float]:
    from django.db import connections

    connections.close_all()  # each process opens its own
    ctx = multiprocessing.get_context("fork")
    start = ctx.Barrier(writers + 1)
    out = ctx.Queue()
    procs = [ctx.Process(target=writer, args=(events, start, out)) for _ in range(writers)]
    for p in procs:
        p.start()
    start.wait()
    began = time.perf_counter()
    latencies: list[float] = []
    for _ in procs:
        got = out.get()
        if isinstance(got, str):
            raise SystemExit(f"a writer failed: {got}")
        latencies.extend(got)
    elapsed = time.perf_counter() - began
    for p in procs:
        p.join()
        if p.exitcode != 0:
            raise SystemExit(f"a writer failed (exit code {p.exitcode})")
    q = statistics.quantiles(latencies, n=100)
    return len(latencies) / elapsed, q[49] * 1000, q[94] * 1000


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--database", default="postgres://postgres@127.0.0.1:5432/openmash_volume_audit")
    parser.add_argument("--writers", type=int, nargs="+", default=[1, 5, 20])
    parser.add_argument("--events", type=int, default=200, help="events each writer appends")
    parser.add_argument(
        "--chains",
        type=int,
        nargs="+",
        default=[1, 16],
        help="OPENMASH_AUDIT_CHAINS to compare (1: every writer queues for the one chain's lock)",
    )
    args = parser.parse_args()
    kept_as = args.database.rstrip("/").rsplit("/", 1)[-1] if args.database != "sqlite" else ""
    anchor = (
        Path(tempfile.gettempdir()) / "openmash-bench-audit-anchors" / kept_as
        if kept_as
        else Path(tempfile.mkdtemp(prefix="bench-audit-anchor-"))  # a new SQLite file each run
    )
    anchored = anchor.is_dir()  # made by an earlier run, with whatever checkpoints it anchored
    anchor.mkdir(parents=True, exist_ok=True)
    setup(args.database, anchor)
    from django.core.management import call_command
    from django.db import connection

    if connection.vendor == "postgresql":
        from psycopg import connect

        params = connection.get_connection_params()
        name = params.pop("dbname")
        with connect(**{**params, "dbname": "postgres"}, autocommit=True) as admin:
            if not anchored:
                # A trail whose checkpoints were anchored in a folder since removed would fail its check
                # for that reason alone: this benchmark's own database is started again.
                admin.execute(f'DROP DATABASE IF EXISTS "{name}"')
            if not admin.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone():
                admin.execute(f'CREATE DATABASE "{name}"')
    call_command("migrate", verbosity=0)

    from django.conf import settings

    from openmash.audit.models import AuditEvent
    from openmash.audit.services import audit_verify_chain

    print(f"database: {connection.vendor}; {args.events} events per writer; keyed chain; checkpoints as set")
    print(f"{'chains':>6} {'writers':>7} {'events/s':>9} {'p50 ms':>7} {'p95 ms':>7}")
    for chains in args.chains:
        settings.OPENMASH_AUDIT_CHAINS = chains  # the writers are forked from here and inherit it
        for writers in args.writers:
            rate, p50, p95 = run(writers, args.events)
            print(f"{chains:>6} {writers:>7} {rate:>9.0f} {p50:>7.2f} {p95:>7.2f}", flush=True)
    began = time.perf_counter()
    report = audit_verify_chain()
    elapsed = time.perf_counter() - began
    total = AuditEvent.objects.count()
    state = "intact" if report.intact else f"BROKEN: {report.problem}"
    print(f"audit_verify: {total} events in {elapsed:.2f} s ({total / elapsed:.0f} events/s), {state}")


if __name__ == "__main__":
    main()
