"""Health endpoints for load balancers and monitoring, open to anyone: plain JSON naming no person or
case. And the hub administrator's page about the background worker."""

from __future__ import annotations

from django.conf import settings
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_safe

from openmash.accounts.permissions import Perm, require
from openmash.health import selectors


@never_cache
@require_safe
def live(request: HttpRequest) -> HttpResponse:
    """The web process answers: nothing else is asked (a restart is the cure if this fails)."""
    return JsonResponse({"status": "ok"})


@never_cache
@require_safe
def ready(request: HttpRequest) -> HttpResponse:
    """Ready to do the hub's work: the database answers, its migrations are applied, a worker was seen
    recently and the audit trail's newest events are anchored. 503 with the failing checks otherwise."""
    checks = selectors.readiness()
    ok = all(c.ok for c in checks)
    body = {"status": "ok" if ok else "failing", "checks": {c.name: c.as_json() for c in checks}}
    return JsonResponse(body, status=200 if ok else 503)


@require(Perm.HUB_CONFIGURE)
def background_work(request: HttpRequest) -> HttpResponse:
    now = timezone.now()
    return render(
        request,
        "health/background_work.html",
        {
            "checks": selectors.readiness(),
            "workers": selectors.recent_workers(now),
            "newest": selectors.newest_heartbeat(),
            "queue": selectors.task_queue(now),
            "stale_seconds": settings.OPENMASH_WORKER_STALE_SECONDS,
            "heartbeat_seconds": settings.OPENMASH_WORKER_HEARTBEAT_SECONDS,
            "now": now,
        },
    )
