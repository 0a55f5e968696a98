"""Registering agency data sources and loading them into an identity index.

A load reads the whole source through its connector, checks every row, trains the matching model on
it and writes a snapshot; only then does the source switch to the new load, in one transaction. A
load that fails at any step leaves the source on its previous load, with a row-level report.
"""

from __future__ import annotations

import logging
import urllib.parse
from collections.abc import Mapping
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError

from openmash.accounts.models import User
from openmash.accounts.permissions import Perm, can
from openmash.audit.catalogue import AuditAction
from openmash.audit.services import audit_record
from openmash.core.actor import Actor
from openmash.core.concurrency import save_versioned
from openmash.core.errors import DomainError
from openmash.hub.models import Agency
from openmash.linkage.engine.records import STANDARD_COLUMNS
from openmash.linkage.sources import (
    CONNECTOR_KINDS,
    ConnectorSettingsError,
    LoadFailed,
    SourceLimits,
    connector_for,
)
from openmash.linkage.sources.sql import READ_ONLY_DIALECTS, query_problem
from openmash.sources.loading import (
    connector_of,
    load_fail,
    source_limits,
)
from openmash.sources.models import DataSource, LoadStatus, SourceKind, SourceLoad
from openmash.sources.tasks import run_load

log = logging.getLogger(__name__)
NOT_ALLOWED = "Only a hub administrator can change data sources."
#: A load that found its worker gone is tried again until it has been tried this many times.
MAX_ATTEMPTS = 2


class SettingRefused(DomainError):  # noqa: N818 - reads as "the setting is refused"
    """A source setting outside the deployer's limits; ``field`` names the setting."""

    def __init__(self, message: str, field: str) -> None:
        super().__init__(message)
        self.field = field


def _check_limits(kind: str, values: Mapping[str, Any], limits: SourceLimits) -> None:
    """Refuse, when saved, settings a load would refuse: a file outside the allowed folders, a host
    not on the list, an env: name that may not be read, a SQL query that is not one SELECT."""
    if kind in {SourceKind.CSV, SourceKind.XLSX}:
        for name in ("identities", "events"):
            if values.get(name) and not limits.path_allowed(str(values[name])):
                raise SettingRefused(
                    f"The {name} file is not in a folder data sources may read from. Put the extract in"
                    " one of the folders set by whoever runs OpenMASH (OPENMASH_SOURCE_FOLDERS),"
                    " or upload it",
                    name,
                )
    secrets = {"url": values.get("url"), "token": values.get("token")}
    for name, value in secrets.items():
        if isinstance(value, str) and value.strip().startswith("env:"):
            variable = value.strip()[4:].strip()
            if not limits.secret_name_allowed(variable):
                prefixes = " or ".join(limits.env_prefixes) or "an allowed prefix"
                raise SettingRefused(
                    f"env:{variable} cannot be used: a data source may only read environment variables"
                    f" whose names start with {prefixes}",
                    name,
                )
    if kind == SourceKind.SQL:
        for name in ("identities_query", "events_query"):
            problem = query_problem(values.get(name), what=name.replace("_", " "))
            if problem is not None:
                raise SettingRefused(problem[:1].upper() + problem[1:], name)
    if kind == SourceKind.SQL and values.get("url") and not str(values["url"]).strip().startswith("env:"):
        _check_sql_url(str(values["url"]).strip(), limits)
    if kind == SourceKind.FHIR and values.get("base_url"):
        parts = urllib.parse.urlsplit(str(values["base_url"]))
        try:
            port = parts.port or (443 if parts.scheme == "https" else 80)
        except ValueError:
            port = 0
        if not parts.hostname or not limits.host_listed(parts.hostname, port):
            raise SettingRefused(
                "This server is not one data sources may reach. Whoever runs OpenMASH can add it to"
                " OPENMASH_SOURCE_HOSTS",
                "base_url",
            )


def _check_sql_url(raw: str, limits: SourceLimits) -> None:
    try:
        url = make_url(raw)
    except (ArgumentError, ValueError):
        raise SettingRefused("The database URL is not valid", "url") from None
    dialect = url.get_backend_name()
    if dialect not in READ_ONLY_DIALECTS:
        raise SettingRefused(
            f"A {dialect} database cannot be held to read-only queries; data sources may use"
            f" {', '.join(sorted(READ_ONLY_DIALECTS))}",
            "url",
        )
    if dialect == "sqlite":
        if not url.database or not limits.path_allowed(url.database):
            raise SettingRefused(
                "The database file is not in a folder data sources may read from (OPENMASH_SOURCE_FOLDERS)",
                "url",
            )
        return
    port = url.port or READ_ONLY_DIALECTS[dialect] or 0
    if not url.host or not limits.host_listed(url.host, port):
        raise SettingRefused(
            "This database server is not one data sources may reach. Whoever runs OpenMASH can add it"
            " to OPENMASH_SOURCE_HOSTS",
            "url",
        )


def _check_admin(actor: Actor) -> None:
    if actor.user is None and actor.system_name:
        return  # OpenMASH itself (the demo loader, a scheduled refresh)
    if not isinstance(actor.user, User) or not can(actor.user, Perm.SOURCES_MANAGE):
        raise DomainError(NOT_ALLOWED)


def clean_settings(kind: str, values: Mapping[str, Any]) -> dict[str, Any]:
    """The settings a connector of ``kind`` takes, blanks dropped; raises DomainError if incomplete."""
    allowed = {name.rstrip("*") for name in CONNECTOR_KINDS.get(kind, ())}
    cleaned = {k: v for k, v in values.items() if k in allowed and v not in (None, "", {})}
    limits = source_limits()
    try:
        connector_for(kind, cleaned, limits=limits)
    except ConnectorSettingsError as error:
        raise DomainError(str(error).capitalize()) from None
    _check_limits(kind, cleaned, limits)
    return cleaned


def clean_mapping(mapping: Mapping[str, str]) -> dict[str, str]:
    cleaned = {str(k).strip(): v for k, v in mapping.items() if v}
    targets = list(cleaned.values())
    for target in targets:
        if target not in STANDARD_COLUMNS:
            raise DomainError(f"{target} is not a standard column")
        if targets.count(target) > 1:
            raise DomainError(f"Only one column can hold {target.replace('_', ' ')}")
    return cleaned


def source_create(
    *,
    actor: Actor,
    agency: Agency,
    name: str,
    kind: str,
    settings_values: Mapping[str, Any],
    column_mapping: Mapping[str, str] | None = None,
    threshold: float = 0.3,
    refresh_hours: int | None = None,
) -> DataSource:
    _check_admin(actor)
    if kind not in SourceKind.values:
        raise DomainError(f"Unknown kind of source {kind!r}")
    if DataSource.objects.filter(agency=agency, name=name).exists():
        raise DomainError(f"{agency.name} already has a source called {name}")
    with transaction.atomic():
        source = DataSource.objects.create(
            agency=agency,
            name=name,
            kind=kind,
            settings=clean_settings(kind, settings_values),
            column_mapping=clean_mapping(column_mapping or {}),
            threshold=threshold,
            refresh_hours=refresh_hours,
            created_by=actor.user,
            modified_by=actor.user,
        )
        audit_record(
            actor=actor,
            action=AuditAction.SOURCE_REGISTERED,
            obj=source,
            detail={"agency": agency.name, "name": name, "kind": kind},
        )
    return source


def source_update(
    *, actor: Actor, source: DataSource, expected_version: int, values: Mapping[str, Any]
) -> DataSource:
    """Change a source's name, settings, column mapping, threshold or whether it is searched."""
    _check_admin(actor)
    changes: dict[str, Any] = {}
    for field in ("name", "threshold", "is_active", "refresh_hours"):
        if field in values:
            changes[field] = values[field]
    if "settings" in values:
        changes["settings"] = clean_settings(source.kind, values["settings"])
    if "column_mapping" in values:
        changes["column_mapping"] = clean_mapping(values["column_mapping"])
    name = changes.get("name", source.name)
    if DataSource.objects.filter(agency=source.agency, name=name).exclude(pk=source.pk).exists():
        raise DomainError(f"{source.agency.name} already has a source called {name}")
    with transaction.atomic():
        save_versioned(source, expected_version=expected_version, values=changes, actor_user=actor.user)
        audit_record(
            actor=actor,
            action=AuditAction.SOURCE_CHANGED,
            obj=source,
            detail={"changed": sorted(changes)},
        )
    return source


def source_columns(source: DataSource) -> list[str]:
    """The columns the source offers, for mapping; raises DomainError if it cannot be read."""
    try:
        return connector_of(source).columns()
    except LoadFailed as failed:
        raise DomainError(f"The source could not be read: {failed}") from None
    except ConnectorSettingsError as error:
        raise DomainError(str(error).capitalize()) from None


def load_request(
    *, actor: Actor, source: DataSource, uploads: Mapping[str, Path] | None = None
) -> SourceLoad:
    """Queue a load of ``source`` (read by the background worker). ``uploads`` replace the files a
    file source reads for this load; they become the source's files only if the load succeeds."""
    _check_admin(actor)
    with transaction.atomic():
        load = SourceLoad.objects.create(
            source=source,
            requested_by=actor.user,
            upload=", ".join(p.name for p in (uploads or {}).values()),
            uploads={k: str(v) for k, v in (uploads or {}).items()},
            created_by=actor.user,
        )
        audit_record(
            actor=actor,
            action=AuditAction.SOURCE_LOAD_REQUESTED,
            obj=source,
            detail={"load": str(load.pk), "uploads": load.upload},
        )
        _enqueue(load)
    return load


def _enqueue(load: SourceLoad) -> None:
    load_id = str(load.pk)
    transaction.on_commit(lambda: run_load.enqueue(load_id))


def loads_recover_stalled(*, now: datetime | None = None) -> list[SourceLoad]:
    """Find loads whose worker stopped (running, with no sign of progress for
    ``OPENMASH_SOURCE_LOAD_STALE_MINUTES``): mark each failed with the reason and, unless it has
    been tried :data:`MAX_ATTEMPTS` times, queue it again with the same uploads. Returns the retries."""
    now = now or timezone.now()
    minutes = int(settings.OPENMASH_SOURCE_LOAD_STALE_MINUTES)
    cutoff = now - timedelta(minutes=minutes)
    stalled = SourceLoad.objects.filter(status=LoadStatus.RUNNING).select_related("source", "requested_by")
    retries = []
    for load in stalled:
        seen = load.heartbeat_at or load.started_at or load.created_at
        if seen > cutoff:
            continue
        again = load.attempt < MAX_ATTEMPTS
        span = "1 minute" if minutes == 1 else f"{minutes} minutes"
        reason = f"The worker stopped while loading (no progress for {span})." + (
            " The load is being tried again." if again else " It was not tried again: load it again."
        )
        with transaction.atomic():
            if (
                SourceLoad.objects.filter(pk=load.pk, status=LoadStatus.RUNNING).update(
                    status=LoadStatus.FAILED
                )
                != 1
            ):
                continue  # finished meanwhile
            load_fail(load, report=[], count=0, error=reason)
            if again:
                retry = SourceLoad.objects.create(
                    source=load.source,
                    requested_by=load.requested_by,
                    upload=load.upload,
                    uploads=load.uploads,
                    attempt=load.attempt + 1,
                    created_by=load.requested_by,
                )
                _enqueue(retry)
                retries.append(retry)
    return retries


def sources_refresh_due(*, now: datetime | None = None) -> list[SourceLoad]:
    """Queue a load of every active source whose scheduled refresh is due: its last load was asked
    for at least ``refresh_hours`` ago (a failed one too, so a refresh that failed is tried again
    at the next interval) and none is waiting or running."""
    now = now or timezone.now()
    loads_recover_stalled(now=now)
    actor = Actor.system("scheduled refresh")
    queued = []
    due = DataSource.objects.filter(is_active=True, refresh_hours__isnull=False).select_related("agency")
    for source in due:
        if source.loads.filter(status__in=[LoadStatus.QUEUED, LoadStatus.RUNNING]).exists():
            continue
        next_at = source.next_refresh_at(source.loads.order_by("-created_at").first())
        if next_at is not None and next_at <= now:
            queued.append(load_request(actor=actor, source=source))
    return queued
