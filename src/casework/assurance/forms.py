"""Forms for the assurance pages. They parse input only; the services decide and validate."""

from __future__ import annotations

import json
from typing import Any, cast

from django import forms

from casework.assurance.choices import ExemptDocument, Scope, Severity
from casework.assurance.rules import EVALUATORS
from casework.core.forms import GovukDateField
from casework.core.govuk_forms import NOTE_MAX, TEXT_MAX, GovukForm, Reveal

REASON_HINT = "At least 20 characters. This is kept on the case and in the audit trail."


class ExemptionForm(GovukForm):
    document = forms.ChoiceField(
        label="Which document is not needed?",
        choices=ExemptDocument.choices,
        widget=forms.RadioSelect,
        error_messages={"required": "Select which document is not needed"},
    )
    reason = forms.CharField(
        label="Why is the document not needed?",
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=REASON_HINT,
        max_length=NOTE_MAX,
        error_messages={"required": "Enter why the document is not needed"},
    )


class WaiverForm(GovukForm):
    rule_code = forms.ChoiceField(label="Rule to waive", error_messages={"required": "Select the rule to waive"})
    reason = forms.CharField(
        label="Why are you waiving it?",
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=REASON_HINT,
        max_length=NOTE_MAX,
        error_messages={"required": "Enter why you are waiving the rule"},
    )
    expires_on = GovukDateField(
        label="Date the waiver ends",
        hint="At most 180 days from today. For example, 27 3 2026",
        error_messages={"required": "Enter the date the waiver ends"},
    )

    def __init__(self, *args: Any, rules: list[tuple[str, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        cast(forms.ChoiceField, self.fields["rule_code"]).choices = [("", "Choose a rule"), *rules]


class ConfirmForm(GovukForm):
    """A POST with nothing to enter (CSRF only)."""


class SignOffRequestForm(GovukForm):
    checkpoint = forms.ChoiceField(
        label="Which checkpoint needs signing off?",
        widget=forms.RadioSelect,
        error_messages={
            "required": "Select the checkpoint that needs signing off",
            "invalid_choice": "Select a checkpoint that is not already waiting for a decision or approved",
        },
    )
    note = forms.CharField(
        label="Note for the approver", required=False, widget=forms.Textarea(attrs={"rows": 3}), max_length=NOTE_MAX
    )

    def __init__(self, *args: Any, checkpoints: list[tuple[str, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        cast(forms.ChoiceField, self.fields["checkpoint"]).choices = checkpoints


class SignOffDecisionForm(GovukForm):
    decision = forms.ChoiceField(
        label="Your decision",
        widget=forms.RadioSelect,
        choices=[("approve", "Approve"), ("return", "Return it with reasons")],
        error_messages={"required": "Select whether you approve it or return it"},
    )
    rationale_approve = forms.CharField(
        label="Rationale (optional)", required=False, widget=forms.Textarea(attrs={"rows": 3}), max_length=NOTE_MAX
    )
    rationale_return = forms.CharField(
        label="Why are you returning it?",
        required=False,
        widget=forms.Textarea(attrs={"rows": 4}),
        max_length=NOTE_MAX,
        error_messages={"required": "Enter why you are returning it"},
    )
    version = forms.IntegerField(widget=forms.HiddenInput, min_value=1)

    REVEALS = {
        "rationale_approve": Reveal("decision", ("approve",), required=False),
        "rationale_return": Reveal("decision", ("return",)),
    }

    def rationale(self) -> str:
        return str(self.cleaned_data[f"rationale_{self.cleaned_data['decision']}"] or "")


ACTION_ROWS = 3


class PanelMeetingForm(GovukForm):
    held_on = GovukDateField(label="Date of the meeting")
    members = forms.MultipleChoiceField(
        label="Who attended", widget=forms.CheckboxSelectMultiple, error_messages={"required": "Select who attended"}
    )
    decisions = forms.CharField(
        label="Decisions",
        widget=forms.Textarea(attrs={"rows": 4}),
        max_length=TEXT_MAX,
        error_messages={"required": "Enter the panel's decisions"},
    )
    rationale = forms.CharField(
        label="Rationale",
        widget=forms.Textarea(attrs={"rows": 4}),
        max_length=TEXT_MAX,
        error_messages={"required": "Enter the reasons for the decisions"},
    )

    def __init__(self, *args: Any, people: list[tuple[str, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        cast(forms.ChoiceField, self.fields["members"]).choices = people
        # A fixed number of action rows keeps the page usable without JavaScript.
        for index in range(1, ACTION_ROWS + 1):
            self.fields[f"action_{index}_description"] = forms.CharField(
                label=f"Action {index} (optional)",
                required=False,
                max_length=300,
                widget=forms.Textarea(attrs={"rows": 2}),
            )
            self.fields[f"action_{index}_owner"] = forms.ChoiceField(
                label=f"Action {index} owner", required=False, choices=[("", "Choose a person"), *people]
            )
            self.fields[f"action_{index}_due_on"] = GovukDateField(label=f"Action {index} due on", required=False)

    def action_rows(self) -> list[list[forms.BoundField]]:
        return [
            [self[f"action_{i}_{part}"] for part in ("description", "owner", "due_on")]
            for i in range(1, ACTION_ROWS + 1)
        ]

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        for index in range(1, ACTION_ROWS + 1):
            description = (cleaned.get(f"action_{index}_description") or "").strip()
            owner = cleaned.get(f"action_{index}_owner")
            due_on = cleaned.get(f"action_{index}_due_on")
            if description and not owner:
                self.add_error(f"action_{index}_owner", f"Select who owns action {index}")
            if description and not due_on and f"action_{index}_due_on" not in self.errors:
                self.add_error(f"action_{index}_due_on", f"Enter the date action {index} is due")
        return cleaned

    def actions(self) -> list[dict[str, Any]]:
        return [
            {
                "description": self.cleaned_data[f"action_{i}_description"].strip(),
                "owner_id": int(self.cleaned_data[f"action_{i}_owner"]),
                "due_on": self.cleaned_data[f"action_{i}_due_on"],
            }
            for i in range(1, ACTION_ROWS + 1)
            if (self.cleaned_data.get(f"action_{i}_description") or "").strip()
        ]


class VersionForm(GovukForm):
    version = forms.IntegerField(widget=forms.HiddenInput, min_value=1)


EXPORT_FORMATS = ("csv", "xlsx")


# --- admin: publishing a new rule version ----------------------------------------------------------


class JsonField(forms.CharField):
    """JSON text that must decode to a given Python type (list or dict)."""

    def __init__(self, *args: Any, kind: type, **kwargs: Any) -> None:
        self.kind = kind
        kwargs.setdefault("widget", forms.Textarea(attrs={"rows": 4, "cols": 80}))
        super().__init__(*args, **kwargs)

    def prepare_value(self, value: Any) -> Any:
        return value if isinstance(value, str) else json.dumps(value, indent=2, sort_keys=True)

    def to_python(self, value: Any) -> Any:
        text = super().to_python(value)
        try:
            decoded = json.loads(text or ("[]" if self.kind is list else "{}"))
        except json.JSONDecodeError as error:
            raise forms.ValidationError(f"Not valid JSON: {error.msg} (line {error.lineno}).") from None
        if not isinstance(decoded, self.kind):
            raise forms.ValidationError(f"Enter a JSON {'list' if self.kind is list else 'object'}.")
        if isinstance(decoded, list) and not all(isinstance(item, str) for item in decoded):
            raise forms.ValidationError("Every item must be a text code.")
        return decoded


class RulePublishForm(GovukForm):
    effective_from = forms.DateField(label="Takes effect on", help_text="YYYY-MM-DD; after the current version's date.")
    title = forms.CharField(max_length=200)
    statement = forms.CharField(widget=forms.Textarea(attrs={"rows": 3, "cols": 80}), max_length=NOTE_MAX)
    source = forms.CharField(max_length=300)
    scope = forms.ChoiceField(choices=Scope.choices)
    severity = forms.ChoiceField(choices=Severity.choices)
    evaluator = forms.ChoiceField(choices=())
    stages = JsonField(kind=list, help_text="JSON list of stage codes.")
    categories = JsonField(kind=list, required=False, help_text="JSON list of offence category codes; [] = every case.")
    parameters = JsonField(kind=dict, required=False, help_text="JSON object of the evaluator's parameters.")

    CHANGEABLE = (
        "title",
        "statement",
        "source",
        "scope",
        "severity",
        "evaluator",
        "stages",
        "categories",
        "parameters",
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        cast(forms.ChoiceField, self.fields["evaluator"]).choices = [
            (name, name) for name in sorted(EVALUATORS.by_key())
        ]

    def changes_from(self, previous: Any) -> dict[str, Any]:
        """Only the fields that differ from the current version."""
        return {
            name: self.cleaned_data[name]
            for name in self.CHANGEABLE
            if self.cleaned_data[name] != getattr(previous, name)
        }
