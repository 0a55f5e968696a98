"""The deployer's limits on what a source may read and reach, against real files, a real local FHIR
server, listening sockets, SQLite files and the local PostgreSQL."""

# ruff: noqa: S608 - the queries name tables and schemas the tests create; no outside input

from __future__ import annotations

import ipaddress
import re
import socket
import threading
import uuid
import zipfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from openpyxl import Workbook
from sqlalchemy import create_engine, text

from openmash.linkage.sources import LoadFailed, connector_for
from openmash.linkage.sources.files import CsvConnector
from openmash.linkage.sources.limits import AppDatabase, HostRefused, SourceLimits
from openmash.linkage.sources.sql import SqlConnector, query_problem
from openmash.linkage.sources.tests.fhir_server import BASE_PATH, FhirTestServer, Resources
from openmash.linkage.sources.xlsx import XlsxConnector

PG = "postgresql+psycopg://postgres@127.0.0.1:5432"
HEADER = "record_id,given_name,surname,date_of_birth\n"


def _without_reference(message: str) -> str:
    return re.sub(r"reference [0-9A-F]{10}", "reference X", re.sub(r":\d+", ":PORT", message))


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


class Listener:
    """A TCP listener on 127.0.0.1 that counts connections and answers with something that is not
    HTTP or PostgreSQL (an open port of some other service)."""

    def __init__(self) -> None:
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen()
        self.port = int(self.sock.getsockname()[1])
        self.connections = 0
        self._thread = threading.Thread(target=self._serve, daemon=True)
        self._thread.start()

    def _serve(self) -> None:
        while True:
            try:
                conn, _ = self.sock.accept()
            except OSError:
                return
            self.connections += 1
            try:
                conn.sendall(b"SSH-2.0-OpenSSH_9.6\r\n")
            finally:
                conn.close()

    def close(self) -> None:
        self.sock.close()


@pytest.fixture
def listener() -> Iterator[Listener]:
    server = Listener()
    yield server
    server.close()


# --- files: folders, symlinks, sizes ---------------------------------------------------------------


@pytest.fixture
def folders(tmp_path: Path) -> tuple[Path, SourceLimits]:
    allowed = tmp_path / "allowed"
    allowed.mkdir()
    (allowed / "people.csv").write_text(HEADER + "P1,Ada,Testperson,2015-03-04\n", encoding="utf-8")
    return allowed, SourceLimits(folders=(allowed,))


@pytest.mark.parametrize("path", ["/proc/self/environ", "/etc/passwd", "/etc/shadow", "/etc/hostname"])
def test_a_file_outside_the_folders_is_refused_and_never_shown(
    folders: tuple[Path, SourceLimits], path: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    allowed, limits = folders
    monkeypatch.setenv("SECRET_KEY", "a-secret-key-that-must-not-show")
    for given in (path, str(allowed / ("../" * 12) / path.lstrip("/"))):
        with pytest.raises(LoadFailed) as refused:
            CsvConnector(given, limits=limits).columns()
        message = str(refused.value)
        assert "not in a folder data sources may read from" in message
        assert "a-secret-key" not in message and "root:" not in message


def test_a_symlink_out_of_an_allowed_folder_is_refused(folders: tuple[Path, SourceLimits]) -> None:
    allowed, limits = folders
    (allowed / "innocent.csv").symlink_to("/etc/passwd")
    (allowed / "subdir").symlink_to("/etc")
    for path in (allowed / "innocent.csv", allowed / "subdir" / "passwd"):
        with pytest.raises(LoadFailed, match="not in a folder"):
            CsvConnector(path, limits=limits).columns()
    # A file inside the folder is read as before.
    assert CsvConnector(allowed / "people.csv", limits=limits).columns()[0] == "record_id"


def test_an_excel_or_sqlite_file_outside_the_folders_is_refused(
    folders: tuple[Path, SourceLimits], tmp_path: Path
) -> None:
    allowed, limits = folders
    outside = tmp_path / "outside.xlsx"
    book = Workbook()
    book.active.append(["record_id"])
    book.save(outside)
    with pytest.raises(LoadFailed, match="not in a folder"):
        XlsxConnector(outside, limits=limits).columns()
    database = tmp_path / "outside.db"
    create_engine(f"sqlite:///{database}").connect().close()
    with pytest.raises(LoadFailed, match="not in a folder"):
        SqlConnector(f"sqlite:///{database}", "SELECT 1 AS record_id", limits=limits).read()


def test_a_file_over_the_size_limit_is_refused_before_reading(folders: tuple[Path, SourceLimits]) -> None:
    allowed, _ = folders
    big = allowed / "big.csv"
    big.write_text(HEADER + "P1,Ada,Testperson,2015-03-04\n" * 2000, encoding="utf-8")
    limits = SourceLimits(folders=(allowed,), max_file_bytes=10_000)
    with pytest.raises(LoadFailed, match="larger than 0 MB"):
        CsvConnector(big, limits=limits).read()
    assert CsvConnector(big, limits=SourceLimits(folders=(allowed,))).columns()


def test_csv_row_column_and_cell_caps(tmp_path: Path) -> None:
    path = tmp_path / "people.csv"
    path.write_text(
        HEADER + "".join(f"P{n},Ada,Testperson,2015-03-04\n" for n in range(50)), encoding="utf-8"
    )
    with pytest.raises(LoadFailed, match="more than 10 rows"):
        CsvConnector(path, limits=SourceLimits(max_rows=10)).read()
    assert CsvConnector(path, limits=SourceLimits(max_rows=50)).read().records == 50

    with pytest.raises(LoadFailed, match="at most 3"):
        CsvConnector(path, limits=SourceLimits(max_columns=3)).read()

    path.write_text(HEADER + "P1,Ada," + "x" * 5000 + ",2015-03-04\n", encoding="utf-8")
    with pytest.raises(LoadFailed) as long:
        CsvConnector(path, limits=SourceLimits(max_cell_chars=1000)).read()
    assert [(b.row, b.column) for b in long.value.bad_rows] == [(1, "surname")]
    assert "longer than 1,000 characters" in str(long.value)


def _bomb(path: Path, megabytes: int) -> Path:
    """A real workbook with one more entry of zeros that expands to ``megabytes``."""
    book = Workbook()
    sheet = book.active
    sheet.append(["record_id", "surname"])
    sheet.append(["P1", "Testperson"])
    book.save(path)
    with zipfile.ZipFile(path, "a", compression=zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("xl/media/padding.bin", b"\0" * (megabytes * 1024 * 1024))
    return path


def test_an_excel_zip_bomb_is_refused_before_opening(tmp_path: Path) -> None:
    bomb = _bomb(tmp_path / "bomb.xlsx", 30)
    assert bomb.stat().st_size < 200_000
    # The expansion (30 MB from ~30 KB) is over the ratio, and over an absolute cap.
    with pytest.raises(LoadFailed, match="would expand to 30 MB"):
        XlsxConnector(bomb).read()
    with pytest.raises(LoadFailed, match="would expand"):
        XlsxConnector(
            bomb, limits=SourceLimits(max_compression_ratio=10**6, max_uncompressed_bytes=10 << 20)
        ).read()
    # Within both, it opens.
    loose = SourceLimits(max_compression_ratio=10**6, max_uncompressed_bytes=100 << 20)
    assert XlsxConnector(bomb, limits=loose).read().records == 1


def test_excel_row_and_cell_caps(tmp_path: Path) -> None:
    book = Workbook()
    sheet = book.active
    sheet.append(["record_id", "surname"])
    for n in range(30):
        sheet.append([f"P{n}", "Testperson"])
    sheet.append(["P99", "y" * 2000])
    path = tmp_path / "people.xlsx"
    book.save(path)
    with pytest.raises(LoadFailed, match="more than 10 rows"):
        XlsxConnector(path, limits=SourceLimits(max_rows=10)).read()
    with pytest.raises(LoadFailed) as long:
        XlsxConnector(path, limits=SourceLimits(max_cell_chars=1000)).read()
    assert [(b.row, b.column) for b in long.value.bad_rows] == [(31, "surname")]


# --- hosts -----------------------------------------------------------------------------------------


def test_the_host_list() -> None:
    listed = SourceLimits(hosts=("10.0.0.0/8", "fhir.example.invalid", "127.0.0.1:8080", "0.0.0.0/0:443"))
    assert listed.check_host("10.1.2.3", 5432)
    with pytest.raises(HostRefused):
        listed.check_host("11.0.0.1", 5432)
    # Loopback only through an entry that names it by address, and only on its port.
    assert listed.check_host("127.0.0.1", 8080)
    with pytest.raises(HostRefused):
        listed.check_host("127.0.0.1", 5432)
    # A broad network never grants loopback, link-local or the metadata service; nor does a name.
    for special in ("127.0.0.1", "169.254.169.254", "[::1]", "0.0.0.0", "localhost"):  # noqa: S104
        with pytest.raises(HostRefused):
            listed.check_host(special, 443)
    with pytest.raises(HostRefused):
        SourceLimits(hosts=("localhost",)).check_host("localhost", 80)
    # Nothing listed: nothing reachable.
    with pytest.raises(HostRefused):
        SourceLimits(hosts=()).check_host("10.1.2.3", 443)


def test_a_name_is_checked_by_every_address_it_resolves_to() -> None:
    # "localhost" resolves to loopback: a name entry for it does not make loopback reachable...
    with pytest.raises(HostRefused, match="loopback"):
        SourceLimits(hosts=("localhost", "*.invalid")).check_host("localhost", 80)
    # ...an address entry does.
    assert SourceLimits(hosts=("127.0.0.0/8", "::1")).check_host("localhost", 80)


# --- FHIR: where a token may go ----------------------------------------------------------------


def test_an_env_token_goes_only_to_a_listed_host(
    fhir_resources: Resources, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("OPENMASH_SOURCE_GP_TOKEN", "token-for-the-gp-system")
    with FhirTestServer(fhir_resources) as server:
        settings = {"base_url": server.url, "token": "env:OPENMASH_SOURCE_GP_TOKEN"}
        port = int(server.origin.rsplit(":", 1)[1])
        # Not listed: refused before any request, so the token is never sent.
        for hosts in ((), ("10.0.0.0/8",), ("0.0.0.0/0",), (f"127.0.0.1:{port + 1}",)):
            with pytest.raises(LoadFailed, match="could not reach the server"):
                connector_for("fhir", settings, limits=SourceLimits(hosts=hosts)).read()
        assert server.requests == []
        # Listed (by address and port): the token is sent.
        connector_for("fhir", settings, limits=SourceLimits(hosts=(f"127.0.0.1:{port}",))).read()
        assert {h.get("authorization") for _, h in server.requests} == {"Bearer token-for-the-gp-system"}


def test_a_fhir_server_is_reached_at_the_address_its_name_was_checked_at(fhir_resources: Resources) -> None:
    """A name is looked up once for each request, by the host check, and the request goes to the address
    the check saw, a same-origin redirect included: no second look-up whose answer could have changed
    since ("DNS rebinding") is ever made. The name here is known only to the check's resolver, so a
    second look-up by the system would fail the load; the server sees the name it was asked for."""
    looked_up: list[str] = []

    def resolver(host: str, port: int) -> list[Any]:
        looked_up.append(host)
        return [ipaddress.ip_address("127.0.0.1")]

    name = "fhir.gp.invalid"
    with FhirTestServer(fhir_resources) as server:
        port = int(server.origin.rsplit(":", 1)[1])
        server.link_origin = f"http://{name}:{port}"  # its next links name it as the hub does
        server.moved = "/old"  # the first page is asked at an old address and redirected
        limits = SourceLimits(hosts=(f"127.0.0.1:{port}",), resolver=resolver)
        base_url = f"http://{name}:{port}{BASE_PATH}/old"
        extract = connector_for("fhir", {"base_url": base_url, "page_size": 7}, limits=limits).read()
        assert extract.records == len(fhir_resources.patients)
        hosts = {headers.get("host") for _, headers in server.requests}
        redirected = [path for path, _ in server.requests if path.startswith(f"{BASE_PATH}/old/")]
    assert hosts == {f"{name}:{port}"}
    assert len(redirected) == 1 and len(server.requests) > 2
    assert looked_up == [name] * (len(server.requests) - 1)  # the redirect followed without one


def test_a_name_that_now_resolves_elsewhere_is_refused_before_any_request(fhir_resources: Resources) -> None:
    """The other half: where the name's answer is an address the deployer did not list (here a second
    local server standing in for an internal one), the check refuses it and nothing is sent anywhere."""
    with FhirTestServer(fhir_resources) as listed, FhirTestServer(fhir_resources, host="127.0.0.2") as inner:
        port = int(listed.origin.rsplit(":", 1)[1])
        inner_port = int(inner.origin.rsplit(":", 1)[1])
        limits = SourceLimits(
            hosts=(f"127.0.0.1:{port}", f"127.0.0.1:{inner_port}"),
            resolver=lambda host, _port: [ipaddress.ip_address("127.0.0.2")],
        )
        for target in (port, inner_port):
            settings = {"base_url": f"http://fhir.gp.invalid:{target}{BASE_PATH}"}
            with pytest.raises(LoadFailed, match="could not reach the server"):
                connector_for("fhir", settings, limits=limits).read()
        assert listed.requests == [] and inner.requests == []


@pytest.mark.parametrize("name", ["SECRET_KEY", "DATABASE_URL", "HOME", "OPENMASH_SOURCEX"])
def test_settings_and_other_variables_are_never_read_as_a_token(
    fhir_resources: Resources, monkeypatch: pytest.MonkeyPatch, name: str
) -> None:
    monkeypatch.setenv(name, "value-that-must-not-leave")
    with FhirTestServer(fhir_resources) as server:
        port = int(server.origin.rsplit(":", 1)[1])
        limits = SourceLimits(hosts=(f"127.0.0.1:{port}",))
        with pytest.raises(LoadFailed) as refused:
            connector_for("fhir", {"base_url": server.url, "token": f"env:{name}"}, limits=limits).read()
        assert "is not a variable data sources may read" in str(refused.value)
        assert "value-that-must-not-leave" not in str(refused.value)
        assert server.requests == []
    # Even with every prefix allowed, the application's secrets stay out.
    with pytest.raises(LoadFailed):
        connector_for(
            "fhir",
            {"base_url": "http://10.0.0.1", "token": "env:SECRET_KEY"},
            limits=SourceLimits(env_prefixes=("",)),
        ).read()


def test_closed_open_and_refused_ports_give_the_same_message(listener: Listener) -> None:
    closed = _free_port()
    limits = SourceLimits(hosts=(f"127.0.0.1:{closed}", f"127.0.0.1:{listener.port}"), sql_timeout_seconds=2)
    messages = []
    for port in (closed, listener.port, 9):  # 9: a port not listed at all
        with pytest.raises(LoadFailed) as failed:
            connector_for(
                "fhir", {"base_url": f"http://127.0.0.1:{port}/fhir", "timeout": 2}, limits=limits
            ).read()
        messages.append(_without_reference(str(failed.value)))
        with pytest.raises(LoadFailed) as failed:
            SqlConnector(
                f"{PG.rsplit(':', 1)[0]}:{port}/agency", "SELECT 1 AS record_id", limits=limits
            ).read()
        messages.append(_without_reference(str(failed.value)))
    assert len(set(messages[0::2])) == 1, messages
    assert len(set(messages[1::2])) == 1, messages
    assert "could not reach" in messages[0] and "could not reach the database" in messages[1]


# --- SQL: one SELECT, read-only, timed out, never the application's database --------------------


@pytest.mark.parametrize(
    "query",
    [
        "DELETE FROM people",
        "VACUUM INTO '/tmp/copy.db'",
        "SELECT 1; DROP TABLE people",
        "SELECT 1 AS record_id; SELECT 2",
        "ATTACH DATABASE '/tmp/x.db' AS x",
        "PRAGMA writable_schema = ON",
        "UPDATE people SET surname = 'x'",
        "",
    ],
)
def test_only_one_select_is_accepted(query: str, tmp_path: Path) -> None:
    if not query:
        assert query_problem(query) is None  # no query: the required-setting check says so
        return
    assert query_problem(query) is not None
    database = tmp_path / "agency.db"
    with create_engine(f"sqlite:///{database}").begin() as connection:
        connection.execute(text("CREATE TABLE people (record_id TEXT, surname TEXT)"))
        connection.execute(text("INSERT INTO people VALUES ('P1', 'Testperson')"))
    with pytest.raises(LoadFailed, match="SELECT statement"):
        SqlConnector(f"sqlite:///{database}", query).read()
    with create_engine(f"sqlite:///{database}").connect() as connection:
        assert connection.execute(text("SELECT surname FROM people")).scalar() == "Testperson"
    for good in ("SELECT record_id FROM people", "WITH p AS (SELECT * FROM people) SELECT * FROM p -- note;"):
        assert query_problem(good) is None


def test_a_sqlite_source_is_opened_read_only(tmp_path: Path) -> None:
    database = tmp_path / "agency.db"
    with create_engine(f"sqlite:///{database}").begin() as connection:
        connection.execute(text("CREATE TABLE people (record_id TEXT, surname TEXT)"))
        connection.execute(text("INSERT INTO people VALUES ('P1', 'Testperson')"))
    connector = SqlConnector(f"sqlite:///{database}", "SELECT * FROM people")
    before = database.read_bytes()
    # Even a statement that got past the SELECT check could not write.
    with (
        pytest.raises(LoadFailed, match="could not run the query"),
        connector._connect("identities") as connection,
    ):
        connection.exec_driver_sql("CREATE TABLE copy AS SELECT * FROM people")
    assert database.read_bytes() == before
    assert connector.read().records == 1


def test_a_sqlite_query_is_stopped_at_the_time_limit(tmp_path: Path) -> None:
    database = tmp_path / "agency.db"
    create_engine(f"sqlite:///{database}").connect().close()
    slow = (
        "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 30000000)"
        " SELECT CAST(max(i) AS TEXT) AS record_id FROM n"
    )
    with pytest.raises(LoadFailed, match="could not run the query"):
        SqlConnector(f"sqlite:///{database}", slow, limits=SourceLimits(sql_timeout_seconds=1)).read()


def test_the_applications_sqlite_file_is_refused(tmp_path: Path) -> None:
    database = tmp_path / "openmash.sqlite3"
    with create_engine(f"sqlite:///{database}").begin() as connection:
        connection.execute(text("CREATE TABLE accounts_user (password TEXT)"))
    limits = SourceLimits(folders=(tmp_path,), app_databases=(AppDatabase(path=str(database)),))
    with pytest.raises(LoadFailed, match="OpenMASH's own database"):
        SqlConnector(
            f"sqlite:///{database}", "SELECT password AS record_id FROM accounts_user", limits=limits
        ).read()


@pytest.fixture
def pg_schema() -> Iterator[str]:
    try:
        engine = create_engine(f"{PG}/postgres", connect_args={"connect_timeout": 3})
        with engine.begin() as connection:
            schema = f"openmash_limits_{uuid.uuid4().hex[:10]}"
            connection.execute(text(f"CREATE SCHEMA {schema}"))
            connection.execute(text(f"CREATE TABLE {schema}.people (record_id TEXT, surname TEXT)"))
            connection.execute(text(f"INSERT INTO {schema}.people VALUES ('P1', 'Testperson')"))
    except Exception as exc:  # noqa: BLE001 - any failure means: skip
        pytest.skip(f"PostgreSQL at 127.0.0.1:5432 is unreachable ({type(exc).__name__})")
    yield schema
    with engine.begin() as connection:
        connection.execute(text(f"DROP SCHEMA {schema} CASCADE"))
    engine.dispose()


def _run_as_given(connector: SqlConnector, query: str) -> None:
    with connector._connect("identities") as connection:
        connection.exec_driver_sql("SELECT set_config('default_transaction_read_only', 'off', false)")
        connection.exec_driver_sql(query)


def test_postgresql_queries_run_read_only_and_timed_out(pg_schema: str) -> None:
    url = f"{PG}/postgres"
    writes = f"WITH gone AS (DELETE FROM {pg_schema}.people RETURNING *) SELECT record_id FROM gone"
    into = f"SELECT * INTO {pg_schema}.copy FROM {pg_schema}.people"
    for query in (writes, into):
        with pytest.raises(LoadFailed, match="could not run the query"):
            SqlConnector(url, query).read()
        # Run as it is, not as the connector runs it: the transaction is read-only all the same,
        # and so is the next one.
        connector = SqlConnector(url, query)
        for _ in range(2):
            with pytest.raises(LoadFailed, match="could not run the query"):
                _run_as_given(connector, query)
    with create_engine(url).connect() as connection:
        assert connection.execute(text(f"SELECT count(*) FROM {pg_schema}.people")).scalar() == 1
        assert connection.execute(text(f"SELECT to_regclass('{pg_schema}.copy')")).scalar() is None
    slow = "SELECT 'P1' AS record_id FROM pg_sleep(3)"
    with pytest.raises(LoadFailed, match="could not run the query"):
        SqlConnector(url, slow, limits=SourceLimits(sql_timeout_seconds=1)).read()
    assert SqlConnector(url, slow, limits=SourceLimits(sql_timeout_seconds=10)).read().records == 1


def test_an_error_never_shows_the_data_it_quotes(pg_schema: str, caplog: pytest.LogCaptureFixture) -> None:
    query = f"SELECT CAST(surname AS INTEGER) AS record_id FROM {pg_schema}.people"
    with pytest.raises(LoadFailed) as failed:
        SqlConnector(f"{PG}/postgres", query).read()
    assert "Testperson" not in str(failed.value)
    assert any("Testperson" in r.getMessage() for r in caplog.records)  # for the deployer, in the log


def test_the_applications_postgresql_database_is_refused_even_when_its_host_is_listed(pg_schema: str) -> None:
    app = AppDatabase(host="127.0.0.1", port=5432, name="postgres")
    listed = SourceLimits(hosts=("127.0.0.1:5432",), app_databases=(app,))
    query = f"SELECT record_id FROM {pg_schema}.people"
    for url in (f"{PG}/postgres", "postgresql+psycopg://postgres@localhost:5432/postgres"):
        with pytest.raises(LoadFailed, match="could not reach the database"):
            SqlConnector(url, query, limits=listed).read()
    # Not listed at all: the loopback server is out of reach.
    with pytest.raises(LoadFailed, match="could not reach the database"):
        SqlConnector(f"{PG}/postgres", query, limits=SourceLimits(hosts=())).read()
    # The deliberate opt-in, on top of the host list, reaches it.
    opted = SourceLimits(hosts=("127.0.0.1:5432",), app_databases=(app,), allow_app_database=True)
    assert SqlConnector(f"{PG}/postgres", query, limits=opted).read().records == 1


def test_a_url_cannot_redirect_the_connection(pg_schema: str) -> None:
    listed = SourceLimits(hosts=("10.9.9.9:5432",))
    for url in (
        "postgresql+psycopg://postgres@10.9.9.9:5432/postgres?host=/var/run/postgresql",
        "postgresql+psycopg://postgres@10.9.9.9:5432/postgres?hostaddr=127.0.0.1",
        "postgresql+psycopg://postgres@10.9.9.9:5432/postgres?service=local",
    ):
        with pytest.raises(LoadFailed, match="may not set"):
            SqlConnector(url, "SELECT 1 AS record_id", limits=listed).read()
    with pytest.raises(LoadFailed, match="could not reach"):
        SqlConnector("postgresql+psycopg://postgres@/postgres", "SELECT 1 AS record_id", limits=listed).read()
