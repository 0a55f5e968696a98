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

    def handle(self, *args: Any, **options: Any) -> None:
        area_dir = Path(settings.VAR_DIR) / "demo" / "area"
        result = load_demo(seed=options["seed"], households=options["households"], area_dir=area_dir)
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
        self.stdout.write("")
        self.stdout.write("Demo sign-ins at http://127.0.0.1:8000 (every password is the same):")
        self.stdout.write(f"  password: {DEMO_PASSWORD}")
        width = max(len(u.username) for u in result.users)
        for u in result.users:
            self.stdout.write(f"  {u.username.ljust(width)}  {u.role_label} – {u.agency}")
