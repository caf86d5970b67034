"""Forms for the progression pages. They parse and check input; services decide and write."""

from __future__ import annotations

from typing import Any, cast

from django import forms

from casework.cases.models import Case, Charge
from casework.core import clock
from casework.core.forms import DATE_HINT, GovukDateField
from casework.people.choices import RoleCode
from casework.people.models import Team, Unit, User
from casework.progression import rules
from casework.progression.choices import ClockEventKind, MissedReason

REGIME_CHOICES = [
    (rules.Regime.SUMMARY.value, "Summary-only offence (56 days)"),
    (rules.Regime.EITHER_WAY.value, "Either-way offence tried summarily (70 days, or 56)"),
    (rules.Regime.CROWN.value, "Sent to the Crown Court (182 days less magistrates' custody)"),
    (rules.Regime.RETRIAL.value, "Voluntary bill or retrial (112 days)"),
]
_CASE_STAFF_ROLES = [RoleCode.PROSECUTOR, RoleCode.PARALEGAL, RoleCode.LEGAL_MANAGER, RoleCode.UNIT_HEAD]


def _people(unit_id: int | None) -> Any:
    return (
        User.objects.filter(unit=unit_id, is_active=True, roles__code__in=_CASE_STAFF_ROLES)
        .distinct()
        .order_by("last_name", "first_name")
    )


def _person_field(label: str, unit_id: int | None, *, empty: str, required: bool = False) -> forms.ModelChoiceField:
    field = forms.ModelChoiceField(queryset=_people(unit_id), required=required, label=label, empty_label=empty)
    field.label_from_instance = lambda user: str(user.display_name)  # type: ignore[method-assign,assignment]
    return field


class VersionForm(forms.Form):
    """Carries the record version the user saw (optimistic locking)."""

    version = forms.IntegerField(widget=forms.HiddenInput, min_value=1)


# --- custody clocks -----------------------------------------------------------------------------


class ClockOpenForm(forms.Form):
    charge = forms.ModelChoiceField(queryset=Charge.objects.none(), label="Charge", empty_label="Choose a charge")
    initial_regime = forms.ChoiceField(
        choices=REGIME_CHOICES, label="Custody time limit regime", widget=forms.RadioSelect
    )
    summary_trial_decided_on = GovukDateField(
        required=False,
        label="Summary trial decided on",
        hint="Either-way offences only: the limit is 56 days if this is within 56 days of first appearance. "
        + DATE_HINT,
    )

    def __init__(self, *args: Any, case: Case, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = cast(forms.ModelChoiceField, self.fields["charge"])
        field.queryset = (
            Charge.objects.filter(defendant__case=case, custody_clock__isnull=True)
            .select_related("defendant")
            .order_by("defendant__last_name", "id")
        )
        field.label_from_instance = lambda charge: f"{charge.defendant}: {charge.offence}"  # type: ignore[method-assign,assignment]


class ClockEventForm(forms.Form):
    kind = forms.ChoiceField(choices=ClockEventKind.choices, label="What happened", widget=forms.RadioSelect)
    occurred_on = GovukDateField(label="Date")
    new_expiry = GovukDateField(
        required=False, label="New expiry date", hint=f"Only for an extension: the date the court set. {DATE_HINT}"
    )
    note = forms.CharField(required=False, max_length=250, label="Note")


class DualCheckForm(forms.Form):
    confirmed_expiry = GovukDateField(
        label="Expiry date you worked out",
        hint="Work the date out yourself from the custody events, then enter it. It must match the computed date.",
    )


class CtlLogForm(forms.Form):
    entry_on = GovukDateField(label="Date of the check")
    hearing = forms.ChoiceField(required=False, label="Hearing (optional)")
    note = forms.CharField(widget=forms.Textarea(attrs={"rows": 4}), label="What was checked")

    def __init__(self, *args: Any, case: Case, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        choices = [("", "Not linked to a hearing")]
        for hearing in case.hearings.order_by("-starts_at"):
            when = clock.local(hearing.starts_at)
            choices.append((str(hearing.pk), f"{hearing.get_hearing_type_display()}, {when:%d %b %Y}"))
        cast(forms.ChoiceField, self.fields["hearing"]).choices = choices

    def hearing_id(self) -> int | None:
        value = self.cleaned_data.get("hearing")
        return int(value) if value else None


class ExtensionStartForm(forms.Form):
    hearing_on = GovukDateField(required=False, label="Date of the extension hearing")
    note = forms.CharField(required=False, widget=forms.Textarea(attrs={"rows": 3}), label="Note")


# --- deadlines ----------------------------------------------------------------------------------


class DeadlineMetForm(VersionForm):
    met_on = GovukDateField(label="Met on")


class DeadlineMissedForm(VersionForm):
    missed_reason = forms.ChoiceField(
        choices=MissedReason.choices, label="Why was it missed?", widget=forms.RadioSelect
    )
    missed_note = forms.CharField(required=False, max_length=300, label="Details", help_text="Required for Other.")


class DeadlineDirectForm(VersionForm):
    due_on = GovukDateField(label="Date the court directed")
    reason = forms.CharField(
        max_length=300, label="Direction", help_text="The hearing and order that set this date, e.g. PTPH 3 Mar 2026."
    )


class DirectionAddForm(forms.Form):
    title = forms.CharField(max_length=200, label="What the court directed")
    due_on = GovukDateField(label="Due date")
    owner = forms.ModelChoiceField(queryset=User.objects.none(), required=False, label="Owner")
    reason = forms.CharField(max_length=300, label="Hearing or order", help_text="Which hearing made the direction.")

    def __init__(self, *args: Any, case: Case, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["owner"] = _person_field("Owner", case.unit_id, empty="The allocated lawyer")


# --- tasks --------------------------------------------------------------------------------------


class TaskCreateForm(forms.Form):
    title = forms.CharField(max_length=200, label="Task")
    detail = forms.CharField(required=False, widget=forms.Textarea(attrs={"rows": 3}), label="Details")
    assignee = forms.ModelChoiceField(queryset=User.objects.none(), required=False)
    team = forms.ModelChoiceField(
        queryset=Team.objects.none(), required=False, label="Or a team", empty_label="No team"
    )
    due_on = GovukDateField(label="Due date")
    reminder_on = GovukDateField(required=False, label="Reminder date")
    escalate_on = GovukDateField(
        required=False,
        label="Escalation date",
        hint="If the task is still open after this date, the case's legal manager is told.",
    )

    def __init__(self, *args: Any, unit_id: int | None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["assignee"] = _person_field("Assign to", unit_id, empty="Nobody (assign to a team)")
        cast(forms.ModelChoiceField, self.fields["team"]).queryset = Team.objects.filter(unit=unit_id)

    def service_values(self) -> dict[str, Any]:
        data = self.cleaned_data
        return {
            "title": data["title"],
            "detail": data["detail"],
            "due_on": data["due_on"],
            "reminder_on": data["reminder_on"],
            "escalate_on": data["escalate_on"],
            "assignee_id": data["assignee"].pk if data["assignee"] else None,
            "team_id": data["team"].pk if data["team"] else None,
        }


TASK_WINDOWS = [("all", "All open"), ("overdue", "Overdue"), ("week", "Due in the next 7 days")]
TASK_SORTS = [("due", "Due date (soonest first)"), ("-due", "Due date (latest first)"), ("case", "Case")]


class TaskFilterForm(forms.Form):
    show = forms.ChoiceField(choices=TASK_WINDOWS, required=False, label="Show")
    sort = forms.ChoiceField(choices=TASK_SORTS, required=False, label="Sort by")


# --- the unit board -----------------------------------------------------------------------------


class BoardFilterForm(forms.Form):
    unit = forms.ModelChoiceField(queryset=Unit.objects.all(), required=False, empty_label="Choose a unit")
    lawyer = forms.ModelChoiceField(queryset=User.objects.none(), required=False, label="Allocated lawyer")

    def __init__(self, *args: Any, unit_id: int | None, choose_unit: bool, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if not choose_unit:
            del self.fields["unit"]
        self.fields["lawyer"] = _person_field("Allocated lawyer", unit_id, empty="Everyone")
