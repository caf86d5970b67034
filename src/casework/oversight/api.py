"""Oversight figures over the API: the same scopes and aggregates as the dashboard page."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.http import HttpRequest
from ninja import Query, Router, Schema
from pydantic import Field

from casework.core.api_types import MAX_ID, ErrorOut
from casework.oversight import dashboard as reads
from casework.oversight.scope import resolve_scope

router = Router(tags=["oversight"])
ERRORS: dict[int, Any] = {401: ErrorOut, 404: ErrorOut}


class ScopeIn(Schema):
    unit: int | None = Field(None, ge=1, le=MAX_ID, description="One unit (HQ and inspectors; managers: their own).")
    area: int | None = Field(
        None, ge=1, le=MAX_ID, description="One Area (HQ and inspectors; area leadership: theirs)."
    )


class UnitFiguresOut(Schema):
    unit_id: int
    unit: str
    open_cases: int
    deadlines_met: int
    deadlines_missed: int
    deadlines_overdue: int
    timeliness_percent: float | None
    missed_per_100_open: float | None
    ctl_running: int
    ctl_expiring: int
    ctl_expired: int
    ctl_failures: int = Field(description="Custody time limits that ran out in custody, in the last 12 months.")
    verdicts_applicable: int
    verdicts_not_met: int
    compliance_percent: float | None
    expected_not_met_for_case_mix: float | None
    case_mix_ratio: float | None
    caseworker_fte: float
    open_cases_per_fte: float | None
    iqa_expected: int
    iqa_received: int
    iqa_answers_met_percent: float | None
    rem_applicable: int
    rem_not_met: int
    rem_current_percent: float | None
    mou_cps_due: int
    mou_cps_on_time_percent: float | None
    mou_police_due: int
    mou_police_on_time_percent: float | None
    break_glass_grants: int
    break_glass_reviewed_percent: float | None
    break_glass_ended_unreviewed: int


class OversightOut(Schema):
    level: str
    label: str
    as_of: dt.datetime = Field(description="The instant the figures describe (the latest refresh).")
    computed_live: bool = Field(description="True when no refresh existed and the figures were computed now.")
    units: list[UnitFiguresOut]


def _figures(row: dict[str, Any]) -> dict[str, Any]:
    return {
        "unit_id": row["unit"].pk,
        "unit": row["unit"].name,
        **{key: row[key] for key in ("open_cases", "deadlines_met", "deadlines_missed", "deadlines_overdue")},
        "timeliness_percent": row["timeliness"],
        "missed_per_100_open": row["missed_per_100"],
        **{key: row[key] for key in ("ctl_running", "ctl_expiring", "ctl_expired", "ctl_failures")},
        "verdicts_applicable": row["verdicts_applicable"],
        "verdicts_not_met": row["verdicts_not_met"],
        "compliance_percent": row["compliance"],
        "expected_not_met_for_case_mix": row["expected_not_met"],
        "case_mix_ratio": row["mix_ratio"],
        "caseworker_fte": row["staff_fte"],
        "open_cases_per_fte": row["open_per_fte"],
        "iqa_expected": row["iqa_expected"],
        "iqa_received": row["iqa_received"],
        "iqa_answers_met_percent": row["iqa_met_pct"],
        "rem_applicable": row["rem_applicable"],
        "rem_not_met": row["rem_not_met"],
        "rem_current_percent": row["rem_compliance"],
        "mou_cps_due": row["mou_cps_due"],
        "mou_cps_on_time_percent": row["mou_cps_on_time"],
        "mou_police_due": row["mou_police_due"],
        "mou_police_on_time_percent": row["mou_police_on_time"],
        "break_glass_grants": row["audit_grants"],
        "break_glass_reviewed_percent": row["audit_reviewed_pct"],
        "break_glass_ended_unreviewed": row["audit_grants_unreviewed"],
    }


@router.get("/oversight", response={200: OversightOut, **ERRORS})
def oversight(request: HttpRequest, params: Query[ScopeIn]) -> dict[str, Any]:
    """Compliance figures per unit for your oversight scope. Outside it: 404."""
    actor = _actor(request)
    scope = resolve_scope(user=actor, unit_id=params.unit, area_id=params.area)
    data = reads.dashboard(user=actor, scope=scope)
    return {
        "level": scope.level,
        "label": scope.label,
        "as_of": data.as_of,
        "computed_live": data.live,
        "units": [_figures(row) for row in data.units],
    }


def _actor(request: HttpRequest) -> Any:
    return request.auth  # type: ignore[attr-defined]
