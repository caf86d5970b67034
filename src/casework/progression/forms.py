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
from casework.progression.choices import ClockEventKind, MissedReason, NoticeEvent

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
    prior_custody_days = forms.IntegerField(
        required=False,
        min_value=0,
        max_value=400,
        label="Days already in the magistrates' court's custody",
        help_text="Crown Court clocks only, when the magistrates' court custody is not recorded on this case. "
        "Leave empty for none.",
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
        # A team's label names its unit: read with it, not once per team.
        team_field = cast(forms.ModelChoiceField, self.fields["team"])
        team_field.queryset = Team.objects.filter(unit=unit_id).select_related("unit")

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


class NoticeFilterForm(GovukForm):
    """The notices page's filters (MoJ filter pattern: options within a group OR, groups AND)."""

    unread = forms.BooleanField(required=False, label="Unread only")
    event = forms.MultipleChoiceField(
        choices=NoticeEvent.choices, required=False, widget=forms.CheckboxSelectMultiple, label="What about"
    )
    q = forms.CharField(
        required=False, max_length=40, label="URN", help_text="The whole URN or its start, for example 42AB"
    )

    def clean_q(self) -> str:
        return str(self.cleaned_data.get("q") or "").strip().upper()


# --- the CTL calculator (not tied to a case) ---------------------------------------------------

EVENT_ROWS = 5
CALCULATOR_EVENT_CHOICES = [
    ("", "No event"),
    ("bailed", "Bailed"),
    ("remanded", "Remanded in custody again"),
    ("sent", "Sent to the Crown Court"),
    ("extended", "Limit extended by the court"),
    ("retrial", "Retrial ordered or voluntary bill"),
    ("plea", "Guilty plea"),
    ("trial", "Trial started"),
]


class CtlCalculatorForm(GovukForm):
    """The whole custody history of one defendant on one charge, typed in by hand."""

    regime = forms.ChoiceField(choices=REGIME_CHOICES, label="Custody time limit regime", widget=forms.RadioSelect)
    start = GovukDateField(
        label="Start date",
        hint="The first remand in custody. For a case sent to the Crown Court in custody, the sending; for a retrial "
        "or voluntary bill, the order or the bill. " + DATE_HINT,
    )
    summary_trial_decided_on = GovukDateField(
        required=False, label="Summary trial decided on (either-way offences only)", hint=DATE_HINT
    )
    prior_custody_days = forms.IntegerField(
        required=False,
        min_value=0,
        max_value=400,
        label="Days in the magistrates' court's custody before the sending (Crown Court only)",
    )
    first_custody = GovukDateField(
        required=False,
        label="Date first in custody for the offence",
        hint="Needed for the temporary coronavirus limits (first custody 28 September 2020 to 27 June 2021). "
        + DATE_HINT,
    )
    born = GovukDateField(required=False, label="Defendant's date of birth", hint=DATE_HINT)
    today = GovukDateField(required=False, label="Work it out as on", hint="Leave empty for today. " + DATE_HINT)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for row in range(1, EVENT_ROWS + 1):
            self.fields[f"event_{row}_kind"] = forms.ChoiceField(
                choices=CALCULATOR_EVENT_CHOICES, required=False, label=f"Event {row}: what happened"
            )
            self.fields[f"event_{row}_on"] = GovukDateField(
                required=False,
                label=f"Event {row}: date",
                hint="For an extension, the day the court granted it. Dates after today are what-ifs. " + DATE_HINT,
            )
            self.fields[f"event_{row}_new_expiry"] = GovukDateField(
                required=False, label=f"Event {row}: new expiry the court set (extensions only)", hint=DATE_HINT
            )

    def event_rows(self) -> list[list[Any]]:
        """The bound fields of each event row, for the template."""
        return [
            [self[f"event_{row}_kind"], self[f"event_{row}_on"], self[f"event_{row}_new_expiry"]]
            for row in range(1, EVENT_ROWS + 1)
        ]

    def main_fields(self) -> list[Any]:
        return [self[name] for name in self.fields if not name.startswith("event_")]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        for row in range(1, EVENT_ROWS + 1):
            kind, on = data.get(f"event_{row}_kind"), data.get(f"event_{row}_on")
            new_expiry = data.get(f"event_{row}_new_expiry")
            if kind and on is None and f"event_{row}_on" not in self.errors:
                self.add_error(f"event_{row}_on", f"Enter the date of event {row}")
            if on is not None and not kind:
                self.add_error(f"event_{row}_kind", f"Choose what happened on event {row}'s date")
            if kind == "extended" and new_expiry is None and f"event_{row}_new_expiry" not in self.errors:
                self.add_error(f"event_{row}_new_expiry", f"Enter the new expiry the court set for event {row}")
            if new_expiry is not None and kind != "extended":
                self.add_error(f"event_{row}_new_expiry", "A new expiry is only entered for an extension")
        return data

    def events_text(self) -> list[str]:
        """The events in the calculator's own notation (kind:date or extended:granted:new)."""
        data = self.cleaned_data
        texts = []
        for row in range(1, EVENT_ROWS + 1):
            kind, on = data.get(f"event_{row}_kind"), data.get(f"event_{row}_on")
            if not kind or on is None:
                continue
            text = f"{kind}:{on.isoformat()}"
            if kind == "extended":
                text += f":{data[f'event_{row}_new_expiry'].isoformat()}"
            texts.append(text)
        return texts


class ReckonerForm(GovukForm):
    year = forms.IntegerField(
        min_value=1992,
        max_value=2099,
        label="Year",
        error_messages={
            "required": "Enter the year",
            "invalid": "Year must be a number, like 2027",
            "min_value": "Year must be 1992 or later",
            "max_value": "Year must be 2099 or earlier",
        },
    )
    file_format = forms.ChoiceField(
        choices=[("csv", "CSV"), ("xlsx", "Excel (XLSX)")], label="Format", widget=forms.RadioSelect, initial="csv"
    )
