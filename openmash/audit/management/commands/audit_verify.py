from typing import Any

from django.core.management.base import BaseCommand, CommandError

from openmash.audit.services import audit_verify_chain


class Command(BaseCommand):
    help = "Check the audit trail's hash chain and name the first broken link."

    def handle(self, *args: Any, **options: Any) -> None:
        report = audit_verify_chain()
        if not report.intact:
            raise CommandError(
                f"Audit chain broken: {report.problem}. {report.checked} events before it are intact."
            )
        self.stdout.write(self.style.SUCCESS(f"Audit chain intact: {report.checked} events checked."))
