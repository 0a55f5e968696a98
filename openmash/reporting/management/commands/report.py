"""Write one of the partnership's measures for a period as CSV or XLSX, to standard output or a file."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from openmash.reporting.exports import csv_bytes, xlsx_bytes
from openmash.reporting.management.commands._period import add_period_arguments, period_from
from openmash.reporting.period import Filters
from openmash.reporting.selectors import MEASURES, measure, measure_titles


class Command(BaseCommand):
    help = (
        "Write a measure (volumes, timeliness, contributions, decisions, rereferrals, and earlyhelp where "
        "the hub runs early help) as CSV or XLSX."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("measure", choices=sorted(MEASURES))
        add_period_arguments(parser)
        parser.add_argument("--format", choices=("csv", "xlsx"), default="csv")
        parser.add_argument("--out", help="The file to write; standard output when left out")

    def handle(self, *args: Any, **options: Any) -> None:
        period = period_from(options)
        if options["measure"] not in measure_titles():
            raise CommandError(
                f"This hub does not run early help, so it has no {options['measure']} measure: keyworkers "
                "are appointed only where the hub hands its product over rather than deciding"
            )
        m = measure(options["measure"], period, Filters())
        if options["format"] == "xlsx":
            if not options["out"]:
                raise CommandError("A spreadsheet needs --out FILE")
            content = xlsx_bytes([(t.title, t.columns, t.rows) for t in m.tables])
        else:
            # Every table of the measure in turn, each with its title on a line of its own.
            parts = []
            for table in m.tables:
                parts.append(csv_bytes([table.title], []).decode("utf-8-sig"))
                parts.append(csv_bytes(table.columns, table.rows).decode("utf-8-sig"))
            content = "\n".join(parts).encode("utf-8")
        if options["out"]:
            Path(options["out"]).write_bytes(content)
            self.stdout.write(f"{options['measure']} for {period.label}: written to {options['out']}")
        else:
            self.stdout.write(content.decode("utf-8"), ending="")
