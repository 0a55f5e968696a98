"""The FHIR connector against a real local FHIR server (tests/fhir_server.py) over HTTP."""

from __future__ import annotations

import math
import socket
from datetime import date
from typing import Any

import pytest

from openmash.linkage.sources import LoadFailed, connector_for
from openmash.linkage.sources.fhir import NHS_NUMBER_SYSTEM, FhirConnector
from openmash.linkage.sources.tests.fhir_server import GP_RECORD_SYSTEM, FhirTestServer, Resources

# Invented people (no real data): one with everything, one with only the fallbacks.
PATIENT_FULL: dict[str, Any] = {
    "resourceType": "Patient",
    "id": "test-patient-1",
    "identifier": [
        {"system": "https://example.invalid/Id/local", "value": "L-0001"},
        {"system": NHS_NUMBER_SYSTEM, "value": "9990000018"},
        {"value": "X-42"},
    ],
    "name": [
        {"use": "usual", "family": "Testperson", "given": ["Bobby"]},
        {"use": "official", "family": "Testperson-Example", "given": ["Robert", "James"]},
    ],
    "telecom": [{"system": "phone", "value": "01632 960001"}],
    "gender": "male",
    "birthDate": "2015-03-04",
    "address": [
        {"use": "work", "line": ["1 Office Park"], "city": "Worktown", "postalCode": "ZZ9 9ZZ"},
        {"use": "home", "line": ["Flat 2", "7 Invented Street"], "city": "Nowhere", "postalCode": "ZZ1 1ZZ"},
    ],
}
PATIENT_PLAIN: dict[str, Any] = {
    "resourceType": "Patient",
    "id": "test-patient-2",
    "name": [
        {"family": "Sampleton", "given": ["Alex"]},
        {"use": "maiden", "family": "Otherton", "given": ["Al"]},
    ],
    "address": [
        {"use": "old", "line": ["9 Old Road"], "city": "Formertown", "postalCode": "ZZ8 8ZZ"},
        {"use": "temp", "line": ["3 Current Road"], "city": "Nowhere", "postalCode": "ZZ2 2ZZ"},
    ],
}
SUBJECT: dict[str, Any] = {"reference": "Patient/test-patient-1"}
ENCOUNTERS: list[dict[str, Any]] = [
    {
        "resourceType": "Encounter",
        "id": "enc-em",
        "status": "finished",
        "class": {"code": "EMER", "display": "emergency"},
        "priority": {
            "coding": [{"system": "http://terminology.hl7.org/CodeSystem/v3-ActPriority", "code": "EM"}]
        },
        "type": [{"coding": [{"display": "Emergency department attendance"}]}],
        "reasonCode": [{"text": "head injury"}],
        "subject": SUBJECT,
        "period": {"start": "2025-06-01T22:10:00Z"},
    },
    {
        "resourceType": "Encounter",
        "id": "enc-amb",
        "status": "finished",
        "class": {"code": "AMB", "display": "ambulatory"},
        "type": [{"text": "Health visitor contact"}],
        "subject": {"reference": "http://elsewhere.invalid/fhir/Patient/test-patient-1"},
        "period": {"start": "2024-02-03"},
    },
    {
        "resourceType": "Encounter",
        "id": "enc-planned",
        "status": "planned",
        "subject": SUBJECT,
        "period": {"start": "2024-05-05"},
    },
    {"resourceType": "Encounter", "id": "enc-no-date", "status": "finished", "subject": SUBJECT},
]
CONDITIONS: list[dict[str, Any]] = [
    {
        "resourceType": "Condition",
        "id": "cond-asthma",
        "clinicalStatus": {"coding": [{"code": "active"}]},
        "code": {"coding": [{"system": "http://snomed.info/sct", "code": "195967001", "display": "Asthma"}]},
        "subject": SUBJECT,
        "onsetDateTime": "2019-05-06",
        "recordedDate": "2019-06-01",
    },
    {
        "resourceType": "Condition",
        "id": "cond-eczema",
        "code": {"text": "Eczema"},
        "subject": SUBJECT,
        "recordedDate": "2020-01-02",
    },
    {
        "resourceType": "Condition",
        "id": "cond-error",
        "verificationStatus": {"coding": [{"code": "entered-in-error"}]},
        "code": {"text": "Wrong patient"},
        "subject": SUBJECT,
        "recordedDate": "2020-01-03",
    },
    {"resourceType": "Condition", "id": "cond-no-date", "code": {"text": "Undated"}, "subject": SUBJECT},
]


@pytest.fixture
def resources(fhir_resources: Resources) -> Resources:
    fhir_resources.patients[3:3] = [PATIENT_FULL, PATIENT_PLAIN]
    fhir_resources.encounters += ENCOUNTERS
    fhir_resources.conditions += CONDITIONS
    return fhir_resources


@pytest.fixture
def server(resources: Resources) -> FhirTestServer:
    return FhirTestServer(resources)


def test_read_pages_through_every_patient_and_reports_progress(
    server: FhirTestServer, resources: Resources
) -> None:
    calls: list[tuple[int, int | None]] = []
    with server:
        extract = FhirConnector(server.url, page_size=10).read(
            progress=lambda done, total: calls.append((done, total))
        )
    patients = len(resources.patients)
    assert patients > 30
    assert extract.records == patients
    assert set(extract.identities["record_id"]) == {p["id"] for p in resources.patients}
    assert extract.events is None
    assert len(server.paths("/Patient")) == math.ceil(patients / 10)
    assert calls == [(min(done, patients), patients) for done in range(10, patients + 10, 10)]
    # Every request asked for FHIR JSON.
    assert {headers.get("accept") for _, headers in server.requests} == {"application/fhir+json"}


def test_patient_fields_are_mapped_to_the_standard_columns(
    server: FhirTestServer, resources: Resources
) -> None:
    with server:
        extract = FhirConnector(server.url, page_size=25).read()
    rows = extract.identities.set_index("record_id", drop=False)
    full = rows.loc["test-patient-1"].to_dict()
    assert full == {
        "record_id": "test-patient-1",
        "given_name": "Robert",  # the official name, not the usual one
        "surname": "Testperson-Example",
        "date_of_birth": "2015-03-04",
        "sex": "male",
        "postcode": "ZZ1 1ZZ",  # the home address, not the work one
        "address": "Flat 2, 7 Invented Street, Nowhere",
        "nhs_number": "9990000018",
        "other_id": None,
    }
    plain = rows.loc["test-patient-2"].to_dict()
    assert (plain["given_name"], plain["surname"]) == ("Alex", "Sampleton")
    assert (plain["postcode"], plain["address"]) == ("ZZ2 2ZZ", "3 Current Road, Nowhere")
    assert plain["nhs_number"] is None and plain["date_of_birth"] is None

    details = extract.details.set_index("record_id")
    assert (
        details.at["test-patient-1", "other_identifiers"] == "https://example.invalid/Id/local|L-0001; X-42"
    )
    assert "01632" not in extract.details.to_csv() + extract.identities.to_csv()  # telecom is not read

    # A synthetic GP patient reads back as the GP record it was made from.
    source = resources.patients[0]
    row = rows.loc[source["id"]]
    assert row["surname"] == source["name"][0]["family"]
    assert row["given_name"] == source["name"][0]["given"][0]
    assert row["date_of_birth"] == source.get("birthDate")
    assert details.at[source["id"], "other_identifiers"] == f"{GP_RECORD_SYSTEM}|{source['id']}"


def test_columns_are_the_ones_a_patient_becomes() -> None:
    connector = FhirConnector("http://127.0.0.1:9/fhir")  # columns() asks no server
    assert connector.columns()[:8] == [
        "record_id",
        "given_name",
        "surname",
        "date_of_birth",
        "sex",
        "postcode",
        "address",
        "nhs_number",
    ]


def test_fetch_gives_encounters_and_conditions_as_events(server: FhirTestServer) -> None:
    with server:
        records = FhirConnector(server.url, page_size=2).fetch(
            ["test-patient-1", "no-such-patient", "bad/../id"]
        )
    assert list(records) == ["test-patient-1"]  # unknown ids are left out
    record = records["test-patient-1"]
    assert record.identity["given_name"] == "Robert"
    assert record.identity["nhs_number"] == "9990000018"
    assert record.details == {"other_identifiers": "https://example.invalid/Id/local|L-0001; X-42"}
    summary = [
        (e.occurred_on, e.kind, e.description, e.significance, e.source_reference) for e in record.events
    ]
    assert summary == [
        (date(2019, 5, 6), "health condition", "Asthma", "medium", "Condition/cond-asthma"),
        (date(2020, 1, 2), "health condition", "Eczema", "medium", "Condition/cond-eczema"),
        (date(2024, 2, 3), "health attendance", "Health visitor contact", "medium", "Encounter/enc-amb"),
        (
            date(2025, 6, 1),
            "health attendance",
            "Emergency department attendance (reason: head injury)",
            "high",
            "Encounter/enc-em",
        ),
    ]
    assert ("class", "emergency") in record.events[-1].details
    # Planned, undated and entered-in-error resources are not events; paging found them all.
    assert len(server.paths("/Encounter")) == 2 and len(server.paths("/Condition")) == 2


def test_fetch_a_synthetic_patient_with_many_appointments(
    server: FhirTestServer, resources: Resources
) -> None:
    by_subject: dict[str, int] = {}
    for encounter in resources.encounters:
        reference = encounter["subject"]["reference"]
        by_subject[reference] = by_subject.get(reference, 0) + 1
    busiest = max((r for r in by_subject if r != SUBJECT["reference"]), key=by_subject.__getitem__)
    record_id = busiest.removeprefix("Patient/")
    with server:
        records = FhirConnector(server.url, page_size=3).fetch([record_id])
    events = records[record_id].events
    assert by_subject[busiest] >= 3
    assert sum(e.kind == "health attendance" for e in events) == by_subject[busiest]
    assert sum(e.kind == "health condition" for e in events) == by_subject[busiest]
    assert [e.occurred_on for e in events] == sorted(e.occurred_on for e in events)


def test_a_token_is_sent_and_required(resources: Resources, monkeypatch: pytest.MonkeyPatch) -> None:
    with FhirTestServer(resources, token="test-token-123") as server:
        with pytest.raises(LoadFailed) as refused:
            FhirConnector(server.url).read()
        assert "refused access" in str(refused.value) and "401" in str(refused.value)

        with pytest.raises(LoadFailed) as wrong:
            FhirConnector(server.url, token="not-the-token").read()
        assert "not-the-token" not in str(wrong.value)

        assert FhirConnector(server.url, token="test-token-123").read().records == len(resources.patients)

        monkeypatch.setenv("OPENMASH_SOURCE_TEST_FHIR_TOKEN", "test-token-123")
        settings = {"base_url": server.url, "token": "env:OPENMASH_SOURCE_TEST_FHIR_TOKEN", "page_size": 50}
        assert connector_for("fhir", settings).read().records == len(resources.patients)
        assert server.requests[-1][1]["authorization"] == "Bearer test-token-123"

        monkeypatch.delenv("OPENMASH_SOURCE_TEST_FHIR_TOKEN")
        with pytest.raises(LoadFailed, match="OPENMASH_SOURCE_TEST_FHIR_TOKEN"):
            connector_for("fhir", settings).read()


@pytest.mark.parametrize(
    ("fail", "fail_on", "message"),
    [
        ("500", "", "HTTP 500"),
        ("not-json", "", "not JSON"),
        ("not-bundle", "", "OperationOutcome, not a Bundle"),
        ("500", "_offset=20", "HTTP 500"),  # the third page only: nothing of the first two is kept
    ],
)
def test_a_failing_server_fails_the_load(
    server: FhirTestServer, fail: str, fail_on: str, message: str
) -> None:
    server.fail, server.fail_on = fail, fail_on
    with server, pytest.raises(LoadFailed) as failed:
        FhirConnector(server.url, page_size=10).read()
    assert message in str(failed.value)
    assert server.url in str(failed.value)
    assert failed.value.bad_rows[0].row is None


def test_a_failing_server_fails_a_fetch(server: FhirTestServer) -> None:
    server.fail, server.fail_on = "not-json", "/Condition"
    with server, pytest.raises(LoadFailed, match="searching Conditions.*not JSON"):
        FhirConnector(server.url).fetch(["test-patient-1"])


def test_patients_without_an_id_are_reported_by_position(
    server: FhirTestServer, resources: Resources
) -> None:
    nameless = {"resourceType": "Patient", "name": [{"family": "Noid"}]}
    resources.patients.insert(1, dict(nameless))
    resources.patients.insert(12, dict(nameless))
    resources.patients.append(dict(PATIENT_PLAIN))  # the same id twice
    with server, pytest.raises(LoadFailed) as failed:
        FhirConnector(server.url, page_size=5).read()
    report = [(b.row, b.column, b.problem) for b in failed.value.bad_rows]
    assert report == [
        (2, "id", "the Patient resource has no id"),
        (13, "id", "the Patient resource has no id"),
        (len(resources.patients), "record_id", "duplicate record_id (also on row 6)"),
    ]


def test_an_unreachable_server_fails_the_load() -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    with pytest.raises(LoadFailed, match="could not reach the server"):
        FhirConnector(f"http://127.0.0.1:{port}/fhir", timeout=2).read()


def test_a_next_link_to_another_host_is_not_followed(server: FhirTestServer, resources: Resources) -> None:
    with FhirTestServer(resources) as elsewhere, server:
        server.link_origin = elsewhere.origin
        with pytest.raises(LoadFailed, match="another host"):
            FhirConnector(server.url, page_size=10, token="test-token-123").read()
    assert elsewhere.requests == []
