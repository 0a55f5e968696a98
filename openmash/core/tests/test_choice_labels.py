"""``get_<field>_display()`` on the domain's records reads each field's choices once, and says what
Django's own says: the label of a value in the choices, the value itself otherwise."""

from __future__ import annotations

from django.db import models

from openmash.enquiries.models import HistoryItem, InformationRequest, RequestStatus


def test_each_value_shows_its_own_label_and_a_value_outside_the_choices_shows_as_stored() -> None:
    request = InformationRequest(status=RequestStatus.NIL_RETURN)
    assert request.get_status_display() == "Not known to this agency"
    request.status = RequestStatus.WITHDRAWN
    assert request.get_status_display() == "No longer needed"
    request.status = "archived"  # not a status: shown as stored, as Django shows it
    assert request.get_status_display() == "archived"
    for status in RequestStatus:
        request.status = status.value
        assert (
            request.get_status_display()
            == status.label
            == models.Model._get_FIELD_display(request, InformationRequest._meta.get_field("status"))
        )


def test_two_fields_of_one_record_keep_their_own_choices() -> None:
    item = HistoryItem(kind="", significance="high")
    assert item.get_significance_display() == "High"
    kinds = InformationRequest._meta.get_field("status").choices, HistoryItem._meta.get_field("kind").choices
    assert kinds[0] != kinds[1]
    first_kind = HistoryItem._meta.get_field("kind").choices[0]
    item.kind = first_kind[0]
    assert item.get_kind_display() == first_kind[1]
