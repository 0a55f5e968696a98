from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from openmash.core.actor import Actor
from openmash.core.errors import DomainError
from openmash.hub.presets import PRESETS
from openmash.hub.services import hub_apply_preset


class Command(BaseCommand):
    help = (
        "Set the hub model from a preset, creating its core agencies, default thresholds and response times."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--preset", required=True, choices=sorted(PRESETS))

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            config = hub_apply_preset(actor=Actor.system("hub_setup"), preset_slug=options["preset"])
        except DomainError as error:
            raise CommandError(str(error)) from error
        agencies = ", ".join(a.name for a in config.core_agencies.all())
        self.stdout.write(self.style.SUCCESS(f"{config.name}: {config.get_hub_model_display()} hub model."))
        self.stdout.write(f"Core agencies: {agencies}")
