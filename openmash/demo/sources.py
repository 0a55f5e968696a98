"""The synthetic area's agency extracts as the demo hub's data sources, loaded for the trawl."""

from __future__ import annotations

from pathlib import Path

from openmash.core.actor import Actor
from openmash.hub.models import Agency
from openmash.sources.loading import load_run
from openmash.sources.models import DataSource, SourceKind, SourceLoad
from openmash.sources.services import source_create
from openmash.synth.extracts import AGENCIES, Extracts, write_extracts

#: Which hub agency holds each synthetic agency system, and what the demo calls the system.
DEMO_SYSTEMS: dict[str, tuple[str, str]] = {
    "police": ("police", "Police records system"),
    "school": ("education", "School census and attendance"),
    "gp": ("health", "GP practice records"),
    "emergency_department": ("health", "Emergency department system"),
    "housing": ("housing", "Housing management system"),
    "probation": ("probation", "Probation case management"),
    "youth_offending": ("youth_offending", "Youth justice case management"),
    "adult_social_care": ("adult_social_care", "Adult social care records"),
}


def demo_sources(*, actor: Actor, extracts: Extracts, directory: Path) -> list[SourceLoad]:
    """Write the synthetic area's agency extracts and register and load each as its agency's source."""
    write_extracts(extracts, directory)
    loads = []
    for key in AGENCIES:
        kind, name = DEMO_SYSTEMS[key]
        agency = Agency.objects.filter(kind=kind, is_active=True).order_by("created_at").first()
        if agency is None:
            continue
        source = DataSource.objects.filter(agency=agency, name=name).first() or source_create(
            actor=actor,
            agency=agency,
            name=name,
            kind=SourceKind.CSV,
            settings_values={
                "identities": str(directory / f"{key}_identities.csv"),
                "events": str(directory / f"{key}_events.csv"),
            },
        )
        loads.append(load_run(SourceLoad.objects.create(source=source)))
    return loads
