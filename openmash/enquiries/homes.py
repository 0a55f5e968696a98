"""Home page context for the roles this app serves."""

from __future__ import annotations

from datetime import datetime, time, timedelta

from django.http import HttpRequest
from django.utils import timezone

from openmash.access.policy import requests_visible
from openmash.core.actor import Actor
from openmash.enquiries.models import OPEN_STATUSES, RequestStatus
from openmash.enquiries.selectors import audit_queue, queue_rows, request_lines

HOME_QUEUE_LENGTH = 5


def researcher_home(request: HttpRequest) -> dict[str, object]:
    """How much is waiting for the researcher's agency, and the requests due soonest."""
    now = timezone.now()
    today = timezone.localdate(now)
    end_of_today = timezone.make_aware(datetime.combine(today + timedelta(days=1), time.min))
    open_requests = requests_visible(request.user).filter(status__in=OPEN_STATUSES)
    rows = queue_rows(request_lines(open_requests.order_by("due_at", "sent_at"))[:HOME_QUEUE_LENGTH], now)
    audit_queue(actor=Actor.from_request(request), rows=rows, queue="agency_requests", tab="home")
    return {
        "open_count": open_requests.count(),
        "overdue_count": open_requests.filter(due_at__lt=now).count(),
        "due_today_count": open_requests.filter(due_at__gte=now, due_at__lt=end_of_today).count(),
        "rows": rows,
        "waiting_count": requests_visible(request.user).filter(status=RequestStatus.BLOCKED).count(),
    }
