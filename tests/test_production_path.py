"""The README's production commands, followed against a fresh PostgreSQL database, end to end.

migrate, hub_setup, collectstatic, the first hub administrator (hub_admin_create), schedule_sweeps and a
pass of the worker, then gunicorn with the production settings and the repository's gunicorn config.
A client that behaves as the reverse proxy does (Host, X-Forwarded-Proto: https) signs in through the
real sign-in form, sets up two-factor sign-in with a code computed here as an authenticator app would,
loads a page and its stylesheet, and asks both health endpoints. A change that breaks deployment fails
this test. It runs in the PostgreSQL pass (make test-postgres), and is skipped on SQLite.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import http.client
import json
import os
import re
import socket
import struct
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from html import unescape
from http.cookies import SimpleCookie
from pathlib import Path
from urllib.parse import urlencode, urlsplit

import psycopg
import pytest

ROOT = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent
HOST = "mash.test"
PASSWORD = "a long first-administrator password 7"
URL = os.environ.get("DATABASE_URL", "")

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.skipif(
        not URL.startswith(("postgres://", "postgresql://")), reason="the production path needs PostgreSQL"
    ),
]


def totp(secret: str, at: float | None = None) -> str:
    """The code an authenticator app shows (RFC 6238: HMAC-SHA1, 30-second steps, 6 digits)."""
    key = base64.b32decode(secret.replace(" ", "").upper() + "=" * (-len(secret.replace(" ", "")) % 8))
    counter = int((time.time() if at is None else at) // 30)
    digest = hmac.new(key, struct.pack(">Q", counter), hashlib.sha1).digest()
    offset = digest[-1] & 0x0F
    number = struct.unpack(">I", digest[offset : offset + 4])[0] & 0x7FFFFFFF
    return f"{number % 1_000_000:06d}"


@dataclass
class ProxiedClient:
    """Talks to gunicorn as the reverse proxy would: the public host name, X-Forwarded-Proto: https,
    and the browser's cookies (Secure ones included, as the browser sent them over HTTPS)."""

    port: int
    cookies: dict[str, str] = field(default_factory=dict)

    def request(self, method: str, path: str, form: dict[str, str] | None = None) -> http.client.HTTPResponse:
        connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=60)
        headers = {"Host": HOST, "X-Forwarded-Proto": "https", "X-Forwarded-For": "192.0.2.44"}
        if self.cookies:
            headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        body = None
        if form is not None:
            body = urlencode(form)
            headers["Content-Type"] = "application/x-www-form-urlencoded"
            headers["Origin"] = f"https://{HOST}"
            headers["Referer"] = f"https://{HOST}{path}"
        connection.request(method, path, body=body, headers=headers)
        response = connection.getresponse()
        response.text = response.read().decode("utf-8", "replace")  # type: ignore[attr-defined]
        for header in response.headers.get_all("Set-Cookie") or []:
            for name, morsel in SimpleCookie(header).items():
                self.cookies[name] = morsel.value
        connection.close()
        return response

    def get(self, path: str) -> http.client.HTTPResponse:
        return self.request("GET", path)

    def post(self, path: str, form: dict[str, str]) -> http.client.HTTPResponse:
        page = self.get(path)
        token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page.text)  # type: ignore[attr-defined]
        assert token, f"no CSRF token on {path}"
        return self.request("POST", path, {"csrfmiddlewaretoken": token.group(1), **form})


def location(response: http.client.HTTPResponse) -> str:
    assert response.status == 302, (response.status, response.text[:500])  # type: ignore[attr-defined]
    target = urlsplit(response.headers["Location"])
    return target.path + (f"?{target.query}" if target.query else "")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture
def database() -> Iterator[str]:
    """A new, empty database on the test server, dropped afterwards."""
    parts = urlsplit(URL)
    name = f"{parts.path.lstrip('/')}_production_path"
    server = parts._replace(path="/postgres").geturl()
    with psycopg.connect(server, autocommit=True) as admin:
        admin.execute(f'DROP DATABASE IF EXISTS "{name}"')
        admin.execute(f'CREATE DATABASE "{name}"')
    try:
        yield parts._replace(path=f"/{name}").geturl()
    finally:
        with psycopg.connect(server, autocommit=True) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def test_the_readme_production_commands_give_a_hub_an_administrator_can_sign_in_to(
    database: str, tmp_path: Path
) -> None:
    env = {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "HOME": str(tmp_path),
        "DJANGO_SETTINGS_MODULE": "openmash.config.settings.prod",
        "DATABASE_URL": database,
        "SECRET_KEY": "production-path-test-" + "k3Y!" * 10,
        "ALLOWED_HOSTS": HOST,
        "OPENMASH_AUDIT_KEY": "production-path-test-audit-key-0123456789",
        "OPENMASH_AUDIT_ANCHOR_DIR": str(tmp_path / "audit-anchor"),
        "OPENMASH_VAR_DIR": str(tmp_path / "var"),
        "OPENMASH_TRUSTED_PROXIES": "127.0.0.1",
        "LOG_LEVEL": "WARNING",
    }

    def manage(*args: str, **extra: str) -> str:
        began = time.monotonic()
        done = subprocess.run(
            [sys.executable, "manage.py", *args],
            cwd=ROOT,
            env={**env, **extra},
            capture_output=True,
            text=True,
            check=False,
            timeout=300,
        )
        assert done.returncode == 0, f"manage.py {' '.join(args)}:\n{done.stdout}\n{done.stderr}"
        print(f"manage.py {args[0]}: {time.monotonic() - began:.1f} s")
        return done.stdout

    manage("migrate", "--no-input")
    assert "Front door" in manage("hub_setup", "--preset", "front-door")
    manage("collectstatic", "--no-input")
    created = manage(
        "hub_admin_create",
        "--agency",
        "Children's Social Care",
        "--username",
        "first.admin",
        "--email",
        "first.admin@council.example",
        OPENMASH_ADMIN_PASSWORD=PASSWORD,
    )
    assert "Created first.admin, hub administrator in Children's Social Care." in created
    manage("schedule_sweeps")
    manage("db_worker", "--batch", "--no-reload", "--no-startup-delay")  # the worker's first pass

    port = free_port()
    server = subprocess.Popen(
        [
            str(BIN / "gunicorn"),
            "--config",
            "deploy/gunicorn.conf.py",
            "--bind",
            f"127.0.0.1:{port}",
            "--workers",
            "1",
            "openmash.config.wsgi",
        ],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        client = ProxiedClient(port)
        for _ in range(120):
            try:
                if client.get("/health/live").status == 200:
                    break
            except OSError:
                pass
            time.sleep(0.25)
        else:
            pytest.fail("gunicorn did not answer /health/live")

        # Over plain HTTP, the production settings send everything but the health checks to HTTPS.
        plain = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        plain.request("GET", "/sign-in/", headers={"Host": HOST})
        assert plain.getresponse().status == 301

        # The password, through the real sign-in form; production then asks for two-factor set-up.
        home_page = location(client.post("/sign-in/", {"username": "first.admin", "password": PASSWORD}))
        assert home_page == "/home/hub-administrator/"  # signing in goes straight to the role's home
        setup = location(client.get(home_page))
        assert setup.startswith("/account/two-factor/")
        page = client.get(setup)
        secret = re.search(r'data-testid="secret">([A-Z2-7 ]+)<', page.text)  # type: ignore[attr-defined]
        assert page.status == 200 and secret, page.text[:2000]  # type: ignore[attr-defined]
        recovery = location(client.post(setup, {"code": totp(unescape(secret.group(1)))}))
        assert recovery.startswith("/account/two-factor/recovery-codes/")
        assert len(re.findall(r"<li>[a-z2-7]{8}</li>", client.get(recovery).text)) == 10  # type: ignore[attr-defined]

        # A page, as the hub administrator, and its stylesheet.
        home = client.get(location(client.get("/")))
        html = home.text  # type: ignore[attr-defined]
        assert home.status == 200 and "Hub administration" in html
        assert home.headers["Strict-Transport-Security"].startswith("max-age=")
        stylesheet = re.search(r'href="(/static/openmash/openmash\.[0-9a-f]+\.css)"', html)
        assert stylesheet, "the stylesheet is not served under its hashed name"
        css = client.get(stylesheet.group(1))
        assert css.status == 200 and css.headers["Content-Type"].startswith("text/css")
        assert ".openmash" in css.text  # type: ignore[attr-defined]
        work = client.get("/hub/background-work/")
        assert work.status == 200 and 'data-testid="last-heartbeat">Never' not in work.text  # type: ignore[attr-defined]

        # Health: live, and ready (database, migrations, the worker's heartbeat, the audit checkpoint).
        assert json.loads(client.get("/health/live").text) == {"status": "ok"}  # type: ignore[attr-defined]
        ready = client.get("/health/ready")
        body = json.loads(ready.text)  # type: ignore[attr-defined]
        assert ready.status == 200, body
        assert {name for name, check in body["checks"].items() if check["ok"]} == {
            "database",
            "migrations",
            "worker",
            "audit_checkpoint",
        }
        # A load balancer asking over plain HTTP on the server's own port is answered, not redirected.
        plain = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        plain.request("GET", "/health/ready", headers={"Host": HOST})
        assert plain.getresponse().status == 200
    finally:
        server.terminate()
        output, _ = server.communicate(timeout=30)

    # The access log is JSON a line, and no line carries a query string.
    access = [json.loads(line) for line in output.splitlines() if '"gunicorn.access"' in line]
    assert any(entry["path"] == "/sign-in/" and entry["status"] == 302 for entry in access), output[-2000:]
    assert manage("audit_verify").startswith("Audit chain intact")
