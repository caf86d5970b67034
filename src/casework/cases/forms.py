"""Forms for the case register pages. They parse and check input; services decide and write."""

from __future__ import annotations

from typing import Any, cast

from django import forms

from casework.cases import rules, selectors
from casework.cases.choices import CustodyStatus, DocumentKind, HearingType, OffenceClassification, ReviewKind, Stage
from casework.cases.models import AcceptanceCriterion, Case, CaseDocument
from casework.core.forms import GovukDateField, GovukDateTimeField, RecordEditForm
from casework.core.govuk_forms import DOCUMENT_MAX, NOTE_MAX, TEXT_MAX, GovukForm
from casework.people.models import PoliceForce, Unit, User

_LEGAL_ROLES = sorted(rules.LEGAL_ROLES)
#: A person id a database column can hold; anything larger is not a person.
_MAX_ID = 2**63 - 1


class StaffChoiceField(forms.ModelChoiceField):
    """Offers the staff the case rules allow, but parses any person's id: whether that person may
    be allocated is the case service's decision (the one owner of the rule), in its own words."""

    def to_python(self, value: Any) -> Any:
        if value in self.empty_values:
            return None
        try:
            pk = int(value)
        except (TypeError, ValueError):
            pk = 0
        person = User.objects.filter(pk=pk).first() if 0 < pk <= _MAX_ID else None
        if person is None:
            raise forms.ValidationError("Choose a person from the list", code="invalid_choice")
        return person


def _person_field(label: str, unit: Unit, attname: str) -> forms.ModelChoiceField:
    field = StaffChoiceField(
        queryset=selectors.allocatable_staff(unit_id=unit.pk, attname=attname),
        required=False,
        label=label,
        empty_label="Unassigned",
    )
    field.label_from_instance = lambda user: str(user.display_name)  # type: ignore[method-assign,assignment]
    return field


# --- case details --------------------------------------------------------------------------------

#: Form field -> service attribute, for the fields that are foreign keys.
CASE_FK_FIELDS = {
    "lead_force": "lead_force_id",
    "acceptance_criterion": "acceptance_criterion_id",
    "allocated_lawyer": "allocated_lawyer_id",
    "deputy_lawyer": "deputy_lawyer_id",
    "paralegal": "paralegal_id",
    "legal_manager": "legal_manager_id",
}


class CaseDetailsForm(GovukForm):
    operation_name = forms.CharField(max_length=120, required=False, label="Operation name")
    summary = forms.CharField(widget=forms.Textarea(attrs={"rows": 4}), required=False, max_length=TEXT_MAX)
    lead_force = forms.ModelChoiceField(queryset=PoliceForce.objects.none(), required=False, empty_label="None")
    acceptance_criterion = forms.ModelChoiceField(
        queryset=AcceptanceCriterion.objects.filter(is_active=True),
        required=False,
        label="Acceptance criterion",
        empty_label="None (directed by the CCP)",
        help_text="The listed case type on which the unit accepted the case.",
    )
    ccp_direction_reason = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 3}),
        required=False,
        label="CCP direction",
        help_text="Only if the Chief Crown Prosecutor directed the case into the unit: why.",
        max_length=NOTE_MAX,
    )
    accepted_on = GovukDateField(required=False, label="Accepted on")

    def __init__(self, *args: Any, unit: Unit, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        cast(forms.ModelChoiceField, self.fields["lead_force"]).queryset = PoliceForce.objects.filter(
            areas__unit=unit
        ).distinct()
        self.fields["allocated_lawyer"] = _person_field("Prosecutor", unit, "allocated_lawyer_id")
        self.fields["deputy_lawyer"] = _person_field("Deputy prosecutor", unit, "deputy_lawyer_id")
        self.fields["paralegal"] = _person_field("Paralegal officer", unit, "paralegal_id")
        self.fields["legal_manager"] = _person_field("Legal manager", unit, "legal_manager_id")

    def clean(self) -> dict[str, Any]:
        # The case rule itself (cases.rules), asked early so this error shows beside any other on the
        # page; the service applies the same rule to every channel.
        data = super().clean() or {}
        criterion = data.get("acceptance_criterion")
        basis = {"acceptance_criterion_id": criterion.pk if criterion else None, **data}
        for field, messages in rules.acceptance_problems(basis).items():
            for message in messages:
                self.add_error(field, message)
        return data

    def service_values(self) -> dict[str, Any]:
        """Cleaned data named as the service expects (foreign keys by id)."""
        values: dict[str, Any] = {}
        for name, value in self.cleaned_data.items():
            if name in CASE_FK_FIELDS:
                values[CASE_FK_FIELDS[name]] = value.pk if value is not None else None
            elif name not in {"version", "loaded", "urn"}:
                values[name] = value
        return values


class CaseCreateForm(CaseDetailsForm):
    # Its format is the case service's rule (cases.rules.urn_problem); the form only reads the text.
    urn = forms.CharField(
        max_length=40,
        label="URN",
        help_text="Unique reference number, for example 42AB1234526.",
        error_messages={"required": "Enter the URN"},
    )

    field_order = ["urn"]


class CaseEditForm(RecordEditForm, CaseDetailsForm):
    """Changes a case's details; carries the version and the values the user loaded."""

    FIELD_ATTNAMES = CASE_FK_FIELDS


# --- stage, parts of a case -----------------------------------------------------------------------


class StageChangeForm(GovukForm):
    stage = forms.ChoiceField(
        label="New stage", widget=forms.RadioSelect, error_messages={"required": "Select the stage the case moves to"}
    )
    reason = forms.CharField(
        max_length=250,
        required=False,
        label="Reason",
        help_text="Why the case moves on.",
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    version = forms.IntegerField(widget=forms.HiddenInput)

    def __init__(self, *args: Any, case: Case, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        cast(forms.ChoiceField, self.fields["stage"]).choices = [
            (s, Stage(s).label) for s in rules.allowed_next_stages(case.stage)
        ]


class DefendantForm(GovukForm):
    first_names = forms.CharField(max_length=120, label="First names")
    last_name = forms.CharField(max_length=120, label="Last name")
    date_of_birth = GovukDateField(required=False, label="Date of birth", hint="For example, 27 3 1986")
    first_custody_on = GovukDateField(
        required=False,
        label="Date first in custody for these offences",
        hint="Custody time limits depend on it (and on age then). For example, 5 1 2026",
    )
    custody_status = forms.ChoiceField(choices=CustodyStatus.choices, label="Custody status")


class DefendantEditForm(DefendantForm, RecordEditForm):
    pass


class ChargeForm(GovukForm):
    offence = forms.CharField(max_length=250, error_messages={"required": "Enter the offence"})
    classification = forms.ChoiceField(
        choices=OffenceClassification.choices,
        error_messages={"required": "Select how the offence is classified"},
        label="Classification",
    )
    charged_on = GovukDateField(required=False, label="Date charged")


class ChargeEditForm(ChargeForm, RecordEditForm):
    pass


class HearingForm(GovukForm):
    hearing_type = forms.ChoiceField(
        choices=HearingType.choices,
        label="Type of hearing",
        error_messages={"required": "Select the type of hearing"},
    )
    starts_at = GovukDateTimeField(
        label="Date and time", error_messages={"required": "Enter the date and time of the hearing"}
    )
    court = forms.CharField(max_length=160, error_messages={"required": "Enter the court"})
    outcome = forms.CharField(widget=forms.Textarea(attrs={"rows": 3}), required=False, max_length=TEXT_MAX)


class HearingEditForm(HearingForm, RecordEditForm):
    pass


class DocumentForm(GovukForm):
    kind = forms.ChoiceField(
        choices=DocumentKind.choices,
        label="Type of document",
        error_messages={"required": "Select the type of document"},
    )
    title = forms.CharField(max_length=200, error_messages={"required": "Enter a title"})
    body = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 10}),
        label="Content",
        max_length=DOCUMENT_MAX,
        error_messages={"required": "Enter the content of the document"},
    )
    rationale = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 4}),
        required=False,
        help_text="For decisions: the reasons, as the Code for Crown Prosecutors requires.",
        max_length=TEXT_MAX,
    )
    has_disclosure_strategy = forms.BooleanField(
        required=False,
        label="This document contains a disclosure strategy section",
        help_text="Tick for a Prosecution Strategy Document that sets out the disclosure strategy.",
    )


class DocumentReviseForm(GovukForm):
    body = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 12}),
        label="Content",
        max_length=DOCUMENT_MAX,
        error_messages={"required": "Enter the content of the document"},
    )
    rationale = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 4}),
        required=False,
        help_text="What changed in this version, and why.",
        max_length=TEXT_MAX,
    )
    has_disclosure_strategy = forms.BooleanField(
        required=False, label="This version contains a disclosure strategy section"
    )
    version = forms.IntegerField(widget=forms.HiddenInput)

    @staticmethod
    def initial_for(document: CaseDocument, body: str, metadata: dict[str, Any] | None = None) -> dict[str, Any]:
        flag = bool((metadata or {}).get("has_disclosure_strategy"))
        return {"body": body, "version": document.version, "has_disclosure_strategy": flag}


class ReviewForm(GovukForm):
    kind = forms.ChoiceField(
        choices=ReviewKind.choices, label="Type of review", error_messages={"required": "Select the type of review"}
    )
    reviewed_on = GovukDateField(label="Date of review", error_messages={"required": "Enter the date of the review"})
    note = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 6}),
        label="Findings",
        max_length=TEXT_MAX,
        error_messages={"required": "Enter the findings of the review"},
    )


# --- access outside own work ---------------------------------------------------------------------


class BreakGlassForm(GovukForm):
    urn = forms.CharField(
        max_length=20,
        label="URN",
        help_text="The unique reference number of the case.",
        error_messages={"required": "Enter the URN of the case"},
    )
    justification = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 3}),
        label="Why do you need this case?",
        help_text="For example: covering a colleague's hearing tomorrow. A manager reviews every reason.",
        max_length=NOTE_MAX,
        error_messages={"required": "Enter why you need this case"},
    )


class GrantReviewForm(GovukForm):
    note = forms.CharField(
        max_length=250,
        label="Review note",
        help_text="For example: agreed, covering leave.",
        error_messages={"required": "Enter a review note"},
    )


# --- list filters -------------------------------------------------------------------------------


UNASSIGNED = "none"


class CaseFilterForm(GovukForm):
    """The case lists' filter panel (MoJ filter pattern): a search box and groups of checkboxes.
    Options within a group combine with OR, groups with AND; no box ticked means "any"."""

    q = forms.CharField(
        required=False,
        max_length=120,
        label="Search",
        help_text="URN, operation name or defendant's name",
    )
    stage = forms.MultipleChoiceField(
        required=False, choices=Stage.choices, label="Stage", widget=forms.CheckboxSelectMultiple
    )
    lawyer = forms.MultipleChoiceField(
        required=False, choices=[], label="Prosecutor", widget=forms.CheckboxSelectMultiple
    )
    unit = forms.ModelChoiceField(queryset=Unit.objects.all(), required=False, label="Unit", empty_label="All units")

    def __init__(self, *args: Any, lawyer_unit_id: int | None, show_unit: bool, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if not show_unit:
            del self.fields["unit"]
        if lawyer_unit_id:
            lawyers = (
                User.objects.filter(unit_id=lawyer_unit_id, roles__code__in=_LEGAL_ROLES, is_active=True)
                .distinct()
                .order_by("last_name", "first_name")
            )
            lawyer_field = cast(forms.MultipleChoiceField, self.fields["lawyer"])
            lawyer_field.choices = [(UNASSIGNED, "Unassigned"), *((str(u.pk), u.display_name) for u in lawyers)]
        else:
            del self.fields["lawyer"]
        from casework.cases import list_options

        for group in list_options.filter_groups():
            self.fields[group.name] = forms.MultipleChoiceField(
                required=False,
                choices=[(option.value, option.label) for option in group.options],
                label=group.legend,
                widget=forms.CheckboxSelectMultiple,
            )

    def checkbox_groups(self) -> list[forms.BoundField]:
        """The checkbox groups in panel order: work and custody first (most used), then stage and people."""
        from casework.cases import list_options

        names = [group.name for group in list_options.filter_groups()] + ["stage", "lawyer"]
        return [self[name] for name in names if name in self.fields]
