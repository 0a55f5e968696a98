"""Destroy the personal data of closed cases past the hub's retention rules, and list them."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from openmash.casework.destruction import retention_sweep


class Command(BaseCommand):
    help = (
        "Destroy the personal data of every closed case due for destruction under the hub's retention "
        "rules and not under a legal hold, and list them (--dry-run: list them, destroy nothing)."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--dry-run", action="store_true", help="List what is due; destroy nothing.")

    def handle(self, *args: Any, **options: Any) -> None:
        dry_run = bool(options["dry_run"])
        result = retention_sweep(dry_run=dry_run)
        verb = "Due for destruction" if dry_run else "Destroyed"
        done = {r.case_id for r in result.destroyed}
        for due in result.due:
            if dry_run or due.case.pk in done:
                self.stdout.write(
                    f"{verb}: {due.case.reference} ({due.kind.label.lower()}, closed "
                    f"{due.case.closed_at:%d %B %Y}, due {due.due_on:%d %B %Y})"
                )
        for due, reason in result.refused:
            self.stderr.write(f"Not destroyed: {due.case.reference}: {reason}")
        if dry_run:
            self.stdout.write(f"{len(result.due)} cases due for destruction; nothing destroyed (dry run).")
        else:
            self.stdout.write(self.style.SUCCESS(f"{len(result.destroyed)} cases destroyed."))
