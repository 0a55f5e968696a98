"""When an agency's information is due: the hub's RAG response time, counted by the working-time clock."""

from __future__ import annotations

from datetime import datetime, timedelta

from openmash.core.worktime import WorkingCalendar
from openmash.hub.models import RagRating, RagResponseTime, TimeUnit
from openmash.hub.selectors import hub_calendar


def due_at(*, sent_at: datetime, rag: RagRating | str, calendar: WorkingCalendar | None = None) -> datetime:
    calendar = calendar or hub_calendar()
    rule = RagResponseTime.objects.get(rating=rag)
    if rule.runs_out_of_hours:
        hours = rule.amount if rule.unit == TimeUnit.WORKING_HOURS else rule.amount * 24
        return calendar.add_elapsed(sent_at, timedelta(hours=hours))
    if rule.unit == TimeUnit.WORKING_HOURS:
        return calendar.add_working_time(sent_at, timedelta(hours=rule.amount))
    return calendar.add_working_days(sent_at, rule.amount)
