"""The audit trail search form: parses the query string into AuditFilters."""

from __future__ import annotations

from typing import Any

from django import forms

from casework.audit.choices import Action
from casework.audit.selectors import AuditFilters


class DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self, attrs: dict[str, Any] | None = None) -> None:
        super().__init__(attrs=attrs, format="%Y-%m-%d")


class AuditSearchForm(forms.Form):
    action = forms.ChoiceField(choices=[("", "Any action"), *Action.choices], required=False)
    actor = forms.CharField(required=False, max_length=200, label="Who (name or username)")
    subject = forms.CharField(required=False, max_length=250, label="Subject (name, id or type)")
    case = forms.IntegerField(required=False, min_value=1, label="Case id")
    date_from = forms.DateField(required=False, widget=DateInput(), label="From date")
    date_to = forms.DateField(required=False, widget=DateInput(), label="To date")
    before = forms.IntegerField(required=False, min_value=1, widget=forms.HiddenInput())

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("date_from") and data.get("date_to") and data["date_from"] > data["date_to"]:
            self.add_error("date_to", "The to date must be the same as or after the from date.")
        return data

    def filters(self) -> AuditFilters:
        data = self.cleaned_data
        return AuditFilters(
            action=data.get("action") or "",
            actor=data.get("actor") or "",
            subject=data.get("subject") or "",
            case_id=data.get("case"),
            date_from=data.get("date_from"),
            date_to=data.get("date_to"),
        )
