"""Start and stop a benchmark hub: PostgreSQL database set-up, gunicorn and the background worker.

Shared by the load run (bench/load/run.py) and the fault run (bench/faults.py). Everything runs from
the project's own commands; the database is a separate one (openmash_load by default), never a real hub.
"""

from __future__ import annotations

import os
import secrets
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
PYTHON = sys.executable
OUT = ROOT / "var" / "bench" / "load"


def hub_env(database: str, **extra: str) -> dict[str, str]:
    """The environment of every process of the benchmark hub."""
    env = dict(os.environ)
    env.update(
        DATABASE_URL=f"postgres://postgres@127.0.0.1:5432/{database}",
        DJANGO_SETTINGS_MODULE="openmash.config.settings.dev",
        DEBUG="0",  # error pages as a deployed hub shows them: never a traceback
        SECRET_KEY=env.get("SECRET_KEY") or secrets.token_urlsafe(50),
        OPENMASH_MFA_REQUIRED="false",  # demo accounts have no authenticator
        SIGN_IN_MAX_FAILURES="1000",
        SIGN_IN_MAX_FAILURES_PER_ADDRESS="100000",  # every simulated person signs in from 127.0.0.1
        OPENMASH_VAR_DIR=str(OUT / "var"),
        PYTHONUNBUFFERED="1",
    )
    env.update(extra)
    return env


def manage(env: dict[str, str], *args: str, quiet: bool = True) -> float:
    """Run a manage.py command; returns its seconds."""
    started = time.perf_counter()
    subprocess.run(  # noqa: S603 - our own commands
        [PYTHON, "manage.py", *args],
        cwd=ROOT,
        env=env,
        check=True,
        stdout=subprocess.DEVNULL if quiet else None,
    )
    return time.perf_counter() - started


def psql(sql: str, database: str = "postgres") -> str:
    result = subprocess.run(  # noqa: S603
        ["psql", "-h", "127.0.0.1", "-U", "postgres", "-d", database, "-Atqc", sql],  # noqa: S607
        check=True,
        capture_output=True,
        text=True,
    )
    return result.stdout.strip()


def prepare_database(database: str, *, cases: int, open_share: float, fresh: bool) -> dict[str, float]:
    """Migrate, load the demo and the volume cases, unless a loaded database is there already (then only
    migrate it)."""
    exists = psql(f"SELECT 1 FROM pg_database WHERE datname = '{database}'") == "1"  # noqa: S608 - ours
    if exists and not fresh:
        loaded = psql("SELECT count(*) FROM cases_case", database) if _has_cases(database) else "0"
        if int(loaded) >= cases:
            print(f"Reusing database {database}: {loaded} cases.")
            # brought up to this code's schema (a no-op when it is): a page of newer code would fail
            return {"migrate": manage(hub_env(database), "migrate", "--no-input")}
    env = hub_env(database)
    psql(f'DROP DATABASE IF EXISTS "{database}" WITH (FORCE)')
    psql(f'CREATE DATABASE "{database}"')
    timings = {"migrate": manage(env, "migrate", "--no-input")}
    timings["demo_load"] = manage(env, "demo_load")
    timings["volume_load"] = manage(
        env, "volume_load", "--cases", str(cases), "--open-share", str(open_share), quiet=False
    )
    manage(env, "schedule_sweeps")
    return timings


def _has_cases(database: str) -> bool:
    return psql("SELECT to_regclass('cases_case') IS NOT NULL", database) == "t"


@dataclass
class Hub:
    database: str
    port: int = 8765
    workers: int = 3
    checkout: Path = ROOT  # whose code gunicorn serves (another checkout's, to compare two versions)
    processes: dict[str, subprocess.Popen[bytes]] = field(default_factory=dict)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start_web(self) -> None:
        OUT.mkdir(parents=True, exist_ok=True)
        log = (OUT / "gunicorn.log").open("ab")
        self.processes["web"] = subprocess.Popen(  # noqa: S603
            [
                PYTHON,
                "-m",
                "gunicorn",
                "openmash.config.wsgi",
                "--workers",
                str(self.workers),
                "--bind",
                f"127.0.0.1:{self.port}",
                "--timeout",
                "120",
                "--access-logfile",
                "-",
            ],
            cwd=self.checkout,
            env=hub_env(self.database),
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        self.wait_ready()

    def start_worker(self) -> None:
        log = (OUT / "worker.log").open("ab")
        self.processes["worker"] = subprocess.Popen(  # noqa: S603
            [PYTHON, "manage.py", "db_worker", "--no-reload", "--interval", "1"],
            cwd=self.checkout,
            env=hub_env(self.database),
            stdout=log,
            stderr=subprocess.STDOUT,
        )

    def wait_ready(self, seconds: float = 120) -> None:
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            try:
                with urllib.request.urlopen(f"{self.url}/sign-in/", timeout=5) as answer:  # noqa: S310
                    if answer.status == 200:
                        return
            except (urllib.error.URLError, ConnectionError, TimeoutError):
                pass
            time.sleep(1)
        raise RuntimeError("gunicorn did not answer within two minutes; see var/bench/load/gunicorn.log")

    def kill(self, name: str, sig: int = signal.SIGKILL) -> None:
        process = self.processes.pop(name, None)
        if process is not None and process.poll() is None:
            process.send_signal(sig)
            process.wait(timeout=60)

    def stop(self) -> None:
        for name in list(self.processes):
            self.kill(name, signal.SIGTERM)
