"""Who may see which oversight figures: HQ and inspectors the nation (or any Area or unit), area
leadership their Area, unit managers their unit. Everyone else gets a 404, never a 403."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.db.models import QuerySet

from casework.cases.models import Case
from casework.core.errors import NotFound
from casework.people.choices import NATIONAL_READ_ROLES, UNIT_MANAGER_ROLES, RoleCode
from casework.people.models import Area, Unit


@dataclass(frozen=True)
class OversightScope:
    level: str  # "national", "area" or "unit"
    label: str
    units: list[Unit]  # the units compared on the page
    area: Area | None = None
    unit: Unit | None = None
    can_choose: bool = False

    @property
    def unit_ids(self) -> list[int]:
        return [unit.pk for unit in self.units]

    @property
    def query(self) -> dict[str, int]:
        """The GET parameters that reproduce this scope (only meaningful for those who may choose)."""
        if not self.can_choose:
            return {}
        if self.unit:
            return {"unit": self.unit.pk}
        if self.area:
            return {"area": self.area.pk}
        return {}


def can_see_oversight(user: Any) -> bool:
    roles = user.role_codes
    return bool(
        roles & NATIONAL_READ_ROLES
        or (roles & UNIT_MANAGER_ROLES and user.unit_id)
        or (RoleCode.AREA_LEADERSHIP in roles and user.area_id)
    )


def resolve_scope(*, user: Any, unit_id: int | None = None, area_id: int | None = None) -> OversightScope:
    """The scope asked for, if this user may see it; NotFound otherwise (no existence oracle)."""
    if not getattr(user, "is_authenticated", False) or not can_see_oversight(user):
        raise NotFound("Page not found.")
    roles = user.role_codes
    if roles & NATIONAL_READ_ROLES:
        if unit_id is not None:
            unit = Unit.objects.filter(pk=unit_id).first()
            if unit is None:
                raise NotFound("Unit not found.")
            return OversightScope(level="unit", label=unit.name, units=[unit], unit=unit, can_choose=True)
        if area_id is not None:
            area = Area.objects.select_related("unit").filter(pk=area_id).first()
            if area is None:
                raise NotFound("Area not found.")
            return OversightScope(
                level="area", label=f"{area.name} Area", units=[area.unit], area=area, can_choose=True
            )
        units = list(Unit.objects.order_by("name"))
        return OversightScope(level="national", label="National", units=units, can_choose=True)
    if RoleCode.AREA_LEADERSHIP in roles and user.area_id and not (roles & UNIT_MANAGER_ROLES):
        area = user.area
        if area_id not in (None, area.pk) or unit_id not in (None, area.unit_id):
            raise NotFound("Page not found.")
        return OversightScope(level="area", label=f"{area.name} Area", units=[area.unit], area=area)
    unit = user.unit
    if area_id is not None or unit_id not in (None, unit.pk):
        raise NotFound("Page not found.")
    return OversightScope(level="unit", label=unit.name, units=[unit], unit=unit)


def scoped_cases(*, user: Any, scope: OversightScope) -> QuerySet[Case]:
    """The one access path: the user's visible cases, narrowed to the scope's units."""
    cases = Case.objects.visible_to(user)
    return cases if scope.level == "national" else cases.filter(unit_id__in=scope.unit_ids)
