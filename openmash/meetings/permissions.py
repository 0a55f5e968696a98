"""Who may schedule and run meetings, at role level. Which meeting a person may open is the access
policy's answer (`openmash.access.policy`): hub staff see every meeting, a chair the ones they chair."""

from __future__ import annotations

from openmash.accounts.models import User
from openmash.accounts.permissions import Perm, can
from openmash.accounts.roles import Role


def can_run_meetings(user: object) -> bool:
    """The meeting chair, or a decision maker, schedules and runs a meeting."""
    if not isinstance(user, User) or not user.is_active:
        return False
    return user.has_role(Role.MEETING_CHAIR) or can(user, Perm.DECISION_RECORD)
