"""GOV.UK Frontend form markup written straight from a bound field, for the long forms where drawing it
through crispy-forms-gds's nested templates is most of a page's cost (the decision form: 40 questions,
half the page's time).

Each function gives the markup crispy-forms-gds gives for the same field and layout options: the same
element ids (``div_id_<name>``, ``id_<name>_hint``, ``id_<name>_<n>_error``, radios numbered from 1 or,
for conditional radios, from 0), the same classes and the same aria attributes, so the error summary's
links, the tests and the browser's reveal script read it unchanged. Labels, hints and choice labels
written by the form (already escaped where they name an agency) are placed as crispy places them,
unescaped; values typed by a person are always escaped.
"""

from __future__ import annotations

import html
from collections.abc import Iterable
from typing import Any

from crispy_forms.layout import HTML
from crispy_forms_gds.layout import ConditionalRadios, Field, Fieldset
from django import forms
from django.forms.boundfield import BoundField
from django.utils.safestring import SafeString, mark_safe

from openmash.core.forms import Markup, RevealQuestion

WIDGET_CLASSES = {
    forms.TextInput: "govuk-input",
    forms.Textarea: "govuk-textarea",
    forms.Select: "govuk-select",
}


def escape(value: object) -> str:
    """Django's ``escape`` (which escapes even markup already marked safe), without its lazy wrapper:
    this module escapes a few thousand values on a long form."""
    return html.escape(str(value))


def conditional_escape(value: object) -> str:
    """Django's ``conditional_escape``: markup marked safe as it is, any other value escaped."""
    markup = getattr(value, "__html__", None)
    return str(markup()) if markup is not None else html.escape(str(value))


def flatatt(attrs: dict[str, Any]) -> str:
    """Django's ``flatatt``: each attribute with a value as ``name="value"`` in name order, then each
    attribute set to True by its name alone; False and None leave an attribute out."""
    pairs = sorted(
        (name, value) for name, value in attrs.items() if not isinstance(value, bool) and value is not None
    )
    flags = sorted(name for name, value in attrs.items() if value is True)
    return "".join(
        f' {conditional_escape(name)}="{conditional_escape(value)}"' for name, value in pairs
    ) + "".join(f" {conditional_escape(name)}" for name in flags)


def join(parts: Iterable[str]) -> SafeString:
    return mark_safe(" ".join(parts))  # noqa: S308 - each part is built here, escaped where needed


def _errors_of(bound: BoundField) -> Any:
    """``bound.errors``, without Django building an empty error list each time it is asked of a field
    that has none (a long form's markup asks it of each field several times)."""
    return bound.form.errors.get(bound.name) or ()


def _choices(bound: BoundField) -> Any:
    field: Any = bound.field  # a ChoiceField
    return field.choices


def _hint(bound: BoundField) -> str:
    if not bound.help_text:
        return ""
    return f'<div id="{bound.auto_id}_hint" class="govuk-hint">{bound.help_text}</div>'


def _errors(bound: BoundField) -> str:
    return "".join(
        f'<span id="{bound.auto_id}_{n}_error" class="govuk-error-message">'
        f'<span class="govuk-visually-hidden">Error:</span> {escape(error)}</span>'
        for n, error in enumerate(_errors_of(bound), start=1)
    )


def _described_by(bound: BoundField) -> str:
    """What crispy-forms-gds puts in a single control's aria-describedby: its hint, then its errors."""
    ids = [f"{bound.auto_id}_hint"] if bound.help_text else []
    ids += [f"{bound.auto_id}_{n}_error" for n in range(1, len(_errors_of(bound)) + 1)]
    return " ".join(ids)


def _control_attrs(bound: BoundField, css_class: str = "") -> dict[str, Any]:
    widget = bound.field.widget
    css = [WIDGET_CLASSES[type(widget)]]
    css += [c for c in f"{widget.attrs.get('class', '')} {css_class}".split() if c not in css]
    if _errors_of(bound):
        css.append("govuk-input--error")
    attrs: dict[str, Any] = {k: v for k, v in widget.attrs.items() if k != "class"}
    attrs["class"] = " ".join(css)
    described = _described_by(bound)
    if described:
        attrs["aria-describedby"] = described
    attrs = bound.build_widget_attrs(attrs)  # maxlength, aria-invalid, as Django adds them
    attrs.pop("required", None)  # GOV.UK forms validate on the server (crispy-forms-gds leaves it off)
    attrs["id"] = bound.auto_id
    return attrs


def _group(bound: BoundField, inner: str) -> str:
    error = " govuk-form-group--error" if _errors_of(bound) else ""
    return f'<div id="div_{bound.auto_id}" class="govuk-form-group{error}">{inner}</div>'


def _label(bound: BoundField, size: str = "") -> str:
    size_class = f" govuk-label--{size}" if size else ""
    return f'<label for="{bound.id_for_label}" class="govuk-label{size_class}">{bound.label}</label>'


def text(bound: BoundField, *, css_class: str = "", label_size: str = "") -> str:
    """A text input (``Field.text``); ``css_class`` sets its width (``govuk-!-width-two-thirds``)."""
    attrs = {"type": bound.field.widget.input_type, "name": bound.html_name}
    value = bound.field.widget.format_value(bound.value())
    if value is not None:
        attrs["value"] = value
    attrs |= _control_attrs(bound, css_class)
    label = _label(bound, label_size)
    return _group(bound, f"{label}{_hint(bound)}{_errors(bound)}<input{flatatt(attrs)}>")


def textarea(bound: BoundField, *, rows: int | None = None, label_size: str = "") -> str:
    """A textarea (``Field.textarea(rows=...)``)."""
    attrs = {"name": bound.html_name, **bound.field.widget.attrs}
    attrs |= _control_attrs(bound)
    if rows is not None:
        attrs["rows"] = str(rows)
    value = bound.field.widget.format_value(bound.value())
    control = f"<textarea{flatatt(attrs)}>\n{escape(value) if value else ''}</textarea>"
    return _group(bound, f"{_label(bound, label_size)}{_hint(bound)}{_errors(bound)}{control}")


def select(bound: BoundField, *, label_size: str = "") -> str:
    """A drop-down list (``Field.select``)."""
    attrs = {"name": bound.html_name} | _control_attrs(bound)
    value = bound.value()
    chosen = "" if value is None else str(value)
    options = "".join(
        f'<option value="{escape(option)}"{" selected" if str(option) == chosen else ""}>'
        f"{conditional_escape(label)}</option>"
        for option, label in _choices(bound)
    )
    control = f"<select{flatatt(attrs)}>{options}</select>"
    return _group(bound, f"{_label(bound, label_size)}{_hint(bound)}{_errors(bound)}{control}")


def _legend(label: Any, size: str = "") -> str:
    size_class = f" govuk-fieldset__legend--{size}" if size else ""
    return f'<legend class="govuk-fieldset__legend{size_class}">{label}</legend>'


def _fieldset_described(bound: BoundField) -> str:
    """A fieldset's aria-describedby as crispy-forms-gds writes it (hint, then each error after a space)."""
    if not (bound.help_text or _errors_of(bound)):
        return ""
    value = f"{bound.auto_id}_hint" if bound.help_text else ""
    value += "".join(f" {bound.auto_id}_{n}_error" for n in range(1, len(_errors_of(bound)) + 1))
    return f' aria-describedby="{value}"'


def _radio(bound: BoundField, position: int, choice: Any, extra: str = "", after: str = "") -> str:
    value, label = choice[0], choice[1]
    option_id = f"id_{bound.html_name}_{position}"
    current = bound.value()
    checked = ' checked="checked"' if str(value) == ("" if current is None else str(current)) else ""
    hint = getattr(choice, "hint", "")
    described = f' aria-describedby="{option_id}_hint"' if hint else ""
    hint_html = (
        f'<span id="{option_id}_hint" class="govuk-hint govuk-radios__hint">{conditional_escape(hint)}</span>'
        if hint
        else ""
    )
    return (
        f'<div class="govuk-radios__item"><input type="radio" name="{bound.html_name}" '
        f'class="govuk-radios__input" id="{option_id}" value="{escape(value)}"{checked}{described}{extra}>'
        f'<label class="govuk-label govuk-radios__label" for="{option_id}">'
        f"{conditional_escape(label)}</label>"
        f"{hint_html}</div>{after}"
    )


def radios(bound: BoundField, *, legend_size: str = "", small: bool = False) -> str:
    """A radio group (``Field.radios``): options numbered from 1, each with its hint if it has one."""
    items = "".join(_radio(bound, n, choice) for n, choice in enumerate(_choices(bound), start=1))
    small_class = " govuk-radios--small" if small else ""
    inner = (
        f'<fieldset class="govuk-fieldset"{_fieldset_described(bound)}>{_legend(bound.label, legend_size)}'
        f'{_hint(bound)}{_errors(bound)}<div class="govuk-radios{small_class}">{items}</div></fieldset>'
    )
    return _group(bound, inner)


def conditional_radios(bound: BoundField, reveals: dict[str, str]) -> str:
    """Radios that reveal a further question (``ConditionalRadios`` of the project's
    ``RevealQuestion``):
    options numbered from 0; an option in ``reveals`` (value to markup) shows that markup when chosen,
    through openmash/reveal.js."""
    items = []
    for position, choice in enumerate(_choices(bound)):
        content = reveals.get(str(choice[0]), "")
        if content:
            conditional_id = f"conditional_{bound.html_name}_{position}"
            items.append(
                _radio(
                    bound,
                    position,
                    choice,
                    extra=f' data-reveals="{conditional_id}"',
                    after=(
                        '<div class="govuk-radios__conditional govuk-radios__conditional--hidden" '
                        f'id="{conditional_id}">{content}</div>'
                    ),
                )
            )
        else:
            items.append(_radio(bound, position, choice))
    error = " govuk-form-group--error" if _errors_of(bound) else ""
    described = " ".join(f"{bound.auto_id}_{n}_error" for n in range(1, len(_errors_of(bound)) + 1))
    if bound.help_text:
        described = f"{bound.auto_id}_hint {described}".strip()
    described_attr = f' aria-describedby="{described}"' if described else ""
    return (
        f'<div class="govuk-form-group{error}"><fieldset class="govuk-fieldset"{described_attr}>'
        f"{_legend(bound.label)}{_hint(bound)}{_errors(bound)}"
        f'<div class="govuk-radios" data-module="govuk-radios">{"".join(items)}</div></fieldset></div>'
    )


def date_input(bound: BoundField, *, legend_size: str = "") -> str:
    """A GOV.UK date input (day, month, year) from a crispy-forms-gds ``DateInputField``: a part the
    field marked wrong (``widget.errors``) is outlined; with no part marked, all three are."""
    field: Any = bound.field
    widget: Any = field.widget
    subfields = field.fields
    marked = sum(len(getattr(sub.widget, "errors", []) or []) for sub in subfields)
    values = widget.decompress(bound.value()) if not isinstance(bound.value(), list) else bound.value()
    items = []
    for index, (subwidget, subfield) in enumerate(zip(widget.widgets, subfields, strict=True)):
        part_id = f"{bound.auto_id}_{index}"
        sub_errors = getattr(subfield.widget, "errors", None) or []
        css = ["govuk-input"]
        css += [c for c in subwidget.attrs.get("class", "").split() if c not in css]
        if _errors_of(bound) and (marked == 0 or sub_errors):
            css.append("govuk-input--error")
        attrs: dict[str, Any] = {"type": "text", "name": f"{bound.html_name}_{index}"}
        value = values[index] if index < len(values) else None
        if value not in (None, ""):
            attrs["value"] = value
        attrs["class"] = " ".join(css)
        attrs |= {k: v for k, v in subwidget.attrs.items() if k not in {"class", "label"}}
        described = [
            f"{bound.auto_id}_{n}_error"
            for n, error in enumerate(_errors_of(bound), start=1)
            if error in sub_errors
        ]
        if described:
            attrs["aria-describedby"] = " ".join(described)
        if _errors_of(bound):
            attrs["aria-invalid"] = "true"
        attrs["id"] = part_id
        items.append(
            '<div class="govuk-date-input__item"><div class="govuk-form-group">'
            f'<label class="govuk-label govuk-date-input__label" for="{part_id}">'
            f"{escape(subwidget.attrs.get('label', ''))}</label><input{flatatt(attrs)}></div></div>"
        )
    inner = (
        f'<fieldset class="govuk-fieldset"{_fieldset_described(bound)}>{_legend(bound.label, legend_size)}'
        f'{_hint(bound)}{_errors(bound)}<div class="govuk-date-input" id="{bound.auto_id}">{"".join(items)}'
        "</div></fieldset>"
    )
    return _group(bound, inner)


def checkbox(bound: BoundField, *, small: bool = False) -> str:
    """A single checkbox (``Field.checkbox``): its hint and errors above the box, the label beside it."""
    attrs: dict[str, Any] = {"type": "checkbox", "name": bound.html_name}
    value = bound.value()
    if bound.field.widget.check_test(value):
        attrs["checked"] = True
    if value not in (True, False, None, ""):
        attrs["value"] = bound.field.widget.format_value(value)
    css = ["govuk-checkboxes__input"]
    css += [c for c in bound.field.widget.attrs.get("class", "").split() if c not in css]
    attrs["class"] = " ".join(css)
    described = _described_by(bound)
    if described:
        attrs["aria-describedby"] = described
    attrs = bound.build_widget_attrs(attrs)
    attrs.pop("required", None)
    attrs["id"] = bound.auto_id
    small_class = " govuk-checkboxes--small" if small else ""
    inner = (
        f'{_hint(bound)}{_errors(bound)}<div class="govuk-checkboxes{small_class}">'
        f'<div class="govuk-checkboxes__item"><input{flatatt(attrs)}>'
        f'<label class="govuk-label govuk-checkboxes__label" for="{bound.id_for_label}">'
        f"{bound.label}</label></div></div>"
    )
    return _group(bound, inner)


def fieldset(legend: str, parts: Iterable[str], *, legend_size: str = "", css_id: str = "") -> str:
    """A fieldset grouping several questions (``Fieldset(..., legend=..., css_id=...)``)."""
    legend_html = _legend(conditional_escape(legend), legend_size)
    id_attr = f' id="{escape(css_id)}"' if css_id else ""
    return f'<fieldset{id_attr} class="govuk-fieldset">{legend_html}{"".join(parts)}</fieldset>'


# A crispy-forms-gds layout, drawn with the functions above ------------------------------------------

LEGEND_PREFIX = "govuk-fieldset__legend--"
LABEL_PREFIX = "govuk-label--"


FIELD_CONTEXT = frozenset({"label_size", "legend_size", "radios_small", "radios_inline", "checkboxes_small"})


class UnsupportedLayoutError(Exception):
    """A layout part this module does not draw: the whole form is drawn by crispy-forms instead."""


def _size(context: dict[str, Any], key: str, prefix: str) -> str:
    value = context.get(key) or ""
    return value.removeprefix(prefix)


def hidden(bound: BoundField) -> str:
    """A hidden input as Django's ``HiddenInput`` writes it (its ``input.html``), without drawing that
    template: type, name, value, then the widget's attributes and the id."""
    widget = bound.field.widget
    if type(widget) is not forms.HiddenInput:
        return str(bound)
    value = widget.format_value(bound.value())
    written = f' value="{conditional_escape(value)}"' if value is not None else ""
    extra: dict[str, Any] = {"id": bound.auto_id} if bound.auto_id and "id" not in widget.attrs else {}
    attrs = {**widget.attrs, **bound.build_widget_attrs(extra, widget)}
    # In Django's order (its attrs.html): each attribute as given, False left out, True by name alone.
    written += "".join(
        f" {conditional_escape(name)}"
        if given is True
        else f' {conditional_escape(name)}="{conditional_escape(given)}"'
        for name, given in attrs.items()
        if given is not False
    )
    kind, name = conditional_escape(widget.input_type), conditional_escape(bound.html_name)
    return f'<input type="{kind}" name="{name}"{written}>'


def hidden_form(form: forms.BaseForm) -> SafeString:
    """A form of hidden fields only (a formset's management form) as Django draws it when it has no
    errors: each hidden input in turn. Any other form is drawn by Django."""
    if form.is_bound and form.errors or any(not form[name].is_hidden for name in form.fields):
        return mark_safe(str(form))  # noqa: S308 - Django's own rendering
    return mark_safe("".join(hidden(form[name]) for name in form.fields))  # noqa: S308 - each value escaped in hidden()


def _field(form: forms.BaseForm, name: str, context: dict[str, Any], attrs: dict[str, Any]) -> str:
    bound = form[name]
    widget = bound.field.widget
    if not FIELD_CONTEXT.issuperset(context) or context.get("radios_inline"):
        raise UnsupportedLayoutError(name)
    if set(attrs) - {"rows", "class"}:
        raise UnsupportedLayoutError(name)
    label_size = _size(context, "label_size", LABEL_PREFIX)
    legend_size = _size(context, "legend_size", LEGEND_PREFIX)
    css_class = str(attrs.get("class", ""))
    if isinstance(widget, forms.HiddenInput):
        return hidden(bound)
    if isinstance(widget, forms.RadioSelect) and not isinstance(widget, forms.CheckboxSelectMultiple):
        return radios(bound, legend_size=legend_size, small=bool(context.get("radios_small")))
    if isinstance(widget, forms.MultiWidget) and hasattr(bound.field, "fields") and len(widget.widgets) == 3:
        return date_input(bound, legend_size=legend_size)
    if css_class and not isinstance(widget, forms.TextInput):
        raise UnsupportedLayoutError(name)
    if type(widget) in (forms.TextInput, forms.EmailInput, forms.NumberInput) and not isinstance(
        widget, forms.MultiWidget
    ):
        return text(bound, css_class=css_class, label_size=label_size)
    if type(widget) is forms.Textarea:
        rows = attrs.get("rows")
        return textarea(bound, rows=int(rows) if rows else None, label_size=label_size)
    if type(widget) is forms.Select:
        return select(bound, label_size=label_size)
    if type(widget) is forms.CheckboxInput:
        return checkbox(bound, small=bool(context.get("checkboxes_small")))
    raise UnsupportedLayoutError(name)


TEMPLATE_SYNTAX = ("{{", "{%", "{#")


def _reveal_radios(form: forms.BaseForm, item: Any) -> str:
    """``ConditionalRadios`` whose options are all the project's ``RevealQuestion``, one for each of the
    field's choices in order (crispy draws only the options listed, so a layout listing fewer is left
    to crispy)."""
    bound = form[item.field]
    choices = list(_choices(bound))
    questions = item.choices
    if not all(type(q) is RevealQuestion for q in questions) or [str(q.value) for q in questions] != [
        str(choice[1]) for choice in choices
    ]:
        raise UnsupportedLayoutError(item.field)
    reveals = {
        str(choice[0]): "".join(_part(form, inner) for inner in question.fields)
        for choice, question in zip(choices, questions, strict=True)
        if question.fields
    }
    return conditional_radios(bound, reveals)


def _part(form: forms.BaseForm, item: Any) -> str:
    if isinstance(item, str):
        return _field(form, item, {}, {})
    if isinstance(item, Markup):
        return item.html
    if isinstance(item, HTML) and type(item).render is HTML.render:
        text = str(item.html)
        if any(mark in text for mark in TEMPLATE_SYNTAX):
            raise UnsupportedLayoutError("HTML with template code")
        return text  # crispy renders it as a template; with no template code that is the text itself
    if type(item) is Field and len(item.fields) == 1 and isinstance(item.fields[0], str):
        return _field(form, item.fields[0], item.context, item.attrs)
    if type(item) is Fieldset and set(item.context) <= {"legend", "legend_size"}:
        if item.css_class != "govuk-fieldset" or item.flat_attrs:
            raise UnsupportedLayoutError("fieldset")
        return fieldset(
            item.context.get("legend", ""),
            [_part(form, inner) for inner in item.fields],
            legend_size=_size(item.context, "legend_size", LEGEND_PREFIX),
            css_id=item.css_id or "",
        )
    if type(item) is ConditionalRadios:
        return _reveal_radios(form, item)
    raise UnsupportedLayoutError(type(item).__name__)


def form_html(form: forms.BaseForm) -> SafeString:
    """A GdsForm's questions as its crispy-forms-gds layout lays them out, drawn directly where every
    part is one this module draws (text, textarea, select, radios, checkbox, date, fieldset, radios
    revealing questions, fixed markup, HTML without template code), and by crispy-forms otherwise."""
    helper: Any = getattr(form, "helper", None)
    layout = getattr(helper, "layout", None)
    try:
        plain = layout is not None and not (
            helper.form_tag
            or helper.inputs
            or helper.render_unmentioned_fields
            or helper.render_hidden_fields
            or helper.render_required_fields
            or helper.template
            or helper.field_template
            or getattr(helper, "label_size", "")
            or getattr(helper, "legend_size", "")
            or not helper.form_show_errors
            or not helper.form_show_labels
            # crispy-forms-gds leaves non-field errors to the page's error summary unless told otherwise
            or (getattr(helper, "show_non_field_errors", True) and form.non_field_errors())
        )
        if not plain or layout is None:
            raise UnsupportedLayoutError("helper")
        return join(_part(form, item) for item in layout.fields)
    except UnsupportedLayoutError:
        from crispy_forms.utils import render_crispy_form

        return mark_safe(render_crispy_form(form))  # noqa: S308 - crispy's own escaped output
