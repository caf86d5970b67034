"""Forms for the resourcing pages: they parse input; the services decide."""

from __future__ import annotations

import datetime as dt
import json
from decimal import Decimal
from typing import Any

from django import forms
from django.utils.safestring import mark_safe

from casework.core.forms import GovukDateField
from casework.core.govuk_forms import NOTE_MAX, GovukForm
from casework.resourcing.models import Activity

COUNSEL_CHOICES = [("", "Not yet recorded"), ("yes", "Yes"), ("no", "No")]


class RemRecordForm(GovukForm):
    version = forms.IntegerField(required=False, widget=forms.HiddenInput)
    victims = forms.IntegerField(min_value=0, max_value=100_000)
    witnesses = forms.IntegerField(min_value=0, max_value=100_000)
    pages_of_evidence = forms.IntegerField(min_value=0, max_value=50_000_000, required=False)
    unused_material_pages = forms.IntegerField(min_value=0, max_value=50_000_000, required=False)
    international_element = forms.BooleanField(required=False)
    media_interest = forms.BooleanField(required=False)
    counsel_instructed = forms.ChoiceField(choices=COUNSEL_CHOICES, required=False)
    counsel_name = forms.CharField(max_length=200, required=False)
    estimated_hours = forms.CharField(
        required=False,
        widget=forms.Textarea(attrs={"rows": 4}),
        # Typed as codes, so the example is shown as code.
        help_text=mark_safe(
            'By stage and grade, as codes, for example <code>{"charged": {"senior-crown-prosecutor": 40}}</code>'
        ),
        max_length=NOTE_MAX,
    )

    def clean_estimated_hours(self) -> dict[str, Any]:
        text = (self.cleaned_data.get("estimated_hours") or "").strip()
        if not text:
            return {}
        try:
            value = json.loads(text)
        except json.JSONDecodeError as error:
            raise forms.ValidationError("Enter the estimate as stage: {grade: hours}.") from error
        if not isinstance(value, dict):
            raise forms.ValidationError("Enter the estimate as stage: {grade: hours}.")
        return value

    def service_values(self) -> dict[str, Any]:
        data = dict(self.cleaned_data)
        data.pop("version", None)
        data["counsel_instructed"] = {"yes": True, "no": False}.get(data["counsel_instructed"])
        return data


class TimeEntryForm(GovukForm):
    week_starting = GovukDateField(
        label="Week",
        hint="Any day in the week: the time is recorded against its Monday. For example, 27 3 2026",
        error_messages={"required": "Enter a day in the week the time was spent"},
    )
    activity = forms.ChoiceField(choices=Activity.choices, error_messages={"required": "Select the activity"})
    hours = forms.DecimalField(min_value=0, max_value=80, decimal_places=2, label="Hours")

    def clean_week_starting(self) -> dt.date:
        day: dt.date = self.cleaned_data["week_starting"]
        return day - dt.timedelta(days=day.weekday())


class AllocationForm(GovukForm):
    version = forms.IntegerField(widget=forms.HiddenInput)
    lead_id = forms.TypedChoiceField(
        coerce=int, label="Prosecutor", error_messages={"required": "Select the prosecutor to lead the case"}
    )
    deputy_id = forms.TypedChoiceField(coerce=int, required=False, empty_value=None, label="Deputy prosecutor")
    reason = forms.CharField(
        max_length=500,
        widget=forms.Textarea(attrs={"rows": 3}),
        label="Reason for the decision",
        error_messages={"required": "Enter the reason for the decision"},
    )

    def __init__(self, *args: Any, people: list[tuple[int, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["lead_id"].choices = people  # type: ignore[attr-defined]
        self.fields["deputy_id"].choices = [("", "No deputy"), *people]  # type: ignore[attr-defined]


STAFF_ROWS = 3


class ScenarioForm(GovukForm):
    """A what-if scenario: up to three staff changes by grade, a referral change and moves."""

    name = forms.CharField(max_length=120, error_messages={"required": "Enter a name for the scenario"})
    unit = forms.ChoiceField(choices=(), error_messages={"required": "Select the unit"})
    referral_change_percent = forms.DecimalField(
        label="Change in referral volume (%)", required=False, max_digits=5, decimal_places=1,
        help_text="For example 10 for ten per cent more referrals, -15 for fewer.",
    )  # fmt: skip
    moves = forms.CharField(
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        label="Move cases or forces",
        help_text=mark_safe(
            "One per line: a police force code or a case URN, then the code of the unit it moves to, for example "
            "<code>devon-and-cornwall ccu-wessex</code>"
        ),
        max_length=NOTE_MAX,
    )

    fill_vacancies = forms.BooleanField(
        label="Fill the unit's open vacancies", required=False,
        help_text="Each open vacancy is added as staff of its grade and FTE.",
    )  # fmt: skip

    def __init__(self, *args: Any, units: list[tuple[int, str]], grades: list[tuple[str, str]], **kwargs: Any):
        super().__init__(*args, **kwargs)
        unit_field = self.fields["unit"]
        assert isinstance(unit_field, forms.ChoiceField)
        unit_field.choices = units
        for i in range(1, STAFF_ROWS + 1):
            self.fields[f"grade_{i}"] = forms.ChoiceField(
                label=f"Staff change {i}: grade", choices=[("", "No change"), *grades], required=False
            )
            self.fields[f"fte_{i}"] = forms.DecimalField(
                label=f"Staff change {i}: FTE to add (negative to remove)",
                required=False, max_digits=5, decimal_places=2,
            )  # fmt: skip

    def clean_moves(self) -> list[dict[str, str]]:
        moves = []
        for number, line in enumerate((self.cleaned_data.get("moves") or "").splitlines(), start=1):
            parts = line.split()
            if not parts:
                continue
            if len(parts) != 2:
                raise forms.ValidationError(f"Line {number}: give a force code or URN and a unit code.")
            ref, unit = parts
            # URNs are digits and capitals; force codes are lower-case slugs.
            kind = "case" if any(ch.isdigit() for ch in ref) and ref.upper() == ref else "force"
            moves.append({"kind": kind, "ref": ref, "to_unit": unit})
        return moves

    def changes(self) -> dict[str, Any]:
        data = self.cleaned_data
        staff = [
            {"grade": data[f"grade_{i}"], "fte": str(data[f"fte_{i}"])}
            for i in range(1, STAFF_ROWS + 1)
            if data.get(f"grade_{i}") and data.get(f"fte_{i}") is not None
        ]
        return {
            "staff": staff,
            "referral_change_percent": str(data.get("referral_change_percent") or 0),
            "moves": data.get("moves") or [],
            "fill_vacancies": bool(data.get("fill_vacancies")),
        }


class VacancyForm(GovukForm):
    grade = forms.ChoiceField(choices=(), error_messages={"required": "Select the grade of the post"})
    fte = forms.DecimalField(
        label="Full-time equivalent (FTE) of the post",
        min_value=Decimal("0.01"),
        max_value=1,
        decimal_places=2,
        help_text="1 for a full-time post, 0.5 for half-time.",
        error_messages={"required": "Enter the full-time equivalent of the post"},
    )
    since = GovukDateField(label="Vacant since", error_messages={"required": "Enter the date the post became vacant"})
    reason = forms.CharField(
        max_length=300,
        help_text="For example: retirement, promotion, new post not yet filled.",
        widget=forms.Textarea(attrs={"rows": 2}),
        error_messages={"required": "Enter why the post is vacant"},
    )

    def __init__(self, *args: Any, grades: list[tuple[str, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        grade_field = self.fields["grade"]
        assert isinstance(grade_field, forms.ChoiceField)
        grade_field.choices = [("", "Choose a grade"), *grades]


class VacancyFillForm(GovukForm):
    vacancy = forms.IntegerField(widget=forms.HiddenInput)
    filled_on = GovukDateField(label="Date filled", error_messages={"required": "Enter the date the post was filled"})


class TimesheetForm(GovukForm):
    file = forms.FileField(
        label="Timesheet file (CSV)",
        error_messages={"required": "Select a CSV timesheet file"},
        help_text=mark_safe(
            "Columns: <code>username, case_urn, activity, week_starting, hours</code>, with the week as "
            "<code>2026-03-27</code>. Every row is checked first; if any row is wrong nothing is recorded."
        ),
    )


class RollupFilterForm(GovukForm):
    """Filters and sort order of the capacity-by-grade roll-up (read from the query string)."""

    area = forms.ChoiceField(label="Area", required=False)
    grade = forms.ChoiceField(label="Grade", required=False)
    sort = forms.ChoiceField(label="Sort by", required=False)

    def __init__(
        self, data: Any, *, areas: list[tuple[str, str]], grades: list[tuple[str, str]], sorts: dict[str, str]
    ) -> None:
        super().__init__(data)
        choices = {"area": [("", "All Areas you can see"), *areas], "grade": [("", "All grades"), *grades]}
        choices["sort"] = list(sorts.items())
        for name, options in choices.items():
            field = self.fields[name]
            assert isinstance(field, forms.ChoiceField)
            field.choices = options

    def choice(self, name: str, default: str = "") -> str:
        """The chosen value, or the default when nothing (or nothing valid) was chosen."""
        if not self.is_bound:
            return default
        self.is_valid()  # fills cleaned_data with the fields that are valid
        return str(self.cleaned_data.get(name) or default)
