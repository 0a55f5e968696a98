"""Registering agency data sources and loading them into an identity index.

A load reads the whole source through its connector, checks every row, trains the matching model on
it and writes a snapshot; only then does the source switch to the new load, in one transaction. A
load that fails at any step leaves the source on its previous load, with a row-level report.
"""

from __future__ import annotations

import logging
import shutil
import time
import urllib.parse
from collections.abc import Callable, Mapping
from dataclasses import replace
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from django.conf import settings
from django.db import connections, transaction
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
from openmash.linkage.engine import LinkageModel
from openmash.linkage.engine.model import TRAINING_SAMPLE
from openmash.linkage.engine.records import STANDARD_COLUMNS
from openmash.linkage.sources import (
    CONNECTOR_KINDS,
    Connector,
    ConnectorSettingsError,
    LoadFailed,
    Snapshot,
    SourceLimits,
    connector_for,
)
from openmash.linkage.sources.limits import AppDatabase, error_reference
from openmash.linkage.sources.sql import READ_ONLY_DIALECTS, query_problem
from openmash.sources.models import DataSource, LoadStage, LoadStatus, SourceKind, SourceLoad

log = logging.getLogger(__name__)
NOT_ALLOWED = "Only a hub administrator can change data sources."
#: Snapshots kept per source besides the current one (for a quick look back; older ones are removed).
KEEP_PREVIOUS = 1
#: The progress shown while loading is written at most this often (seconds).
PROGRESS_INTERVAL = 0.5


#: A load that found its worker gone is tried again until it has been tried this many times.
MAX_ATTEMPTS = 2


def sources_root() -> Path:
    return Path(getattr(settings, "OPENMASH_SOURCES_DIR", settings.VAR_DIR / "sources"))


def uploads_root() -> Path:
    """Where uploaded extracts are kept (one folder per source); file sources may always read it."""
    return sources_root() / "uploads"


def max_upload_bytes() -> int:
    return int(settings.OPENMASH_SOURCE_MAX_UPLOAD_MB) * 1024 * 1024


def _app_databases() -> tuple[AppDatabase, ...]:
    out = []
    for alias in connections:
        values = connections[alias].settings_dict
        name = str(values.get("NAME") or "")
        if "sqlite" in str(values.get("ENGINE", "")):
            if name and name != ":memory:" and not name.startswith("file:"):
                out.append(AppDatabase(path=name))
            continue
        port = int(values.get("PORT") or 5432)
        out.append(AppDatabase(host=str(values.get("HOST") or "localhost"), port=port, name=name or None))
    return tuple(out)


def source_limits() -> SourceLimits:
    """The deployer's limits on data sources (settings read from the environment)."""
    return SourceLimits(
        folders=(uploads_root(), *(Path(f) for f in settings.OPENMASH_SOURCE_FOLDERS)),
        hosts=tuple(settings.OPENMASH_SOURCE_HOSTS),
        env_prefixes=tuple(settings.OPENMASH_SOURCE_ENV_PREFIXES),
        app_databases=_app_databases(),
        allow_app_database=bool(settings.OPENMASH_SOURCE_ALLOW_APP_DATABASE),
        max_file_bytes=max_upload_bytes(),
        max_rows=int(settings.OPENMASH_SOURCE_MAX_ROWS),
        max_uncompressed_bytes=int(settings.OPENMASH_SOURCE_MAX_UNCOMPRESSED_MB) * 1024 * 1024,
        sql_timeout_seconds=int(settings.OPENMASH_SOURCE_SQL_TIMEOUT_SECONDS),
    )


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


def connector_of(source: DataSource, load: SourceLoad | None = None) -> Connector:
    """The source's connector, held to the deployer's limits; for a load with uploads, reading them."""
    values = {**source.settings, **(load.uploads if load is not None else {})}
    return connector_for(source.kind, values, limits=source_limits())


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
    from openmash.sources.tasks import run_load

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
        reason = f"The worker stopped while loading (no progress for {minutes} minutes)." + (
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
            _fail(load, report=[], count=0, error=reason)
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


def _storable(value: Any) -> Any:
    """``value`` with NUL characters (which PostgreSQL text and JSON cannot hold) replaced: a report
    may quote a column name from a damaged file."""
    if isinstance(value, str):
        return value.replace("\x00", "\ufffd")
    if isinstance(value, list):
        return [_storable(v) for v in value]
    if isinstance(value, dict):
        return {_storable(k): _storable(v) for k, v in value.items()}
    return value


def _set(load: SourceLoad, **values: Any) -> None:
    if load.status == LoadStatus.RUNNING or values.get("status") == LoadStatus.RUNNING:
        values.setdefault("heartbeat_at", timezone.now())
    values = {key: _storable(value) for key, value in values.items()}
    for key, value in values.items():
        setattr(load, key, value)
    SourceLoad.objects.filter(pk=load.pk).update(**values)


def load_run(load: SourceLoad, *, on_progress: Callable[[int, int | None], None] | None = None) -> SourceLoad:
    """Do the load: read and check, train, snapshot, then switch the source over. Never raises for a
    bad source: the load ends FAILED with its report and the source keeps its previous index."""
    source = load.source
    if load.is_finished:
        return load
    _set(load, status=LoadStatus.RUNNING, stage=LoadStage.READING, started_at=timezone.now())
    last_write = 0.0

    def progress(done: int, total: int | None) -> None:
        nonlocal last_write
        if on_progress is not None:
            on_progress(done, total)
        now = time.monotonic()
        if now - last_write >= PROGRESS_INTERVAL or (total is not None and done >= total):
            last_write = now
            _set(load, rows_done=done, rows_total=total)

    directory = sources_root() / str(source.pk) / str(load.pk)
    try:
        extract = connector_of(source, load).read(mapping=source.column_mapping, progress=progress)
        _set(load, stage=LoadStage.TRAINING, rows_done=extract.records, rows_total=extract.records)
        model = _trained_model(extract.identities)
        _set(load, stage=LoadStage.INDEXING)
        Snapshot.write(extract, directory)
    except LoadFailed as failed:
        _discard_uploads(load)
        return _fail(
            load, report=[b.as_dict() for b in failed.bad_rows], count=failed.total, error=str(failed)
        )
    except Exception:  # noqa: BLE001 - any failure must leave the previous index in place
        reference = error_reference()
        log.exception("load of %s failed [ref %s]", source, reference)
        shutil.rmtree(directory, ignore_errors=True)
        _discard_uploads(load)
        return _fail(
            load,
            report=[],
            count=0,
            error=f"The load stopped on an unexpected error (reference {reference}; the detail is in"
            " the server log)",
        )

    actor = Actor(user=load.requested_by) if load.requested_by else Actor.system("source loader")
    with transaction.atomic():
        if not SourceLoad.objects.filter(pk=load.pk, status=LoadStatus.RUNNING).exists():
            # Marked failed meanwhile (its worker was taken to have stopped): keep nothing of it.
            shutil.rmtree(directory, ignore_errors=True)
            load.refresh_from_db()
            return load
        _set(
            load,
            status=LoadStatus.LOADED,
            stage=LoadStage.DONE,
            finished_at=timezone.now(),
            records=extract.records,
            events=extract.event_count if extract.events is not None else None,
            warnings=extract.warnings,
            snapshot=str(directory),
            model_json=model.to_json(),
            training_notes=list(model.training.get("notes", [])) if model.training else [],
        )
        DataSource.objects.filter(pk=source.pk).update(current_load=load)
        source.current_load = load
        if load.uploads:
            # The uploaded files become the ones the source reads from now on: only now, on success.
            fresh = DataSource.objects.select_for_update().get(pk=source.pk)
            save_versioned(
                fresh,
                expected_version=fresh.version,
                values={"settings": {**fresh.settings, **load.uploads}},
                actor_user=load.requested_by,
            )
            source.settings, source.version = fresh.settings, fresh.version
        audit_record(
            actor=actor,
            action=AuditAction.SOURCE_LOADED,
            obj=source,
            detail={"load": str(load.pk), "records": extract.records, "events": load.events},
        )
    _prune(source)
    return load


#: Fewer records than this cannot train a model: the default weights are used (and the notes say so).
MIN_TRAINING_RECORDS = 20


def _trained_model(identities: Any) -> LinkageModel:
    if len(identities) < MIN_TRAINING_RECORDS:
        model = LinkageModel.default()
        note = f"only {len(identities)} records: too few to train, so the default weights are used"
        return replace(model, training={"records": len(identities), "notes": [note]})
    sample = getattr(settings, "OPENMASH_TRAINING_SAMPLE", TRAINING_SAMPLE)
    return LinkageModel.default().train(identities, max_records=sample)


def _fail(load: SourceLoad, *, report: list[dict[str, object]], count: int, error: str) -> SourceLoad:
    actor = Actor(user=load.requested_by) if load.requested_by else Actor.system("source loader")
    with transaction.atomic():
        _set(
            load,
            status=LoadStatus.FAILED,
            finished_at=timezone.now(),
            report=report,
            bad_row_count=count,
            error=error[:2000],
        )
        audit_record(
            actor=actor,
            action=AuditAction.SOURCE_LOAD_FAILED,
            obj=load.source,
            detail={"load": str(load.pk), "bad_rows": count, "error": _storable(error[:300])},
        )
    return load


def _discard_uploads(load: SourceLoad) -> None:
    """A failed load's uploaded files are removed: the source never reads them, and they may hold
    personal data."""
    root = uploads_root().resolve()
    for path in load.uploads.values():
        file = Path(path)
        if file.resolve().is_relative_to(root):
            file.unlink(missing_ok=True)


def _prune(source: DataSource) -> None:
    """Remove snapshots older than the current load and the KEEP_PREVIOUS before it."""
    loaded = list(
        SourceLoad.objects.filter(source=source, status=LoadStatus.LOADED)
        .exclude(snapshot="")
        .order_by("-finished_at")
    )
    for old in loaded[1 + KEEP_PREVIOUS :]:
        if old.pk == source.current_load_id:
            continue
        shutil.rmtree(old.snapshot, ignore_errors=True)
        SourceLoad.objects.filter(pk=old.pk).update(snapshot="")
