"""Write Ofsted Annex A lists 1, 2 and 3 for a period: list1.csv, list2.csv, list3.csv and annex-a.xlsx."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from openmash.audit.catalogue import AuditAction
from openmash.audit.services import audit_record
from openmash.core.actor import Actor
from openmash.reporting import annex_a
from openmash.reporting.exports import csv_bytes, xlsx_bytes
from openmash.reporting.management.commands._period import add_period_arguments, period_from


class Command(BaseCommand):
    help = "Write Ofsted Annex A lists 1 (contacts), 2 (early help) and 3 (referrals) for a period."

    def add_arguments(self, parser: CommandParser) -> None:
        add_period_arguments(parser)
        parser.add_argument("--out", required=True, help="The folder to write the files in (made if missing)")

    def handle(self, *args: Any, **options: Any) -> None:
        period = period_from(options)
        out = Path(options["out"])
        out.mkdir(parents=True, exist_ok=True)
        sheets = []
        for slug in annex_a.LISTS:
            title, columns, rows = annex_a.annex_a(slug, period)
            body = list(rows)
            (out / f"{slug}.csv").write_bytes(csv_bytes(columns, body))
            sheets.append((title, columns, body))
            self.stdout.write(f"{slug}.csv: {len(body)} rows")
        (out / "annex-a.xlsx").write_bytes(xlsx_bytes(sheets))
        audit_record(
            actor=Actor.system("annex_a command"),
            action=AuditAction.ANNEX_A_EXPORTED,
            object_type="annex_a",
            object_id="all",
            detail={
                "format": "csv+xlsx",
                "from": period.first.isoformat(),
                "to": period.last.isoformat(),
                "rows": sum(len(rows) for _, _, rows in sheets),
            },
        )
        self.stdout.write(f"annex-a.xlsx: a sheet per list, in {out}")
