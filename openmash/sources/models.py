"""Agency data sources as configuration, and each load of one into an identity index."""

from __future__ import annotations

from datetime import datetime, timedelta

from django.conf import settings
from django.db import models
from django.utils import timezone

from openmash.core.models import BaseModel, VersionedModel
from openmash.hub.models import Agency


class SourceKind(models.TextChoices):
    CSV = "csv", "CSV extract"
    XLSX = "xlsx", "Excel workbook"
    SQL = "sql", "SQL database"
    FHIR = "fhir", "FHIR R4 server"


class DataSource(VersionedModel):
    """One of an agency's systems, connected so that trawls can search it."""

    agency = models.ForeignKey(Agency, on_delete=models.PROTECT, related_name="data_sources")
    name = models.CharField(max_length=200, help_text="What the agency calls the system, e.g. 'Niche RMS'.")
    kind = models.CharField(max_length=10, choices=SourceKind.choices)
    settings = models.JSONField(
        default=dict,
        blank=True,
        help_text="Connector settings: file paths, a SQLAlchemy URL and queries, a FHIR base URL. "
        "Secrets are written as env:VARIABLE and read from the server's environment.",
    )
    column_mapping = models.JSONField(
        default=dict, blank=True, help_text="The source's column name -> the standard column it holds."
    )
    threshold = models.FloatField(
        default=0.3, help_text="The lowest match probability a trawl shows a researcher."
    )
    is_active = models.BooleanField(default=True)
    refresh_hours = models.PositiveSmallIntegerField(
        null=True,
        blank=True,
        help_text="Reload automatically this many hours after the last load; blank: only when asked.",
    )
    current_load = models.ForeignKey(
        "SourceLoad", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["agency__name", "name"]
        constraints = [models.UniqueConstraint(fields=["agency", "name"], name="one_source_name_per_agency")]

    def __str__(self) -> str:
        return f"{self.agency.name}: {self.name}"

    def next_refresh_at(self, latest: SourceLoad | None) -> datetime | None:
        """When the scheduled refresh loads the source next (None: not scheduled)."""
        if not self.refresh_hours or not self.is_active:
            return None
        if latest is None:
            return timezone.now()
        return latest.created_at + timedelta(hours=self.refresh_hours)

    @property
    def is_live(self) -> bool:
        return self.kind in {SourceKind.SQL, SourceKind.FHIR}


class LoadStatus(models.TextChoices):
    QUEUED = "queued", "Waiting to start"
    RUNNING = "running", "Loading"
    LOADED = "loaded", "Loaded"
    FAILED = "failed", "Failed"


class LoadStage(models.TextChoices):
    WAITING = "waiting", "Waiting for the worker"
    READING = "reading", "Reading records"
    TRAINING = "training", "Training the matching model"
    INDEXING = "indexing", "Building the search index"
    DONE = "done", "Done"


class SourceLoad(BaseModel):
    """One attempt to load a source. Only a complete, checked load becomes the source's index."""

    source = models.ForeignKey(DataSource, on_delete=models.CASCADE, related_name="loads")
    status = models.CharField(max_length=10, choices=LoadStatus.choices, default=LoadStatus.QUEUED)
    stage = models.CharField(max_length=10, choices=LoadStage.choices, default=LoadStage.WAITING)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    rows_done = models.PositiveIntegerField(default=0)
    rows_total = models.PositiveIntegerField(null=True, blank=True)
    records = models.PositiveIntegerField(null=True, blank=True)
    events = models.PositiveIntegerField(null=True, blank=True)
    bad_row_count = models.PositiveIntegerField(default=0)
    report = models.JSONField(default=list, blank=True, help_text="Bad rows: part, row, column, problem.")
    warnings = models.JSONField(default=list, blank=True)
    error = models.TextField(blank=True, default="")
    upload = models.CharField(max_length=500, blank=True, default="", help_text="Uploaded files, if any.")
    uploads = models.JSONField(
        default=dict,
        blank=True,
        help_text="Setting -> uploaded file this load reads instead; the source's settings take them "
        "only when the load succeeds.",
    )
    heartbeat_at = models.DateTimeField(
        null=True, blank=True, help_text="When the worker last showed it was still loading."
    )
    attempt = models.PositiveSmallIntegerField(
        default=1, help_text="1 for a load as asked; more when a load whose worker stopped is tried again."
    )
    snapshot = models.CharField(max_length=500, blank=True, default="")
    model_json = models.TextField(
        blank=True, default="", help_text="The matching model trained on this load."
    )
    training_notes = models.JSONField(default=list, blank=True)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.source} load {self.created_at:%Y-%m-%d %H:%M} ({self.status})"

    @property
    def is_finished(self) -> bool:
        return self.status in {LoadStatus.LOADED, LoadStatus.FAILED}

    @property
    def percent(self) -> int | None:
        if self.status == LoadStatus.LOADED:
            return 100
        if not self.rows_total:
            return None
        return min(99, int(100 * self.rows_done / self.rows_total))
