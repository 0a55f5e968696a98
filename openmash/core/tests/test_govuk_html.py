"""{% govuk_form %} draws a form's crispy-forms-gds layout directly, in the markup crispy-forms-gds gives
it, and leaves to crispy-forms any part it does not draw the same way."""

from __future__ import annotations

from typing import Any
from unittest import mock

import pytest
from crispy_forms.utils import render_crispy_form
from crispy_forms_gds.layout import HTML, ConditionalQuestion, ConditionalRadios, Field, Fieldset, Layout
from django import forms

from openmash.core.forms import GdsForm, RevealQuestion
from openmash.core.govuk_html import form_html
from openmash.core.tests.markup import elements

CONTACT = [("email", "Email"), ("phone", "Phone"), ("none", "Do not contact me")]


class ContactForm(GdsForm):
    how = forms.ChoiceField(label="How should we contact you", choices=CONTACT, widget=forms.RadioSelect)
    email = forms.CharField(label="Email address", required=False)
    phone = forms.CharField(label="Phone number", required=False, help_text="For example, 01632 960 001")
    notes = forms.CharField(label="Notes", required=False, widget=forms.Textarea)

    def __init__(self, *args: Any, parts: list[Any], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.helper.layout = Layout(*parts)

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("how") == "phone" and not data.get("phone"):
            self.add_error("phone", "Enter a phone number")
        if data.get("notes") == "whole":
            raise forms.ValidationError("Something about the whole form")
        return data


REVEALING = ConditionalRadios(
    "how",
    RevealQuestion("Email", Field.text("email", field_width="two-thirds")),
    RevealQuestion("Phone", "phone"),
    RevealQuestion("Do not contact me"),
)
HEADING = HTML('<h2 class="govuk-heading-m">Anything else</h2>')


def draw(form: forms.Form) -> tuple[str, bool]:
    """The form as {% govuk_form %} draws it, and whether crispy-forms drew it."""
    with mock.patch("crispy_forms.utils.render_crispy_form", wraps=render_crispy_form) as crispy:
        html = str(form_html(form))
    return html, crispy.called


@pytest.mark.parametrize(
    "data",
    [None, {}, {"how": "phone"}, {"how": "email", "email": "a@example.com", "notes": "Call after 5"}],
    ids=["unanswered", "posted empty", "revealed question missing", "answered"],
)
def test_radios_revealing_questions_fixed_markup_and_fieldsets_are_drawn_as_crispy_draws_them(
    data: dict[str, str] | None,
) -> None:
    form = ContactForm(
        data, parts=[REVEALING, HEADING, Fieldset(Field.textarea("notes", rows=2), legend="More")]
    )
    if data is not None:
        form.is_valid()
    html, by_crispy = draw(form)
    assert not by_crispy
    assert elements(html) == elements(render_crispy_form(form))
    assert 'data-reveals="conditional_how_0"' in html
    assert 'data-reveals="conditional_how_1"' in html
    assert "conditional_how_2" not in html  # nothing to reveal: a plain radio


def test_html_with_template_code_and_radios_crispy_draws_otherwise_are_left_to_crispy() -> None:
    for part in (
        HTML("<p>{{ form.how.label }}</p>"),
        ConditionalRadios("how", ConditionalQuestion("Email", "email"), "Phone", "Do not contact me"),
        ConditionalRadios("how", RevealQuestion("Phone", "phone"), RevealQuestion("Email", "email")),
    ):
        form = ContactForm(parts=[part, "notes"])
        html, by_crispy = draw(form)
        assert by_crispy, part
        assert html == render_crispy_form(form)


def test_an_error_about_the_whole_form_is_left_to_the_error_summary_as_crispy_forms_gds_leaves_it() -> None:
    form = ContactForm({"how": "none", "notes": "whole"}, parts=[REVEALING, "notes"])
    assert form.non_field_errors()
    html, by_crispy = draw(form)
    assert not by_crispy
    assert "Something about the whole form" not in html
    assert elements(html) == elements(render_crispy_form(form))


class _Versioned(forms.Form):
    version = forms.IntegerField(widget=forms.HiddenInput)
    token = forms.CharField(widget=forms.HiddenInput(attrs={"data-kept": "yes", "data-off": False}))


@pytest.mark.parametrize(
    "data",
    [None, {"version": "4", "token": "a \"quoted\" <b>&'value'"}, {"version": "", "token": ""}],
    ids=["unbound", "bound", "blank"],
)
def test_a_hidden_input_is_written_exactly_as_django_draws_it(data: dict[str, str] | None) -> None:
    from openmash.core.govuk_html import hidden

    for prefix in (None, "return"):
        form = _Versioned(data, initial={"version": 3, "token": "t"}, prefix=prefix)
        for name in form.fields:
            assert hidden(form[name]) == str(form[name])
        no_ids = _Versioned(data, auto_id=False)
        assert hidden(no_ids["version"]) == str(no_ids["version"])


def test_a_formsets_management_form_is_written_exactly_as_django_draws_it() -> None:
    from openmash.core.govuk_html import hidden_form

    rows = forms.formset_factory(_Versioned, extra=2, max_num=5)
    for formset in (
        rows(prefix="history"),
        rows({"history-TOTAL_FORMS": "3", "history-INITIAL_FORMS": "1"}, prefix="history"),
    ):
        assert hidden_form(formset.management_form) == str(formset.management_form)
    broken = rows({"history-TOTAL_FORMS": "x"}, prefix="history").management_form
    assert not broken.is_valid()
    assert hidden_form(broken) == str(broken)  # its errors drawn by Django, as before
    assert hidden_form(_Versioned()) == str(_Versioned())
