"""Template helpers that render Django form fields and values with GOV.UK Design System markup."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django import forms, template

from casework.core import dates
from casework.core.forms import GovukDateWidget, anchor_for
from casework.core.govuk_forms import CHECKED
from casework.core.quick_select import render_bound_select, renders_quickly

register = template.Library()

_INPUT_CLASS = {
    "textarea": "govuk-textarea",
    "select": "govuk-select",
    "checkbox": "govuk-checkboxes__input",
    "file": "govuk-file-upload",
}
_ERROR_CLASS = {
    "textarea": "govuk-textarea--error",
    "select": "govuk-select--error",
    "text": "govuk-input--error",
    "file": "govuk-file-upload--error",
}
#: Kinds whose label says "(optional)" when the field is not required (a select offers an empty
#: choice instead; radios and checkboxes are optional only where the page says so).
_OPTIONAL_MARKED = {"text", "textarea", "date", "file"}


def field_kind(field: forms.BoundField) -> str:
    widget = field.field.widget
    if isinstance(widget, forms.HiddenInput):
        return "hidden"
    if isinstance(widget, GovukDateWidget):
        return "date"
    if isinstance(widget, forms.Textarea):
        return "textarea"
    if isinstance(widget, forms.CheckboxSelectMultiple):
        return "checkboxes"
    if isinstance(widget, forms.RadioSelect):
        return "radios"
    if isinstance(widget, forms.CheckboxInput):
        return "checkbox"
    if isinstance(widget, forms.Select):
        return "select"
    if isinstance(widget, forms.FileInput):
        return "file"
    return "text"


def _reveals(field: forms.BoundField) -> dict[str, Any]:
    reveals = getattr(field.form, "reveals", None)
    return reveals() if callable(reveals) else {}


def _revealed_by(field: forms.BoundField, value: str) -> list[forms.BoundField]:
    """The conditional questions shown under this radio or checkbox answer."""
    return [
        field.form[name]
        for name, reveal in _reveals(field).items()
        if reveal.controller == field.name and value in reveal.values
    ]


def _choices(field: forms.BoundField) -> list[dict[str, Any]]:
    return [
        {
            "id": choice.id_for_label,
            "value": choice.data["value"],
            "label": choice.choice_label,
            "checked": choice.data["selected"],
            "revealed": _revealed_by(field, str(choice.data["value"])),
        }
        for choice in field
    ]


@register.inclusion_tag("includes/field.html")
def govuk_field(field: forms.BoundField, width: str = "", hint: str = "", nested: bool = False) -> dict[str, Any]:
    """One form group: label, hint, error message and the input, with GOV.UK classes.

    A conditional question (see casework.core.govuk_forms.Reveal) renders inside the answer that
    reveals it, so where it would otherwise stand it renders nothing.
    """
    kind = field_kind(field)
    reveal = _reveals(field).get(field.name)
    if reveal is not None and reveal.controller in field.form.fields and not nested:
        return {"kind": "skip"}
    # A maxlength attribute silently cuts pasted text short: the server checks the length instead.
    field.field.widget.attrs.pop("maxlength", None)
    hint_text = hint or field.help_text
    max_length = getattr(field.field, "max_length", None) if kind == "textarea" else None
    described_by = []
    if hint_text:
        described_by.append(f"{field.auto_id}-hint")
    if field.errors:
        described_by.append(f"{field.auto_id}-error")
    if max_length:
        described_by.insert(0, f"{field.auto_id}-info")
    context: dict[str, Any] = {
        "field": field,
        "kind": kind,
        "hint": hint_text,
        # A form may say in the label why a field may be left empty (`mark_optional = False`).
        "optional": kind in _OPTIONAL_MARKED
        and not field.field.required
        and getattr(field.field, "mark_optional", True)
        and (reveal is None or not reveal.required),
        "described_by": " ".join(described_by),
        "max_length": max_length,
    }
    if kind == "date":
        context["parts"] = date_parts(field)
        return context
    if kind in {"radios", "checkboxes"}:
        context["choices"] = _choices(field)
        return context
    if kind == "checkbox":
        context["revealed"] = _revealed_by(field, CHECKED[0])
        context["conditional_id"] = f"conditional-{field.auto_id}"
    classes = [_INPUT_CLASS.get(kind, "govuk-input")]
    if max_length:
        classes.append("govuk-js-character-count")
    if width and kind == "text":
        classes.append(f"govuk-input--width-{width}")
    elif width:
        classes.append(f"govuk-!-width-{width}")
    if field.errors and kind in _ERROR_CLASS:
        classes.append(_ERROR_CLASS[kind])
    attrs: dict[str, Any] = {"class": " ".join(classes)}
    if described_by and kind != "hidden":
        attrs["aria-describedby"] = context["described_by"]
    if kind == "checkbox" and context["revealed"]:
        attrs["data-aria-controls"] = context["conditional_id"]
    if kind == "select" and renders_quickly(field.field.widget):
        context["widget"] = render_bound_select(field, attrs)  # a unit's people: thousands of options
    else:
        context["widget"] = field.as_widget(attrs=attrs)
    return context


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
        if not isinstance(form, forms.BaseForm) or not form.is_bound:
            continue
        for message in form.non_field_errors():
            errors.append({"text": str(message), "href": ""})
        for field in form:
            for message in field.errors:
                errors.append({"text": str(message), "href": f"#{anchor_for(field)}"})
    return {"errors": errors}


def _forms_in(value: Any) -> list[forms.BaseForm]:
    if isinstance(value, forms.BaseForm):
        return [value]
    if isinstance(value, dict):
        value = list(value.values())
    if isinstance(value, list | tuple):
        return [item for item in value if isinstance(item, forms.BaseForm)]
    return []


@register.simple_tag(takes_context=True)
def govuk_error_prefix(context: template.Context) -> str:
    """ "Error: " at the start of the page title when any form on the page has errors."""
    for value in context.flatten().values():
        if any(form.is_bound and form.errors for form in _forms_in(value)):
            return "Error: "
    return ""


@register.filter
def get_item(mapping: dict[Any, Any], key: Any) -> Any:
    """mapping[key] in a template (for per-row forms kept in a dictionary)."""
    return mapping.get(key)


@register.filter
def humanise_code(code: str) -> str:
    """A code kept for machines, as words: "very_high" -> "Very high", "senior-crown-prosecutor" ->
    "Senior crown prosecutor". Use the record's own label wherever there is one."""
    text = str(code).replace("_", " ").replace("-", " ").strip()
    return text[:1].upper() + text[1:]


@register.filter
def clause_number(code: str) -> str:
    """A clause's number within its section: "early_advice.3" -> "3"."""
    return str(code).rpartition(".")[2]


@register.filter
def thousands(value: int) -> str:
    """A whole number with thousands separators: 10,000."""
    return f"{value:,}"


@register.filter
def london(value: dt.datetime | None) -> str:
    """An instant as UK wall-clock time: 8 December 2026 at 14:05."""
    return dates.govuk_datetime(value)


@register.filter
def govuk_date(value: dt.date | None) -> str:
    """A date in full: 8 December 2026."""
    return dates.govuk_date(value)


@register.filter
def govuk_month(value: dt.date | None) -> str:
    return dates.govuk_month(value)


# Stages are not problems: none of them is red (red is kept for what needs putting right).
_STAGE_COLOURS = {
    "pre_charge": "govuk-tag--light-blue",
    "charging_decision": "govuk-tag--blue",
    "charged": "govuk-tag--turquoise",
    "ptph": "govuk-tag--purple",
    "trial_preparation": "govuk-tag--pink",
    "trial": "govuk-tag--blue",
    "sentence": "govuk-tag--turquoise",
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
