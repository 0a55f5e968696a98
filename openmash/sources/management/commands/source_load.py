"""Load a data source now, in this process, with a progress bar: `manage.py source_load AGENCY SOURCE`.

The same load as the web page's "Load now" (all-or-nothing, row-level report, the previous index kept
on failure), for scheduled refreshes (cron) and for loading large extracts from a terminal.
"""

from __future__ import annotations

import sys
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from openmash.sources.loading import load_run
from openmash.sources.models import DataSource, LoadStatus, SourceLoad

BAR_WIDTH = 30


class ProgressBar:
    def __init__(self, stream: Any) -> None:
        self.stream = stream
        self.last = ""

    def __call__(self, done: int, total: int | None) -> None:
        if total:
            filled = int(BAR_WIDTH * min(done, total) / total)
            bar = "#" * filled + "." * (BAR_WIDTH - filled)
            text = f"[{bar}] {100 * done // total:3d}% {done:,}/{total:,} rows"
        else:
            text = f"[{'?' * BAR_WIDTH}] {done:,} rows"
        if text != self.last:
            self.stream.write(f"\r{text}")
            self.stream.flush()
            self.last = text

    def finish(self) -> None:
        if self.last:
            self.stream.write("\n")


class Command(BaseCommand):
    help = "Load an agency data source into its identity index, showing progress."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("agency", help="The agency's name, as in the hub's agency list")
        parser.add_argument("source", help="The source's name")

    def handle(self, *args: Any, **options: Any) -> None:
        source = (
            DataSource.objects.select_related("agency")
            .filter(agency__name=options["agency"], name=options["source"])
            .first()
        )
        if source is None:
            raise CommandError(f"{options['agency']} has no data source called {options['source']!r}")
        load = SourceLoad.objects.create(source=source)
        bar = ProgressBar(sys.stderr)
        load = load_run(load, on_progress=bar)
        bar.finish()
        if load.status == LoadStatus.LOADED:
            self.stdout.write(
                f"Loaded {load.records:,} records" + (f" and {load.events:,} events" if load.events else "")
            )
            for line in load.warnings:
                self.stdout.write(f"  loaded as missing: {line}")
            return
        for bad in load.report:
            where = ", ".join(
                str(part)
                for part in (
                    bad.get("part"),
                    bad.get("row") and f"row {bad['row']}",
                    bad.get("column") and f"column {bad['column']}",
                )
                if part
            )
            self.stderr.write(f"  {where}: {bad.get('problem')}")
        raise CommandError(
            f"Load failed ({load.bad_row_count} bad rows): {load.error}. "
            "Nothing was loaded; the previous index is kept."
        )
