"""Importing time records: the timesheet's rules, natural key (person, case, week, activity)."""

from __future__ import annotations

import datetime as dt
import json
from decimal import Decimal

import pytest

from casework.audit.models import AuditEvent
from casework.core.errors import PermissionDenied, ValidationFailed
from casework.imports.mapping import load_mapping
from casework.imports.models import RunStatus
from casework.imports.services import import_run
from casework.resourcing import services as resourcing
from casework.resourcing.models import TimeEntry
from tests.imports.conftest import csv_bytes, time_files


@pytest.fixture
def time_mapping():
    return load_mapping(kind="time")


@pytest.fixture
def recorded_case(personas, case_a):
    resourcing.rem_record_save(actor=personas.manager_a, case=case_a, expected_version=None, victims=1)
    return case_a


def run(personas, mapping, files, actor="admin"):
    return import_run(actor=getattr(personas, actor), files=files, mapping=mapping, unit=personas.unit_a)


def rows(case):
    return [
        ["prosecutor.a", case.urn, "2025-03-05", "Case review", "7.5"],  # a Wednesday: recorded against Monday
        ["paralegal.a", case.urn, "10/03/2025", "disclosure", "12"],
    ]


def test_time_records_are_created_and_rerun_is_idempotent(personas, time_mapping, recorded_case):
    before = AuditEvent.objects.count()
    result = run(personas, time_mapping, time_files(rows(recorded_case)))
    assert result.status == RunStatus.COMPLETED and result.created_count == 2
    entry = TimeEntry.objects.get(person=personas.prosecutor_a)
    assert entry.week_starting == dt.date(2025, 3, 3) and entry.activity == "review" and entry.hours == Decimal("7.5")
    events = AuditEvent.objects.filter(seq__gt=before)
    assert {e.action for e in events} == {"collect"} and {e.case_id for e in events} == {recorded_case.pk}

    again = run(personas, time_mapping, time_files(rows(recorded_case)))
    assert (again.created_count, again.altered_count, again.unchanged_count) == (0, 0, 2)
    assert TimeEntry.objects.count() == 2

    changed = rows(recorded_case)
    changed[0][4] = "9"
    mark = AuditEvent.objects.count()
    third = run(personas, time_mapping, time_files(changed), actor="manager_a")
    assert (third.created_count, third.altered_count) == (0, 1)
    event = AuditEvent.objects.get(seq=mark + 1)
    assert event.action == "alter" and json.loads(event.changes)["hours"] == ["7.50", "9"]
    assert TimeEntry.objects.get(person=personas.prosecutor_a).hours == Decimal("9")
    assert AuditEvent.objects.count() == mark + 1


def test_every_bad_time_row_is_reported(personas, time_mapping, recorded_case, case_b):
    bad = [
        ["nobody", recorded_case.urn, "2025-03-03", "review", "1"],
        ["prosecutor.a", case_b.urn, "2025-03-03", "review", "1"],
        ["prosecutor.a", recorded_case.urn, "31/02/2025", "juggling", "81"],
        ["prosecutor.a", recorded_case.urn, "2025-03-03", "review", "1"],
        ["prosecutor.a", recorded_case.urn, "2025-03-04", "Case review", "2"],
    ]
    result = run(personas, time_mapping, time_files(bad))
    assert result.status == RunStatus.REJECTED
    found = [(p.row, p.column, p.value, p.reason) for p in result.problems.all()]
    assert (2, "Staff number", "nobody", "No active person with this staff number in the unit.") in found
    assert (3, "URN", case_b.urn, "No case with this URN in the unit.") in found
    assert (4, "Activity", "juggling", "Unknown activity.") in found
    assert (4, "Week starting", "31/02/2025", "Not a date: use YYYY-MM-DD or DD/MM/YYYY.") in found
    assert (4, "Hours", "81", "Hours must be between 0 and 80 with at most 2 decimal places.") in found
    assert (6, "Week starting", "2025-03-03", "Repeats row 5 (same person, case, week and activity).") in found
    assert not TimeEntry.objects.exists()


def test_case_without_rem_record_is_reported(personas, time_mapping, case_a):
    result = run(personas, time_mapping, time_files(rows(case_a)[:1]))
    assert [p.reason for p in result.problems.all()] == [
        "The case has no REM record yet: create it on the case's resourcing page."
    ]


@pytest.mark.parametrize("persona", ["prosecutor_a", "paralegal_a", "prosecutor_b", "hq", "inspector", "police_x"])
def test_only_administrators_and_unit_managers_import_time(personas, time_mapping, recorded_case, persona):
    with pytest.raises(PermissionDenied):
        run(personas, time_mapping, time_files(rows(recorded_case)), actor=persona)
    assert not TimeEntry.objects.exists()


def test_time_import_needs_a_unit_and_good_files(personas, time_mapping, recorded_case):
    with pytest.raises(ValidationFailed, match="Choose the unit"):
        import_run(actor=personas.admin, files=time_files(rows(recorded_case)), mapping=time_mapping, unit=None)
    with pytest.raises(ValidationFailed, match=r"missing the column.*Hours"):
        run(personas, time_mapping, [("time.csv", csv_bytes(["Staff number", "URN", "Week starting", "Activity"], []))])
    with pytest.raises(ValidationFailed, match="not UTF-8"):
        run(personas, time_mapping, [("time.csv", "Staff number\nJosé\n".encode("latin-1"))])
    formula = rows(recorded_case)[:1]
    formula[0][4] = "=2*4"
    result = run(personas, time_mapping, time_files(formula))
    assert ("Hours", "Formulas are not accepted: enter the value itself.") in {
        (p.column, p.reason) for p in result.problems.all()
    }
    assert not TimeEntry.objects.exists()
