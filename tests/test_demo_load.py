"""What `make demo` prints: where the demo is served (the HOST and PORT it was given), and the outcome
e-mails the demo makes fail on purpose said to be part of the demo, not printed as failures."""

from __future__ import annotations

import io
import logging
import re
from pathlib import Path
from typing import Any

import pytest
from django.core.management import call_command

pytestmark = pytest.mark.django_db(transaction=True)


def test_demo_load_prints_the_address_it_is_served_at_and_explains_the_failed_emails(
    settings: Any, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    settings.VAR_DIR = tmp_path
    out = io.StringIO()
    with caplog.at_level(logging.WARNING):
        call_command("demo_load", "--households", "60", "--url", "http://192.0.2.10:8100", stdout=out)
    printed = out.getvalue()
    assert "Demo sign-ins at http://192.0.2.10:8100 (every password is the same):" in printed
    assert "127.0.0.1:8000" not in printed
    failed = re.search(r"(\d+) outcome e-mails? failed on purpose", printed)
    assert failed and int(failed.group(1)) > 0, printed
    assert "This is part of the demo, not a fault." in printed
    assert not [r for r in caplog.records if "outcome e-mail to" in r.getMessage()]
    # The domestic abuse team has one routed case waiting in its queue and has accepted another.
    from openmash.teams.models import Routing, RoutingStatus

    da = Routing.objects.filter(
        team__specialism="domestic_abuse", team__members__username="police.researcher"
    )
    assert da.filter(status=RoutingStatus.WAITING).exists()
    assert da.filter(status=RoutingStatus.ACCEPTED).exists()
    # At 60 households an open case's child had turned 18 by the day its referral was moved to, and
    # the loader stopped; every person referred is now a child then, or referred as an adult at risk.
    from openmash.referrals.models import ReferralPerson

    for person in ReferralPerson.objects.filter(is_subject=True).select_related("referral"):
        received = person.referral.received_at.date()
        dob = person.date_of_birth
        if dob is None:
            continue
        age = received.year - dob.year - ((received.month, received.day) < (dob.month, dob.day))
        assert age < 18 or "adult_at_risk" in person.referral.concern_categories, person.referral.reference
    # Outside the demo loader, a failed e-mail is still logged as a warning.
    assert logging.getLogger("openmash.feedback.delivery").filters == []


def test_demo_load_takes_host_and_port_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    from openmash.demo.management.commands.demo_load import Command

    monkeypatch.setenv("HOST", "192.0.2.10")
    monkeypatch.setenv("PORT", "8100")
    parser = Command().create_parser("manage.py", "demo_load")
    assert parser.parse_args([]).url == "http://192.0.2.10:8100"
