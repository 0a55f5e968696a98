"""The background worker's heartbeat: each worker process that runs the heartbeat task says when."""

from __future__ import annotations

from django.db import models


class WorkerHeartbeat(models.Model):
    """One row per worker process (host and process id), updated each time it runs the heartbeat."""

    worker = models.CharField(max_length=200, unique=True, help_text="host name and process id")
    started_at = models.DateTimeField(help_text="when this process first beat")
    seen_at = models.DateTimeField(db_index=True)

    class Meta:
        ordering = ["-seen_at"]

    def __str__(self) -> str:
        return f"{self.worker} at {self.seen_at:%Y-%m-%d %H:%M:%S}"
