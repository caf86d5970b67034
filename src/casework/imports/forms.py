from __future__ import annotations

from typing import Any

from django import forms

from casework.people.models import Unit


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("widget", MultipleFileInput(attrs={"class": "govuk-file-upload", "accept": ".csv,.xlsx"}))
        super().__init__(*args, **kwargs)

    def clean(self, data: Any, initial: Any = None) -> Any:
        single = super().clean
        if isinstance(data, list | tuple):
            return [single(item, initial) for item in data]
        return [single(data, initial)]


class ImportForm(forms.Form):
    upload = MultipleFileField(
        label="File",
        help_text=(
            "One XLSX workbook with sheets cases, defendants, charges and hearings, or CSV files named after them."
        ),
    )
    unit = forms.ModelChoiceField(queryset=Unit.objects.all(), label="Unit the cases belong to", to_field_name="code")
    dry_run = forms.BooleanField(required=False, label="Check the file only (write nothing)")
