"""The e-mail that tells a team's members (and its shared inbox) a case was routed to them. It names
the case reference only: the family is seen in the product, by members, through the access policy."""

from __future__ import annotations

import logging
from uuid import UUID

from django.conf import settings
from django.core.mail import send_mail
from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from openmash.audit.catalogue import AuditAction
from openmash.audit.services import audit_record
from openmash.core.actor import Actor
from openmash.teams.models import Routing

log = logging.getLogger(__name__)


def team_notify(*, routing_id: UUID) -> Routing:
    routing = Routing.objects.select_related("team", "case").get(pk=routing_id)
    team = routing.team
    addresses = sorted(
        {e for e in team.members.filter(is_active=True).values_list("email", flat=True) if e}
        | ({team.contact_email} if team.contact_email else set())
    )
    link = getattr(settings, "SITE_URL", "").rstrip("/") + reverse("teams:queue", args=[team.pk])
    error = ""
    if addresses:
        try:
            send_mail(
                subject=f"Case {routing.case.reference} routed to the {team.name}",
                message=(
                    f"The front door has routed case {routing.case.reference} to the {team.name}.\n\n"
                    f"Accept it, or send it back with the reason, from the team's queue: {link}\n"
                    "The case stays open until the team accepts it."
                ),
                from_email=None,
                recipient_list=addresses,
            )
        except Exception as failure:  # noqa: BLE001 - a failure to send is recorded, not raised
            log.warning("team e-mail for %s failed: %s", routing.case.reference, failure)
            error = str(failure)[:300]
    with transaction.atomic():
        Routing.objects.filter(pk=routing.pk).update(
            notified_at=None if error or not addresses else timezone.now(), notice_error=error
        )
        audit_record(
            actor=Actor.system("teams"),
            action=AuditAction.TEAM_NOTIFIED,
            obj=routing,
            detail={
                "case": routing.case.reference,
                "team": team.name,
                "addresses": len(addresses),
                "sent": bool(addresses) and not error,
            },
        )
    routing.refresh_from_db()
    return routing
