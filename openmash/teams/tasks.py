"""Telling a team of a case routed to it leaves the building from the worker, like outcome notices."""

from __future__ import annotations

from uuid import UUID

from django.tasks import task

from openmash.teams.delivery import team_notify


@task
def notify_team(routing_id: str) -> None:
    team_notify(routing_id=UUID(routing_id))
