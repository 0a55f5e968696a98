"""A police records extract for tests: the case's family among invented filler records, with events."""

from __future__ import annotations

import csv
from pathlib import Path

from openmash.core.actor import Actor
from openmash.hub.models import Agency, AgencyKind
from openmash.sources.loading import load_run
from openmash.sources.models import DataSource, SourceKind, SourceLoad
from openmash.sources.services import source_create

IDENTITY_HEADER = [
    "PERSON_REF",
    "FORENAME",
    "SURNAME",
    "DOB",
    "GENDER",
    "POSTCODE",
    "ADDRESS",
    "WARNING_MARKERS",
]
EVENT_HEADER = ["record_id", "occurred_on", "kind", "description", "significance", "source_reference", "role"]
#: Mapping from the extract's own column names to the standard ones.
MAPPING = {
    "PERSON_REF": "record_id",
    "FORENAME": "given_name",
    "SURNAME": "surname",
    "DOB": "date_of_birth",
    "GENDER": "sex",
    "POSTCODE": "postcode",
    "ADDRESS": "address",
}
FAMILY = [
    # Jayden Whitmore, as the case has him (2018-05-04, 1 Elm Road NT1 1AA), recorded with a nickname.
    ["POL-100", "Jay", "WHITMORE", "04/05/2018", "M", "NT1 1AA", "1 Elm Road, Northtown", ""],
    # His mother Kerry, at the same address.
    ["POL-101", "Kerry", "WHITMORE", "12/03/1990", "F", "NT1 1AA", "1 Elm Road, Northtown", "violence"],
    # A different Jayden Whitmore: same name, other date of birth, other town.
    ["POL-102", "Jayden", "WHITMORE", "19/11/2009", "M", "ZZ9 9ZZ", "77 Far Lane, Southtown", ""],
]
EVENTS = [
    [
        "POL-100",
        "2026-03-14",
        "domestic_abuse",
        "Child present at a domestic incident at home.",
        "high",
        "INC-2026-000101",
        "person present",
    ],
    [
        "POL-100",
        "2026-06-02",
        "missing_episode",
        "Reported missing after school; found the same evening.",
        "medium",
        "INC-2026-000287",
        "missing person",
    ],
    [
        "POL-100",
        "2025-12-24",
        "concern_for_welfare",
        "Welfare check at the address; no concerns.",
        "low",
        "INC-2025-009912",
        "subject",
    ],
    [
        "POL-101",
        "2026-03-14",
        "domestic_abuse",
        "Victim of a domestic assault by an ex-partner.",
        "high",
        "INC-2026-000101",
        "victim",
    ],
]
FIRST = ["Alex", "Sam", "Jordan", "Casey", "Morgan", "Riley", "Taylor", "Jamie", "Robin", "Drew"]
LAST = ["Ashdown", "Birchley", "Coldwell", "Dunmore", "Elsworth", "Fenwick", "Garside", "Holloway"]


def filler(count: int = 60) -> list[list[str]]:
    rows = []
    for n in range(count):
        rows.append(
            [
                f"POL-{200 + n}",
                FIRST[n % len(FIRST)],
                LAST[n % len(LAST)].upper(),
                f"{1 + n % 28:02d}/{1 + n % 12:02d}/{1970 + n % 40}",
                "M" if n % 2 else "F",
                f"NT{1 + n % 9} {n % 9}B{'ABDEFGHJ'[n % 8]}",
                f"{n + 2} Oak Street, Northtown",
                "",
            ]
        )
    return rows


def write_csv(path: Path, header: list[str], rows: list[list[str]]) -> Path:
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(header)
        writer.writerows(rows)
    return path


def police_files(
    directory: Path,
    *,
    extra_rows: list[list[str]] | None = None,
    extra_events: list[list[str]] | None = None,
) -> tuple[Path, Path]:
    directory.mkdir(parents=True, exist_ok=True)
    identities = write_csv(
        directory / "police_people.csv", IDENTITY_HEADER, FAMILY + filler() + (extra_rows or [])
    )
    events = write_csv(directory / "police_events.csv", EVENT_HEADER, EVENTS + (extra_events or []))
    return identities, events


def police_source(
    directory: Path,
    *,
    load: bool = True,
    name: str = "Police records system",
    extra_rows: list[list[str]] | None = None,
    extra_events: list[list[str]] | None = None,
) -> DataSource:
    """Register the police extract as Police's source and, by default, load it now; `extra_rows` and
    `extra_events` are people and events the extract holds beside the family and the filler."""
    identities, events = police_files(directory, extra_rows=extra_rows, extra_events=extra_events)
    source = source_create(
        actor=Actor.system("tests"),
        agency=Agency.objects.get(kind=AgencyKind.POLICE),
        name=name,
        kind=SourceKind.CSV,
        settings_values={"identities": str(identities), "events": str(events)},
        column_mapping=MAPPING,
    )
    if load:
        load_run(SourceLoad.objects.create(source=source))
        source.refresh_from_db()
    return source
