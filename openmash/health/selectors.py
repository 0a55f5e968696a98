"""The checks behind the health endpoints and the hub administrator's background work page.

Each check answers ok or not with a short reason that names no person, case or count of cases.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta

from django.conf import settings
from django.db import DatabaseError, connection
from django.db.migrations.executor import MigrationExecutor
from django.tasks import TaskResultStatus
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from openmash.audit.services import audit_anchor_lag
from openmash.health.models import WorkerHeartbeat

WORKER_NEVER_SEEN = (
    "no worker has run the heartbeat: start manage.py db_worker, after manage.py schedule_sweeps"
)
WORKER_NOT_SEEN = "no worker seen for {seconds} seconds (the limit is {limit})"
CHECKPOINT_STALE = (
    "audit events from {seconds} seconds ago have no checkpoint yet (the limit is {limit}): is the "
    "worker running, and the anchor folder writable?"
)


LABELS = {
    "database": "Database",
    "migrations": "Database migrations",
    "worker": "Background worker",
    "audit_checkpoint": "Audit trail checkpoint",
}


@dataclass(frozen=True, slots=True)
class Check:
    name: str
    ok: bool
    detail: str = ""
    figures: dict[str, int] = field(default_factory=dict)
    """Numbers a monitor may graph (ages in seconds, migrations pending): never about people."""

    @property
    def label(self) -> str:
        return LABELS.get(self.name, self.name)

    def as_json(self) -> dict[str, object]:
        return {"ok": self.ok, **({"detail": self.detail} if self.detail else {}), **self.figures}


def _age(moment: datetime, now: datetime) -> int:
    return max(0, int((now - moment).total_seconds()))


def check_database() -> Check:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except DatabaseError as error:
        return Check("database", False, f"cannot be reached ({type(error).__name__})")
    return Check("database", True)


def check_migrations() -> Check:
    try:
        executor = MigrationExecutor(connection)
        plan = executor.migration_plan(executor.loader.graph.leaf_nodes())
    except DatabaseError as error:
        return Check("migrations", False, f"cannot be read ({type(error).__name__})")
    if plan:
        return Check(
            "migrations", False, "migrations not applied: run manage.py migrate", {"pending": len(plan)}
        )
    return Check("migrations", True, figures={"pending": 0})


def newest_heartbeat() -> WorkerHeartbeat | None:
    return WorkerHeartbeat.objects.order_by("-seen_at").first()


def check_worker(now: datetime | None = None) -> Check:
    now = now or timezone.now()
    limit = settings.OPENMASH_WORKER_STALE_SECONDS
    try:
        beat = newest_heartbeat()
    except DatabaseError as error:
        return Check("worker", False, f"cannot be read ({type(error).__name__})")
    if beat is None:
        return Check("worker", False, WORKER_NEVER_SEEN)
    age = _age(beat.seen_at, now)
    if age > limit:
        return Check(
            "worker", False, WORKER_NOT_SEEN.format(seconds=age, limit=limit), {"seen_seconds_ago": age}
        )
    return Check("worker", True, figures={"seen_seconds_ago": age})


def checkpoint_limit() -> int:
    """Events may wait this long for a checkpoint: twice the worker's checkpoint interval."""
    return 2 * settings.OPENMASH_AUDIT_CHECKPOINT_SECONDS


def check_audit_checkpoint(now: datetime | None = None) -> Check:
    now = now or timezone.now()
    limit = checkpoint_limit()
    try:
        lag = audit_anchor_lag()
    except (DatabaseError, OSError) as error:
        return Check("audit_checkpoint", False, f"cannot be read ({type(error).__name__})")
    figures = {}
    if lag.checkpoint is not None:
        figures["checkpoint_seconds_ago"] = _age(lag.checkpoint.at, now)
    if lag.oldest_unanchored_at is None:
        return Check("audit_checkpoint", True, figures={**figures, "unanchored_seconds": 0})
    waiting = _age(lag.oldest_unanchored_at, now)
    figures["unanchored_seconds"] = waiting
    if waiting > limit:
        return Check(
            "audit_checkpoint", False, CHECKPOINT_STALE.format(seconds=waiting, limit=limit), figures
        )
    return Check("audit_checkpoint", True, figures=figures)


def readiness() -> list[Check]:
    """Everything the hub needs to do its work. Without the database the rest cannot be asked."""
    database = check_database()
    if not database.ok:
        skipped = "not checked: the database cannot be reached"
        return [database] + [Check(n, False, skipped) for n in ("migrations", "worker", "audit_checkpoint")]
    return [database, check_migrations(), check_worker(), check_audit_checkpoint()]


@dataclass(frozen=True, slots=True)
class Queue:
    waiting: int
    """Tasks due now that no worker has taken yet."""
    scheduled: int
    """Tasks due later (the next run of each periodic sweep, retries)."""
    running: int
    failed_today: int
    oldest_waiting_at: datetime | None


def task_queue(now: datetime | None = None) -> Queue:
    now = now or timezone.now()
    tasks = DBTaskResult.objects.all()
    ready = tasks.ready()
    return Queue(
        waiting=ready.count(),
        scheduled=tasks.filter(status=TaskResultStatus.READY).count() - ready.count(),
        running=tasks.filter(status=TaskResultStatus.RUNNING).count(),
        failed_today=tasks.filter(
            status=TaskResultStatus.FAILED, finished_at__gte=now - timedelta(days=1)
        ).count(),
        oldest_waiting_at=ready.order_by("enqueued_at").values_list("enqueued_at", flat=True).first(),
    )


def recent_workers(now: datetime | None = None) -> list[WorkerHeartbeat]:
    """Worker processes seen in the last day, newest first."""
    now = now or timezone.now()
    return list(WorkerHeartbeat.objects.filter(seen_at__gte=now - timedelta(days=1)).order_by("-seen_at"))
