"""A data source's load, as the worker runs it (`tasks.run_load`): read and check every row through
the source's connector, held to the deployer's limits, train the matching model, write a snapshot, and
only then switch the source over, in one transaction. A load that fails at any step leaves the source
on its previous load, with a row-level report. The services register sources and queue loads."""

from __future__ import annotations

import logging
import shutil
import time
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path
from typing import Any

from django.conf import settings
from django.db import connections, transaction
from django.utils import timezone

from openmash.audit.catalogue import AuditAction
from openmash.audit.services import audit_record
from openmash.core.actor import Actor
from openmash.core.concurrency import save_versioned
from openmash.linkage.engine import LinkageModel
from openmash.linkage.engine.model import TRAINING_SAMPLE
from openmash.linkage.engine.stored import write_index
from openmash.linkage.sources import Connector, LoadFailed, Snapshot, SourceLimits, connector_for
from openmash.linkage.sources.limits import AppDatabase, error_reference
from openmash.sources.models import DataSource, LoadStage, LoadStatus, SourceLoad

log = logging.getLogger(__name__)

#: Snapshots kept per source besides the current one (for a quick look back; older ones are removed).
KEEP_PREVIOUS = 1
#: The progress shown while loading is written at most this often (seconds).
PROGRESS_INTERVAL = 0.5
#: The folder inside a load's snapshot holding its search index (memory-mapped arrays).
INDEX_FOLDER = "index"


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


def connector_of(source: DataSource, load: SourceLoad | None = None) -> Connector:
    """The source's connector, held to the deployer's limits; for a load with uploads, reading them."""
    values = {**source.settings, **(load.uploads if load is not None else {})}
    return connector_for(source.kind, values, limits=source_limits())


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
        # The trawl's index, written once as arrays every process maps (see sources.index).
        write_index(extract.identities, model, directory / INDEX_FOLDER)
    except LoadFailed as failed:
        _discard_uploads(load)
        return load_fail(
            load, report=[b.as_dict() for b in failed.bad_rows], count=failed.total, error=str(failed)
        )
    except Exception:  # noqa: BLE001 - any failure must leave the previous index in place
        reference = error_reference()
        log.exception("load of %s failed [ref %s]", source, reference)
        shutil.rmtree(directory, ignore_errors=True)
        _discard_uploads(load)
        return load_fail(
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


def load_fail(load: SourceLoad, *, report: list[dict[str, object]], count: int, error: str) -> SourceLoad:
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
