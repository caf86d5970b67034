"""A select rendered in Python, byte for byte as Django's widget templates render it.

Django renders each option through two template includes. A unit's people are about 2,000 options
at 100,000 cases, and the panel meeting form shows four such lists: most of a 600 ms page went on
those includes. `render_select` writes the same HTML directly; `tests/core/test_quick_select.py`
compares it with Django's own rendering for arbitrary choices, values and attributes.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.formats import localize
from django.utils.html import conditional_escape
from django.utils.safestring import SafeData, SafeString, mark_safe
from django.utils.timezone import template_localtime  # type: ignore[attr-defined]  # not in the stubs

#: Django's templates for a plain select; a widget that changes them is rendered by Django.
_SELECT_TEMPLATE = forms.Select.template_name
_OPTION_TEMPLATE = forms.Select.option_template_name


def renders_quickly(widget: Any) -> bool:
    """Whether `render_select` gives exactly this widget's HTML (a plain Select, single choice)."""
    return (
        isinstance(widget, forms.Select)
        and not widget.allow_multiple_selected
        and widget.template_name == _SELECT_TEMPLATE
        and widget.option_template_name == _OPTION_TEMPLATE
        and type(widget).get_context is forms.Select.get_context
        and type(widget).create_option is forms.Select.create_option
    )


def _text(value: Any) -> str:
    """{{ value }}: localised, then escaped unless already safe."""
    return str(conditional_escape(localize(template_localtime(value))))


def _formatted(value: Any) -> str:
    """{{ value|stringformat:'s' }}: the filter keeps safe text safe and is escaped otherwise."""
    text = str(value)
    return text if isinstance(value, SafeData) else str(conditional_escape(text))


def _attrs(attrs: dict[str, Any]) -> str:
    """django/forms/widgets/attrs.html."""
    parts = []
    for name, value in attrs.items():
        if value is False:
            continue
        parts.append(f" {_text(name)}" if value is True else f' {_text(name)}="{_formatted(value)}"')
    return "".join(parts)


def render_select(widget: forms.Select, name: str, value: Any, attrs: dict[str, Any] | None = None) -> SafeString:
    """widget.render(name, value, attrs) for a widget `renders_quickly` accepts."""
    context = widget.get_context(name, value, attrs)["widget"]
    parts = [f'<select name="{_text(context["name"])}"{_attrs(context["attrs"])}>']
    for group_name, group_choices, _index in context["optgroups"]:
        if group_name:
            parts.append(f'\n  <optgroup label="{_text(group_name)}">')
        for option in group_choices:
            parts.append(
                f'\n  <option value="{_formatted(option["value"])}"{_attrs(option["attrs"])}>'
                f"{_text(option['label'])}</option>\n"
            )
        if group_name:
            parts.append("\n  </optgroup>")
    parts.append("\n</select>")
    return mark_safe("".join(parts))  # noqa: S308 - every part is escaped as the templates escape it


def render_bound_select(field: forms.BoundField, attrs: dict[str, Any]) -> SafeString:
    """field.as_widget(attrs=attrs) for a select `renders_quickly` accepts."""
    widget = field.field.widget
    if field.field.localize:
        widget.is_localized = True
    widget_attrs = field.build_widget_attrs(dict(attrs), widget)
    if field.auto_id and "id" not in widget.attrs:
        widget_attrs.setdefault("id", field.auto_id)
    return render_select(widget, field.html_name, field.value(), widget_attrs)
