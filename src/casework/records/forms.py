"""Forms for records management pages. They parse input; the services hold every rule."""

from __future__ import annotations

from django import forms

from casework.core.forms import GovukDateField
from casework.records.choices import Decision, RecordType, RetentionState

REASON_HINT = "At least 10 characters. It is recorded in the audit trail and the disposal log."


class DecisionForm(forms.Form):
    decision = forms.ChoiceField(
        choices=[(Decision.APPROVE, "Approve disposal"), (Decision.EXTEND, "Keep it longer")],
        widget=forms.RadioSelect,
        label="What should happen to this record?",
    )
    keep_until = GovukDateField(
        required=False, label="Keep it until", hint="If you keep it longer. For example, 31 3 2031"
    )
    reason = forms.CharField(widget=forms.Textarea(attrs={"rows": 3}), label="Reason", help_text=REASON_HINT)


class HoldForm(forms.Form):
    reason = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 3}),
        label="Why must it be kept?",
        help_text="For example: an appeal, a civil claim, an inquiry or a complaint. " + REASON_HINT,
    )
    until = GovukDateField(
        required=False,
        label="Hold until",
        hint="Leave blank to hold it until the hold is lifted. For example, 31 3 2031",
    )


class ReasonForm(forms.Form):
    reason = forms.CharField(widget=forms.Textarea(attrs={"rows": 3}), label="Reason", help_text=REASON_HINT)


class RestrictForm(forms.Form):
    urn = forms.CharField(max_length=20, label="Case URN")
    reason = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 3}),
        label="Why must processing be restricted?",
        help_text="For example: the person contests the accuracy of the data, or it must be kept as evidence instead "
        "of erased (Data Protection Act 2018 s.47(2)). " + REASON_HINT,
    )


class ReviewFilterForm(forms.Form):
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


class DisposalFilterForm(forms.Form):
    record_type = forms.ChoiceField(required=False, choices=[("", "All types"), *RecordType.choices], label="Type")
    q = forms.CharField(required=False, max_length=60, label="Reference or URN")
