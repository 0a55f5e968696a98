"""Agency data sources behind one connector interface (plain Python, no Django).

* :class:`~.base.Connector` — ``columns()``, ``read(mapping=..., progress=...)`` giving an
  :class:`~.base.Extract` or raising :class:`~.base.LoadFailed` with a row-level report, and for
  live sources ``fetch(record_ids)`` giving the full :class:`~.base.SourceRecord` of confirmed
  matches.
* Connectors: :class:`~.files.CsvConnector` (CSV/TSV), :class:`~.xlsx.XlsxConnector` (Excel),
  :class:`~.sql.SqlConnector` (any SQLAlchemy URL and query), :class:`~.fhir.FhirConnector`
  (FHIR R4 Patient, with Encounter and Condition as events).
* :class:`~.snapshot.Snapshot` — one successful load on disk (Parquet), written atomically.
* :func:`connector_for` — a connector from a source's stored kind and settings.
* :class:`~.limits.SourceLimits` — the folders, hosts, secrets and sizes a source is held to.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from openmash.linkage.sources.base import (
    EVENT_COLUMNS,
    BadRow,
    Connector,
    Extract,
    LoadFailed,
    Progress,
    SourceEvent,
    SourceRecord,
)
from openmash.linkage.sources.limits import UNRESTRICTED, SourceLimits
from openmash.linkage.sources.snapshot import Snapshot

__all__ = [
    "CONNECTOR_KINDS",
    "EVENT_COLUMNS",
    "BadRow",
    "Connector",
    "ConnectorSettingsError",
    "Extract",
    "LoadFailed",
    "Progress",
    "Snapshot",
    "SourceEvent",
    "SourceLimits",
    "SourceRecord",
    "connector_for",
]

#: Each kind and the settings its connector takes (``*`` = required).
CONNECTOR_KINDS: dict[str, tuple[str, ...]] = {
    "csv": ("identities*", "events", "encoding", "event_mapping"),
    "xlsx": ("identities*", "events", "identities_sheet", "events_sheet", "event_mapping"),
    "sql": ("url*", "identities_query*", "events_query", "event_mapping"),
    "fhir": ("base_url*", "page_size", "token", "timeout"),
}


class ConnectorSettingsError(ValueError):
    """A source's settings are incomplete or unknown for its kind."""


def connector_for(
    kind: str, settings: Mapping[str, Any], *, limits: SourceLimits = UNRESTRICTED
) -> Connector:
    """The connector for a source of ``kind`` with ``settings`` (see :data:`CONNECTOR_KINDS`),
    bounded by ``limits`` (the web application always passes the deployer's)."""
    if kind not in CONNECTOR_KINDS:
        raise ConnectorSettingsError(f"unknown kind of source {kind!r}")
    allowed = {name.rstrip("*") for name in CONNECTOR_KINDS[kind]}
    required = [name.rstrip("*") for name in CONNECTOR_KINDS[kind] if name.endswith("*")]
    missing = [name for name in required if not settings.get(name)]
    if missing:
        raise ConnectorSettingsError(f"a {kind} source needs {', '.join(missing)}")
    values = {k: v for k, v in settings.items() if k in allowed and v not in (None, "")}
    if kind == "csv":
        from openmash.linkage.sources.files import CsvConnector

        return CsvConnector(**values, limits=limits)
    if kind == "xlsx":
        from openmash.linkage.sources.xlsx import XlsxConnector

        return XlsxConnector(**values, limits=limits)
    if kind == "sql":
        from openmash.linkage.sources.sql import SqlConnector

        return SqlConnector(**values, limits=limits)
    from openmash.linkage.sources.fhir import FhirConnector

    return FhirConnector(**values, limits=limits)
