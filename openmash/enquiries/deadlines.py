"""When an agency's information is due: the hub's RAG response time, counted by the working-time clock."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta

from openmash.core.worktime import WorkingCalendar
from openmash.hub.models import RagRating, RagResponseTime, TimeUnit
from openmash.hub.selectors import hub_calendar


def due_at(*, sent_at: datetime, rag: RagRating | str, calendar: WorkingCalendar | None = None) -> datetime:
    return _due(RagResponseTime.objects.get(rating=rag), calendar or hub_calendar(), sent_at)


def _due(rule: RagResponseTime, calendar: WorkingCalendar, sent_at: datetime) -> datetime:
    if rule.runs_out_of_hours:
        hours = rule.amount if rule.unit == TimeUnit.WORKING_HOURS else rule.amount * 24
        return calendar.add_elapsed(sent_at, timedelta(hours=hours))
    if rule.unit == TimeUnit.WORKING_HOURS:
        return calendar.add_working_time(sent_at, timedelta(hours=rule.amount))
    return calendar.add_working_days(sent_at, rule.amount)


def due_at_many(calendar: WorkingCalendar | None = None) -> Callable[[datetime, str], datetime]:
    """`due_at` for many requests at once (bulk loading): the response-time rules are read once."""
    calendar = calendar or hub_calendar()
    rules = {rule.rating: rule for rule in RagResponseTime.objects.all()}
    return lambda sent_at, rag: _due(rules[rag], calendar, sent_at)
