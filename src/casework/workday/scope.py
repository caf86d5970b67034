"""Whose work an overview and its drill-downs cover, decided by role.

- prosecutor, paralegal: their own cases (prosecutor, deputy or paralegal on the case);
- legal manager, unit head: their unit; Area leadership: their Area's unit;
- HQ analyst, inspector: the whole country, or one unit they choose;
- police liaison officer: their force's requests (no CPS case files).

Cases always come from `Case.objects.visible_to(user)`, so a scope can only narrow what the person
may see. Anyone else has no overview (404).
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property
from typing import Any
from urllib.parse import urlencode

from django.db.models import Q, QuerySet

from casework.cases.models import Case
from casework.core.errors import NotFound
from casework.people.choices import CASEWORKER_ROLES, NATIONAL_READ_ROLES, UNIT_MANAGER_ROLES, RoleCode
from casework.people.models import Unit

MINE = "mine"
UNIT = "unit"
NATIONAL = "national"
FORCE = "force"


@dataclass(frozen=True)
class Scope:
    kind: str
    user: Any
    unit: Unit | None = None
    #: HQ and inspectors may switch between units and the national view.
    can_choose_unit: bool = False
    #: Narrow a unit's figures to one prosecutor's cases (the progression board's filter).
    lawyer_id: int | None = None

    @property
    def label(self) -> str:
        if self.kind == MINE:
            return "Your cases"
        if self.kind == FORCE:
            return str(self.user.police_force) if self.user.police_force_id else "Your force"
        if self.unit is not None:
            return self.unit.name
        return "All units (national)"

    def cases(self) -> QuerySet[Case]:
        if self.user is None:
            # The whole register, for the stored counts (workday.tallies): they count only cases in
            # normal work and key every count by unit and person, so no reader sees beyond their scope.
            return Case.objects.all()
        cases = self._visible
        if self.kind == MINE:
            user = self.user
            cases = cases.filter(Q(allocated_lawyer=user) | Q(deputy_lawyer=user) | Q(paralegal=user))
        elif self.unit is not None:
            cases = cases.filter(unit=self.unit)
        if self.lawyer_id:
            cases = cases.filter(allocated_lawyer_id=self.lawyer_id)
        return cases

    @cached_property
    def _visible(self) -> QuerySet[Case]:
        """Exactly what visible_to gives the reader (tests/workday/test_tallies.py); a national
        reader's in the form the counts turn into a join rather than an IN over every case id. Worked
        out once per scope: each figure filters it again."""
        return Case.objects.visible_in_bulk(self.user) if self.kind == NATIONAL else Case.objects.visible_to(self.user)

    @property
    def unit_ids(self) -> list[int] | None:
        """The units the figures cover (None: every unit, the national view)."""
        if self.unit is not None:
            return [self.unit.pk]
        if self.kind == NATIONAL:
            return None
        return [self.user.unit_id] if self.user.unit_id else []

    def query(self) -> str:
        """The query string that reproduces this scope on a drill-down link."""
        params: dict[str, Any] = {}
        if self.can_choose_unit and self.unit is not None:
            params["unit"] = self.unit.pk
        if self.lawyer_id:
            params["lawyer"] = self.lawyer_id
        return "?" + urlencode(params) if params else ""


def whole_register() -> Scope:
    """Every case, read by no one: what the stored overview counts are worked out from."""
    return Scope(NATIONAL, None)


def scope_for(user: Any, *, unit_id: int | None = None, lawyer_id: int | None = None) -> Scope:
    roles = user.role_codes
    if roles & NATIONAL_READ_ROLES:
        unit = Unit.objects.filter(pk=unit_id).first() if unit_id else None
        if unit_id and unit is None:
            raise NotFound("Unit not found.")
        return Scope(NATIONAL if unit is None else UNIT, user, unit, can_choose_unit=True, lawyer_id=lawyer_id)
    if roles & UNIT_MANAGER_ROLES and user.unit_id:
        return Scope(UNIT, user, user.unit, lawyer_id=lawyer_id)
    if RoleCode.AREA_LEADERSHIP in roles and user.area_id and user.area.unit_id:
        return Scope(UNIT, user, user.area.unit, lawyer_id=lawyer_id)
    if roles & CASEWORKER_ROLES:
        return Scope(MINE, user)
    if RoleCode.POLICE_LIAISON in roles and user.police_force_id:
        return Scope(FORCE, user)
    raise NotFound("Page not found.")
