"""What a hub administrator can make a data source read or reach is bounded by the deployer's
settings: the findings of a security review, reproduced through the pages and services."""

# ruff: noqa: S608 - the queries name tables the tests create; no outside input

from __future__ import annotations

import re
import socket
import threading
import zipfile
from collections.abc import Iterator
from datetime import timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from openpyxl import Workbook

from openmash.accounts.roles import Role
from openmash.hub.models import Agency, AgencyKind
from openmash.linkage.sources import SourceLimits
from openmash.sources.loading import load_run, uploads_root
from openmash.sources.models import DataSource, LoadStatus, SourceKind, SourceLoad
from openmash.sources.services import sources_refresh_due
from openmash.sources.tests.helpers import EVENT_HEADER, EVENTS, IDENTITY_HEADER, police_source, write_csv

pytestmark = pytest.mark.django_db
SECRET = "test-only-insecure-key"  # the test settings' SECRET_KEY


@pytest.fixture
def admin(make_user: Any) -> Client:
    client = Client()
    client.force_login(make_user(Role.HUB_ADMINISTRATOR))
    return client


@pytest.fixture
def sources_dir(tmp_path: Path, settings: Any) -> Path:
    settings.OPENMASH_SOURCES_DIR = tmp_path / "var-sources"
    return tmp_path / "var-sources"


def _register(client: Client, **values: str) -> Any:
    agency = Agency.objects.get(kind=AgencyKind.POLICE)
    form = {"agency": str(agency.pk), "name": "Probe", "threshold": "0.3", "is_active": "on", **values}
    return client.post(reverse("sources:create"), form)


def _stored(kind: str, settings_values: dict[str, Any], **extra: Any) -> DataSource:
    """A source as it may already be stored (registered before the limits, or edited in the
    database): the load must hold it to the limits too."""
    return DataSource.objects.create(
        agency=Agency.objects.get(kind=AgencyKind.POLICE),
        name=f"Stored {kind}",
        kind=kind,
        settings=settings_values,
        **extra,
    )


def _load(source: DataSource) -> SourceLoad:
    return load_run(SourceLoad.objects.create(source=source))


# --- 1: files outside the allowed folders ----------------------------------------------------------


@pytest.mark.parametrize(
    "path", ["/proc/self/environ", "/etc/passwd", "/etc/shadow", "../../../../etc/hostname"]
)
def test_a_file_outside_the_allowed_folders_cannot_be_registered_or_shown(
    hub: Any, admin: Client, path: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("SECRET_KEY", SECRET)
    response = _register(admin, kind="csv", identities=path, encoding="utf-8")
    page = response.content.decode()
    assert response.status_code == 200 and "govuk-error-summary" in page
    assert "not in a folder data sources may read from" in page
    assert not DataSource.objects.filter(name="Probe").exists()

    source = _stored("csv", {"identities": path})
    columns = admin.get(reverse("sources:mapping", args=[source.pk])).content.decode()
    assert "not in a folder data sources may read from" in columns
    for leaked in (SECRET, "root:", "DJANGO_SETTINGS_MODULE"):
        assert leaked not in columns
    # The machine's name may be as short as two letters, which a random token in the page can
    # contain by chance: look for it as a word of the text a user reads.
    shown = re.sub(r"<[^>]*>", " ", columns)
    hostname = Path("/etc/hostname").read_text().strip()
    assert not re.search(rf"(?<![\w-]){re.escape(hostname)}(?![\w-])", shown)
    assert _load(source).status == LoadStatus.FAILED


def test_a_symlink_out_of_the_folder_is_refused(hub: Any, admin: Client, tmp_path: Path) -> None:
    link = tmp_path / "extract.csv"
    link.symlink_to("/etc/passwd")
    response = _register(admin, kind="csv", identities=str(link), encoding="utf-8")
    assert "not in a folder data sources may read from" in response.content.decode()
    columns = admin.get(reverse("sources:mapping", args=[_stored("csv", {"identities": str(link)}).pk]))
    assert "root:" not in columns.content.decode()


def test_the_folders_setting_decides(hub: Any, admin: Client, tmp_path: Path, settings: Any) -> None:
    identities, _events = police_files_in(tmp_path / "drop")
    settings.OPENMASH_SOURCE_FOLDERS = [tmp_path / "elsewhere"]
    assert "not in a folder" in _register(admin, kind="csv", identities=str(identities)).content.decode()
    settings.OPENMASH_SOURCE_FOLDERS = [tmp_path / "drop"]
    assert _register(admin, kind="csv", identities=str(identities)).status_code == 302


def police_files_in(directory: Path) -> tuple[Path, Path]:
    directory.mkdir(parents=True, exist_ok=True)
    return (
        write_csv(directory / "people.csv", IDENTITY_HEADER, [["POL-1", "Ann", "X", "", "", "", "", ""]]),
        write_csv(directory / "events.csv", EVENT_HEADER, EVENTS[:0]),
    )


# --- 2 and 4: hosts and env secrets ----------------------------------------------------------------


class Recorder:
    """A listener on 127.0.0.1 that records every request's Authorization header."""

    def __init__(self) -> None:
        self.headers: list[str | None] = []
        recorder = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:  # noqa: N802 - http.server's naming
                recorder.headers.append(self.headers.get("Authorization"))
                body = b'{"resourceType": "Bundle", "type": "searchset", "entry": []}'
                self.send_response(200)
                self.send_header("Content-Type", "application/fhir+json")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - quiet
                pass

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.port = int(self.httpd.server_address[1])
        self.thread = threading.Thread(target=self.httpd.serve_forever, kwargs={"poll_interval": 0.05})

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/fhir"


@pytest.fixture
def recorder() -> Iterator[Recorder]:
    server = Recorder()
    server.thread.start()
    yield server
    server.httpd.shutdown()
    server.httpd.server_close()


def test_an_env_secret_goes_only_to_a_host_the_deployer_listed(
    hub: Any, admin: Client, recorder: Recorder, settings: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("OPENMASH_SOURCE_GP_TOKEN", "gp-token")
    # The settings key can never be named, whatever the host.
    response = _register(admin, kind="fhir", base_url=recorder.url, token="env:SECRET_KEY")
    assert "env:SECRET_KEY cannot be used" in response.content.decode()
    # A host not listed cannot be registered...
    response = _register(admin, kind="fhir", base_url=recorder.url, token="env:OPENMASH_SOURCE_GP_TOKEN")
    assert "not one data sources may reach" in response.content.decode()
    # ...nor loaded, if it is stored already: nothing is sent to it.
    for token in ("env:SECRET_KEY", "env:OPENMASH_SOURCE_GP_TOKEN"):
        load = _load(_stored("fhir", {"base_url": recorder.url, "token": token}))
        assert load.status == LoadStatus.FAILED and SECRET not in load.error
        DataSource.objects.filter(kind="fhir").delete()
    assert recorder.headers == []

    settings.OPENMASH_SOURCE_HOSTS = [f"127.0.0.1:{recorder.port}"]
    response = _register(admin, kind="fhir", base_url=recorder.url, token="env:OPENMASH_SOURCE_GP_TOKEN")
    assert response.status_code == 302
    load = _load(DataSource.objects.get(name="Probe"))
    assert recorder.headers and set(recorder.headers) == {"Bearer gp-token"}
    assert "could not reach" not in load.error


def test_the_env_prefix_setting_decides(
    hub: Any, recorder: Recorder, settings: Any, monkeypatch: Any
) -> None:
    settings.OPENMASH_SOURCE_HOSTS = [f"127.0.0.1:{recorder.port}"]
    monkeypatch.setenv("AGENCY_GP_TOKEN", "agency-token")
    source = _stored("fhir", {"base_url": recorder.url, "token": "env:AGENCY_GP_TOKEN"})
    assert "is not a variable data sources may read" in _load(source).error
    settings.OPENMASH_SOURCE_ENV_PREFIXES = ["AGENCY_"]
    _load(source)
    assert recorder.headers == ["Bearer agency-token"]


def test_an_unreachable_host_reads_the_same_whether_its_port_is_open_or_closed(
    hub: Any, recorder: Recorder, settings: Any
) -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        closed = probe.getsockname()[1]
    ssh_like = socket.socket()
    ssh_like.bind(("127.0.0.1", 0))
    ssh_like.listen()
    open_port = ssh_like.getsockname()[1]
    # A listening port that never answers is waited for as long as the SQL time limit allows (libpq's
    # shortest connect timeout is 2 s): the words must not depend on how long that is.
    settings.OPENMASH_SOURCE_SQL_TIMEOUT_SECONDS = 2
    try:
        errors = []
        for listed in ([], [f"127.0.0.1:{closed}", f"127.0.0.1:{open_port}"]):
            settings.OPENMASH_SOURCE_HOSTS = listed
            for port in (closed, open_port):
                for kind, values in (
                    ("fhir", {"base_url": f"http://127.0.0.1:{port}/fhir", "timeout": 1}),
                    (
                        "sql",
                        {
                            "url": f"postgresql+psycopg://u@127.0.0.1:{port}/db",
                            "identities_query": "SELECT 1",
                        },
                    ),
                ):
                    DataSource.objects.filter(name=f"Stored {kind}").delete()
                    load = _load(_stored(kind, values))
                    errors.append((kind, load.error.split("(reference")[0]))
    finally:
        ssh_like.close()
    assert {e for k, e in errors if k == "fhir"} == {
        "identities: could not reach the server while searching Patients "
    }
    assert {e for k, e in errors if k == "sql"} == {"identities: could not reach the database "}


# --- 3: SQL against the application's own database ----------------------------------------------


def test_a_sql_source_may_only_select(hub: Any, admin: Client, tmp_path: Path) -> None:
    database = tmp_path / "agency.db"
    copy = tmp_path / "copy.db"
    import sqlite3

    with sqlite3.connect(database) as db:
        db.execute("CREATE TABLE people (record_id TEXT)")
    url = f"sqlite:///{database}"
    response = _register(admin, kind="sql", url=url, identities_query=f"VACUUM INTO '{copy}'")
    assert "must be a SELECT statement" in response.content.decode()
    load = _load(_stored("sql", {"url": url, "identities_query": f"VACUUM INTO '{copy}'"}))
    assert load.status == LoadStatus.FAILED and not copy.exists()


@pytest.mark.skipif("connection.vendor != 'postgresql'", reason="the application's database is PostgreSQL")
def test_the_applications_own_database_is_out_of_reach(hub: Any, admin: Client, settings: Any) -> None:
    own = connection.settings_dict
    url = (
        f"postgresql+psycopg://{own['USER']}@{own['HOST'] or '127.0.0.1'}:{own['PORT'] or 5432}/{own['NAME']}"
    )
    steal = "SELECT username AS record_id, CAST(password AS INTEGER) AS hash FROM accounts_user"
    # Not listed: refused at registration and at load.
    assert (
        "not one data sources may reach"
        in _register(admin, kind="sql", url=url, identities_query=steal).content.decode()
    )
    load = _load(_stored("sql", {"url": url, "identities_query": steal}))
    assert load.error.startswith("identities: could not reach the database (reference")
    # Listed: the application's own database is still refused...
    settings.OPENMASH_SOURCE_HOSTS = [f"{own['HOST'] or '127.0.0.1'}:{own['PORT'] or 5432}", "127.0.0.1:5432"]
    load = _load(DataSource.objects.get(name="Stored sql"))
    assert load.error.startswith("identities: could not reach the database (reference")
    assert "argon2" not in load.error and "pbkdf2" not in load.error and "md5" not in load.error
    # ...until the deployer also opts in; even then a failing query's error text (here it would quote
    # the database's name) is not shown.
    settings.OPENMASH_SOURCE_ALLOW_APP_DATABASE = True
    source = DataSource.objects.get(name="Stored sql")
    source.settings = {
        "url": url,
        "identities_query": "SELECT CAST(current_database() AS INTEGER) AS record_id",
    }
    source.save()
    load = _load(source)
    assert load.error.startswith("identities: the database could not run the query (reference")
    assert own["NAME"] not in load.error


# --- 10: a failed upload changes nothing; a dead worker's load is found and retried -------------


def _upload(client: Client, source: DataSource, name: str, content: bytes) -> Any:
    return client.post(
        reverse("sources:load-new", args=[source.pk]),
        {"identities_file": SimpleUploadedFile(name, content, content_type="text/csv")},
    )


def test_a_failed_upload_leaves_the_source_reading_its_own_file(
    hub: Any, admin: Client, tmp_path: Path, sources_dir: Path, django_capture_on_commit_callbacks: Any
) -> None:
    source = police_source(tmp_path)
    configured, version = dict(source.settings), source.version
    bad = b"PERSON_REF,FORENAME\n,Ann\nPOL-1,Bob,extra\n"
    with django_capture_on_commit_callbacks(execute=True):
        _upload(admin, source, "broken.csv", bad)
    load = source.loads.order_by("-created_at").first()
    assert load is not None and load.status == LoadStatus.FAILED
    source.refresh_from_db()
    assert (source.settings, source.version) == (configured, version)
    assert not list(uploads_root().rglob("*broken.csv"))  # the failed upload is not kept
    # The scheduled refresh reads the configured file again, and loads.
    source.refresh_hours = 1
    source.save()
    SourceLoad.objects.filter(source=source).update(created_at=timezone.now() - timedelta(hours=2))
    with django_capture_on_commit_callbacks(execute=True):
        [refresh] = sources_refresh_due()
    refresh.refresh_from_db()
    assert refresh.status == LoadStatus.LOADED and refresh.records == 63

    good = Path(configured["identities"]).read_bytes()
    with django_capture_on_commit_callbacks(execute=True):
        _upload(admin, source, "good.csv", good)
    source.refresh_from_db()
    assert source.settings["identities"].endswith("good.csv") and source.version == version + 1
    assert source.current_load is not None and source.current_load.uploads


def test_a_load_whose_worker_died_is_failed_with_the_reason_and_retried(
    hub: Any, tmp_path: Path, settings: Any, django_capture_on_commit_callbacks: Any
) -> None:
    source = police_source(tmp_path)
    before = timezone.now() - timedelta(minutes=40)
    dead = SourceLoad.objects.create(
        source=source, status=LoadStatus.RUNNING, started_at=before, heartbeat_at=before
    )
    settings.OPENMASH_SOURCE_LOAD_STALE_MINUTES = 60
    with django_capture_on_commit_callbacks(execute=True):
        assert sources_refresh_due() == []
    dead.refresh_from_db()
    assert dead.status == LoadStatus.RUNNING  # 40 minutes is not stale when the limit is 60

    settings.OPENMASH_SOURCE_LOAD_STALE_MINUTES = 30
    with django_capture_on_commit_callbacks(execute=True):
        sources_refresh_due()
    dead.refresh_from_db()
    assert dead.status == LoadStatus.FAILED and "The worker stopped while loading" in dead.error
    retry = source.loads.get(attempt=2)
    assert retry.status == LoadStatus.LOADED
    source.refresh_from_db()
    assert source.current_load == retry

    # A retry that also dies is failed and not tried a third time.
    SourceLoad.objects.filter(pk=retry.pk).update(
        status=LoadStatus.RUNNING, heartbeat_at=timezone.now() - timedelta(hours=1)
    )
    with django_capture_on_commit_callbacks(execute=True):
        sources_refresh_due()
    retry.refresh_from_db()
    assert retry.status == LoadStatus.FAILED and "not tried again" in retry.error
    assert not source.loads.filter(attempt=3).exists()


def test_a_load_taken_for_dead_that_finishes_after_all_changes_nothing(hub: Any, tmp_path: Path) -> None:
    source = police_source(tmp_path)
    current = source.current_load
    load = SourceLoad.objects.create(source=source)

    def mark_failed(done: int, total: int | None) -> None:
        SourceLoad.objects.filter(pk=load.pk).update(status=LoadStatus.FAILED)

    load_run(load, on_progress=mark_failed)
    source.refresh_from_db()
    assert source.current_load == current
    load.refresh_from_db()
    assert load.status == LoadStatus.FAILED and not load.snapshot


# --- 11: size limits -------------------------------------------------------------------------------


def test_an_upload_over_the_limit_is_refused_before_it_is_stored(
    hub: Any, admin: Client, tmp_path: Path, sources_dir: Path, settings: Any
) -> None:
    source = police_source(tmp_path)
    settings.OPENMASH_SOURCE_MAX_UPLOAD_MB = 1
    for size in (3 * 1024 * 1024, 1024 * 1024 + 10_000):  # by the request's length; by what arrived
        response = _upload(admin, source, "big.csv", b"PERSON_REF\n" + b"P,\n" * (size // 3))
        page = response.content.decode()
        assert response.status_code == 400 and "govuk-error-summary" in page
        assert "The file must be smaller than 1 MB" in page
    assert source.loads.count() == 1
    assert not list(uploads_root().rglob("*big.csv"))
    settings.OPENMASH_SOURCE_MAX_UPLOAD_MB = 5
    assert _upload(admin, source, "big.csv", b"PERSON_REF\n" + b"P,\n" * 1000).status_code == 302


def test_a_file_at_the_sources_path_over_the_limit_is_not_read(
    hub: Any, tmp_path: Path, settings: Any
) -> None:
    source = police_source(tmp_path)
    settings.OPENMASH_SOURCE_MAX_UPLOAD_MB = 0
    load = _load(source)
    assert load.status == LoadStatus.FAILED and "larger than 0 MB" in load.error


def test_the_row_limit_setting_decides(hub: Any, tmp_path: Path, settings: Any) -> None:
    source = police_source(tmp_path)
    settings.OPENMASH_SOURCE_MAX_ROWS = 10
    assert "more than 10 rows" in _load(source).error
    settings.OPENMASH_SOURCE_MAX_ROWS = 63
    assert _load(source).status == LoadStatus.LOADED


def test_the_uncompressed_size_setting_decides(hub: Any, tmp_path: Path, settings: Any) -> None:
    path = tmp_path / "people.xlsx"
    book = Workbook()
    book.active.append(["record_id", "surname"])
    book.active.append(["P1", "Testperson"])
    book.save(path)
    with zipfile.ZipFile(path, "a", compression=zipfile.ZIP_STORED) as archive:
        archive.writestr("xl/media/padding.bin", b"\1" * (3 * 1024 * 1024))  # stored: no compression
    source = _stored(SourceKind.XLSX, {"identities": str(path)}, column_mapping={})
    settings.OPENMASH_SOURCE_MAX_UNCOMPRESSED_MB = 2
    assert "would expand to 3 MB" in _load(source).error
    settings.OPENMASH_SOURCE_MAX_UNCOMPRESSED_MB = 4
    assert _load(source).status == LoadStatus.LOADED


def test_the_sql_time_limit_setting_decides(hub: Any, tmp_path: Path, settings: Any) -> None:
    import sqlite3

    database = tmp_path / "agency.db"
    sqlite3.connect(database).close()
    slow = (
        "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 6000000)"
        " SELECT CAST(max(i) AS TEXT) AS record_id FROM n"
    )
    source = _stored("sql", {"url": f"sqlite:///{database}", "identities_query": slow})
    settings.OPENMASH_SOURCE_SQL_TIMEOUT_SECONDS = 1
    load = _load(source)
    assert "could not run the query" in load.error
    settings.OPENMASH_SOURCE_SQL_TIMEOUT_SECONDS = 300
    assert _load(source).status == LoadStatus.LOADED


def test_the_demo_extracts_are_inside_the_default_folders() -> None:
    from openmash.config.settings import base

    defaults = SourceLimits(folders=tuple(base.OPENMASH_SOURCE_FOLDERS))
    # Where `make demo` (demo_load) writes the synthetic agencies' extracts.
    assert defaults.path_allowed(Path(base.VAR_DIR) / "demo" / "area" / "extracts" / "police_identities.csv")
    assert not defaults.path_allowed(Path(base.VAR_DIR) / "openmash.sqlite3")
    assert not defaults.path_allowed(Path(base.VAR_DIR) / "sources" / "some-source" / "snapshot")


def test_a_nul_character_fails_the_load_with_a_report(hub: Any, tmp_path: Path) -> None:
    """Found by the fuzzing: PostgreSQL cannot store a NUL, so a report quoting one left the load
    "running" for good."""
    source = police_source(tmp_path)
    path = Path(source.settings["identities"])
    original = path.read_bytes()
    for damaged, where in (
        (original.replace(b"FORENAME", b"FORE\x00NAME", 1), None),
        (original.replace(b"Kerry", b"Ke\x00rry", 1), 2),
    ):
        path.write_bytes(damaged)
        load = _load(source)
        assert load.status == LoadStatus.FAILED and "NUL character" in load.error
        assert [(r["part"], r["row"]) for r in load.report if "NUL" in r["problem"]] == [
            ("identities", where)
        ]
