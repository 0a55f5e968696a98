"""The --from and --to options the reporting commands share."""

from __future__ import annotations

from datetime import date
from typing import Any

from django.core.management.base import CommandError, CommandParser

from openmash.reporting.period import Period


def add_period_arguments(parser: CommandParser) -> None:
    parser.add_argument("--from", dest="first", required=True, help="First day, YYYY-MM-DD")
    parser.add_argument("--to", dest="last", required=True, help="Last day, YYYY-MM-DD")


def period_from(options: dict[str, Any]) -> Period:
    try:
        first = date.fromisoformat(options["first"])
        last = date.fromisoformat(options["last"])
    except ValueError as error:
        raise CommandError("Dates are written YYYY-MM-DD, for example 2026-11-30") from error
    if last < first:
        raise CommandError("--to must be the same day as --from or later")
    return Period(first, last)
