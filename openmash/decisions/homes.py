"""Home page context for the roles this app serves."""

from __future__ import annotations

from django.http import HttpRequest

from openmash.access.policy import cases_decidable
from openmash.core.actor import Actor
from openmash.decisions.selectors import decision_counts, decision_queue

HOME_QUEUE_LENGTH = 5


def decision_maker_home(request: HttpRequest) -> dict[str, object]:
    """How many cases are ready and how many are late, and the top of the decision queue."""
    decidable = cases_decidable(request.user)
    return {
        "counts": decision_counts(request.user, decidable=decidable),
        "top": decision_queue(
            actor=Actor.from_request(request), decidable=decidable, limit=HOME_QUEUE_LENGTH, purpose="home"
        ),
    }
