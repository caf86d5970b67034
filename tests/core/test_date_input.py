"""The GOV.UK date input: three boxes in a fieldset, the Design System's error messages, UK time."""

from __future__ import annotations

import datetime as dt

import pytest
from django import forms
from django.template import Context, Template

from casework.core.forms import GovukDateField, GovukDateTimeField


class BirthForm(forms.Form):
    date_of_birth = GovukDateField(label="Date of birth")
    charged_on = GovukDateField(label="Charged on", required=False)


class HearingForm(forms.Form):
    starts_at = GovukDateTimeField(label="Date and time")


def birth(day: str = "", month: str = "", year: str = "", **extra: str) -> BirthForm:
    return BirthForm({"date_of_birth_day": day, "date_of_birth_month": month, "date_of_birth_year": year, **extra})


@pytest.mark.parametrize(
    ("parts", "message", "highlighted"),
    [
        (("", "", ""), "Enter date of birth", ("day", "month", "year")),
        (("27", "", "1986"), "Date of birth must include a month", ("month",)),
        (("", "", "1986"), "Date of birth must include a day and month", ("day", "month")),
        (("31", "2", "1986"), "Date of birth must be a real date", ("day", "month", "year")),
        (("27", "13", "1986"), "Date of birth must be a real date", ("day", "month", "year")),
        (("27", "March", "1986"), "Date of birth must be a real date", ("month",)),
        (("27", "3", "86"), "Year must include 4 numbers", ("year",)),
    ],
)
def test_date_errors_follow_the_design_system(parts, message, highlighted) -> None:
    form = birth(*parts)
    assert not form.is_valid()
    assert form.errors["date_of_birth"] == [message]
    assert form.fields["date_of_birth"].invalid_parts == highlighted


def test_date_accepts_spaces_and_leading_zeros() -> None:
    form = birth(" 07 ", "03", "1986")
    assert form.is_valid(), form.errors
    assert form.cleaned_data["date_of_birth"] == dt.date(1986, 3, 7)
    assert form.cleaned_data["charged_on"] is None  # optional and left empty


@pytest.mark.parametrize(
    ("parts", "expected"),
    [
        (("27", "3", "2026", "10:00"), dt.datetime(2026, 3, 27, 10, 0, tzinfo=dt.UTC)),  # GMT
        (("1", "4", "2026", "9.30"), dt.datetime(2026, 4, 1, 8, 30, tzinfo=dt.UTC)),  # BST
    ],
)
def test_datetime_is_uk_time(parts, expected) -> None:
    day, month, year, time = parts
    form = HearingForm({"starts_at_day": day, "starts_at_month": month, "starts_at_year": year, "starts_at_time": time})
    assert form.is_valid(), form.errors
    assert form.cleaned_data["starts_at"] == expected


@pytest.mark.parametrize(
    ("parts", "message"),
    [
        (("27", "3", "2026", ""), "Date and time must include a time"),
        (("27", "3", "2026", "25:00"), "Enter the time in 24-hour format, for example 14:30"),
        (("", "", "", "10:00"), "Enter date and time"),
        (("29", "3", "2026", "01:30"), "Date and time is not a real UK time (the clocks change then)"),
    ],
)
def test_datetime_errors(parts, message) -> None:
    day, month, year, time = parts
    form = HearingForm({"starts_at_day": day, "starts_at_month": month, "starts_at_year": year, "starts_at_time": time})
    assert not form.is_valid()
    assert form.errors["starts_at"] == [message]


def render(template: str, **context) -> str:
    return Template("{% load govuk %}" + template).render(Context(context))


def test_date_renders_as_govuk_date_input() -> None:
    html = render(
        "{% govuk_field form.date_of_birth %}", form=BirthForm(initial={"date_of_birth": dt.date(1986, 3, 27)})
    )
    assert '<fieldset class="govuk-fieldset" role="group" aria-describedby="id_date_of_birth-hint">' in html
    assert '<legend class="govuk-fieldset__legend govuk-fieldset__legend--s">Date of birth</legend>' in html
    assert '<div id="id_date_of_birth-hint" class="govuk-hint">For example, 27 3 2026</div>' in html
    assert 'class="govuk-date-input"' in html and html.count("govuk-date-input__item") == 3
    assert (
        '<input class="govuk-input govuk-date-input__input govuk-input--width-4" id="id_date_of_birth_year" '
        'name="date_of_birth_year" type="text" inputmode="numeric" value="1986">'
    ) in html
    assert '<label class="govuk-label govuk-date-input__label" for="id_date_of_birth_month">Month</label>' in html


def test_date_errors_link_to_the_first_wrong_box() -> None:
    form = birth("27", "", "1986")
    form.is_valid()
    field_html = render("{% govuk_field form.date_of_birth %}", form=form)
    assert "govuk-form-group--error" in field_html
    assert 'id="id_date_of_birth-error"' in field_html
    assert 'govuk-input--width-2 govuk-input--error" id="id_date_of_birth_month"' in field_html
    assert 'govuk-input--width-2" id="id_date_of_birth_day"' in field_html  # the day was fine
    summary = render("{% govuk_error_summary form %}", form=form)
    assert '<a href="#id_date_of_birth_month">Date of birth must include a month</a>' in summary


def test_bound_date_keeps_what_was_typed() -> None:
    form = birth("31", "2", "1986")
    form.is_valid()
    html = render("{% govuk_field form.date_of_birth %}", form=form)
    assert 'name="date_of_birth_day" type="text" inputmode="numeric" value="31"' in html
