"""A single checkbox reads as GOV.UK Frontend draws it: its own fieldset and legend, the hint inside the
item under the label, so the hint cannot be read as part of the question above it."""

from __future__ import annotations

from typing import Any

from crispy_forms_gds.layout import Field, Layout, Size
from django import forms
from django.template import Context, Template
from django.test.html import Element, parse_html

from openmash.core.forms import GdsForm, SingleCheckbox

HINT = "Shared under Article 9(2)(g)."


class ExampleForm(GdsForm):
    basis = forms.ChoiceField(
        label="Lawful basis",
        choices=[("a", "Public task"), ("b", "Vital interests")],
        widget=forms.RadioSelect,
    )
    special = forms.BooleanField(
        label="The information includes special category data", required=False, initial=True, help_text=HINT
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.helper.layout = Layout(
            Field.radios("basis", legend_size=Size.SMALL),
            SingleCheckbox("special", legend="Special category data (Article 9)"),
        )


def rendered(form: forms.Form) -> Element:
    html = Template("{% load crispy_forms_tags %}{% crispy form %}").render(Context({"form": form}))
    return parse_html(html)


def find(node: Element | str, test: Any) -> list[Element]:
    if isinstance(node, str):
        return []
    found = [node] if test(node) else []
    for child in node.children:
        found += find(child, test)
    return found


def has_class(name: str) -> Any:
    return lambda node: name in dict(node.attributes).get("class", "").split()


def text(node: Element | str) -> str:
    return node if isinstance(node, str) else " ".join(text(child) for child in node.children)


def test_the_hint_sits_inside_the_checkbox_item_after_its_label_in_its_own_fieldset() -> None:
    dom = rendered(ExampleForm())
    fieldsets = find(dom, lambda node: node.name == "fieldset")
    assert len(fieldsets) == 2  # the radios' and the checkbox's own
    radios, checkbox = fieldsets
    assert HINT not in text(radios)
    legend = find(checkbox, lambda node: node.name == "legend")[0]
    assert text(legend).strip() == "Special category data (Article 9)"
    item = find(checkbox, has_class("govuk-checkboxes__item"))[0]
    kinds = [child.name for child in item.children if isinstance(child, Element)]
    assert kinds == ["input", "label", "div"]  # box, then its label, then its hint
    box, label, hint = (child for child in item.children if isinstance(child, Element))
    attrs = dict(box.attributes)
    assert attrs["type"] == "checkbox" and "checked" in attrs  # ticked by default
    assert attrs["aria-describedby"] == dict(hint.attributes)["id"]
    assert dict(label.attributes)["for"] == attrs["id"]
    assert text(hint).strip() == HINT


def test_an_unticked_box_stays_unticked_when_the_form_is_refused() -> None:
    form = ExampleForm(data={})  # no lawful basis chosen, the box left unticked
    assert not form.is_valid()
    box = find(rendered(form), lambda node: node.name == "input" and ("type", "checkbox") in node.attributes)[
        0
    ]
    assert "checked" not in dict(box.attributes)
    ticked = ExampleForm(data={"special": "on"})
    assert not ticked.is_valid()
    box = find(
        rendered(ticked), lambda node: node.name == "input" and ("type", "checkbox") in node.attributes
    )[0]
    assert "checked" in dict(box.attributes)
