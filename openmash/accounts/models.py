"""People who use OpenMASH: each belongs to one agency and holds one or more roles."""

from __future__ import annotations

import uuid

from django.contrib.auth.models import AbstractUser
from django.db import models
from django.db.models import F, Q
from django.utils import timezone

from openmash.accounts.roles import Role, role_allowed_in
from openmash.hub.models import Agency

ROLES_READ = "granted_roles_read"  # the roles granted, comma-separated, when read with the person


class User(AbstractUser):
    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    agency = models.ForeignKey(Agency, on_delete=models.PROTECT, related_name="users")
    job_title = models.CharField(max_length=200, blank=True, default="")
    phone = models.CharField(max_length=40, blank=True, default="")

    REQUIRED_FIELDS = ["email", "agency"]
    _held_roles: list[Role] | None = None

    class Meta:
        ordering = ["last_name", "first_name", "username"]

    def __str__(self) -> str:
        return self.get_full_name() or self.username

    def held_roles(self) -> list[Role]:
        """The roles this person holds that are valid in their agency, in catalogue order."""
        if not self.is_active:
            return []
        cache = self._held_roles
        if cache is None:
            # Read with the person (accounts.backends), used once: after a change of roles, asked afresh.
            read = self.__dict__.pop(ROLES_READ, None)
            granted = (
                set(read.split(","))
                if read is not None
                else set(self.role_grants.values_list("role", flat=True))
            )
            cache = [r for r in Role if r.value in granted and role_allowed_in(r, self.agency.kind)]
            self._held_roles = cache
        return list(cache)

    def has_role(self, role: Role) -> bool:
        return role in self.held_roles()


class RoleGrant(models.Model):
    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="role_grants")
    role = models.CharField(max_length=40, choices=Role.choices)
    granted_at = models.DateTimeField(auto_now_add=True)
    granted_by = models.ForeignKey(User, null=True, blank=True, on_delete=models.PROTECT, related_name="+")

    class Meta:
        constraints = [models.UniqueConstraint(fields=["user", "role"], name="one_grant_per_role")]
        ordering = ["role"]

    def __str__(self) -> str:
        return f"{self.user} as {self.get_role_display()}"


class GrantOutcome(models.TextChoices):
    PENDING = "pending", "Waiting for approval"
    APPROVED = "approved", "Approved"
    REFUSED = "refused", "Refused"


class PendingRoleGrant(models.Model):
    """A person's request to give someone a role in APPROVAL_ROLES. It takes effect (as a RoleGrant)
    only when a second hub administrator, neither the one who asked nor the one who would hold it,
    approves it; the database refuses any other approval."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="pending_role_grants")
    role = models.CharField(max_length=40, choices=Role.choices)
    reason = models.TextField(blank=True, default="", help_text="Why the person who asked needs it given")
    requested_by = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")
    requested_at = models.DateTimeField(default=timezone.now)
    outcome = models.CharField(max_length=20, choices=GrantOutcome.choices, default=GrantOutcome.PENDING)
    decided_by = models.ForeignKey(User, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    decided_at = models.DateTimeField(null=True, blank=True)
    decision_reason = models.TextField(blank=True, default="")

    class Meta:
        ordering = ["requested_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["user", "role"],
                condition=Q(outcome=GrantOutcome.PENDING),
                name="one_pending_grant_per_role",
            ),
            models.CheckConstraint(
                condition=(
                    Q(outcome=GrantOutcome.PENDING) & Q(decided_by__isnull=True) & Q(decided_at__isnull=True)
                )
                | (
                    ~Q(outcome=GrantOutcome.PENDING)
                    & Q(decided_by__isnull=False)
                    & Q(decided_at__isnull=False)
                ),
                name="pending_grant_decided_when_not_pending",
            ),
            models.CheckConstraint(
                condition=~Q(outcome=GrantOutcome.APPROVED)
                | (~Q(decided_by=F("requested_by")) & ~Q(decided_by=F("user"))),
                name="pending_grant_approved_by_someone_else",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_role_display()} for {self.user} ({self.get_outcome_display().lower()})"


class FailedSignIn(models.Model):
    """A failed sign-in, kept for throttling: too many for a username and that username is refused
    for a while; too many from one address and attempts from it are slowed (ADR 0018). Removed for
    the username when it signs in."""

    username = models.CharField(max_length=150, db_index=False)
    ip_address = models.GenericIPAddressField(null=True, blank=True)
    at = models.DateTimeField()

    class Meta:
        indexes = [
            models.Index(fields=["username", "at"], name="failed_sign_in_username"),
            models.Index(fields=["ip_address", "at"], name="failed_sign_in_address"),
        ]

    def __str__(self) -> str:
        return f"{self.username} at {self.at:%Y-%m-%d %H:%M}"
