"""A web process warms up in the background from its first request, once, unless OPENMASH_WARM_UP is
off: the bank holidays, the URL resolver, the first pages' templates, WeasyPrint and its fonts."""

from __future__ import annotations

import sys
from typing import Any

import pytest
from django.core.signals import request_started
from django.test import Client

from openmash.core import warmup
from openmash.core.worktime import _bank_holidays_for_year

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _fresh_process(monkeypatch: pytest.MonkeyPatch) -> Any:
    """Each test is a process that has not warmed up yet; nothing stays connected afterwards."""
    monkeypatch.setattr(warmup, "_thread", None)
    yield
    request_started.disconnect(warmup.warm_up_in_background, dispatch_uid=warmup.DISPATCH_UID)


def test_the_warm_up_loads_what_the_first_pages_would() -> None:
    _bank_holidays_for_year.cache_clear()
    took = warmup.warm_up()
    assert set(took) == {"bank holidays", "urls", "templates", "pdf", "charts"}
    assert _bank_holidays_for_year.cache_info().currsize == 3  # last year, this year, next year
    assert "weasyprint" in sys.modules


def test_the_first_request_starts_it_once(settings: Any, client: Client) -> None:
    settings.OPENMASH_WARM_UP = True
    warmup.warm_up_with_first_request()
    assert warmup._thread is None
    client.get("/health/live")
    thread = warmup._thread
    assert thread is not None and thread.name == "openmash-warm-up"
    thread.join(timeout=120)
    assert not thread.is_alive()
    client.get("/health/live")
    assert warmup._thread is thread  # not started again
    assert warmup.warm_up_in_background() is None


def test_the_setting_turns_it_off(settings: Any, client: Client) -> None:
    settings.OPENMASH_WARM_UP = False
    warmup.warm_up_with_first_request()
    client.get("/health/live")
    assert warmup._thread is None
    assert warmup.warm_up_in_background() is None
