"""A case routed at the front door to a specialist team, and the team's answer."""

from __future__ import annotations

from django.conf import settings
from django.db import models

from openmash.cases.models import Case, Route
from openmash.core.models import VersionedModel
from openmash.hub.models import Specialism, Team

# The specialist team each front-door route hands the case to.
ROUTE_SPECIALISMS: dict[str, Specialism] = {
    Route.DOMESTIC_ABUSE: Specialism.DOMESTIC_ABUSE,
    Route.CSE: Specialism.EXPLOITATION,
    Route.MISSING: Specialism.MISSING,
    Route.ADULT_SAFEGUARDING: Specialism.ADULTS_AT_RISK,
    Route.HATE_CRIME: Specialism.HATE_CRIME,
    Route.EARLY_HELP: Specialism.EARLY_HELP,
}
SPECIALISM_ROUTES: dict[str, Route] = {spec: Route(route) for route, spec in ROUTE_SPECIALISMS.items()}


class RoutingStatus(models.TextChoices):
    WAITING = "waiting", "Waiting for the team"
    ACCEPTED = "accepted", "Accepted by the team"
    SENT_BACK = "sent_back", "Sent back by the team"


class Routing(VersionedModel):
    """The case handed to a team. It stays open until the team accepts it; a team that sends it back
    gives the reason, and the screening manager routes it again. Versioned (ADR 0007): two members of a
    team may answer at once."""

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="routings")
    team = models.ForeignKey(Team, on_delete=models.PROTECT, related_name="routings")
    status = models.CharField(
        max_length=12, choices=RoutingStatus.choices, default=RoutingStatus.WAITING, db_index=True
    )
    routed_at = models.DateTimeField()
    routed_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    answered_at = models.DateTimeField(null=True, blank=True)
    answered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    sent_back_reason = models.TextField(blank=True, default="")
    notified_at = models.DateTimeField(
        null=True, blank=True, help_text="When the team's members were told by e-mail."
    )
    notice_error = models.CharField(max_length=300, blank=True, default="")

    class Meta:
        ordering = ["routed_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["case"],
                condition=~models.Q(status="sent_back"),
                name="one_live_routing_per_case",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.case} to {self.team}"
