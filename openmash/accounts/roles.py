"""Roles people hold in the hub, and which agencies each role can be held in."""

from __future__ import annotations

from django.db import models

from openmash.hub.models import AgencyKind


class Role(models.TextChoices):
    REFERRER = "referrer", "Referrer"
    SCREENING_MANAGER = "screening_manager", "Screening manager"
    AGENCY_RESEARCHER = "agency_researcher", "Agency researcher"
    DECISION_MAKER = "decision_maker", "Decision maker"
    MEETING_CHAIR = "meeting_chair", "Meeting chair"
    IG_OFFICER = "ig_officer", "Information governance officer"
    PERFORMANCE_MANAGER = "performance_manager", "Performance manager"
    HUB_ADMINISTRATOR = "hub_administrator", "Hub administrator"


# Screening and decisions belong to children's social care (the team manager decides).
ROLE_AGENCY_KINDS: dict[Role, frozenset[str] | None] = {
    Role.REFERRER: None,
    Role.SCREENING_MANAGER: frozenset({AgencyKind.CHILDRENS_SOCIAL_CARE}),
    Role.AGENCY_RESEARCHER: None,
    Role.DECISION_MAKER: frozenset({AgencyKind.CHILDRENS_SOCIAL_CARE}),
    Role.MEETING_CHAIR: None,
    Role.IG_OFFICER: None,
    Role.PERFORMANCE_MANAGER: None,
    Role.HUB_ADMINISTRATOR: None,
}

# Roles that open case records (or the audit trail) across the hub. A person granting one, on the
# roles page or when adding a user, records a request that a second hub administrator must approve;
# the system grants them at once (demo loader, set-up commands, tests).
APPROVAL_ROLES: frozenset[Role] = frozenset(
    {Role.DECISION_MAKER, Role.SCREENING_MANAGER, Role.MEETING_CHAIR, Role.IG_OFFICER}
)

ROLE_SLUGS: dict[Role, str] = {role: role.value.replace("_", "-") for role in Role}
SLUG_ROLES: dict[str, Role] = {slug: role for role, slug in ROLE_SLUGS.items()}


def role_allowed_in(role: Role, agency_kind: str) -> bool:
    kinds = ROLE_AGENCY_KINDS[role]
    return kinds is None or agency_kind in kinds
