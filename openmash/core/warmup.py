"""Warming a new web process up in the background, so the first people to use it do not wait for what
every process loads once: the bank-holiday calendar the working-time clock counts with (the `holidays`
library loads its country module on first use), the URL resolver's compiled routes, the templates of
the pages people open first, WeasyPrint with its fonts (seconds before the first PDF, the meeting
pack or a transparency report, could start), and the steps other apps add (the reporting app's chart
engine, a second or more before the first chart).

The web process's WSGI module (`openmash.config.wsgi`, which both `runserver` and gunicorn load) asks
for it; it starts with the process's first request, so it runs in the process that serves people
(after gunicorn has forked its workers) and never holds up that request: it runs on a thread of its own
while the person reads the sign-in form. `OPENMASH_WARM_UP` (on by default) turns it off. Nothing it
does changes data; it only fills caches a page would otherwise fill.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.core.signals import request_started
from django.template import TemplateDoesNotExist
from django.template.loader import get_template
from django.urls import reverse
from django.utils import timezone

from openmash.core.worktime import WorkingCalendar

log = logging.getLogger(__name__)

#: The pages people open first: the frame, each role's home, the main lists and the case page.
TEMPLATES = (
    "base.html",
    "accounts/sign_in.html",
    "accounts/home/_base.html",
    "accounts/home/referrer.html",
    "accounts/home/screening_manager.html",
    "accounts/home/decision_maker.html",
    "accounts/home/meeting_chair.html",
    "accounts/home/agency_researcher.html",
    "accounts/home/ig_officer.html",
    "accounts/home/performance_manager.html",
    "accounts/home/hub_administrator.html",
    "cases/queue.html",
    "cases/list.html",
    "cases/detail.html",
    "enquiries/queue.html",
    "enquiries/detail.html",
    "product/pack.html",
)

#: A page set as the PDFs are (A4 margin boxes, Arial regular and bold, Courier New, an SVG with text),
#: so WeasyPrint loads the fonts and modules a real PDF needs.
SAMPLE_PDF = """<!doctype html><html lang="en"><head><style>
@page { size: A4; margin: 20mm; @top-center { content: "OFFICIAL"; font: bold 10pt Arial, sans-serif; }
        @bottom-right { content: "Page " counter(page) " of " counter(pages); font: 9pt Arial, sans-serif; } }
body { font: 10.5pt/1.4 Arial, Helvetica, sans-serif; } code { font-family: "Courier New", monospace; }
</style></head><body><h1>OpenMASH</h1><p>Warming up: <strong>bold</strong>, <code>C-2026-00001</code>.</p>
<svg xmlns="http://www.w3.org/2000/svg" width="120" height="40"><rect width="20" height="20" fill="#fff"
stroke="#0b0c0c"/><text x="30" y="15" font-family="Arial" font-size="12">Name</text></svg></body></html>"""

_lock = threading.Lock()
_thread: threading.Thread | None = None
#: Steps other apps add (`add_step`, from their AppConfig.ready), run after the core's own: the core
#: cannot import them, they import the core.
_steps: dict[str, Callable[[], object]] = {}


def add_step(name: str, step: Callable[[], object]) -> None:
    """Have every web process also run ``step`` while it warms up (named ``name`` in its log line)."""
    _steps[name] = step


def warm_up() -> dict[str, float]:
    """Fill the caches the first pages would fill; returns the seconds each step took."""
    took: dict[str, float] = {}
    started = time.perf_counter()
    year = timezone.localdate().year
    clock = WorkingCalendar()
    for each in (year - 1, year, year + 1):
        clock.bank_holidays(each)
    took["bank holidays"] = time.perf_counter() - started

    started = time.perf_counter()
    # The URL resolver compiles every route's pattern the first time it reverses a name.
    reverse("accounts:home")
    took["urls"] = time.perf_counter() - started

    started = time.perf_counter()
    for name in TEMPLATES:
        try:
            get_template(name)
        except TemplateDoesNotExist:
            log.warning("warm-up: no template %s", name)
    took["templates"] = time.perf_counter() - started

    started = time.perf_counter()
    from weasyprint import HTML  # noqa: PLC0415 - loading it here, early, is the point

    HTML(string=SAMPLE_PDF).write_pdf()
    took["pdf"] = time.perf_counter() - started

    for name, step in list(_steps.items()):
        started = time.perf_counter()
        step()
        took[name] = time.perf_counter() - started
    return took


def _run() -> None:
    started = time.perf_counter()
    try:
        took = warm_up()
    except Exception:  # a failed warm-up costs only the time it would have saved
        log.exception("warm-up failed")
        return
    steps = ", ".join(f"{step} {seconds:.2f}s" for step, seconds in took.items())
    log.info("warm-up done in %.2fs (%s)", time.perf_counter() - started, steps)


def warm_up_in_background(**_: Any) -> threading.Thread | None:
    """Start the warm-up on a thread of its own, once per process (None if it has started already, or
    OPENMASH_WARM_UP is off)."""
    global _thread  # noqa: PLW0603 - one warm-up per process
    if not settings.OPENMASH_WARM_UP:
        return None
    with _lock:
        if _thread is not None:
            return None
        _thread = threading.Thread(target=_run, name="openmash-warm-up", daemon=True)
    _thread.start()
    request_started.disconnect(warm_up_in_background, dispatch_uid=DISPATCH_UID)
    return _thread


DISPATCH_UID = "openmash-warm-up"


def warm_up_with_first_request() -> None:
    """Start the warm-up when this process serves its first request (see the module's words)."""
    request_started.connect(warm_up_in_background, dispatch_uid=DISPATCH_UID)
