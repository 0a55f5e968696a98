"""Registering and loading sources: all-or-nothing loads, row-level reports, the previous index kept."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from django.core.management import CommandError, call_command

from openmash.accounts.roles import Role
from openmash.audit.catalogue import AuditAction
from openmash.audit.models import AuditEvent
from openmash.core.actor import Actor
from openmash.core.errors import DomainError
from openmash.hub.models import Agency, AgencyKind
from openmash.linkage.engine import LinkageModel
from openmash.linkage.sources import Snapshot
from openmash.sources.index import fetch_records, index_for
from openmash.sources.loading import load_run
from openmash.sources.models import DataSource, LoadStatus, SourceKind, SourceLoad
from openmash.sources.services import load_request, source_create, source_update
from openmash.sources.tests.helpers import EVENT_HEADER, EVENTS, IDENTITY_HEADER, police_source, write_csv

pytestmark = pytest.mark.django_db


def test_a_loaded_source_is_searchable_and_gives_full_records(hub: Any, tmp_path: Path) -> None:
    source = police_source(tmp_path)
    load = source.current_load
    assert load is not None and load.status == LoadStatus.LOADED
    assert (load.records, load.events, load.bad_row_count) == (63, 4, 0)
    # The matching model trained on this source is stored with the load.
    assert LinkageModel.from_json(load.model_json).comparisons
    (result,) = index_for(load).search(
        [
            {
                "record_id": "q",
                "given_name": "Jayden",
                "surname": "Whitmore",
                "date_of_birth": "2018-05-04",
                "postcode": "NT1 1AA",
            }
        ],
        top=3,
        threshold=0.3,
    )
    assert result.candidates[0].record_id == "POL-100"
    assert {e.comparison for e in result.candidates[0].evidence} >= {"given_name", "surname", "date_of_birth"}
    record = fetch_records(source, load, ["POL-100", "nobody"])
    assert list(record) == ["POL-100"]
    assert (
        record["POL-100"].details == {"WARNING_MARKERS": ""}
        or "WARNING_MARKERS" not in record["POL-100"].details
    )
    assert [e.source_reference for e in record["POL-100"].events] == [
        "INC-2025-009912",
        "INC-2026-000101",
        "INC-2026-000287",
    ]
    assert dict(record["POL-100"].events[1].details)["role"] == "person present"
    assert AuditEvent.objects.filter(action=AuditAction.SOURCE_LOADED, object_id=str(source.pk)).count() == 1


def test_a_bad_extract_loads_nothing_reports_every_bad_row_and_keeps_the_previous_index(
    hub: Any, tmp_path: Path
) -> None:
    source = police_source(tmp_path)
    good = source.current_load
    assert good is not None
    broken = [
        ["POL-900", "Ann", "SMITH", "01/01/2000", "F", "NT1 1AA", "2 Elm Road", ""],
        ["", "Bob", "JONES", "01/01/2001", "M", "NT1 1AA", "3 Elm Road", ""],
        ["POL-900", "Cara", "BROWN", "01/01/2002", "F", "NT1 1AA", "4 Elm Road", ""],
        ["POL-902", "Dan", "GREEN", "01/01/2003"],
    ]
    write_csv(Path(source.settings["identities"]), IDENTITY_HEADER, broken)
    write_csv(
        Path(source.settings["events"]),
        EVENT_HEADER,
        [*EVENTS[:1], ["POL-900", "2026-02-30", "x", "y", "high", "R", ""]],
    )
    failed = load_run(SourceLoad.objects.create(source=source))
    assert failed.status == LoadStatus.FAILED
    problems = {(b["part"], b["row"], b["column"], b["problem"]) for b in failed.report}
    assert ("identities", 4, None, "has 4 fields where the header has 8") in problems
    assert ("identities", 2, "PERSON_REF", "record_id is empty") in problems
    assert ("identities", 3, "PERSON_REF", "duplicate record_id (also on row 1)") in problems
    assert ("events", 1, "record_id", "record_id is not in the identities") in problems
    assert ("events", 2, "occurred_on", "not a date (expected YYYY-MM-DD)") in problems
    assert failed.bad_row_count == len(failed.report) == 5
    source.refresh_from_db()
    assert source.current_load_id == good.pk  # trawls still search the previous load
    assert Snapshot(good.snapshot).identities().shape[0] == 63
    assert not list(Path(good.snapshot).parent.glob(f"*{failed.pk}*"))  # nothing half-written
    assert AuditEvent.objects.filter(action=AuditAction.SOURCE_LOAD_FAILED).count() == 1


def test_a_file_in_the_wrong_encoding_is_reported_and_loads_with_the_right_one(
    hub: Any, tmp_path: Path
) -> None:
    path = tmp_path / "latin.csv"
    path.write_bytes("record_id,given_name,surname\nA1,Ren\xe9e,Dupont\nA2,Zo\xeb,Martin\n".encode("latin-1"))
    source = source_create(
        actor=Actor.system("tests"),
        agency=Agency.objects.get(kind=AgencyKind.HOUSING),
        name="Tenancy system",
        kind=SourceKind.CSV,
        settings_values={"identities": str(path)},
    )
    failed = load_run(SourceLoad.objects.create(source=source))
    assert failed.status == LoadStatus.FAILED
    assert [b["row"] for b in failed.report] == [1, 2]
    assert "is not valid utf-8 text" in failed.report[0]["problem"]
    source_update(
        actor=Actor.system("tests"),
        source=source,
        expected_version=source.version,
        values={"settings": {**source.settings, "encoding": "windows-1252"}},
    )
    loaded = load_run(SourceLoad.objects.create(source=source))
    assert loaded.status == LoadStatus.LOADED
    assert fetch_records(source, loaded, ["A1"])["A1"].identity["given_name"] == "Renée"


def test_only_hub_administrators_register_or_load_sources(hub: Any, make_user: Any, tmp_path: Path) -> None:
    source = police_source(tmp_path, load=False)
    researcher = make_user(Role.AGENCY_RESEARCHER, AgencyKind.POLICE)
    with pytest.raises(DomainError):
        load_request(actor=Actor(user=researcher), source=source)
    with pytest.raises(DomainError):
        source_create(
            actor=Actor(user=researcher),
            agency=researcher.agency,
            name="Mine",
            kind=SourceKind.CSV,
            settings_values={"identities": "x.csv"},
        )
    admin = make_user(Role.HUB_ADMINISTRATOR)
    load = load_request(actor=Actor(user=admin), source=source)
    assert load.status == LoadStatus.QUEUED


def test_settings_a_kind_needs_are_required(hub: Any) -> None:
    police = Agency.objects.get(kind=AgencyKind.POLICE)
    with pytest.raises(DomainError, match="needs identities_query"):
        source_create(
            actor=Actor.system("tests"),
            agency=police,
            name="Custody",
            kind=SourceKind.SQL,
            settings_values={"url": "sqlite:///x.db"},
        )
    assert not DataSource.objects.exists()


def test_command_line_load_shows_progress_and_a_report(hub: Any, tmp_path: Path, capsys: Any) -> None:
    source = police_source(tmp_path, load=False)
    call_command("source_load", "Police", "Police records system")
    out, err = capsys.readouterr()
    assert "Loaded 63 records and 4 events" in out
    assert "100% 63/63 rows" in err
    write_csv(Path(source.settings["identities"]), IDENTITY_HEADER, [["", "A", "B", "", "", "", "", ""]])
    with pytest.raises(CommandError, match="Nothing was loaded; the previous index is kept"):
        call_command("source_load", "Police", "Police records system")
    _, err = capsys.readouterr()
    assert "identities, row 1, column PERSON_REF: record_id is empty" in err
    with pytest.raises(CommandError, match="no data source called"):
        call_command("source_load", "Police", "Nothing")
