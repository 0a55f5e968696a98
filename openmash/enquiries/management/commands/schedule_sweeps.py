"""Start the periodic overdue sweep: queue the first one unless one is already waiting. Safe to repeat."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand

from openmash.enquiries.tasks import schedule_sweep, sweep_overdue


class Command(BaseCommand):
    help = "Queue the overdue sweep for the database worker (manage.py db_worker), unless one is queued."

    def handle(self, *args: Any, **options: Any) -> None:
        backend = sweep_overdue.get_backend()
        if not backend.supports_defer:
            self.stdout.write(
                f"The task backend ({type(backend).__name__}) runs tasks at once and cannot repeat them: "
                "no sweep queued. Use manage.py sweep_overdue_now, or the database backend and db_worker."
            )
            return
        result = schedule_sweep()
        if result is None:
            self.stdout.write("An overdue sweep is already queued: nothing to do.")
            return
        self.stdout.write(
            f"Queued the overdue sweep ({result.id}); it runs now and then every "
            f"{settings.OVERDUE_SWEEP_SECONDS} seconds while manage.py db_worker is running."
        )
