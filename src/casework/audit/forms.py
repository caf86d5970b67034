"""The audit trail search form: parses the query string into AuditFilters."""

from __future__ import annotations

from typing import Any

from django import forms

from casework.audit.choices import Action
from casework.audit.selectors import AuditFilters
from casework.core.forms import GovukDateField
from casework.core.govuk_forms import GovukForm


class AuditSearchForm(GovukForm):
    action = forms.ChoiceField(choices=[("", "Any action"), *Action.choices], required=False)
    actor = forms.CharField(required=False, max_length=200, label="Who (name or username)")
    subject = forms.CharField(required=False, max_length=250, label="Subject (name, id or type)")
    case = forms.IntegerField(
        required=False,
        min_value=1,
        label="Case record number",
        help_text="The number in the case page's address: 59 for /cases/59/.",
    )
    date_from = GovukDateField(required=False, label="From date")
    date_to = GovukDateField(required=False, label="To date")
    before = forms.IntegerField(required=False, min_value=1, widget=forms.HiddenInput())

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("date_from") and data.get("date_to") and data["date_from"] > data["date_to"]:
            self.add_error("date_to", "To date must be the same as or after the from date")
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
