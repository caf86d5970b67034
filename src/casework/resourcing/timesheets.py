"""Bulk entry of recorded time from a timesheet CSV (username, case URN, activity, week starting, hours).

Every row is checked before anything is written; one bad row and nothing is written, and the
report names every bad row. Rows are keyed on (person, case, activity, week): importing the same
file again changes nothing, and a changed number of hours is an audited alteration."""

from __future__ import annotations

import csv
import datetime as dt
import io
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import Any

from django.db import transaction

from casework.cases.models import Case
from casework.core.errors import ValidationFailed
from casework.core.words import plural
from casework.people.models import User
from casework.resourcing import services
from casework.resourcing.models import Activity, RemRecord, TimeEntry

COLUMNS = ("username", "case_urn", "activity", "week_starting", "hours")
MAX_ROWS = 5000
MAX_BYTES = 1_000_000
MAX_HOURS = Decimal("80")


@dataclass(frozen=True)
class TimesheetRow:
    line: int
    person: User
    case: Case
    activity: str
    week_starting: dt.date
    hours: Decimal


@dataclass
class TimesheetResult:
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    rows: int = 0


@dataclass
class _Lookups:
    people: dict[str, User]
    cases: dict[str, Case]
    with_record: set[int]
    errors: list[str] = field(default_factory=list)


def _header_key(name: str) -> str:
    return "_".join(name.strip().lower().replace("-", " ").split())


_ACTIVITIES = {code: code for code in Activity.values} | {str(label).lower(): code for code, label in Activity.choices}


# Shared with the bulk import (casework.imports), so both accept exactly the same time records.
def activity_code(text: str) -> str | None:
    """The activity's stored code from its code or label, in any case; None if unknown."""
    return _ACTIVITIES.get(text.strip().lower())


def hours_problem(hours: Decimal) -> str | None:
    """Why these weekly hours cannot be recorded, or None."""
    if not hours.is_finite() or not Decimal("0") <= hours <= MAX_HOURS or hours != round(hours, 2):
        return "hours must be between 0 and 80 with at most 2 decimal places"
    return None


def monday_of(day: dt.date) -> dt.date:
    """Time is recorded against the Monday of its week, as on the case page."""
    return day - dt.timedelta(days=day.weekday())


def read_rows(content: bytes) -> list[tuple[int, dict[str, str]]]:
    """The data rows with their line numbers; ValidationFailed if the file itself is unreadable."""
    if len(content) > MAX_BYTES:
        raise ValidationFailed("The file is larger than 1 MB: split it.", field_errors={"file": ["Too large."]})
    try:
        text = content.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        raise ValidationFailed("Save the timesheet as CSV (UTF-8).", field_errors={"file": ["Not UTF-8."]}) from error
    reader = csv.reader(io.StringIO(text))
    header = next(reader, None)
    if header is None or tuple(_header_key(h) for h in header) != COLUMNS:
        expected = ", ".join(COLUMNS)
        raise ValidationFailed(
            f"The first line must name the columns: {expected}.", field_errors={"file": [f"Columns: {expected}."]}
        )
    rows: list[tuple[int, dict[str, str]]] = []
    for cells in reader:
        if not any(cell.strip() for cell in cells):
            continue
        if len(rows) >= MAX_ROWS:
            raise ValidationFailed(f"At most {MAX_ROWS} rows at a time.", field_errors={"file": ["Too many rows."]})
        # "_n" keeps the number of cells, so a short or long row is reported rather than padded.
        row = dict(zip(COLUMNS, (c.strip() for c in cells), strict=False)) | {"_n": str(len(cells))}
        rows.append((reader.line_num, row))
    if not rows:
        raise ValidationFailed("The file has no rows.", field_errors={"file": ["No rows."]})
    return rows


def _lookups(actor: Any, unit: Any, raw: list[tuple[int, dict[str, str]]]) -> _Lookups:
    """Bulk reads for every row at once: the unit's people, and its cases the actor may change."""
    usernames = {r.get("username", "") for _, r in raw}
    urns = {r.get("case_urn", "") for _, r in raw}
    people = {u.username: u for u in User.objects.filter(unit_id=unit.pk, is_active=True, username__in=usernames)}
    cases = {c.urn: c for c in Case.objects.editable_by(actor).filter(unit_id=unit.pk, urn__in=urns)}
    with_record = set(RemRecord.objects.filter(case__in=cases.values()).values_list("case_id", flat=True))
    return _Lookups(people, cases, with_record)


def _parse_row(line: int, raw: dict[str, str], found: _Lookups) -> TimesheetRow | None:
    """One row checked against the bulk lookups; its problems are added to found.errors."""
    problems = []
    if raw["_n"] != str(len(COLUMNS)):
        found.errors.append(f"Line {line}: expected {len(COLUMNS)} columns, found {raw['_n']}.")
        return None
    person = found.people.get(raw["username"])
    if person is None:
        problems.append(f"no active person {raw['username']!r} in this unit")
    case = found.cases.get(raw["case_urn"])
    if case is None:
        problems.append(f"no case {raw['case_urn']!r} in this unit that you can change")
    elif case.pk not in found.with_record:
        problems.append(f"case {case.urn} has no REM record yet")
    activity = activity_code(raw["activity"])
    if activity is None:
        problems.append(f"unknown activity {raw['activity']!r}")
    week: dt.date | None = None
    try:
        week = dt.date.fromisoformat(raw["week_starting"])
    except ValueError:
        problems.append(f"week starting {raw['week_starting']!r} is not a date (YYYY-MM-DD)")
    hours: Decimal | None = None
    try:
        hours = Decimal(raw["hours"])
    except InvalidOperation:
        problems.append(f"hours {raw['hours']!r} is not a number")
    if hours is not None and (hours_issue := hours_problem(hours)):
        problems.append(hours_issue)
    if problems:
        found.errors.append(f"Line {line}: " + "; ".join(problems) + ".")
        return None
    assert person and case and activity and week and hours is not None
    return TimesheetRow(line, person, case, activity, monday_of(week), hours)


def validate(*, actor: Any, unit: Any, content: bytes) -> list[TimesheetRow]:
    """Check every row; ValidationFailed lists every problem (field "file") if any row is wrong."""
    services.require_unit_manager(actor=actor, unit=unit)
    raw = read_rows(content)
    found = _lookups(actor, unit, raw)
    rows: list[TimesheetRow] = []
    seen: dict[tuple[int, int, str, dt.date], int] = {}
    for line, cells in raw:
        row = _parse_row(line, cells, found)
        if row is None:
            continue
        key = (row.person.pk, row.case.pk, row.activity, row.week_starting)
        if key in seen:
            found.errors.append(f"Line {line}: repeats line {seen[key]} (same person, case, activity and week).")
            continue
        seen[key] = line
        rows.append(row)
    if found.errors:
        raise ValidationFailed(
            f"{plural(len(found.errors), 'problem')} in the timesheet: nothing was recorded.",
            field_errors={"file": found.errors},
        )
    return rows


@transaction.atomic
def timesheet_import(*, actor: Any, unit: Any, content: bytes) -> TimesheetResult:
    """Validate the whole file, then record each new or changed row through time_entry_record
    (which audits it); rows whose hours are already recorded are left alone."""
    rows = validate(actor=actor, unit=unit, content=content)
    existing = {
        (e.person_id, e.record.case_id, e.activity, e.week_starting): e.hours
        for e in TimeEntry.objects.filter(record__case__in={r.case.pk for r in rows}).select_related("record")
    }
    result = TimesheetResult(rows=len(rows))
    for row in rows:
        before = existing.get((row.person.pk, row.case.pk, row.activity, row.week_starting))
        if before is not None and before == row.hours:
            result.unchanged += 1
            continue
        services.time_entry_record(
            actor=actor,
            case=row.case,
            week_starting=row.week_starting,
            activity=row.activity,
            hours=row.hours,
            person=row.person,
        )
        if before is None:
            result.created += 1
        else:
            result.updated += 1
    return result
