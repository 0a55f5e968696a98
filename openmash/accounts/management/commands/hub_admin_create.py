"""Create (or promote) a hub administrator: the hub's first at set-up, and its second, who approves
grants of roles that open case records.

    python manage.py hub_admin_create --agency "Children's Social Care" --username jo.admin \\
        --email jo.admin@council.example

The password is asked for twice on the terminal, or read from OPENMASH_ADMIN_PASSWORD (for scripts;
unset it afterwards). It must pass the hub's password rules. Every change is audited.
"""

from __future__ import annotations

import getpass
import os
import sys
from typing import Any

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError, CommandParser

from openmash.accounts.models import User
from openmash.accounts.services import hub_administrator_ensure
from openmash.core.actor import Actor
from openmash.core.errors import DomainError
from openmash.hub.models import Agency

PASSWORD_VARIABLE = "OPENMASH_ADMIN_PASSWORD"  # noqa: S105 - the variable's name
NO_SUCH_AGENCY = (
    "There is no agency called '{name}'. Agencies: {names}. Run `manage.py hub_setup --preset ...` first "
    "if the list is empty."
)
NO_PASSWORD = "No password: run this in a terminal to be asked for one, or set {variable} in the environment."  # noqa: S105
PASSWORDS_DIFFER = "The two passwords differ."
WEAK_PASSWORD = "The password was refused: {problems}"  # noqa: S105 - a message


def agency_named(name: str) -> Agency:
    """The agency with this name, ignoring case and the kind of apostrophe typed."""

    def plain(text: str) -> str:
        return text.replace("\u2019", "'").replace("\u2018", "'").strip().casefold()

    for agency in Agency.objects.all():
        if plain(agency.name) == plain(name):
            return agency
    names = ", ".join(f"'{a.name}'" for a in Agency.objects.order_by("name")) or "none"
    raise CommandError(NO_SUCH_AGENCY.format(name=name, names=names))


class Command(BaseCommand):
    help = (
        "Create a hub administrator in the agency named, or give an existing user of that agency the role. "
        f"The password is asked for on the terminal, or read from {PASSWORD_VARIABLE}; it must pass the "
        "hub's password rules. Audited."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--agency", required=True, help="the agency's name, e.g. \"Children's Social Care\""
        )
        parser.add_argument("--username", required=True)
        parser.add_argument("--email", default="", help="needed when the user is new")
        parser.add_argument("--first-name", default="")
        parser.add_argument("--last-name", default="")
        parser.add_argument(
            "--set-password",
            action="store_true",
            help="for an existing user: give them a new password too (a new user always gets one)",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        agency = agency_named(options["agency"])
        username = options["username"].strip()
        existing = User.objects.filter(username__iexact=username).first()
        if existing is None and not options["email"]:
            raise CommandError("Give --email for a new user.")
        wants_password = existing is None or options["set_password"] or not existing.has_usable_password()
        password = self._password() if wants_password else None
        try:
            user, created = hub_administrator_ensure(
                actor=Actor.system("manage.py hub_admin_create"),
                username=username,
                email=options["email"],
                agency=agency,
                password=password,
                first_name=options["first_name"],
                last_name=options["last_name"],
            )
        except ValidationError as error:
            raise CommandError(WEAK_PASSWORD.format(problems=" ".join(error.messages))) from error
        except DomainError as error:
            raise CommandError(str(error)) from error
        what = "Created" if created else "Updated"
        self.stdout.write(self.style.SUCCESS(f"{what} {user.username}, hub administrator in {agency.name}."))
        self.stdout.write(
            "They sign in at /sign-in/ and set up two-factor sign-in there when the hub requires it."
        )

    def _password(self) -> str:
        from_env = os.environ.get(PASSWORD_VARIABLE)
        if from_env:
            return from_env
        if not sys.stdin.isatty():
            raise CommandError(NO_PASSWORD.format(variable=PASSWORD_VARIABLE))
        first = getpass.getpass("Password: ")
        if getpass.getpass("Password (again): ") != first:
            raise CommandError(PASSWORDS_DIFFER)
        if not first:
            raise CommandError(NO_PASSWORD.format(variable=PASSWORD_VARIABLE))
        return first
