"""Forms for records management pages. They parse input; the services hold every rule."""

from __future__ import annotations

from django import forms

from casework.core.forms import GovukDateField
from casework.core.govuk_forms import NOTE_MAX, GovukForm, Reveal
from casework.records.choices import Decision, RecordType, RetentionState

REASON_HINT = "At least 10 characters. It is recorded in the audit trail and the disposal log."


def reason_field(label: str, *, required: str, hint: str = REASON_HINT) -> forms.CharField:
    """A reason that goes into the audit trail: multi-line, limited, with a message that says what to do."""
    return forms.CharField(
        widget=forms.Textarea(attrs={"rows": 3}),
        label=label,
        help_text=hint,
        max_length=NOTE_MAX,
        error_messages={"required": required},
    )


class DecisionForm(GovukForm):
    REVEALS = {"keep_until": Reveal("decision", (Decision.EXTEND,))}

    decision = forms.ChoiceField(
        choices=[(Decision.APPROVE, "Approve disposal"), (Decision.EXTEND, "Keep it longer")],
        widget=forms.RadioSelect,
        label="What should happen to this record?",
        error_messages={"required": "Select whether to approve disposal or keep the record longer"},
    )
    keep_until = GovukDateField(
        required=False,
        label="Keep it until",
        hint="If you keep it longer. For example, 31 3 2031",
        error_messages={"required": "Enter the date to keep the record until"},
    )
    reason = reason_field("Reason", required="Enter the reason for your decision")


class HoldForm(GovukForm):
    reason = reason_field(
        "Why must it be kept?",
        required="Enter why the record must be kept",
        hint="For example: an appeal, a civil claim, an inquiry or a complaint. " + REASON_HINT,
    )
    until = GovukDateField(
        required=False,
        label="Hold until",
        hint="Leave blank to hold it until the hold is lifted. For example, 31 3 2031",
    )


class ReasonForm(GovukForm):
    """The reason for opening a restricted case."""

    reason = reason_field("Reason", required="Enter the reason")


class HoldLiftForm(GovukForm):
    reason = reason_field("Reason for lifting the hold", required="Enter the reason for lifting the hold")


class RestrictionLiftForm(GovukForm):
    reason = reason_field("Reason for lifting the restriction", required="Enter the reason for lifting the restriction")

    def __init__(self, *args: object, case_urn: str = "", **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        if case_urn:  # several cases on one page: each box names its case
            self.fields["reason"].label = f"Reason for lifting the restriction of {case_urn}"


class RestrictForm(GovukForm):
    urn = forms.CharField(max_length=20, label="Case URN")
    reason = reason_field(
        "Why must processing be restricted?",
        required="Enter why processing must be restricted",
        hint="For example: the person contests the accuracy of the data, or it must be kept as evidence instead "
        "of erased (Data Protection Act 2018 s.47(2)). " + REASON_HINT,
    )


class ReviewFilterForm(GovukForm):
    state = forms.MultipleChoiceField(
        required=False,
        widget=forms.CheckboxSelectMultiple,
        choices=[
            (s, RetentionState(s).label)
            for s in (RetentionState.DUE, RetentionState.APPROVED, RetentionState.HELD, RetentionState.EXTENDED)
        ],
        label="State",
    )
    record_type = forms.ChoiceField(required=False, choices=[("", "All types"), *RecordType.choices], label="Type")
    q = forms.CharField(required=False, max_length=60, label="Reference or URN")


class DisposalFilterForm(GovukForm):
    record_type = forms.ChoiceField(required=False, choices=[("", "All types"), *RecordType.choices], label="Type")
    q = forms.CharField(required=False, max_length=60, label="Reference or URN")
