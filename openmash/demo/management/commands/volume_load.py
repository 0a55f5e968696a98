import resource
import time
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from openmash.demo.volume import OPEN_SHARE, VolumeError, load_volume


class Command(BaseCommand):
    help = (
        "Add many synthetic cases to the demo hub at once (for load tests and demos at scale): distinct "
        "families over several years, every status, requests, returns, decisions and a verifiable audit "
        "trail. Run demo_load first."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--cases", type=int, default=20_000, help="How many cases to add (default 20000)."
        )
        parser.add_argument("--years", type=int, default=5, help="Spread the referrals over this many years.")
        parser.add_argument("--seed", type=int, default=1, help="Another seed adds other families.")
        parser.add_argument(
            "--open-share",
            type=float,
            default=OPEN_SHARE,
            help=f"Fraction of the cases (the newest) still open (default {OPEN_SHARE}); load tests use more",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        started = time.perf_counter()
        try:
            result = load_volume(
                cases=options["cases"],
                seed=options["seed"],
                years=options["years"],
                open_share=options["open_share"],
            )
        except VolumeError as error:
            raise CommandError(str(error)) from error
        elapsed = time.perf_counter() - started
        peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        self.stdout.write(
            self.style.SUCCESS(
                f"Added {result.cases} synthetic cases over {result.years} years "
                f"({result.people} people on referrals, {result.audit_events} audit events) "
                f"in {elapsed:.1f} s, peak memory {peak_mb:.0f} MB."
            )
        )
        for status, count in sorted(result.by_status.items()):
            self.stdout.write(f"  {status}: {count}")
        for step, seconds in result.seconds.items():
            self.stdout.write(f"  {step}: {seconds:.1f} s")
