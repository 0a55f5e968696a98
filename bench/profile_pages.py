"""What each main page costs inside the server process: CPU and wall milliseconds per request (median),
measured in-process with Django's test client, Python function calls per request (the firm figure on a
shared machine), and optionally a cProfile listing sorted by cumulative
time. Complements bench/bench_pages.py, which measures the same pages over HTTP under load.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/openmash_pages_profile \
        nice -n 19 .venv/bin/python bench/profile_pages.py [--requests 20] [--profile "decision page"]

The database must hold the demo hub (migrate, demo_load, optionally volume_load). Settings are the
development ones with DEBUG off, as bench/bench_pages.py serves them (cached template loader, error
pages without a traceback).
"""

from __future__ import annotations

import argparse
import cProfile
import io
import os
import pstats
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT), str(ROOT / "bench")]

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "openmash.config.settings.dev")
os.environ["DEBUG"] = "0"
os.environ.setdefault("OPENMASH_MFA_REQUIRED", "false")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=20, help="requests of each page (default 20)")
    parser.add_argument("--profile", action="append", default=[], help="page name to profile (repeatable)")
    parser.add_argument("--top", type=int, default=45, help="lines of each profile (default 45)")
    parser.add_argument("--sort", default="cumulative", help="profile order: cumulative or tottime")
    parser.add_argument("--all", action="store_true", help="one profile over every signed-in page")
    parser.add_argument("--only", action="append", default=[], help="measure only these pages")
    args = parser.parse_args()

    import django

    django.setup()
    from bench_pages import BARE, pick_pages
    from django.test import Client

    from openmash.accounts.models import User

    pages = pick_pages()
    if args.only:
        pages = [p for p in pages if p.name in args.only or p.name == BARE]
    print(f"{'page':26} {'cpu ms':>8} {'wall ms':>8} {'×bare cpu':>9} {'×bare wall':>10} {'calls':>8}")
    bare: tuple[float, float] | None = None
    together = cProfile.Profile(time.process_time) if args.all else None
    for page in pages:
        client = Client(SERVER_NAME="localhost")
        if page.username:
            client.force_login(User.objects.get(username=page.username))
        for _ in range(3):  # warm: templates compiled, caches filled
            response = client.get(page.path)
            assert response.status_code == 200, (page, response.status_code)
        cpu, wall = [], []
        for _ in range(args.requests):
            c0, w0 = time.process_time(), time.perf_counter()
            client.get(page.path)
            cpu.append((time.process_time() - c0) * 1000)
            wall.append((time.perf_counter() - w0) * 1000)
        row = (statistics.median(cpu), statistics.median(wall))
        if bare is None:
            bare = row
        print(
            f"{page.name:26} {row[0]:8.1f} {row[1]:8.1f} {row[0] / bare[0]:9.1f} {row[1] / bare[1]:10.1f}"
            f" {calls_per_request(client, page.path):>8}",
            flush=True,
        )
        if page.name in args.profile or (together and page.username):
            # CPU of this process, not waits on the database
            profiler = together or cProfile.Profile(time.process_time)
            profiler.enable()
            for _ in range(5):
                client.get(page.path)
            profiler.disable()
            if not together:
                report(profiler, args.sort, args.top)
    if together:
        report(together, args.sort, args.top)


def calls_per_request(client: object, path: str, requests: int = 5) -> int:
    """Python function calls per request: the same on every run, unlike times on a shared machine."""
    counter = cProfile.Profile()
    counter.enable()
    for _ in range(requests):
        client.get(path)  # type: ignore[attr-defined]
    counter.disable()
    return round(pstats.Stats(counter).total_calls / requests)  # type: ignore[attr-defined]


def report(profiler: cProfile.Profile, sort: str, top: int) -> None:
    out = io.StringIO()
    pstats.Stats(profiler, stream=out).sort_stats(sort).print_stats(top)
    print(out.getvalue())


if __name__ == "__main__":
    main()
