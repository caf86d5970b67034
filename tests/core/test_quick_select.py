"""A select rendered in Python (casework.core.quick_select) is byte for byte what Django's widget
templates render, for any choices, value and attributes, and the form fields that use it keep
their HTML."""

from __future__ import annotations

from typing import Any

import pytest
from django import forms
from django.utils.safestring import mark_safe
from hypothesis import given, settings
from hypothesis import strategies as st

from casework.core.quick_select import render_bound_select, render_select, renders_quickly

text = st.text(alphabet=st.characters(blacklist_categories=["Cs"]), max_size=12) | st.sampled_from(
    ["", " ", "<b>", "A & B", '"quoted"', "it's", "é", "0"]
)
values = st.integers(min_value=-10, max_value=10**12) | text
safe_labels = st.builds(mark_safe, st.sampled_from(["<i>x</i>", "a&amp;b"]))
labels = text | st.integers(min_value=0, max_value=10**7) | safe_labels
options = st.tuples(values, labels)
choices = st.lists(options | st.tuples(text.filter(bool), st.lists(options, max_size=4)), max_size=8)
attr_names = st.sampled_from(["class", "id", "aria-describedby", "data-x", "required", "disabled", "autocomplete"])
attrs = st.dictionaries(attr_names, st.booleans() | text | st.integers(min_value=0, max_value=999), max_size=4)


@settings(max_examples=300, deadline=None)
@given(choices=choices, value=values | st.none(), attrs=attrs, widget_attrs=attrs, name=text)
def test_a_select_is_what_django_renders(choices, value, attrs, widget_attrs, name) -> None:
    widget = forms.Select(choices=choices, attrs=widget_attrs)
    assert renders_quickly(widget)
    assert render_select(widget, name, value, attrs) == widget.render(name, value, attrs)


class _Form(forms.Form):
    owner = forms.ChoiceField(choices=[("", "Choose a person"), ("1", "Ann <Lee>"), ("2", "Bob & co")], required=False)
    teams = forms.MultipleChoiceField(choices=[("1", "One")])
    size = forms.ChoiceField(choices=[("1", "One")], widget=forms.RadioSelect)


@pytest.mark.parametrize("data", [None, {"owner": "2"}, {"owner": "9"}, {"owner": ""}])
@pytest.mark.parametrize("attrs", [{}, {"class": "govuk-select govuk-select--error", "aria-describedby": "x-error"}])
def test_a_bound_field_is_what_as_widget_renders(data: dict[str, Any] | None, attrs: dict[str, Any]) -> None:
    form = _Form(data)
    form.is_valid() if data is not None else None
    assert render_bound_select(form["owner"], attrs) == form["owner"].as_widget(attrs=attrs)


def test_only_plain_single_selects_are_rendered_quickly() -> None:
    class Custom(forms.Select):
        option_template_name = "custom_option.html"

    assert renders_quickly(_Form()["owner"].field.widget)
    assert not renders_quickly(_Form()["teams"].field.widget)  # SelectMultiple
    assert not renders_quickly(_Form()["size"].field.widget)  # RadioSelect
    assert not renders_quickly(Custom())
    assert not renders_quickly(forms.TextInput())
