"""Every repeating sweep queues its successor after the interval the deployer set: a sweep setting
that changed nothing would leave stalled trawls, failed e-mails or anchors waiting for the default."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.tasks import Task
from django.test import override_settings
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from openmash.audit.tasks import checkpoint_audit
from openmash.casework.destruction import sweep_retention
from openmash.enquiries.tasks import sweep_overdue
from openmash.feedback.tasks import sweep_outcome_retries
from openmash.health.tasks import worker_heartbeat
from openmash.reporting.tasks import make_monthly_reports
from openmash.sources.sweeps import sweep_source_refresh
from openmash.trawl.tasks import sweep_stalled_trawls

DATABASE_TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}

SWEEPS = [
    (sweep_overdue, "OVERDUE_SWEEP_SECONDS"),
    (sweep_source_refresh, "SOURCE_REFRESH_SWEEP_SECONDS"),
    (sweep_stalled_trawls, "TRAWL_RECOVERY_SWEEP_SECONDS"),
    (sweep_outcome_retries, "OUTCOME_RETRY_SWEEP_SECONDS"),
    (checkpoint_audit, "OPENMASH_AUDIT_CHECKPOINT_SECONDS"),
    (worker_heartbeat, "OPENMASH_WORKER_HEARTBEAT_SECONDS"),
    (sweep_retention, "RETENTION_SWEEP_SECONDS"),
    (make_monthly_reports, "OPENMASH_MONTHLY_REPORT_SWEEP_SECONDS"),
]


@pytest.mark.parametrize(("sweep", "setting"), SWEEPS, ids=[setting for _, setting in SWEEPS])
@pytest.mark.parametrize("seconds", [45, 7_200])
def test_a_sweep_queues_its_next_run_after_the_interval_set(
    db: None, settings: Any, tmp_path: Any, sweep: Task[Any, Any], setting: str, seconds: int
) -> None:
    settings.OPENMASH_AUDIT_ANCHOR_DIR = tmp_path
    setattr(settings, setting, seconds)
    with override_settings(TASKS=DATABASE_TASKS):
        before = timezone.now()
        sweep.call()
        after = timezone.now()
        [successor] = DBTaskResult.objects.filter(task_path=sweep.module_path, status="READY")
    assert before + timedelta(seconds=seconds) <= successor.run_after <= after + timedelta(seconds=seconds)
