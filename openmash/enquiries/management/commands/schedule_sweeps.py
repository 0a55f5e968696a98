"""Start the periodic sweeps (overdue requests; scheduled refresh of data sources; failed outcome
e-mails; audit checkpoints; the worker's heartbeat; the monthly partnership report; the daily
retention sweep): queue the first of each unless one is already waiting. Safe to repeat."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand

from openmash.audit.tasks import schedule_audit_checkpoint
from openmash.casework.destruction import schedule_retention_sweep
from openmash.enquiries.tasks import schedule_sweep, sweep_overdue
from openmash.feedback.tasks import schedule_outcome_retries
from openmash.health.tasks import schedule_heartbeat
from openmash.reporting.tasks import schedule_monthly_reports
from openmash.sources.sweeps import schedule_source_refresh
from openmash.trawl.tasks import schedule_trawl_recovery


class Command(BaseCommand):
    help = "Queue the periodic sweeps for the database worker (manage.py db_worker), unless queued."

    def handle(self, *args: Any, **options: Any) -> None:
        backend = sweep_overdue.get_backend()
        if not backend.supports_defer:
            self.stdout.write(
                f"The task backend ({type(backend).__name__}) runs tasks at once and cannot repeat them: "
                "no sweep queued. Use manage.py sweep_overdue_now, or the database backend and db_worker."
            )
            return
        sweeps = (
            ("overdue sweep", schedule_sweep, settings.OVERDUE_SWEEP_SECONDS),
            ("data source refresh sweep", schedule_source_refresh, settings.SOURCE_REFRESH_SWEEP_SECONDS),
            ("stalled trawl sweep", schedule_trawl_recovery, settings.TRAWL_RECOVERY_SWEEP_SECONDS),
            ("outcome e-mail retry sweep", schedule_outcome_retries, settings.OUTCOME_RETRY_SWEEP_SECONDS),
            ("audit checkpoint", schedule_audit_checkpoint, settings.OPENMASH_AUDIT_CHECKPOINT_SECONDS),
            ("worker heartbeat", schedule_heartbeat, settings.OPENMASH_WORKER_HEARTBEAT_SECONDS),
            (
                "monthly partnership report",
                schedule_monthly_reports,
                settings.OPENMASH_MONTHLY_REPORT_SWEEP_SECONDS,
            ),
            ("retention sweep", schedule_retention_sweep, settings.RETENTION_SWEEP_SECONDS),
        )
        for name, schedule, seconds in sweeps:
            result = schedule()
            if result is None:
                self.stdout.write(f"The {name} is already queued: nothing to do.")
            else:
                self.stdout.write(
                    f"Queued the {name} ({result.id}); it runs now and then every "
                    f"{seconds} seconds while manage.py db_worker is running."
                )
