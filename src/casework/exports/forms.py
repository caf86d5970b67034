from __future__ import annotations

from django import forms

from casework.core.disclosure import DisclosureForm
from casework.exports.models import ExportFormat


class BackgroundExportForm(DisclosureForm):
    """The disclosure form (recipient and purpose) with the file's format."""

    fmt = forms.ChoiceField(
        label="Which format?",
        choices=ExportFormat.choices,
        initial=ExportFormat.XLSX,
        widget=forms.RadioSelect,
        error_messages={"required": "Choose CSV or Excel (XLSX)", "invalid_choice": "Choose CSV or Excel (XLSX)"},
    )
