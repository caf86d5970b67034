from __future__ import annotations

from typing import Any, cast

from django import forms

from casework.core.forms import GovukDateField
from casework.core.govuk_forms import NOTE_MAX, GovukForm
from casework.oversight.choices import Answer
from casework.oversight.services import MAX_PER_UNIT, UNITS_OUT_OF_SCOPE
from casework.people.models import Unit


class SampleForm(GovukForm):
    title = forms.CharField(max_length=200, label="Title of the sample", error_messages={"required": "Enter a title"})
    seed = forms.CharField(
        max_length=60,
        label="Draw reference",
        help_text="Any word or number. Drawing again with the same reference over the same cases gives the same files.",
        error_messages={"required": "Enter a draw reference"},
    )
    per_unit = forms.IntegerField(min_value=1, max_value=MAX_PER_UNIT, initial=10, label="Files per unit")
    units = forms.ModelMultipleChoiceField(
        queryset=Unit.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        label="Units",
        help_text="Select all that apply. Leave them all unticked to sample every unit in your inspection scope.",
        error_messages={"invalid_choice": UNITS_OUT_OF_SCOPE, "invalid_pk_value": UNITS_OUT_OF_SCOPE},
    )

    def __init__(self, *args: Any, units: Any, **kwargs: Any) -> None:
        """`units`: the units in the inspector's scope (oversight.services.sample_units), the only ones offered."""
        super().__init__(*args, **kwargs)
        cast(forms.ModelMultipleChoiceField, self.fields["units"]).queryset = units


class DisclosureForm(GovukForm):
    """Why an evidence pack or export is produced and who receives it (s.62 disclosure log)."""

    justification = forms.CharField(
        max_length=500,
        label="Why is this being disclosed?",
        widget=forms.Textarea(attrs={"rows": 3}),
        error_messages={"required": "Enter why this is being disclosed"},
    )
    recipient = forms.CharField(
        max_length=200,
        label="Who will receive it?",
        error_messages={"required": "Enter who will receive it"},
        help_text="A name and organisation, for example HM Crown Prosecution Service Inspectorate.",
    )


class EvidencePackForm(DisclosureForm):
    fmt = forms.ChoiceField(
        choices=[
            ("pdf", "PDF document, to read"),
            ("zip", "ZIP file of the audit events with proofs, for checking the audit trail by machine"),
        ],
        widget=forms.RadioSelect,
        label="Format",
        initial="pdf",
        error_messages={"required": "Select the format of the evidence pack"},
    )


class S62Form(GovukForm):
    person = forms.CharField(
        max_length=150, required=False, label="Person", help_text="The username of the person who acted."
    )
    case_urn = forms.CharField(max_length=20, required=False, label="Case URN")
    date_from = GovukDateField(required=False, label="From date")
    date_to = GovukDateField(required=False, label="To date")
    fmt = forms.ChoiceField(
        choices=[("csv", "CSV spreadsheet"), ("json", "JSON lines, for other systems")],
        widget=forms.RadioSelect,
        initial="csv",
        label="File format",
        error_messages={"required": "Select the file format"},
    )
    justification = forms.CharField(
        max_length=500,
        label="Why is this log being exported?",
        widget=forms.Textarea(attrs={"rows": 3}),
        error_messages={"required": "Enter why this log is being exported"},
    )

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("date_from") and data.get("date_to") and data["date_from"] > data["date_to"]:
            self.add_error("date_to", "To date must be the same as or after the from date")
        return data


class ExamineForm(GovukForm):
    """The inspectorate's questions about one sampled file: an answer and an optional note each."""

    def __init__(self, *args: Any, questions: list[dict[str, Any]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.questions = questions
        for number, question in enumerate(questions, start=1):
            self.fields[f"answer_{question['code']}"] = forms.ChoiceField(
                label=f"{number}. {question['text']}", choices=Answer.choices, widget=forms.RadioSelect, required=False
            )
            self.fields[f"note_{question['code']}"] = forms.CharField(
                label="Note (optional)", required=False, widget=forms.Textarea(attrs={"rows": 2}), max_length=NOTE_MAX
            )

    @staticmethod
    def initial_for(answers: Any) -> dict[str, str]:
        initial = {}
        for answer in answers:
            initial[f"answer_{answer.question_code}"] = answer.answer
            initial[f"note_{answer.question_code}"] = answer.note
        return initial

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if self.questions and not self.answers():
            self.add_error(f"answer_{self.questions[0]['code']}", "Answer at least one question before you save")
        return data

    def answers(self) -> dict[str, tuple[str, str]]:
        """{question code: (answer, note)} for the questions answered."""
        return {
            q["code"]: (self.cleaned_data[f"answer_{q['code']}"], self.cleaned_data.get(f"note_{q['code']}") or "")
            for q in self.questions
            if self.cleaned_data.get(f"answer_{q['code']}")
        }
