"""Issue (or show) the API token an agency system uses to send referrals as one referrer."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import transaction
from rest_framework.authtoken.models import Token

from openmash.accounts.models import User
from openmash.accounts.permissions import Perm, can
from openmash.audit.catalogue import AuditAction
from openmash.audit.services import audit_record
from openmash.core.actor import Actor

NO_SUCH_USER = "There is no user called '{username}'."
INACTIVE = "{username} is deactivated, so cannot be given an API token."
NOT_A_REFERRER = (
    "{username} does not hold the referrer role, so an API token would be refused. "
    "Grant them the referrer role first (a token can only send and follow referrals)."
)


class Command(BaseCommand):
    help = (
        "Print the API token for a user who holds the referrer role, creating it if needed. "
        "The token alone goes to standard output; keep it secret. Each use is audited."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("username")

    def handle(self, *args: Any, username: str, **options: Any) -> None:
        user = User.objects.filter(username=username).first()
        if user is None:
            raise CommandError(NO_SUCH_USER.format(username=username))
        if not user.is_active:
            raise CommandError(INACTIVE.format(username=username))
        if not can(user, Perm.REFERRAL_CREATE):
            raise CommandError(NOT_A_REFERRER.format(username=username))
        with transaction.atomic():
            token, created = Token.objects.get_or_create(user=user)
            audit_record(
                actor=Actor.system("manage.py api_token"),
                action=AuditAction.USER_CHANGED,
                obj=user,
                detail={"api_token": "issued"},
            )
        note = "New API token" if created else "Existing API token"
        self.stderr.write(f"{note} for {username} ({user.agency}):")
        self.stdout.write(token.key)
