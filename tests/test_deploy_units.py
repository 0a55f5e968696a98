"""The systemd units in deploy/ are valid: `systemd-analyze verify` accepts them (with the paths
pointed at this checkout), or, where systemd is not installed, they parse and carry the keys they need."""

from __future__ import annotations

import configparser
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
DEPLOY = ROOT / "deploy"
UNITS = ["openmash-web.service", "openmash-worker.service"]


def localised(unit: str, folder: Path) -> Path:
    """The unit with /opt/openmash pointing at this checkout and its Python, and the example env file."""
    text = (DEPLOY / unit).read_text()
    text = text.replace("/opt/openmash/.venv/bin/", f"{Path(sys.executable).parent}/")
    text = text.replace("/opt/openmash", str(ROOT))
    text = text.replace("/etc/openmash/openmash.env", str(DEPLOY / "openmash.env.example"))
    text = text.replace("User=openmash", "User=root").replace("Group=openmash", "Group=root")
    path = folder / unit
    path.write_text(text)
    return path


def parse(unit: str) -> configparser.ConfigParser:
    parser = configparser.ConfigParser(strict=False, interpolation=None)
    parser.optionxform = str  # type: ignore[assignment,method-assign]
    parser.read_string((DEPLOY / unit).read_text())
    return parser


@pytest.mark.parametrize("unit", UNITS)
def test_systemd_accepts_the_unit(unit: str, tmp_path: Path) -> None:
    if shutil.which("systemd-analyze") is None:
        pytest.skip("systemd-analyze is not installed: the key check below still runs")
    result = subprocess.run(
        ["systemd-analyze", "verify", str(localised(unit, tmp_path))],
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    assert "Unknown" not in result.stderr and "ignoring" not in result.stderr, result.stderr


@pytest.mark.parametrize("unit", UNITS)
def test_the_unit_runs_the_production_settings_as_its_own_user(unit: str) -> None:
    service = parse(unit)["Service"]
    assert service["User"] == "openmash" and service["Group"] == "openmash"
    assert service["EnvironmentFile"] == "/etc/openmash/openmash.env"
    assert service["Environment"] == "DJANGO_SETTINGS_MODULE=openmash.config.settings.prod"
    assert service["Restart"] in {"on-failure", "always"}
    assert parse(unit)["Install"]["WantedBy"] == "multi-user.target"


def test_the_web_unit_starts_gunicorn_with_the_repositorys_config() -> None:
    start = parse("openmash-web.service")["Service"]["ExecStart"].split()
    assert start[0].endswith("/gunicorn") and start[-1] == "openmash.config.wsgi"
    config = start[start.index("--config") + 1]
    assert config.replace("/opt/openmash", str(ROOT)) == str(DEPLOY / "gunicorn.conf.py")
    settings: dict[str, object] = {}
    exec(compile((DEPLOY / "gunicorn.conf.py").read_text(), "gunicorn.conf.py", "exec"), settings)  # noqa: S102
    assert settings["bind"] == "127.0.0.1:8000"  # the proxy in front, never the network
    assert settings["accesslog"] == "-" and "%(q)s" not in str(settings["access_log_format"])


def test_the_worker_unit_queues_the_sweeps_then_runs_the_worker() -> None:
    service = parse("openmash-worker.service")["Service"]
    assert service["ExecStartPre"].endswith("manage.py schedule_sweeps")
    assert "manage.py db_worker --no-reload" in service["ExecStart"]


def test_the_example_environment_marks_every_secret() -> None:
    text = (DEPLOY / "openmash.env.example").read_text().splitlines()
    secrets = {"SECRET_KEY", "DATABASE_URL", "OPENMASH_AUDIT_KEY", "EMAIL_HOST_PASSWORD"}
    for number, line in enumerate(text):
        name = line.split("=", 1)[0]
        if name in secrets:
            above = number - 1
            while above > 0 and text[above - 1].startswith("#") and not text[above].startswith("# SECRET"):
                above -= 1
            assert text[above].startswith("# SECRET"), name
        assert "#" not in line or line.startswith("#"), (
            f"systemd keeps a trailing comment in the value: {line}"
        )
