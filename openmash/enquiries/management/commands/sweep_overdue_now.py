"""Run one overdue sweep now, in this process, and say what it marked."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand

from openmash.enquiries.services import requests_mark_overdue
from openmash.hub.calendar_format import format_deadline


class Command(BaseCommand):
    help = "Mark open information requests past their due time as overdue and tell each agency's lead once."

    def handle(self, *args: Any, **options: Any) -> None:
        marked = requests_mark_overdue()
        noun = "request" if len(marked) == 1 else "requests"
        self.stdout.write(f"Marked {len(marked)} {noun} overdue.")
        if options["verbosity"] > 1:
            for request in marked:
                self.stdout.write(
                    f"  {request.case.reference} to {request.agency.name}, "
                    f"due {format_deadline(request.due_at)}"
                )
