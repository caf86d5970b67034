"""Forms for the resourcing pages: they parse input; the services decide."""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

from django import forms

from casework.resourcing.models import Activity

COUNSEL_CHOICES = [("", "Not yet recorded"), ("yes", "Yes"), ("no", "No")]


class RemRecordForm(forms.Form):
    version = forms.IntegerField(required=False, widget=forms.HiddenInput)
    victims = forms.IntegerField(min_value=0, max_value=100_000)
    witnesses = forms.IntegerField(min_value=0, max_value=100_000)
    pages_of_evidence = forms.IntegerField(min_value=0, max_value=50_000_000, required=False)
    unused_material_pages = forms.IntegerField(min_value=0, max_value=50_000_000, required=False)
    international_element = forms.BooleanField(required=False)
    media_interest = forms.BooleanField(required=False)
    counsel_instructed = forms.ChoiceField(choices=COUNSEL_CHOICES, required=False)
    counsel_name = forms.CharField(max_length=200, required=False)
    estimated_hours = forms.CharField(
        required=False,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text='By stage and grade, for example {"charged": {"senior-crown-prosecutor": 40}}',
    )

    def clean_estimated_hours(self) -> dict[str, Any]:
        text = (self.cleaned_data.get("estimated_hours") or "").strip()
        if not text:
            return {}
        try:
            value = json.loads(text)
        except json.JSONDecodeError as error:
            raise forms.ValidationError("Enter the estimate as stage: {grade: hours}.") from error
        if not isinstance(value, dict):
            raise forms.ValidationError("Enter the estimate as stage: {grade: hours}.")
        return value

    def service_values(self) -> dict[str, Any]:
        data = dict(self.cleaned_data)
        data.pop("version", None)
        data["counsel_instructed"] = {"yes": True, "no": False}.get(data["counsel_instructed"])
        return data


class TimeEntryForm(forms.Form):
    week_starting = forms.DateField(help_text="Any day in the week (YYYY-MM-DD); it is recorded against the Monday.")
    activity = forms.ChoiceField(choices=Activity.choices)
    hours = forms.DecimalField(min_value=0, max_value=80, decimal_places=2)

    def clean_week_starting(self) -> dt.date:
        day: dt.date = self.cleaned_data["week_starting"]
        return day - dt.timedelta(days=day.weekday())


class AllocationForm(forms.Form):
    version = forms.IntegerField(widget=forms.HiddenInput)
    lead_id = forms.TypedChoiceField(coerce=int, label="Lead lawyer")
    deputy_id = forms.TypedChoiceField(coerce=int, required=False, empty_value=None, label="Deputy lawyer")
    reason = forms.CharField(max_length=500, widget=forms.Textarea(attrs={"rows": 3}), label="Reason for the decision")

    def __init__(self, *args: Any, people: list[tuple[int, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["lead_id"].choices = people  # type: ignore[attr-defined]
        self.fields["deputy_id"].choices = [("", "No deputy"), *people]  # type: ignore[attr-defined]
