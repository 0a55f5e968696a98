"""How long a fresh web process takes to show the first pages people meet: the home page right after
signing in, for each role, and the meeting pack (PDF) the first time and again.

    nice -n 10 /work/main/.venv/bin/python bench/bench_first_pages.py                 # this checkout
    nice -n 10 /work/main/.venv/bin/python bench/bench_first_pages.py --checkout /path/to/other --label before

Serves the demo hub as `make demo` does (development settings, SQLite, `runserver --noreload`; or
`--server gunicorn`, one worker, as deployed), from a database of its own under
var/bench/first-pages/LABEL/ (built once with `migrate` and `demo_load`; `--fresh` rebuilds it). Each
run starts a new server process and times, in milliseconds: the process until it answers; then, for
each role in turn, the sign-in form, its POST (the password check) and the home page it leads to; then the
pack of one decided case twice. Each sign-in is sent `--think` seconds (default 3) after its form
opened, as a person types. Runs rotate the roles, so each role is first (into a cold process) once.
Prints every run and the medians. Not part of the test run; the machine is shared, so figures move
from run to run.
"""

from __future__ import annotations

import argparse
import os
import re
import socket
import sqlite3
import statistics
import subprocess
import sys
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path

import requests

ROOT = Path(__file__).resolve().parents[1]
PASSWORD = "synthetic-demo-only"  # noqa: S105 - every demo account's, printed by make demo
ROLES = [
    "screening.manager",
    "police.researcher",
    "decision.maker",
    "performance.manager",
    "hub.admin",
    "ig.officer",
    "referrer.school",
]
PACK_USER = "screening.manager"


@dataclass
class Run:
    ready_ms: float = 0.0
    form_ms: dict[str, float] = field(default_factory=dict)
    """The sign-in form itself: a page with no query and no one's data, the floor of a page's cost."""
    sign_in_ms: dict[str, float] = field(default_factory=dict)
    home_ms: dict[str, float] = field(default_factory=dict)
    first: str = ""
    pack_ms: list[float] = field(default_factory=list)


def env_for(checkout: Path, var_dir: Path) -> dict[str, str]:
    env = dict(os.environ)
    env.update(
        PYTHONPATH=str(checkout),
        DJANGO_SETTINGS_MODULE="openmash.config.settings.dev",
        OPENMASH_VAR_DIR=str(var_dir),
        OPENMASH_MFA_REQUIRED="false",
        SIGN_IN_MAX_FAILURES="1000",
        SIGN_IN_MAX_FAILURES_PER_ADDRESS="100000",
        PYTHONUNBUFFERED="1",
    )
    env.pop("DATABASE_URL", None)
    return env


def build(checkout: Path, var_dir: Path, *, fresh: bool) -> None:
    database = var_dir / "openmash.sqlite3"
    if database.exists() and not fresh:
        return
    var_dir.mkdir(parents=True, exist_ok=True)
    for stale in var_dir.glob("openmash.sqlite3*"):
        stale.unlink()
    env = env_for(checkout, var_dir)
    print(f"Building the demo hub in {var_dir} (migrate, demo_load) ...", flush=True)
    for args in (["migrate", "--no-input"], ["demo_load"]):
        subprocess.run(  # noqa: S603 - the project's own commands
            [sys.executable, "manage.py", *args], cwd=checkout, env=env, check=True, stdout=subprocess.DEVNULL
        )


def decided_case(var_dir: Path) -> str:
    """The decided case with the most people: its pack has a full genogram and chronology."""
    with sqlite3.connect(var_dir / "openmash.sqlite3") as db:
        (row,) = db.execute(
            "SELECT c.id FROM cases_case c JOIN referrals_referralperson p ON p.referral_id = c.referral_id"
            " WHERE c.status IN ('decided', 'closed')"
            " GROUP BY c.id ORDER BY count(*) DESC, c.reference LIMIT 1"
        )
    return str(uuid.UUID(hex=str(row[0]).replace("-", "")))


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def start(server: str, checkout: Path, var_dir: Path, port: int) -> subprocess.Popen[bytes]:
    if server == "gunicorn":
        command = [
            sys.executable,
            "-m",
            "gunicorn",
            "openmash.config.wsgi",
            "--workers",
            "1",
            "--bind",
            f"127.0.0.1:{port}",
            "--timeout",
            "120",
        ]
        env = {**env_for(checkout, var_dir), "DJANGO_SETTINGS_MODULE": "openmash.config.settings.dev"}
        # The wsgi module defaults to production settings; the benchmark serves the demo's.
    else:
        command = [sys.executable, "manage.py", "runserver", "--noreload", f"127.0.0.1:{port}"]
        env = env_for(checkout, var_dir)
    log = (var_dir / f"{server}.log").open("ab")
    return subprocess.Popen(command, cwd=checkout, env=env, stdout=log, stderr=subprocess.STDOUT)  # noqa: S603


def wait_ready(url: str, process: subprocess.Popen[bytes], seconds: float = 180) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError("the server stopped; see its log under var/bench/first-pages/")
        try:
            if requests.get(f"{url}/health/live", timeout=5).status_code == 200:
                return
        except requests.RequestException:
            pass
        time.sleep(0.05)
    raise RuntimeError("the server did not answer")


def ms(started: float) -> float:
    return (time.perf_counter() - started) * 1000


def sign_in(url: str, username: str, think: float) -> tuple[requests.Session, float, float, float]:
    """Sign in through the form, `think` seconds after it opens (the person typing); returns the
    session, the form's time, the POST's time and the time of the page it leads to (with any further
    redirect)."""
    session = requests.Session()
    started = time.perf_counter()
    form = session.get(f"{url}/sign-in/", timeout=60)
    form_ms = ms(started)
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', form.text)
    assert token, "no CSRF token on the sign-in form"
    time.sleep(think)
    started = time.perf_counter()
    answer = session.post(
        f"{url}/sign-in/",
        data={"csrfmiddlewaretoken": token.group(1), "username": username, "password": PASSWORD},
        headers={"Referer": f"{url}/sign-in/"},
        allow_redirects=False,
        timeout=60,
    )
    posted = ms(started)
    assert answer.status_code == 302, f"sign-in as {username} answered {answer.status_code}"
    started = time.perf_counter()
    home = session.get(url + answer.headers["Location"], timeout=60)
    assert home.status_code == 200, username
    assert "Sign in to OpenMASH" not in home.text, username
    return session, form_ms, posted, ms(started)


def one_run(args: argparse.Namespace, var_dir: Path, case_id: str, order: list[str]) -> Run:
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    run = Run(first=order[0])
    started = time.perf_counter()
    process = start(args.server, args.checkout, var_dir, port)
    try:
        wait_ready(url, process)
        run.ready_ms = ms(started)
        sessions = {}
        for username in order:
            answer = sign_in(url, username, args.think)
            sessions[username], run.form_ms[username], run.sign_in_ms[username], run.home_ms[username] = (
                answer
            )
        for _ in range(2):
            started = time.perf_counter()
            pack = sessions[PACK_USER].get(f"{url}/product/{case_id}/pack.pdf", timeout=120)
            run.pack_ms.append(ms(started))
            assert pack.status_code == 200, pack.status_code
            assert pack.content.startswith(b"%PDF")
    finally:
        process.terminate()
        process.wait(timeout=30)
    return run


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--checkout", type=Path, default=ROOT, help="the code to serve (default: this one)")
    parser.add_argument("--label", default="", help="names the database folder (default: the checkout's)")
    parser.add_argument("--runs", type=int, default=len(ROLES))
    parser.add_argument("--server", choices=["runserver", "gunicorn"], default="runserver")
    parser.add_argument("--fresh", action="store_true", help="rebuild the demo database")
    parser.add_argument(
        "--think", type=float, default=3.0, help="seconds between opening the sign-in form and sending it"
    )
    args = parser.parse_args()
    args.checkout = args.checkout.resolve()
    label = args.label or args.checkout.name
    var_dir = ROOT / "var" / "bench" / "first-pages" / label
    build(args.checkout, var_dir, fresh=args.fresh)
    case_id = decided_case(var_dir)
    print(
        f"{label}: {args.checkout}, {args.server}, {args.runs} fresh processes, {args.think:g} s to type "
        "the password; times in ms"
    )
    runs = []
    for number in range(args.runs):
        order = ROLES[number % len(ROLES) :] + ROLES[: number % len(ROLES)]
        run = one_run(args, var_dir, case_id, order)
        runs.append(run)
        homes = ", ".join(f"{u} {run.home_ms[u]:.0f}" for u in order)
        print(
            f"run {number + 1}: ready {run.ready_ms:.0f}; home after sign-in: {homes}; "
            f"pack {run.pack_ms[0]:.0f} then {run.pack_ms[1]:.0f}",
            flush=True,
        )
    cold = [r.home_ms[r.first] for r in runs]
    warm = [ms_ for r in runs for u, ms_ in r.home_ms.items() if u != r.first]
    print("medians:")
    print(f"  server ready                      {statistics.median(r.ready_ms for r in runs):7.0f}")
    forms = [v for r in runs for v in r.form_ms.values()]
    print(f"  sign-in form (the floor)          {statistics.median(forms):7.0f}")
    posts = [v for r in runs for v in r.sign_in_ms.values()]
    print(f"  sign-in POST (password check)     {statistics.median(posts):7.0f}")
    print(f"  first home page in a new process  {statistics.median(cold):7.0f}  (max {max(cold):.0f})")
    print(f"  later home pages                  {statistics.median(warm):7.0f}  (max {max(warm):.0f})")
    print(f"  first pack (PDF)                  {statistics.median(r.pack_ms[0] for r in runs):7.0f}")
    print(f"  second pack                       {statistics.median(r.pack_ms[1] for r in runs):7.0f}")
    for role in ROLES:
        values = [r.home_ms[role] for r in runs]
        print(
            f"  home of {role:<26}{statistics.median(values):7.0f}  (first in its process: "
            f"{', '.join(f'{r.home_ms[role]:.0f}' for r in runs if r.first == role) or '-'})"
        )


if __name__ == "__main__":
    main()
