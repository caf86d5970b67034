"""Page forms for the police portal and the CCU's partnership pages. Forms parse input; the
services decide (completeness of the 8 items, lifecycle, SLA) and their errors land on fields."""

from __future__ import annotations

from typing import Any, cast

from django import forms

from casework.cases.models import AcceptanceCriterion
from casework.core import clock
from casework.core.forms import GovukDateField
from casework.core.govuk_forms import NOTE_MAX, TEXT_MAX, GovukForm
from casework.partners import rules
from casework.partners.choices import DisagreementOutcome, MeetingKind, ReferralKind, Side
from casework.partners.reference import divisions_on
from casework.people.models import PoliceForce

_ITEM_HINTS = {
    "police_reference": "The force's unique reference number (URN) for the investigation.",
    "lines_of_enquiry": "Completed, ongoing and contemplated.",
    "issues_identified": "Including the suspect's account, or say none has been given.",
    "disclosable_material": "Or say none has been identified.",
}


class ReferralForm(GovukForm):
    kind = forms.ChoiceField(
        label="What are you asking for?",
        choices=ReferralKind.choices,
        widget=forms.RadioSelect,
        error_messages={"required": "Select what you are asking for"},
    )
    officer_in_case = forms.CharField(label="Officer in the case (name and rank)", max_length=200, required=False)
    proposed_criterion = forms.ModelChoiceField(
        label="Which CCU case type do you think it is?",
        error_messages={"invalid_choice": "Select one of the case types offered"},
        queryset=AcceptanceCriterion.objects.filter(is_active=True).order_by("title"),
        required=False,
        empty_label="Not sure / not applicable",
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for name, field in item_fields(rules.EIA_FIELDS).items():
            self.fields[name] = field

    def items(self) -> dict[str, str]:
        return {name: self.cleaned_data.get(name, "") for name in rules.EIA_FIELDS}


#: Said on every item's label: the request can be sent without it, but it is not complete.
NEEDED_NOTE = "needed for a complete request"


def item_fields(names: tuple[str, ...] | list[str]) -> dict[str, forms.Field]:
    """Fields for some of the 8 items. Each may be left empty (the request is then sent with it on
    its "still missing" list), so the label says it is needed for a complete request rather than
    "(optional)"; the service checks them all at once and says what each missing item needs."""
    fields: dict[str, forms.Field] = {}
    for name, number, label, _action in rules.EIA_ITEMS:
        if name not in names:
            continue
        field: forms.Field
        if name == "police_reference":
            field = forms.CharField(max_length=60, required=False)
        else:
            field = forms.CharField(widget=forms.Textarea(attrs={"rows": 4}), required=False, max_length=TEXT_MAX)
        field.label = f"{number}. {label} ({NEEDED_NOTE})"
        field.help_text = _ITEM_HINTS.get(name, "")
        field.mark_optional = False  # type: ignore[attr-defined]
        fields[name] = field
    return fields


class MissingItemsForm(GovukForm):
    """The items a sent request still lacks, for the force to send when it has them."""

    def __init__(self, *args: Any, missing_fields: list[str], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields.update(item_fields(missing_fields))

    def items(self) -> dict[str, str]:
        return {name: self.cleaned_data.get(name, "") for name in self.fields}


class AnswerForm(GovukForm):
    answer = forms.CharField(
        label="Your response to the action plan", widget=forms.Textarea(attrs={"rows": 4}), max_length=NOTE_MAX
    )


class EscalationForm(GovukForm):
    reason = forms.CharField(
        label="Why are you asking for escalation?",
        error_messages={"required": "Enter why you are asking for escalation"},
        help_text="Say what is disputed or late and what you need. To appeal a refusal, give the grounds "
        "(Inspector rank or above).",
        widget=forms.Textarea(attrs={"rows": 3}),
        max_length=NOTE_MAX,
    )


class AcceptForm(GovukForm):
    criterion = forms.ModelChoiceField(
        label="Listed criterion the case meets",
        error_messages={"required": "Select the listed criterion the case meets"},
        queryset=AcceptanceCriterion.objects.filter(is_active=True).order_by("title"),
    )
    urn = forms.CharField(
        label="URN for the case register",
        max_length=20,
        error_messages={"required": "Enter the URN for the case register"},
    )
    note = forms.CharField(
        label="Message to the force", widget=forms.Textarea(attrs={"rows": 2}), required=False, max_length=NOTE_MAX
    )


class RedirectForm(GovukForm):
    division = forms.ChoiceField(
        label="Central casework division",
        choices=[],
        error_messages={"required": "Select the central casework division"},
    )
    reason = forms.CharField(
        label="Reason (sent to the force)",
        widget=forms.Textarea(attrs={"rows": 2}),
        max_length=NOTE_MAX,
        error_messages={"required": "Enter the reason for redirecting the referral"},
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        cast(forms.ChoiceField, self.fields["division"]).choices = divisions_on(clock.today())


class DeclineForm(GovukForm):
    reason = forms.CharField(
        label="Reason for declining (sent to the force with the appeal route)",
        error_messages={"required": "Enter the reason for declining"},
        widget=forms.Textarea(attrs={"rows": 3}),
        max_length=NOTE_MAX,
    )


class AdviceForm(GovukForm):
    advice = forms.CharField(
        label="Advice",
        widget=forms.Textarea(attrs={"rows": 6}),
        max_length=TEXT_MAX,
        error_messages={"required": "Enter your advice"},
    )


class ActionPlanForm(GovukForm):
    actions = forms.CharField(
        label="Actions for the police",
        widget=forms.Textarea(attrs={"rows": 4}),
        max_length=NOTE_MAX,
        error_messages={"required": "Enter the actions for the police"},
    )


class ResolveForm(GovukForm):
    escalation_id = forms.IntegerField(widget=forms.HiddenInput)
    outcome = forms.CharField(
        label="Outcome",
        widget=forms.Textarea(attrs={"rows": 2}),
        max_length=NOTE_MAX,
        error_messages={"required": "Enter the outcome of the escalation"},
    )


class AgreementCreateForm(GovukForm):
    force: forms.ModelChoiceField[Any] = forms.ModelChoiceField(
        label="Police force",
        queryset=PoliceForce.objects.none(),
        error_messages={"required": "Select the police force"},
    )
    cps_contacts = forms.CharField(
        label="CPS first and second points of contact",
        widget=forms.Textarea(attrs={"rows": 2}),
        required=False,
        max_length=NOTE_MAX,
    )
    police_contacts = forms.CharField(
        label="Police first and second points of contact",
        widget=forms.Textarea(attrs={"rows": 2}),
        required=False,
        max_length=NOTE_MAX,
    )

    def __init__(self, *args: Any, forces: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["force"].queryset = forces  # type: ignore[attr-defined]


class ParametersForm(GovukForm):
    version = forms.IntegerField(widget=forms.HiddenInput)
    cps_contacts = forms.CharField(
        label="CPS points of contact",
        widget=forms.Textarea(attrs={"rows": 2}),
        required=False,
        max_length=NOTE_MAX,
    )
    police_contacts = forms.CharField(
        label="Police points of contact",
        widget=forms.Textarea(attrs={"rows": 2}),
        required=False,
        max_length=NOTE_MAX,
    )

    def __init__(self, *args: Any, template: dict[str, Any], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for spec in template.get("parameters", []):
            self.fields[f"p_{spec['code']}"] = forms.IntegerField(
                label=spec["label"],
                help_text=f"{spec['unit']}; HQ default {spec['default']}, allowed {spec['min']} to {spec['max']}",
                min_value=spec["min"],
                max_value=spec["max"],
            )

    def parameters(self) -> dict[str, int]:
        return {name[2:]: value for name, value in self.cleaned_data.items() if name.startswith("p_")}


class DeviationForm(GovukForm):
    clause_code = forms.ChoiceField(label="Clause", error_messages={"required": "Select the clause"})
    omitted = forms.BooleanField(label="Leave this clause out (optional clauses only)", required=False)
    text = forms.CharField(
        label="Agreed wording", widget=forms.Textarea(attrs={"rows": 3}), required=False, max_length=NOTE_MAX
    )
    reason = forms.CharField(
        label="Reason for departing from the HQ template",
        widget=forms.Textarea(attrs={"rows": 2}),
        max_length=NOTE_MAX,
    )

    def __init__(self, *args: Any, template: dict[str, Any], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["clause_code"].choices = [  # type: ignore[attr-defined]
            (code, f"{clause['section_title']}, clause {code.rpartition('.')[2]}")
            for code, clause in rules.clause_index(template).items()
        ]


class SignForm(GovukForm):
    version = forms.IntegerField(widget=forms.HiddenInput)
    cps_signatory = forms.CharField(
        label="CPS signatory (name and role)",
        max_length=200,
        error_messages={"required": "Enter the name and role of the CPS signatory"},
    )
    police_signatory = forms.CharField(
        label="Police signatory (name and rank)",
        max_length=200,
        error_messages={"required": "Enter the name and rank of the police signatory"},
    )
    signed_on = GovukDateField(label="Date signed")
    effective_from = GovukDateField(
        label="Takes effect from",
        required=False,
        hint="Leave blank if it takes effect when signed. For example, 27 3 2026",
    )


class TransitionForm(GovukForm):
    version = forms.IntegerField(widget=forms.HiddenInput)
    target = forms.CharField(widget=forms.HiddenInput)


class ReviseForm(GovukForm):
    template_number = forms.IntegerField(widget=forms.HiddenInput)


class MeetingForm(GovukForm):
    kind = forms.ChoiceField(
        label="Type of meeting",
        choices=MeetingKind.choices,
        widget=forms.RadioSelect,
        error_messages={"required": "Select the type of meeting"},
    )
    held_on = GovukDateField(label="Date held")
    cps_attendees = forms.CharField(
        label="CPS attendees", widget=forms.Textarea(attrs={"rows": 2}), max_length=NOTE_MAX
    )
    police_attendees = forms.CharField(
        label="Police attendees", widget=forms.Textarea(attrs={"rows": 2}), max_length=NOTE_MAX
    )
    notes = forms.CharField(
        label="Notes", widget=forms.Textarea(attrs={"rows": 3}), required=False, max_length=NOTE_MAX
    )
    action = forms.CharField(label="Action agreed", required=False, max_length=300)
    action_owner = forms.CharField(label="Action owner", required=False, max_length=200)
    action_side = forms.ChoiceField(label="Owner's side", choices=Side.choices, required=False)
    action_due_on = GovukDateField(label="Action due", required=False)

    def actions(self) -> list[dict[str, Any]]:
        data = self.cleaned_data
        if not (data.get("action") or "").strip():
            return []
        return [
            {
                "description": data["action"],
                "owner": data.get("action_owner", ""),
                "side": data.get("action_side"),
                "due_on": data.get("action_due_on"),
            }
        ]


class DisagreementForm(GovukForm):
    subject = forms.CharField(label="Subject", max_length=250)
    cps_position = forms.CharField(label="CPS position", widget=forms.Textarea(attrs={"rows": 2}), max_length=NOTE_MAX)
    police_position = forms.CharField(
        label="Police position", widget=forms.Textarea(attrs={"rows": 2}), max_length=NOTE_MAX
    )


class DisagreementResolveForm(GovukForm):
    disagreement_id = forms.IntegerField(widget=forms.HiddenInput)
    outcome = forms.ChoiceField(
        label="Outcome", choices=[c for c in DisagreementOutcome.choices if c[0] != DisagreementOutcome.OPEN]
    )
    note = forms.CharField(label="Explanation", widget=forms.Textarea(attrs={"rows": 2}), max_length=NOTE_MAX)


class TemplatePublishForm(GovukForm):
    """HQ publishes a new version by editing the previous version's content (as JSON)."""

    title = forms.CharField(max_length=200)
    effective_from = GovukDateField(label="In force from")
    change_note = forms.CharField(
        label="What changes and why", widget=forms.Textarea(attrs={"rows": 3}), max_length=NOTE_MAX
    )
    content = forms.JSONField(
        label="Sections, clauses, parameters and ladder (JSON)", widget=forms.Textarea(attrs={"rows": 20})
    )
    source = forms.CharField(max_length=300, required=False)


class ClauseForm(GovukForm):
    """Restoring HQ's wording of one clause."""

    clause_code = forms.CharField(max_length=60)


class ActionDoneForm(GovukForm):
    """Marking a liaison meeting's action done."""

    id = forms.IntegerField(widget=forms.HiddenInput)
