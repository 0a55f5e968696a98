"""Generated uploads against the real load page, on a throw-away test database; prints the figures
(not part of the test run).

Hypothesis generates CSV and Excel uploads — random bytes, truncated files, wrong encodings, formula
cells, huge cells, unbalanced quotes, zip bombs — and each is uploaded through the data-source load
page as a hub administrator (upload limit, form, queue, worker, connector, load), exactly as in the
product. For each one it checks: no server error, no unexpected failure (a crash), and, when the load
fails, nothing left behind (no snapshot, no records, the source's settings and current load
unchanged, the uploaded file removed). Goal: 0, 0 and 0.

.venv/bin/python bench/fuzz_uploads.py [--examples 500] [--seed 1]
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "openmash.config.settings.test")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--examples", type=int, default=500, help="uploads of each kind (CSV, Excel)")
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()

    import logging

    import django

    django.setup()
    logging.disable(logging.CRITICAL)  # every bad upload is logged by design; the figures say enough
    from django.conf import settings
    from django.db import connection
    from django.test import Client
    from django.test.utils import setup_test_environment
    from hypothesis import HealthCheck, given, seed
    from hypothesis import settings as hsettings

    setup_test_environment()
    if connection.vendor != "sqlite":  # a database of its own, beside the test suite's
        connection.settings_dict.setdefault("TEST", {})["NAME"] = f"fuzz_{connection.settings_dict['NAME']}"
    old_name = connection.creation.create_test_db(verbosity=0, autoclobber=True)
    work = Path(tempfile.mkdtemp(prefix="openmash-fuzz-"))
    settings.OPENMASH_SOURCES_DIR = work / "var-sources"
    settings.OPENMASH_SOURCE_FOLDERS = [work]
    settings.OPENMASH_SOURCE_MAX_UPLOAD_MB = 1  # so generated uploads also cross the limit
    try:
        from openmash.accounts.roles import Role
        from openmash.accounts.tests.factories import UserFactory
        from openmash.core.actor import Actor
        from openmash.hub.models import Agency
        from openmash.hub.services import hub_apply_preset
        from openmash.sources.tests.fuzz import (
            Tally,
            csv_uploads,
            push,
            stray_uploads,
            xlsx_source,
            xlsx_uploads,
        )
        from openmash.sources.tests.helpers import police_source

        hub_apply_preset(actor=Actor.system("fuzz"), preset_slug="front-door")
        admin = UserFactory(
            agency=Agency.objects.order_by("created_at").first(), roles=[Role.HUB_ADMINISTRATOR]
        )
        client = Client()
        client.force_login(admin)
        targets = {"CSV": police_source(work / "csv"), "Excel": xlsx_source(work / "xlsx")}
        strategies = {"CSV": csv_uploads(), "Excel": xlsx_uploads()}
        print(
            f"{'kind':<6} {'tried':>6} {'loaded':>7} {'failed':>7} {'refused':>8}"
            f" {'server errors':>14} {'crashes':>8} {'partial writes':>15} {'seconds':>8}"
        )
        total = Tally()
        for kind, strategy in strategies.items():
            tally = Tally()
            source = targets[kind]

            def one(upload: tuple[str, bytes], source: object = source, tally: Tally = tally) -> None:
                name, content = upload
                push(client, source, name, content, tally)  # type: ignore[arg-type]

            run = seed(args.seed)(
                hsettings(
                    max_examples=args.examples,
                    deadline=None,
                    database=None,
                    suppress_health_check=list(HealthCheck),
                )(given(strategy)(lambda upload: one(upload)))
            )
            started = time.perf_counter()
            run()
            elapsed = time.perf_counter() - started
            print(
                f"{kind:<6} {tally.tried:>6} {tally.loaded:>7} {tally.failed_cleanly:>7}"
                f" {tally.refused_by_form:>8} {tally.server_errors:>14} {tally.crashes:>8}"
                f" {tally.partial_writes:>15} {elapsed:>8.0f}"
            )
            for reason, count in sorted(tally.reasons.items(), key=lambda kv: -kv[1])[:8]:
                print(f"    failed {count}x: {reason}")
            for example in tally.examples:
                print(f"    {example}")
            for name in ("tried", "server_errors", "crashes", "partial_writes"):
                setattr(total, name, getattr(total, name) + getattr(tally, name))
        stray = stray_uploads()
        print(
            f"total: {total.tried} cases, {total.server_errors} server errors, {total.crashes} crashes,"
            f" {total.partial_writes} partial writes; {len(stray)} uploaded files left behind"
        )
        if total.server_errors or total.crashes or total.partial_writes or stray:
            sys.exit(1)
    finally:
        connection.creation.destroy_test_db(old_name, verbosity=0)


if __name__ == "__main__":
    main()
