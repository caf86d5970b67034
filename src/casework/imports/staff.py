"""Checking a staff list before anything is written.

The staff number is the person's sign-in name (`User.username`): it is the natural key a re-run
matches on. Reference data (units, grades, roles, specialisms, working patterns) may be given by
code or name. Line managers are given by staff number and must be in the file or the system;
people are written managers first so a manager new in the file exists before their reports.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any

from django.core.exceptions import ValidationError as DjangoValidationError
from django.core.validators import validate_email

from casework.imports.mapping import Mapping
from casework.imports.readers import Source, Table
from casework.imports.validation import Checked, RowChecker, choice_value, finish
from casework.people.choices import RoleCode, WorkingPattern
from casework.people.models import Grade, Specialism, Unit, User

SECTION = "staff"
STAFF_NUMBER = re.compile(r"^[\w.@+-]{1,150}\Z")
#: Roles that need a police force or an Area beside them: set those in the administration site.
ROLES_NEEDING_MORE = frozenset({RoleCode.POLICE_LIAISON, RoleCode.AREA_LEADERSHIP})
SEPARATORS = re.compile(r"[;,\n]")


@dataclass
class StaffRow:
    """One person as the file gives them; only the fields the row fills are applied."""

    staff_number: str
    values: dict[str, Any]
    roles: frozenset[str] | None = None
    specialism_ids: frozenset[int] | None = None
    line_manager: str | None = None
    rows: int = 1
    number: int = 0


def _by_code_or_name(objects: Any) -> dict[str, Any]:
    found = {}
    for item in objects:
        found[item.code.casefold()] = item
        found[item.name.casefold()] = item
    return found


class _StaffChecker(RowChecker):
    def __init__(self, source: Source, mapping: Mapping, unit: Unit | None) -> None:
        super().__init__(source, mapping)
        self.unit = unit
        self.units = _by_code_or_name(Unit.objects.all())
        self.grades = _by_code_or_name(Grade.objects.all())
        self.specialisms = _by_code_or_name(Specialism.objects.all())
        self.people: dict[str, StaffRow] = {}

    def refuse(self, table: Table, number: int, name: str, value: Any, reason: str) -> None:
        self.problem(table, number, self.heading(SECTION, name), value, reason)

    def text(self, table: Table, number: int, values: dict[str, Any], name: str, limit: int) -> str | None:
        value = str(values.get(name, "")).strip()
        if len(value) > limit:
            self.refuse(table, number, name, value, f"At most {limit} characters.")
            return None
        return value

    def decimal(self, table: Table, number: int, raw: Any, name: str, highest: Decimal) -> Decimal | None:
        try:
            value = Decimal(str(raw).strip())
        except InvalidOperation:
            self.refuse(table, number, name, raw, "Not a number.")
            return None
        if not value.is_finite() or not Decimal("0") <= value <= highest or value != round(value, 2):
            self.refuse(table, number, name, raw, f"Must be between 0 and {highest} with at most 2 decimal places.")
            return None
        return value

    def roles(self, table: Table, number: int, raw: Any) -> frozenset[str] | None:
        codes: set[str] = set()
        for item in filter(None, (part.strip() for part in SEPARATORS.split(str(raw)))):
            code = choice_value(RoleCode, item)
            if code not in RoleCode.values:
                self.refuse(table, number, "roles", item, f"Unknown role; use {', '.join(RoleCode.values)}.")
                return None
            if code in ROLES_NEEDING_MORE:
                self.refuse(
                    table, number, "roles", item, "This role needs a police force or Area: set it in the admin site."
                )
                return None
            codes.add(code)
        return frozenset(codes)

    def specialism_ids(self, table: Table, number: int, raw: Any) -> frozenset[int] | None:
        ids: set[int] = set()
        for item in filter(None, (part.strip() for part in SEPARATORS.split(str(raw)))):
            found = self.specialisms.get(item.casefold())
            if found is None:
                self.refuse(table, number, "specialisms", item, "Unknown specialism.")
                return None
            ids.add(found.pk)
        return frozenset(ids)

    def person(self, table: Table, number: int, values: dict[str, Any]) -> StaffRow | None:
        before = len(self.problems)
        staff_number = str(values.get("staff_number", "")).strip()
        if not STAFF_NUMBER.match(staff_number):
            self.refuse(
                table, number, "staff_number", staff_number, "Give a staff number of letters, digits and @.+-_ only."
            )
        fields: dict[str, Any] = {}
        for name, attribute, limit in (("first_names", "first_name", 150), ("last_name", "last_name", 150)):
            text = self.text(table, number, values, name, limit)
            if text == "":
                self.refuse(table, number, name, "", "Required.")
            elif text is not None:
                fields[attribute] = text
        if "email" in values:
            email = str(values["email"]).strip()
            try:
                validate_email(email)
                fields["email"] = email
            except DjangoValidationError:
                self.refuse(table, number, "email", email, "Not an email address.")
        unit = self.unit
        if "unit" in values:
            found = self.units.get(str(values["unit"]).strip().casefold())
            if found is None:
                self.refuse(table, number, "unit", values["unit"], "Unknown unit.")
            elif self.unit is not None and found.pk != self.unit.pk:
                self.refuse(table, number, "unit", values["unit"], f"This import is for {self.unit.name} only.")
            unit = found
        if unit is not None:
            fields["unit_id"] = unit.pk
        if "grade" in values:
            grade = self.grades.get(str(values["grade"]).strip().casefold())
            if grade is None:
                self.refuse(table, number, "grade", values["grade"], "Unknown grade.")
            else:
                fields["grade_id"] = grade.pk
        for name, highest in (("fte", Decimal("1")), ("contracted_hours", Decimal("60"))):
            if name in values and (amount := self.decimal(table, number, values[name], name, highest)) is not None:
                fields[name] = amount
        if "working_pattern" in values:
            pattern = choice_value(WorkingPattern, str(values["working_pattern"]))
            if pattern not in WorkingPattern.values:
                self.refuse(table, number, "working_pattern", values["working_pattern"], "Unknown working pattern.")
            fields["working_pattern"] = pattern
        roles = self.roles(table, number, values["roles"]) if "roles" in values else None
        specialisms = self.specialism_ids(table, number, values["specialisms"]) if "specialisms" in values else None
        manager = str(values["line_manager"]).strip() if "line_manager" in values else None
        if manager is not None and manager == staff_number:
            self.refuse(table, number, "line_manager", manager, "A person cannot be their own line manager.")
        if len(self.problems) > before:
            return None
        return StaffRow(staff_number, fields, roles, specialisms, manager, number=number)

    def check(self) -> list[StaffRow]:
        for table, number, values in self.rows(SECTION):
            if (table.sheet, number) in self.bad_rows:
                continue
            row = self.person(table, number, values)
            if row is None:
                continue
            if row.staff_number in self.people:
                self.refuse(
                    table, number, "staff_number", row.staff_number, "This staff number appears twice in the file."
                )
                continue
            self.people[row.staff_number] = row
        self.check_managers()
        return self.in_writing_order()

    def check_managers(self) -> None:
        wanted = {row.line_manager for row in self.people.values() if row.line_manager}
        known = set(User.objects.filter(username__in=wanted - set(self.people)).values_list("username", flat=True))
        table = self.source.tables[SECTION]
        for row in list(self.people.values()):
            if row.line_manager and row.line_manager not in self.people and row.line_manager not in known:
                self.refuse(
                    table,
                    row.number,
                    "line_manager",
                    row.line_manager,
                    "No one with this staff number in the file or the system.",
                )
                del self.people[row.staff_number]

    def in_writing_order(self) -> list[StaffRow]:
        """Managers before their reports (file order otherwise); a loop of managers is refused.
        Walks up each chain iteratively, so a deep hierarchy cannot exhaust the stack."""
        ordered: list[StaffRow] = []
        placed: set[str] = set()
        table = self.source.tables[SECTION]
        for row in list(self.people.values()):
            chain: list[StaffRow] = []
            on_chain: set[str] = set()
            current: StaffRow | None = row
            while current is not None and current.staff_number not in placed:
                if current.staff_number in on_chain:
                    self.refuse(
                        table,
                        current.number,
                        "line_manager",
                        current.line_manager,
                        "Line managers in the file form a loop.",
                    )
                    return ordered  # the run is rejected: the order no longer matters
                chain.append(current)
                on_chain.add(current.staff_number)
                current = self.people.get(current.line_manager or "")
            for person in reversed(chain):
                placed.add(person.staff_number)
                ordered.append(person)
        return ordered


def check(source: Source, mapping: Mapping, *, unit: Unit | None) -> Checked:
    checker = _StaffChecker(source, mapping, unit)
    groups = checker.check()
    return finish(checker, groups)
