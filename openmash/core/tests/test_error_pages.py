"""When the database cannot be reached (PostgreSQL restarting, a network fault), people see a plain
"service unavailable" page with a 503 and a Retry-After, never a traceback or a bare server error."""

from __future__ import annotations

from typing import Any

import pytest
from django.contrib.sessions.exceptions import SessionInterrupted
from django.db import connection
from django.test import Client

from openmash.accounts.roles import Role
from openmash.core.views import bad_request


@pytest.mark.django_db(transaction=True)
@pytest.mark.skipif(
    connection.vendor != "postgresql", reason="an in-memory SQLite test database cannot go away"
)
def test_database_unreachable_gives_a_503_page(settings: Any, make_user: Any) -> None:
    settings.DEBUG = False
    client = Client(raise_request_exception=False)
    client.force_login(make_user(Role.SCREENING_MANAGER))
    saved = dict(connection.settings_dict)
    try:
        connection.close()
        connection.settings_dict["PORT"] = "1"  # nothing listens there: every connection attempt fails
        page = client.get("/cases/")
    finally:
        connection.close()
        connection.settings_dict.update(saved)
    body = page.content.decode()
    assert page.status_code == 503
    assert page["Retry-After"] == "30"
    assert "Sorry, the service is unavailable" in body
    assert "Traceback" not in body and "OperationalError" not in body
    assert client.get("/cases/").status_code == 200  # back as soon as the database is


def test_an_interrupted_session_gets_a_plain_page_not_a_bare_400(rf: Any) -> None:
    """Seen while PostgreSQL restarted under load: Django reports a session it could not save as
    "interrupted" with a bare 400; people get the service's own page saying what to do."""
    page = bad_request(rf.get("/cases/"), SessionInterrupted("The request's session was deleted"))
    body = page.content.decode()
    assert page.status_code == 400
    assert "Sorry, your request was interrupted" in body and "Go back and try again" in body
    assert "govuk-header" in body
    other = bad_request(rf.get("/cases/"), Exception("x")).content.decode()
    assert "Sorry, there is a problem with the request" in other
