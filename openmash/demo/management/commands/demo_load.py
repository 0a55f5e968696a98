import logging
import os
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandParser

from openmash.demo.loader import DEMO_PASSWORD, load_demo


class Command(BaseCommand):
    help = (
        "Load the synthetic demo hub (agencies, one user per role and agency, a synthetic local area). "
        "Safe to re-run."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--seed", type=int, default=2026)
        parser.add_argument("--households", type=int, default=150)
        parser.add_argument(
            "--url",
            default=f"http://{os.environ.get('HOST', '127.0.0.1')}:{os.environ.get('PORT', '8000')}",
            help="Where the demo is served, for the sign-in line (make demo passes its HOST and PORT).",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        area_dir = Path(settings.VAR_DIR) / "demo" / "area"
        expected = _DemoMailFailures()
        delivery = logging.getLogger("openmash.feedback.delivery")
        delivery.addFilter(expected)
        try:
            result = load_demo(seed=options["seed"], households=options["households"], area_dir=area_dir)
        finally:
            delivery.removeFilter(expected)
        ready = f"Demo hub ready: {result.hub_name} ({result.hub_model})."
        self.stdout.write(self.style.SUCCESS(ready))
        self.stdout.write(
            f"Synthetic area (seed {options['seed']}): {result.people} people in "
            f"{result.households} households, {result.referrals} referral texts, written to {area_dir}; "
            f"{result.cases} cases in the hub."
        )
        self.stdout.write("Agency data sources loaded for the trawl:")
        for line in result.sources:
            self.stdout.write(f"  {line}")
        if result.walks:
            self.stdout.write("Cases to walk through:")
            for line in result.walks:
                self.stdout.write(f"  {line}")
        self.stdout.write("")
        if expected.count:
            self.stdout.write(
                f"{expected.count} outcome e-mail{'s' if expected.count != 1 else ''} failed on purpose: "
                "the demo sends some to a closed port so that the hub shows failed notices to retry. "
                "This is part of the demo, not a fault."
            )
        self.stdout.write("")
        self.stdout.write(f"Demo sign-ins at {options['url']} (every password is the same):")
        self.stdout.write(f"  password: {DEMO_PASSWORD}")
        width = max(len(u.username) for u in result.users)
        for u in result.users:
            self.stdout.write(f"  {u.username.ljust(width)}  {u.role_label} – {u.agency}")


class _DemoMailFailures(logging.Filter):
    """Counts, and keeps off the console, the outcome e-mails the demo makes fail on purpose."""

    def __init__(self) -> None:
        super().__init__()
        self.count = 0

    def filter(self, record: logging.LogRecord) -> bool:
        if record.levelno == logging.WARNING and "failed" in record.getMessage():
            self.count += 1
            return False
        return True
