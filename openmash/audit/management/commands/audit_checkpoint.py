"""Write a checkpoint of the audit chain's newest event to the anchor outside the database."""

from typing import Any

from django.core.management.base import BaseCommand

from openmash.audit.anchor import anchor_file
from openmash.audit.services import audit_anchor_dir, audit_checkpoint


class Command(BaseCommand):
    help = (
        "Write a checkpoint (the newest event's sequence number and hash, MACed with the audit key) "
        "to the anchor outside the database."
    )

    def handle(self, *args: Any, **options: Any) -> None:
        checkpoint = audit_checkpoint()
        path = anchor_file(audit_anchor_dir())
        if checkpoint is None:
            self.stdout.write(
                f"Nothing new to anchor: {path} already records the newest event, or there is none."
            )
            return
        self.stdout.write(
            self.style.SUCCESS(f"Checkpoint of event #{checkpoint.sequence} written to {path}.")
        )
