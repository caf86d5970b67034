"""Forms for the progression pages. They parse and check input; services decide and write."""

from __future__ import annotations

from typing import Any, cast

from django import forms

from casework.cases.models import Case, Charge
from casework.core import clock
from casework.core.dates import govuk_date
from casework.core.forms import DATE_HINT, GovukDateField
from casework.core.govuk_forms import NOTE_MAX, GovukForm, Reveal
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


class VersionForm(GovukForm):
    """Carries the record version the user saw (optimistic locking)."""

    version = forms.IntegerField(widget=forms.HiddenInput, min_value=1)


# --- custody clocks -----------------------------------------------------------------------------


class ClockOpenForm(GovukForm):
    charge = forms.ModelChoiceField(
        queryset=Charge.objects.none(),
        label="Charge",
        empty_label="Choose a charge",
        error_messages={"required": "Select the charge the defendant is in custody on"},
    )
    initial_regime = forms.ChoiceField(
        choices=REGIME_CHOICES,
        label="Which custody time limit applies?",
        widget=forms.RadioSelect,
        error_messages={"required": "Select which custody time limit applies"},
    )
    summary_trial_decided_on = GovukDateField(
        required=False,
        label="Date the court decided on summary trial",
        hint="The limit is 56 days if this is within 56 days of the first hearing. " + DATE_HINT,
    )

    REVEALS = {"summary_trial_decided_on": Reveal("initial_regime", (rules.Regime.EITHER_WAY.value,))}

    def __init__(self, *args: Any, case: Case, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = cast(forms.ModelChoiceField, self.fields["charge"])
        field.queryset = (
            Charge.objects.filter(defendant__case=case, custody_clock__isnull=True)
            .select_related("defendant")
            .order_by("defendant__last_name", "id")
        )
        field.label_from_instance = lambda charge: f"{charge.defendant}: {charge.offence}"  # type: ignore[method-assign,assignment]


class ClockEventForm(GovukForm):
    kind = forms.ChoiceField(
        choices=ClockEventKind.choices,
        label="What happened",
        widget=forms.RadioSelect,
        error_messages={"required": "Select what happened"},
    )
    occurred_on = GovukDateField(label="Date it happened")
    new_expiry = GovukDateField(
        required=False,
        label="New expiry date the court set",
        hint=DATE_HINT,
        error_messages={"required": "Enter the new expiry date the court set"},
    )
    note = forms.CharField(required=False, max_length=250, label="Note", widget=forms.Textarea(attrs={"rows": 3}))

    REVEALS = {"new_expiry": Reveal("kind", (ClockEventKind.EXTENSION_GRANTED.value,))}


class DualCheckForm(GovukForm):
    confirmed_expiry = GovukDateField(
        label="Expiry date you worked out",
        hint="Work the date out yourself from the custody events, then enter it. It must match the computed date.",
        error_messages={"required": "Enter the expiry date you worked out"},
    )


class CtlLogForm(GovukForm):
    entry_on = GovukDateField(label="Date of the check", error_messages={"required": "Enter the date of the check"})
    hearing = forms.ChoiceField(required=False, label="Hearing (optional)")
    note = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 4}),
        label="What was checked",
        max_length=NOTE_MAX,
        error_messages={"required": "Enter what was checked"},
    )

    def __init__(self, *args: Any, case: Case, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        choices = [("", "Not linked to a hearing")]
        for hearing in case.hearings.order_by("-starts_at"):
            when = clock.local(hearing.starts_at)
            choices.append((str(hearing.pk), f"{hearing.get_hearing_type_display()}, {govuk_date(when.date())}"))
        cast(forms.ChoiceField, self.fields["hearing"]).choices = choices

    def hearing_id(self) -> int | None:
        value = self.cleaned_data.get("hearing")
        return int(value) if value else None


class ExtensionStartForm(GovukForm):
    hearing_on = GovukDateField(required=False, label="Date of the extension hearing")
    note = forms.CharField(required=False, widget=forms.Textarea(attrs={"rows": 3}), label="Note", max_length=NOTE_MAX)


# --- deadlines ----------------------------------------------------------------------------------


class DeadlineMetForm(VersionForm):
    met_on = GovukDateField(label="Date it was met", error_messages={"required": "Enter the date it was met"})


class DeadlineMissedForm(VersionForm):
    missed_reason = forms.ChoiceField(
        choices=MissedReason.choices,
        label="Why was it missed?",
        widget=forms.RadioSelect,
        error_messages={"required": "Select why it was missed"},
    )
    missed_note = forms.CharField(
        required=False,
        max_length=300,
        label="Why was it missed?",
        widget=forms.Textarea(attrs={"rows": 3}),
        error_messages={"required": "Enter why it was missed"},
    )

    REVEALS = {"missed_note": Reveal("missed_reason", (MissedReason.OTHER.value,))}


class DeadlineDirectForm(VersionForm):
    due_on = GovukDateField(label="Date the court directed")
    reason = forms.CharField(
        max_length=300,
        label="Direction",
        help_text="The hearing and order that set this date, for example PTPH on 3 March 2026.",
        widget=forms.Textarea(attrs={"rows": 3}),
        error_messages={"required": "Enter the hearing and order that set this date"},
    )


class DirectionAddForm(GovukForm):
    title = forms.CharField(max_length=200, label="What the court directed")
    due_on = GovukDateField(label="Due date", error_messages={"required": "Enter the date the direction is due"})
    owner = forms.ModelChoiceField(queryset=User.objects.none(), required=False, label="Owner")
    reason = forms.CharField(
        max_length=300,
        label="Hearing or order",
        help_text="Which hearing made the direction.",
        widget=forms.Textarea(attrs={"rows": 3}),
        error_messages={"required": "Enter the hearing or order that made the direction"},
    )

    def __init__(self, *args: Any, case: Case, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["owner"] = _person_field("Owner", case.unit_id, empty="The case's prosecutor")


# --- tasks --------------------------------------------------------------------------------------


class TaskCreateForm(GovukForm):
    title = forms.CharField(max_length=200, label="Task", error_messages={"required": "Enter the task"})
    detail = forms.CharField(
        required=False, widget=forms.Textarea(attrs={"rows": 3}), label="Details", max_length=NOTE_MAX
    )
    assignee = forms.ModelChoiceField(queryset=User.objects.none(), required=False)
    team = forms.ModelChoiceField(
        queryset=Team.objects.none(),
        required=False,
        label="Or a team",
        empty_label="No team",
        error_messages={"invalid_choice": "Select one of the teams offered"},
    )
    due_on = GovukDateField(label="Due date", error_messages={"required": "Enter the date the task is due"})
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


class TaskFilterForm(GovukForm):
    show = forms.ChoiceField(choices=TASK_WINDOWS, required=False, label="Show")
    sort = forms.ChoiceField(choices=TASK_SORTS, required=False, label="Sort by")


# --- the unit board -----------------------------------------------------------------------------


class BoardFilterForm(GovukForm):
    unit = forms.ModelChoiceField(queryset=Unit.objects.all(), required=False, empty_label="Choose a unit")
    lawyer = forms.ModelChoiceField(queryset=User.objects.none(), required=False, label="Prosecutor")

    def __init__(self, *args: Any, unit_id: int | None, choose_unit: bool, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if not choose_unit:
            del self.fields["unit"]
        self.fields["lawyer"] = _person_field("Prosecutor", unit_id, empty="Everyone")
