"""Forms for IQA pages. They parse input; the services decide."""

from __future__ import annotations

from typing import Any

from django import forms

from casework.core.forms import GovukDateField
from casework.quality.choices import Answer, AssessmentKind, ResolutionOutcome

ANSWER_LABELS = dict(Answer.choices)


class AnswersForm(forms.Form):
    """One radio group and one comment box per applicable question (fields q_<code>, c_<code>)."""

    version = forms.IntegerField(widget=forms.HiddenInput)

    def __init__(self, *args: Any, questions: list[Any], require_all: bool = False, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.questions = questions
        for q in questions:
            self.fields[f"q_{q.code}"] = forms.ChoiceField(
                label=q.text,
                help_text=q.guidance,
                required=False,
                widget=forms.RadioSelect,
                choices=[(value, ANSWER_LABELS.get(value, value)) for value in q.scale],
            )
            self.fields[f"c_{q.code}"] = forms.CharField(
                label="Comment",
                required=False,
                widget=forms.Textarea(attrs={"rows": 2}),
                help_text="Required unless fully met or not applicable: say what was missing.",
            )

    def answers(self) -> dict[str, tuple[str, str]]:
        return {
            q.code: (self.cleaned_data.get(f"q_{q.code}") or "", self.cleaned_data.get(f"c_{q.code}") or "")
            for q in self.questions
        }

    def sections(self) -> list[dict[str, Any]]:
        """Bound fields grouped by section, for the template."""
        grouped: dict[int, dict[str, Any]] = {}
        for q in self.questions:
            entry = grouped.setdefault(q.section_id, {"section": q.section, "items": []})
            entry["items"].append((self[f"q_{q.code}"], self[f"c_{q.code}"]))
        return list(grouped.values())


class SummaryAnswersForm(AnswersForm):
    summary = forms.CharField(
        label="Overall comments for the prosecutor", required=False, widget=forms.Textarea(attrs={"rows": 4})
    )


class StartForm(forms.Form):
    case_id = forms.IntegerField(widget=forms.HiddenInput)
    sample_item_id = forms.IntegerField(widget=forms.HiddenInput, required=False)
    kind = forms.ChoiceField(
        label="Type of assessment",
        choices=AssessmentKind.choices,
        widget=forms.RadioSelect,
        initial=AssessmentKind.CASEWORK,
    )


class FeedbackForm(forms.Form):
    version = forms.IntegerField(widget=forms.HiddenInput)
    meeting_on = GovukDateField(label="Date of the feedback meeting")
    notes = forms.CharField(label="What was discussed", widget=forms.Textarea(attrs={"rows": 5}))


class AcknowledgeForm(forms.Form):
    version = forms.IntegerField(widget=forms.HiddenInput)
    disagrees = forms.BooleanField(label="I disagree with some of this assessment", required=False)
    comment = forms.CharField(
        label="Your comments",
        required=False,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text="Required if you disagree: say which answers and why.",
    )


class VersionForm(forms.Form):
    version = forms.IntegerField(widget=forms.HiddenInput)


class SampleForm(forms.Form):
    prosecutor = forms.TypedChoiceField(label="Prosecutor", coerce=int)
    quarter = forms.RegexField(
        label="Quarter",
        regex=r"^\d{4}-[Qq][1-4]$",
        help_text="For example 2026-Q2",
        error_messages={"invalid": "Enter a quarter like 2026-Q2"},
    )

    def __init__(self, *args: Any, prosecutors: list[Any], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["prosecutor"].choices = [(p.pk, p.display_name) for p in prosecutors]  # type: ignore[attr-defined]


class SwapForm(forms.Form):
    replacement_case = forms.TypedChoiceField(label="Replacement case", coerce=int)
    reason = forms.CharField(label="Why swap this case", max_length=300, widget=forms.Textarea(attrs={"rows": 3}))

    def __init__(self, *args: Any, cases: list[Any], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["replacement_case"].choices = [(c.pk, str(c)) for c in cases]  # type: ignore[attr-defined]


class ResolveForm(forms.Form):
    version = forms.IntegerField(widget=forms.HiddenInput)
    outcome = forms.ChoiceField(label="Outcome", choices=ResolutionOutcome.choices, widget=forms.RadioSelect)
    notes = forms.CharField(label="Reasons", widget=forms.Textarea(attrs={"rows": 4}))


class PeriodForm(forms.Form):
    quarter = forms.RegexField(
        label="Quarter",
        regex=r"^\d{4}-[Qq][1-4]$",
        required=False,
        error_messages={"invalid": "Enter a quarter like 2026-Q2"},
    )
