"""Template helpers that render Django form fields and values with GOV.UK Design System markup."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django import forms, template

from casework.core import clock
from casework.core.forms import GovukDateWidget, anchor_for

register = template.Library()

_INPUT_CLASS = {
    "textarea": "govuk-textarea",
    "select": "govuk-select",
    "checkbox": "govuk-checkboxes__input",
    "radios": "govuk-radios__input",
}
_ERROR_CLASS = {
    "textarea": "govuk-textarea--error",
    "select": "govuk-select--error",
    "text": "govuk-input--error",
}


def field_kind(field: forms.BoundField) -> str:
    widget = field.field.widget
    if isinstance(widget, forms.HiddenInput):
        return "hidden"
    if isinstance(widget, GovukDateWidget):
        return "date"
    if isinstance(widget, forms.Textarea):
        return "textarea"
    if isinstance(widget, forms.RadioSelect):
        return "radios"
    if isinstance(widget, forms.CheckboxInput):
        return "checkbox"
    if isinstance(widget, forms.Select):
        return "select"
    return "text"


@register.inclusion_tag("includes/field.html")
def govuk_field(field: forms.BoundField, width: str = "", hint: str = "") -> dict[str, Any]:
    """One form group: label, hint, error message and the widget with GOV.UK classes."""
    kind = field_kind(field)
    classes = [_INPUT_CLASS.get(kind, "govuk-input")]
    if width and kind == "text":
        classes.append(f"govuk-input--width-{width}")
    elif width:
        classes.append(f"govuk-!-width-{width}")
    if field.errors and kind in _ERROR_CLASS:
        classes.append(_ERROR_CLASS[kind])
    described_by = []
    hint_text = hint or field.help_text
    if hint_text:
        described_by.append(f"{field.auto_id}-hint")
    if field.errors:
        described_by.append(f"{field.auto_id}-error")
    attrs: dict[str, Any] = {"class": " ".join(classes)}
    if described_by:
        attrs["aria-describedby"] = " ".join(described_by)
    if kind == "date":
        return {"field": field, "kind": kind, "hint": hint_text, "parts": date_parts(field)}
    widget_html = field.as_widget(attrs=attrs) if kind not in {"radios"} else ""
    return {"field": field, "kind": kind, "hint": hint_text, "widget": widget_html}


_PART_LABELS = {"day": "Day", "month": "Month", "year": "Year", "time": "Time"}
_PART_WIDTHS = {"day": 2, "month": 2, "year": 4, "time": 5}


def date_parts(field: forms.BoundField) -> list[dict[str, Any]]:
    """The boxes of a GOV.UK date input (and a time box for a date and time), with their values."""
    widget = field.field.widget
    assert isinstance(widget, GovukDateWidget)
    value = field.value()
    values = list(value) if isinstance(value, list | tuple) else widget.decompress(value)
    values += [""] * (len(widget.parts) - len(values))
    invalid = set(getattr(field.field, "invalid_parts", ()) or widget.parts) if field.errors else set()
    return [
        {
            "id": f"{field.auto_id}_{part}",
            "name": f"{field.html_name}_{part}",
            "label": _PART_LABELS[part],
            "value": values[index] or "",
            "width": _PART_WIDTHS[part],
            "error": part in invalid,
            "numeric": part != "time",
        }
        for index, part in enumerate(widget.parts)
    ]


@register.inclusion_tag("includes/error_summary.html")
def govuk_error_summary(*forms_: forms.BaseForm) -> dict[str, Any]:
    """The error summary: every error, each linking to its field (non-field errors unlinked)."""
    errors: list[dict[str, str]] = []
    for form in forms_:
        if form is None or not form.is_bound:
            continue
        for message in form.non_field_errors():
            errors.append({"text": str(message), "href": ""})
        for field in form:
            for message in field.errors:
                errors.append({"text": str(message), "href": f"#{anchor_for(field)}"})
    return {"errors": errors}


@register.filter
def london(value: dt.datetime | None) -> str:
    """An instant as London wall-clock time, e.g. 3 Mar 2025, 14:05."""
    if value is None:
        return ""
    local = clock.local(value)
    return f"{local.day} {local:%b %Y, %H:%M}"


@register.filter
def govuk_date(value: dt.date | None) -> str:
    if value is None:
        return ""
    return f"{value.day} {value:%b %Y}"


_STAGE_COLOURS = {
    "pre_charge": "govuk-tag--light-blue",
    "charging_decision": "govuk-tag--blue",
    "charged": "govuk-tag--purple",
    "ptph": "govuk-tag--pink",
    "trial_preparation": "govuk-tag--orange",
    "trial": "govuk-tag--red",
    "sentence": "govuk-tag--yellow",
    "finalised": "govuk-tag--green",
    "discontinued": "govuk-tag--grey",
    "nfa": "govuk-tag--grey",
}


@register.filter
def stage_tag_class(stage: str) -> str:
    return _STAGE_COLOURS.get(stage, "govuk-tag--grey")


@register.filter
def changed_fields(event: Any) -> str:
    """The names of the fields an audit event changed (values stay in the audit search)."""
    changes = getattr(event, "changes_dict", None) or {}
    return ", ".join(name.removesuffix("_id").replace("_", " ") for name in changes)
