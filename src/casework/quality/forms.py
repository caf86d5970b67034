"""Forms for IQA pages. They parse input; the services decide."""

from __future__ import annotations

from typing import Any

from django import forms
from django.core import signing

from casework.core.forms import GovukDateField
from casework.core.govuk_forms import NOTE_MAX, TEXT_MAX, GovukForm, Reveal
from casework.quality.choices import Answer, AssessmentKind, ResolutionOutcome

ANSWER_LABELS = dict(Answer.choices)


class AnswersForm(GovukForm):
    """One radio group per applicable question (field q_<code>) with a comment box under each answer
    (c_<code>_<answer>): required under an answer that needs one ("Partially met", "Not met"),
    optional under the others. Only the comment under the chosen answer is kept."""

    version = forms.IntegerField(widget=forms.HiddenInput)

    def __init__(self, *args: Any, questions: list[Any], require_all: bool = False, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.questions = questions
        self._reveals: dict[str, Reveal] = {}
        for q in questions:
            self.fields[f"q_{q.code}"] = forms.ChoiceField(
                label=q.text,
                help_text=q.guidance,
                required=False,
                widget=forms.RadioSelect,
                choices=[(value, ANSWER_LABELS.get(value, value)) for value in q.scale],
            )
            for value in q.scale:
                needed = value not in q.comment_not_needed_for
                name = comment_field(q.code, value)
                self.fields[name] = forms.CharField(
                    label="What was missing?" if needed else "Comment (optional)",
                    required=False,
                    max_length=NOTE_MAX,
                    widget=forms.Textarea(attrs={"rows": 3}),
                    error_messages={"required": f"Enter what was missing for “{_short(q.text)}”"},
                )
                self._reveals[name] = Reveal(f"q_{q.code}", (value,), required=needed)

    def reveals(self) -> dict[str, Reveal]:
        return self._reveals

    @staticmethod
    def initial_answers(answers: Any) -> dict[str, Any]:
        """Initial data from saved answers (objects with question.code, value and comment)."""
        initial: dict[str, Any] = {}
        for answer in answers:
            initial[f"q_{answer.question.code}"] = answer.value
            if answer.value:
                initial[comment_field(answer.question.code, answer.value)] = answer.comment
        return initial

    def answers(self) -> dict[str, tuple[str, str]]:
        result = {}
        for q in self.questions:
            value = self.cleaned_data.get(f"q_{q.code}") or ""
            comment = (self.cleaned_data.get(comment_field(q.code, value)) or "") if value else ""
            result[q.code] = (value, comment)
        return result

    def answered(self) -> bool:
        return any(value for value, _comment in self.answers().values())

    def sections(self) -> list[dict[str, Any]]:
        """The radio groups by section, for the template (comments render under their answers)."""
        grouped: dict[int, dict[str, Any]] = {}
        for q in self.questions:
            entry = grouped.setdefault(q.section_id, {"section": q.section, "items": []})
            entry["items"].append(self[f"q_{q.code}"])
        return list(grouped.values())


def comment_field(code: str, value: str) -> str:
    return f"c_{code}_{value}"


def _short(text: str, limit: int = 60) -> str:
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


class SummaryAnswersForm(AnswersForm):
    """The assessor's draft. Besides the version it carries, signed, the draft as the user loaded it,
    so a stale save can say exactly what someone else saved since (quality.rules.draft_changes)."""

    loaded = forms.CharField(widget=forms.HiddenInput, required=False)
    summary = forms.CharField(
        label="Overall comments for the prosecutor",
        required=False,
        widget=forms.Textarea(attrs={"rows": 4}),
        max_length=TEXT_MAX,
    )


DRAFT_SALT = "casework.quality.loaded-draft"


def sign_draft(assessment_id: int, snapshot: dict[str, list[str]]) -> str:
    return signing.dumps({"assessment": assessment_id, "draft": snapshot}, salt=DRAFT_SALT, compress=True)


def read_draft(token: str, assessment_id: int) -> dict[str, list[str]]:
    """The draft the user loaded; empty when the token is missing, forged or for another assessment
    (every saved answer then counts as changed, the safe side)."""
    try:
        payload = signing.loads(token, salt=DRAFT_SALT)
    except signing.BadSignature:
        return {}
    if not isinstance(payload, dict) or payload.get("assessment") != assessment_id:
        return {}
    draft = payload.get("draft")
    return draft if isinstance(draft, dict) else {}


class StartForm(GovukForm):
    case_id = forms.IntegerField(widget=forms.HiddenInput)
    sample_item_id = forms.IntegerField(widget=forms.HiddenInput, required=False)
    kind = forms.ChoiceField(
        label="Type of assessment",
        choices=AssessmentKind.choices,
        widget=forms.RadioSelect,
        initial=AssessmentKind.CASEWORK,
        error_messages={"required": "Select the type of assessment"},
    )


class FeedbackForm(GovukForm):
    version = forms.IntegerField(widget=forms.HiddenInput)
    meeting_on = GovukDateField(label="Date of the feedback meeting")
    notes = forms.CharField(label="What was discussed", widget=forms.Textarea(attrs={"rows": 5}), max_length=TEXT_MAX)


class AcknowledgeForm(GovukForm):
    """The prosecutor acknowledges the feedback: agreeing (with an optional comment) or disagreeing
    (with the reasons, required)."""

    version = forms.IntegerField(widget=forms.HiddenInput)
    agrees = forms.ChoiceField(
        label="Do you agree with this assessment?",
        widget=forms.RadioSelect,
        choices=[("yes", "Yes"), ("no", "No, I disagree with some of it")],
        error_messages={"required": "Select yes if you agree with this assessment"},
    )
    comment_agree = forms.CharField(
        label="Comments (optional)", required=False, widget=forms.Textarea(attrs={"rows": 3}), max_length=TEXT_MAX
    )
    comment_disagree = forms.CharField(
        label="What do you disagree with, and why?",
        required=False,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text="Say which answers and why.",
        max_length=TEXT_MAX,
        error_messages={"required": "Enter what you disagree with, and why"},
    )

    REVEALS = {
        "comment_agree": Reveal("agrees", ("yes",), required=False),
        "comment_disagree": Reveal("agrees", ("no",)),
    }

    def disagrees(self) -> bool:
        return self.cleaned_data["agrees"] == "no"

    def comment(self) -> str:
        return str(self.cleaned_data["comment_disagree" if self.disagrees() else "comment_agree"] or "")


class VersionForm(GovukForm):
    version = forms.IntegerField(widget=forms.HiddenInput)


class SampleForm(GovukForm):
    prosecutor = forms.TypedChoiceField(label="Prosecutor", coerce=int)
    quarter = forms.RegexField(
        label="Quarter",
        regex=r"^\d{4}-[Qq][1-4]$",
        help_text="The year and the quarter, for example 2026-Q2",
        error_messages={"invalid": "Enter the quarter as the year and quarter, like 2026-Q2"},
    )

    def __init__(self, *args: Any, prosecutors: list[Any], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["prosecutor"].choices = [(p.pk, p.display_name) for p in prosecutors]  # type: ignore[attr-defined]


class SwapForm(GovukForm):
    replacement_case = forms.TypedChoiceField(label="Replacement case", coerce=int)
    reason = forms.CharField(
        label="Why are you swapping this case?",
        max_length=300,
        widget=forms.Textarea(attrs={"rows": 3}),
        error_messages={"required": "Enter why you are swapping this case"},
    )

    def __init__(self, *args: Any, cases: list[Any], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["replacement_case"].choices = [(c.pk, str(c)) for c in cases]  # type: ignore[attr-defined]


class ResolveForm(GovukForm):
    version = forms.IntegerField(widget=forms.HiddenInput)
    outcome = forms.ChoiceField(
        label="Outcome",
        choices=ResolutionOutcome.choices,
        widget=forms.RadioSelect,
        error_messages={"required": "Select the outcome"},
    )
    notes = forms.CharField(
        label="Reasons",
        widget=forms.Textarea(attrs={"rows": 4}),
        max_length=TEXT_MAX,
        error_messages={"required": "Enter the reasons for the outcome"},
    )


class PeriodForm(GovukForm):
    quarter = forms.RegexField(
        label="Quarter",
        regex=r"^\d{4}-[Qq][1-4]$",
        required=False,
        error_messages={"invalid": "Enter the quarter as the year and quarter, like 2026-Q2"},
    )
