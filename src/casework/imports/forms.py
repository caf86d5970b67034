from __future__ import annotations

from typing import Any

from django import forms

from casework.core.govuk_forms import GovukForm
from casework.imports.models import ImportKind
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


class ImportForm(GovukForm):
    kind = forms.ChoiceField(choices=ImportKind.choices, initial=ImportKind.CASES, label="What the file holds")
    upload = MultipleFileField(
        label="File",
        help_text=(
            "Cases: one XLSX workbook with sheets cases, defendants, charges and hearings, or CSV files named "
            "after them. Staff: a staff sheet or staff.csv. Time records: a time sheet or time.csv."
        ),
    )
    unit = forms.ModelChoiceField(
        queryset=Unit.objects.all(),
        label="Unit the records belong to",
        help_text="Required for cases and time records. For staff, leave empty to take each person's Unit column.",
        to_field_name="code",
        required=False,
    )
