from typing import Any

from django.core.management.base import BaseCommand, CommandError

from openmash.audit.services import audit_verify_chain


class Command(BaseCommand):
    help = (
        "Check the audit trail's hash chain and compare it with the anchor's checkpoints; name the first "
        "event missing or changed (exit status 1 when there is one)."
    )

    def handle(self, *args: Any, **options: Any) -> None:
        report = audit_verify_chain()
        if not report.intact:
            before = "" if report.broken_at is None else f" {report.checked} events before it are intact."
            raise CommandError(f"Audit chain broken: {report.problem}.{before}")
        if report.checkpoint is None:
            anchored = "no checkpoint yet, so removal of the newest events cannot be checked"
        else:
            at = report.checkpoint.at.isoformat(timespec="seconds")
            anchored = f"matches the newest checkpoint (event #{report.checkpoint.sequence}, {at})"
        self.stdout.write(
            self.style.SUCCESS(
                f"Audit chain intact: {report.checked} events checked ({report.keyed} keyed); {anchored}."
            )
        )
