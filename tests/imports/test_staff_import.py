"""Importing staff: validation report, upsert on staff number, audited alterations, no passwords."""

from __future__ import annotations

import json
from decimal import Decimal

import pytest

from casework.audit.models import AuditEvent
from casework.core.errors import PermissionDenied, ValidationFailed
from casework.imports.mapping import load_mapping
from casework.imports.models import RunStatus
from casework.imports.services import import_run
from casework.people.models import RoleGrant, User
from tests.imports.conftest import STAFF_HEADINGS, csv_bytes, staff_files, staff_rows


@pytest.fixture
def staff_mapping():
    return load_mapping(kind="staff")


def run(personas, mapping, files, unit=None, actor="admin"):
    return import_run(actor=getattr(personas, actor), files=files, mapping=mapping, unit=unit)


def problems(result):
    assert result.status == RunStatus.REJECTED
    return [(p.sheet, p.row, p.column, p.value, p.reason) for p in result.problems.all()]


def test_new_staff_are_created_with_unusable_passwords_and_collect_events(personas, staff_mapping):
    before = AuditEvent.objects.count()
    result = run(personas, staff_mapping, staff_files())
    assert result.status == RunStatus.COMPLETED and result.created_count == 2
    priya, jo = User.objects.get(username="S1002"), User.objects.get(username="S1001")
    assert not priya.has_usable_password() and not jo.has_usable_password()
    assert priya.unit == personas.unit_a and priya.grade.code == "crown-prosecutor"
    assert priya.fte == Decimal("0.80") and priya.contracted_hours == Decimal("29.60")
    assert priya.working_pattern == "part_time" and priya.line_manager == jo
    assert priya.role_codes == {"prosecutor"} and jo.role_codes == {"prosecutor"}
    # A manager's role widens access to the unit's cases: it waits for a second administrator.
    assert [(g.role.code, g.status) for g in RoleGrant.objects.filter(user=jo)] == [("legal_manager", "pending")]
    assert set(priya.specialisms.values_list("code", flat=True)) == {"fraud", "poca"}
    assert not priya.is_staff and not priya.is_superuser and priya.is_active
    events = list(AuditEvent.objects.filter(seq__gt=before).order_by("seq"))
    # The manager is written first, so her report can point at her.
    assert [(e.action, e.subject_label) for e in events] == [
        ("permission_change", "S1001"),
        ("collect", "S1001"),
        ("collect", "S1002"),
    ]
    changes = json.loads(events[2].changes)
    assert changes["roles"] == [None, "prosecutor"] and "password" not in changes
    assert events[2].actor_id == personas.admin.pk


def test_rerun_is_idempotent_and_changes_are_audited(personas, staff_mapping):
    run(personas, staff_mapping, staff_files())
    before = AuditEvent.objects.count()
    again = run(personas, staff_mapping, staff_files())
    assert (again.created_count, again.altered_count, again.unchanged_count) == (0, 0, 2)
    assert AuditEvent.objects.count() == before and User.objects.filter(username__startswith="S10").count() == 2

    rows = staff_rows()
    rows[0][2] = "Shah-Jones"  # a personal detail: alter
    rows[0][6] = "prosecutor; paralegal"  # access: permission change
    third = run(personas, staff_mapping, staff_files(rows))
    assert (third.created_count, third.altered_count, third.unchanged_count) == (0, 1, 1)
    events = {e.action: json.loads(e.changes) for e in AuditEvent.objects.filter(seq__gt=before)}
    assert events == {
        "permission_change": {"roles": ["prosecutor", "paralegal, prosecutor"]},
        "alter": {"last_name": ["Shah", "Shah-Jones"]},
    }
    priya = User.objects.get(username="S1002")
    assert priya.last_name == "Shah-Jones" and priya.role_codes == {"paralegal", "prosecutor"}


def test_an_existing_persons_password_and_flags_are_left_alone(personas, staff_mapping):
    rows = [["prosecutor.a", "Pat", "Renamed", "", "ccu-wessex", "", "", "", "", "", "manager.a", ""]]
    password = personas.prosecutor_a.password
    result = run(personas, staff_mapping, staff_files(rows))
    assert result.altered_count == 1
    person = User.objects.get(username="prosecutor.a")
    assert person.password == password and person.last_name == "Renamed" and person.role_codes == {"prosecutor"}


def test_every_bad_row_is_reported_and_nothing_is_written(personas, staff_mapping):
    rows = staff_rows()
    rows[0][4] = "ccu-atlantis"
    rows[0][5] = "Chief Wizard"
    rows[0][6] = "prosecutor; astronaut"
    rows[1][7] = "1.5"
    rows[1][3] = "not-an-email"
    rows.append(["S1003", "Sam", "Lee", "", "ccu-wessex", "", "", "", "", "", "S9999", ""])
    rows.append(["S1003", "Sam", "Lee", "", "ccu-wessex", "", "", "", "", "", "", ""])
    rows.append(["S1004", "Ana", "Kay", "", "", "", "police_liaison", "", "", "", "", ""])
    before = (User.objects.count(), AuditEvent.objects.count())
    found = problems(run(personas, staff_mapping, staff_files(rows)))
    assert ("staff", 2, "Unit", "ccu-atlantis", "Unknown unit.") in found
    assert ("staff", 2, "Grade", "Chief Wizard", "Unknown grade.") in found
    assert any(p[1:4] == (2, "Roles", "astronaut") and p[4].startswith("Unknown role") for p in found)
    assert any(p[1:4] == (3, "FTE", "1.5") for p in found)
    assert ("staff", 3, "Email", "not-an-email", "Not an email address.") in found
    assert ("staff", 5, "Staff number", "S1003", "This staff number appears twice in the file.") in found
    assert (
        "staff",
        4,
        "Line manager staff number",
        "S9999",
        "No one with this staff number in the file or the system.",
    ) in found
    assert any(p[1:4] == (6, "Roles", "police_liaison") and "police force or Area" in p[4] for p in found)
    assert (User.objects.count(), AuditEvent.objects.count()) == before


def test_line_manager_loop_is_refused(personas, staff_mapping):
    rows = [
        ["S1", "A", "One", "", "ccu-wessex", "", "", "", "", "", "S2", ""],
        ["S2", "B", "Two", "", "ccu-wessex", "", "", "", "", "", "S1", ""],
    ]
    found = problems(run(personas, staff_mapping, staff_files(rows)))
    assert [p[4] for p in found] == ["Line managers in the file form a loop."]
    assert not User.objects.filter(username__in=["S1", "S2"]).exists()


def test_unit_option_fills_blank_units_and_refuses_others(personas, staff_mapping):
    rows = [
        ["S1", "A", "One", "", "", "", "", "", "", "", "", ""],
        ["S2", "B", "Two", "", "ccu-north-east", "", "", "", "", "", "", ""],
    ]
    found = problems(run(personas, staff_mapping, staff_files(rows), unit=personas.unit_a))
    assert found == [("staff", 3, "Unit", "ccu-north-east", "This import is for Wessex CCU only.")]
    result = run(personas, staff_mapping, staff_files(rows[:1]), unit=personas.unit_a)
    assert result.status == RunStatus.COMPLETED and User.objects.get(username="S1").unit == personas.unit_a


@pytest.mark.parametrize("persona", ["manager_a", "unithead_a", "prosecutor_a", "hq", "inspector", "police_x"])
def test_only_administrators_import_staff(personas, staff_mapping, persona):
    with pytest.raises(PermissionDenied):
        run(personas, staff_mapping, staff_files(), unit=personas.unit_a, actor=persona)
    assert not User.objects.filter(username__startswith="S10").exists()


def test_bad_staff_files_change_nothing(personas, staff_mapping):
    count = User.objects.count()
    with pytest.raises(ValidationFailed, match="not UTF-8"):
        run(
            personas, staff_mapping, [("staff.csv", "Staff number,First names,Last name\nS1,José,X\n".encode("cp1252"))]
        )
    with pytest.raises(ValidationFailed, match=r"missing the column.*Staff number"):
        run(personas, staff_mapping, [("staff.csv", csv_bytes(["First names", "Last name"], [["A", "B"]]))])
    with pytest.raises(ValidationFailed, match="No staff sheet"):
        run(personas, staff_mapping, [])
    rows = staff_rows()
    rows[0][1] = '=HYPERLINK("http://x")'
    found = problems(run(personas, staff_mapping, staff_files(rows)))
    assert found == [("staff", 2, "First names", rows[0][1], "Formulas are not accepted: enter the value itself.")]
    wide = [["S1", "A", "B"] + ["x"] * 100]
    with pytest.raises(ValidationFailed, match="columns; at most"):
        run(personas, staff_mapping, [("staff.csv", csv_bytes(STAFF_HEADINGS, wide))])
    assert User.objects.count() == count
