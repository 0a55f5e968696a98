"""Who may see meetings, and who may schedule and run them: the one policy for this app."""

from __future__ import annotations

from openmash.accounts.models import User
from openmash.accounts.permissions import Perm, can
from openmash.accounts.roles import Role


def can_view_meetings(user: object) -> bool:
    """Meetings show every case on the agenda: only hub staff who see all cases may open them."""
    return can(user, Perm.CASE_VIEW_ALL)


def can_run_meetings(user: object) -> bool:
    """The meeting chair, or a decision maker, schedules and runs a meeting."""
    if not isinstance(user, User) or not user.is_active or not can_view_meetings(user):
        return False
    return user.has_role(Role.MEETING_CHAIR) or can(user, Perm.DECISION_RECORD)
