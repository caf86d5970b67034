"""Factories and the shared personas used across the suite.

Personas: a prosecutor and a manager in unit A, a prosecutor in unit B, a unit head of A, an HQ
analyst, an inspector, police liaison officers of forces X and Y, an administrator, and an area
leader of A's Area.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass
from typing import Any

from django.contrib.auth.hashers import make_password

from casework.cases import services as case_services
from casework.cases.models import Case
from casework.people.choices import RoleCode
from casework.people.models import Area, Grade, PoliceForce, Role, Unit, User

PASSWORD = "correct-horse-battery-staple"
_HASHED = make_password(PASSWORD)
_urn_counter = itertools.count(1)


def make_user(username: str, *roles: str, unit: Unit | None = None, **extra: Any) -> User:
    extra.setdefault("first_name", username.split(".")[0].title())
    extra.setdefault("last_name", "Persona")
    user = User.objects.create(username=username, password=_HASHED, unit=unit, **extra)
    user.roles.set(Role.objects.filter(code__in=roles))
    return user


def next_urn() -> str:
    return f"01TS{next(_urn_counter):07d}"


def make_case(*, actor: User, unit: Unit | None = None, **values: Any) -> Case:
    return case_services.case_create(
        actor=actor, unit_id=(unit or actor.unit).pk, urn=values.pop("urn", next_urn()), **values
    )


@dataclass
class Personas:
    unit_a: Unit
    unit_b: Unit
    area_a: Area
    force_x: PoliceForce
    force_y: PoliceForce
    prosecutor_a: User
    paralegal_a: User
    manager_a: User
    unithead_a: User
    prosecutor_b: User
    area_leader_a: User
    hq: User
    inspector: User
    police_x: User
    police_y: User
    admin: User

    def all(self) -> dict[str, User]:
        return {name: value for name, value in vars(self).items() if isinstance(value, User)}


def make_personas() -> Personas:
    unit_a = Unit.objects.get(code="ccu-wessex")
    unit_b = Unit.objects.get(code="ccu-north-east")
    area_a = unit_a.areas.get()
    lawyer = Grade.objects.get(code="senior-crown-prosecutor")
    manager = make_user(
        "manager.a", RoleCode.LEGAL_MANAGER, unit=unit_a, grade=Grade.objects.get(code="legal-manager-1")
    )
    return Personas(
        unit_a=unit_a,
        unit_b=unit_b,
        area_a=area_a,
        force_x=PoliceForce.objects.get(code="hampshire"),
        force_y=PoliceForce.objects.get(code="durham"),
        prosecutor_a=make_user("prosecutor.a", RoleCode.PROSECUTOR, unit=unit_a, grade=lawyer, line_manager=manager),
        paralegal_a=make_user("paralegal.a", RoleCode.PARALEGAL, unit=unit_a, line_manager=manager),
        manager_a=manager,
        unithead_a=make_user("unithead.a", RoleCode.UNIT_HEAD, unit=unit_a),
        prosecutor_b=make_user("prosecutor.b", RoleCode.PROSECUTOR, unit=unit_b, grade=lawyer),
        area_leader_a=make_user("area.a", RoleCode.AREA_LEADERSHIP, area=area_a),
        hq=make_user("hq.analyst", RoleCode.HQ_ANALYST),
        inspector=make_user("inspector", RoleCode.INSPECTOR),
        police_x=make_user("police.x", RoleCode.POLICE_LIAISON, police_force=PoliceForce.objects.get(code="hampshire")),
        police_y=make_user("police.y", RoleCode.POLICE_LIAISON, police_force=PoliceForce.objects.get(code="durham")),
        admin=make_user("admin", RoleCode.ADMINISTRATOR, is_staff=True, is_superuser=True),
    )


#: What a user states before downloading case data (core.disclosure): post it to an export URL.
DISCLOSURE = {"recipient": "Unit progression meeting", "purpose": "Weekly review of the unit's cases"}


def export_post(client: Any, url: str, params: dict[str, Any] | None = None) -> Any:
    """Download an export as a user does: POST the recipient and purpose to its address (filters kept)."""
    from urllib.parse import urlencode

    query = f"?{urlencode(params)}" if params else ""
    return client.post(url + query, DISCLOSURE)


def break_export_rows(monkeypatch: Any) -> None:
    """Make a streamed export's database fail part way: its first read (the case ids its disclose
    event names) works, the read of its rows raises DatabaseError."""
    from django.db import DatabaseError

    from casework.core import streaming

    read = streaming.cursor_blocks
    calls: list[Any] = []

    def ids_then_broken(queryset: Any, size: int | None = None) -> Any:
        calls.append(queryset)
        if len(calls) == 1:
            yield from read(queryset, size)
            return
        raise DatabaseError("disk I/O error")

    monkeypatch.setattr(streaming, "cursor_blocks", ids_then_broken)


def make_failing_verdict(
    case: Case,
    *,
    rule_code: str = "acceptance.basis",
    reason: str = "No acceptance basis is recorded.",
    start: Any = None,
) -> Any:
    """A current "not met" verdict of version 1 of a rule for a case (the assurance drill-down's
    rows), since `start` (three days ago by default); its remedy starts like a formula."""
    import datetime as dt

    from casework.assurance.models import AssuranceRule, VerdictPeriod
    from casework.core import clock

    return VerdictPeriod.objects.create(
        case=case,
        rule=AssuranceRule.objects.get(code=rule_code, version=1),
        rule_code=rule_code,
        outcome="not_met",
        reason=reason,
        remedy="+Record the basis",
        valid_from=start or clock.now() - dt.timedelta(days=3),
    )
