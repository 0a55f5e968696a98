"""The lists read as values (docs/adr/0037-list-rows-read-as-values.md) answer everything their templates
ask of a row: rendered with Django's marker for a missing variable, no page shows the marker, and every
row shows what the objects it stands for would have shown."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from openmash.accounts.models import User
from openmash.cases.models import Case
from openmash.cases.selectors import case_lines, case_rows, children_of, list_values, with_list_data
from openmash.demo.loader import load_demo_hub
from openmash.demo.volume import load_volume

pytestmark = pytest.mark.django_db
MISSING = "MISSING-VARIABLE"


@pytest.fixture
def hub(settings: Any) -> None:
    load_demo_hub()
    load_volume(cases=30, seed=5, open_share=0.5)
    templates = [dict(t) for t in settings.TEMPLATES]
    templates[0]["OPTIONS"] = {**templates[0]["OPTIONS"], "string_if_invalid": f"{MISSING}(%s)"}
    settings.TEMPLATES = templates


LISTS = [
    ("screening.manager", lambda: reverse("cases:queue")),
    ("screening.manager", lambda: reverse("cases:list")),
    ("screening.manager", lambda: reverse("cases:list") + "?status=closed"),
    ("screening.manager", lambda: reverse("accounts:home")),
    ("police.researcher", lambda: reverse("enquiries:queue")),
    ("police.researcher", lambda: reverse("enquiries:queue") + "?show=returned"),
    ("police.researcher", lambda: reverse("accounts:home")),
]


@pytest.mark.parametrize(("username", "url"), LISTS)
def test_no_list_row_asks_for_something_its_line_lacks(hub: None, username: str, url: Any) -> None:
    client = Client()
    client.force_login(User.objects.get(username=username))
    response = client.get(url(), follow=True)
    assert response.status_code == 200
    body = response.content.decode()
    assert 'data-testid="request-row"' in body or "govuk-table__row" in body
    assert MISSING not in body, body[body.index(MISSING) - 300 : body.index(MISSING) + 100]


def test_a_case_line_reads_as_its_case(hub: None) -> None:
    """Every value a row shows, from the line and from the case objects, for every case."""
    cases = Case.objects.all()
    objects = {c.pk: c for c in with_list_data(cases)}
    lines = case_lines(list_values(cases))
    assert len(lines) == len(objects) >= 30
    for line, row in zip(lines, case_rows(lines), strict=True):
        case = objects[line.pk]
        assert (line.reference, line.status, line.rag) == (case.reference, case.status, case.rag)
        assert line.get_status_display() == case.get_status_display()
        assert line.get_rag_display() == case.get_rag_display()
        assert line.level == (str(case.level) if case.level else "")
        assert line.decision_due_at == case.decision_due_at
        assert line.status_changed_at == case.status_changed_at
        assert line.is_rereferral == bool(case.is_rereferral)
        referral = case.referral
        assert line.referral.received_at == referral.received_at
        assert line.referral.referrer_organisation == referral.referrer_organisation
        assert line.referral.get_source_display() == referral.get_source_display()
        assert line.referral.concern_labels() == referral.concern_labels()
        assert line.referral.get_risk_grading_display() == referral.get_risk_grading_display()
        assert children_of(line) == children_of(case) == row.children
        assert [p.pk for p in line.referral.subjects] == [p.pk for p in referral.subjects]
