"""Home page context for the roles this app serves."""

from __future__ import annotations

from django.http import HttpRequest

from openmash.access.policy import cases_visible
from openmash.core.actor import Actor
from openmash.decisions.selectors import decision_counts, decision_queue

HOME_QUEUE_LENGTH = 5


def decision_maker_home(request: HttpRequest) -> dict[str, object]:
    """How many cases are ready and how many are late, and the top of the decision queue."""
    visible = cases_visible(request.user)
    return {
        "counts": decision_counts(request.user, visible=visible),
        "top": decision_queue(
            actor=Actor.from_request(request), visible=visible, limit=HOME_QUEUE_LENGTH, purpose="home"
        ),
    }
