"""Checking time records (staff number, case URN, week, activity, hours) before anything is written.

The rules are the timesheet upload's (casework.resourcing.timesheets): the same activities, the
same hours limits, weeks recorded against their Monday, the person active in the unit, the case in
the unit with a REM record. The natural key is (person, case, week, activity).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any

from casework.cases.models import Case
from casework.imports.mapping import Mapping
from casework.imports.readers import Source, Table
from casework.imports.validation import Checked, RowChecker, date_value, finish
from casework.people.models import Unit, User
from casework.resourcing import timesheets
from casework.resourcing.models import RemRecord

SECTION = "time"

TimeKey = tuple[int, int, dt.date, str]


@dataclass(frozen=True)
class TimeRow:
    person_id: int
    case_id: int
    record_id: int
    week_starting: dt.date
    activity: str
    hours: Decimal
    rows: int = 1

    @property
    def key(self) -> TimeKey:
        return (self.person_id, self.case_id, self.week_starting, self.activity)


class _TimeChecker(RowChecker):
    def __init__(self, source: Source, mapping: Mapping, unit: Unit) -> None:
        super().__init__(source, mapping)
        raw = list(self.rows(SECTION))
        numbers = {str(values.get("staff_number", "")).strip() for _, _, values in raw}
        urns = {str(values.get("case_urn", "")).strip().upper() for _, _, values in raw}
        self.raw = raw
        self.people = {
            u.username: u.pk for u in User.objects.filter(unit_id=unit.pk, is_active=True, username__in=numbers)
        }
        self.cases = {c.urn: c.pk for c in Case.objects.filter(unit_id=unit.pk, urn__in=urns)}
        self.records = dict(RemRecord.objects.filter(case_id__in=self.cases.values()).values_list("case_id", "pk"))

    def refuse(self, table: Table, number: int, name: str, value: Any, reason: str) -> None:
        self.problem(table, number, self.heading(SECTION, name), value, reason)

    def row(self, table: Table, number: int, values: dict[str, Any]) -> TimeRow | None:
        before = len(self.problems)
        staff_number = str(values.get("staff_number", "")).strip()
        person_id = self.people.get(staff_number)
        if person_id is None:
            self.refuse(
                table, number, "staff_number", staff_number, "No active person with this staff number in the unit."
            )
        urn = str(values.get("case_urn", "")).strip().upper()
        case_id = self.cases.get(urn)
        record_id = self.records.get(case_id or 0)
        if case_id is None:
            self.refuse(table, number, "case_urn", urn, "No case with this URN in the unit.")
        elif record_id is None:
            self.refuse(
                table,
                number,
                "case_urn",
                urn,
                "The case has no REM record yet: create it on the case's resourcing page.",
            )
        activity = timesheets.activity_code(str(values.get("activity", "")))
        if activity is None:
            self.refuse(table, number, "activity", values.get("activity"), "Unknown activity.")
        week = date_value(values.get("week_starting"))
        if not isinstance(week, dt.date):
            self.refuse(table, number, "week_starting", week, "Not a date: use YYYY-MM-DD or DD/MM/YYYY.")
        hours: Decimal | None = None
        try:
            hours = Decimal(str(values.get("hours", "")).strip())
        except InvalidOperation:
            self.refuse(table, number, "hours", values.get("hours"), "Not a number.")
        if hours is not None and (issue := timesheets.hours_problem(hours)):
            self.refuse(table, number, "hours", values.get("hours"), issue[0].upper() + issue[1:] + ".")
        if len(self.problems) > before:
            return None
        assert person_id and case_id and record_id and activity and isinstance(week, dt.date) and hours is not None
        return TimeRow(person_id, case_id, record_id, timesheets.monday_of(week), activity, hours)

    def check(self) -> list[TimeRow]:
        checked: dict[TimeKey, tuple[int, TimeRow]] = {}
        for table, number, values in self.raw:
            if (table.sheet, number) in self.bad_rows:
                continue
            row = self.row(table, number, values)
            if row is None:
                continue
            if row.key in checked:
                self.refuse(
                    table,
                    number,
                    "week_starting",
                    row.week_starting.isoformat(),
                    f"Repeats row {checked[row.key][0]} (same person, case, week and activity).",
                )
                continue
            checked[row.key] = (number, row)
        return [row for _, row in checked.values()]


def check(source: Source, mapping: Mapping, *, unit: Unit) -> Checked:
    checker = _TimeChecker(source, mapping, unit)
    return finish(checker, checker.check())
