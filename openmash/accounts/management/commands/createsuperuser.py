"""Django's createsuperuser does not fit OpenMASH: a person belongs to an agency and acts through hub
roles, and a superuser would hold none. This says which command to use instead."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

USE_HUB_ADMIN_CREATE = (
    "OpenMASH has no superusers: people act through hub roles in an agency. Make the first hub "
    "administrator with\n"
    '  python manage.py hub_admin_create --agency "Children\'s Social Care" --username NAME --email ADDRESS\n'
    "(it asks for the password, or reads OPENMASH_ADMIN_PASSWORD)."
)


class Command(BaseCommand):
    help = "Not used in OpenMASH: use hub_admin_create to make a hub administrator."

    def add_arguments(self, parser: CommandParser) -> None:
        # Accept whatever Django's own command takes, so the message is shown rather than a usage error.
        parser.add_argument("rest", nargs="*")
        parser.add_argument("--noinput", "--no-input", action="store_true")
        parser.add_argument("--username")
        parser.add_argument("--email")
        parser.add_argument("--agency")
        parser.add_argument("--database")

    def handle(self, *args: Any, **options: Any) -> None:
        raise CommandError(USE_HUB_ADMIN_CREATE)
