"""Case progression over the API: a case's deadlines and custody clocks, your tasks, and a unit's
custody time limits expiring in a window. Same access path as the pages (Case.objects.visible_to);
reading a case's deadlines or clocks is logged as a consultation of the case."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db.models import Q
from django.http import HttpRequest, HttpResponse
from ninja import Path, Query, Router, Schema
from ninja.renderers import JSONRenderer
from pydantic import Field

from casework.cases import services as case_services
from casework.cases.models import Defendant
from casework.core import clock
from casework.core.api_types import MAX_ID, ErrorOut
from casework.core.errors import NotFound, ValidationFailed
from casework.people.models import Unit
from casework.progression import selectors

router = Router(tags=["progression"])

CaseId = Path(..., ge=1, le=MAX_ID, description="The case id.")
UnitId = Path(..., ge=1, le=MAX_ID, description="The unit id.")


ERRORS: dict[int, Any] = {401: ErrorOut, 404: ErrorOut, 422: ErrorOut}
_JSON = JSONRenderer()


class DeadlineOut(Schema):
    id: int
    key: str
    title: str
    due_on: dt.date
    proposed_due_on: dt.date | None
    basis: str
    rule_version: str
    source: str
    direction_reason: str
    owner_id: int | None
    status: str
    met_on: dt.date | None
    missed_reason: str
    version: int


class ClockOut(Schema):
    id: int
    case_id: int
    charge_id: int
    defendant: str
    offence: str
    initial_regime: str
    regime: str
    status: str
    expires_on: dt.date | None
    days_remaining: int | None
    explanation: list[str]
    rule_version: str
    dual_checked: bool


class TaskOut(Schema):
    id: int
    case_id: int | None
    title: str
    detail: str
    assignee_id: int | None
    team_id: int | None
    reminder_on: dt.date | None
    due_on: dt.date
    escalate_on: dt.date | None
    status: str
    version: int


class ExpiringQuery(Schema):
    within_days: int = Field(28, ge=0, le=366, description="Clocks expiring within this many days (and expired ones).")
    limit: int | None = Field(
        None,
        ge=1,
        le=1000,
        description='At most this many clocks; a `Link` header with rel="next" then gives the next page\'s address. '
        "Leave it out for every clock at once.",
    )
    after: str | None = Field(
        None,
        max_length=40,
        description="Start after this clock: `EXPIRES_ON:ID` of the last clock of the previous page "
        "(the `Link` header's next address carries it).",
    )


def _checked_after(after: str) -> tuple[dt.date, int]:
    """`EXPIRES_ON:ID` as a date and an id, or a 422 naming the field."""
    try:
        day, _, clock_id = after.partition(":")
        position = (dt.date.fromisoformat(day), int(clock_id))
    except ValueError:
        position = None
    if position is None or not 0 < position[1] <= MAX_ID:
        raise ValidationFailed(
            "The `after` value is not valid. Use the address in the previous answer's Link header as given, "
            "or leave `after` out to start from the soonest clock.",
            field_errors={"after": ["Give the last clock's expiry date and id as YYYY-MM-DD:ID."]},
        )
    return position


def _actor(request: HttpRequest) -> Any:
    return request.auth  # type: ignore[attr-defined]


def _clock_out(ctl: Any, today: dt.date) -> dict[str, Any]:
    return {
        "id": ctl.pk,
        "case_id": ctl.case_id,
        "charge_id": ctl.charge_id,
        "defendant": str(ctl.charge.defendant),
        "offence": ctl.charge.offence,
        "initial_regime": ctl.initial_regime,
        "regime": ctl.regime,
        "status": ctl.status,
        "expires_on": ctl.expires_on,
        "days_remaining": (ctl.expires_on - today).days if ctl.expires_on else None,
        "explanation": list(ctl.explanation or []),
        "rule_version": ctl.rule_version,
        "dual_checked": ctl.dual_check_current,
    }


def _expiring_clock_out(row: dict[str, Any], today: dt.date) -> dict[str, Any]:
    """`_clock_out` from a row of `selectors.EXPIRING_CLOCK_FIELDS`."""
    expires_on = row["expires_on"]
    return {
        "id": row["id"],
        "case_id": row["case_id"],
        "charge_id": row["charge_id"],
        "defendant": Defendant.name_of(row["charge__defendant__first_names"], row["charge__defendant__last_name"]),
        "offence": row["charge__offence"],
        "initial_regime": row["initial_regime"],
        "regime": row["regime"],
        "status": row["status"],
        "expires_on": expires_on,
        "days_remaining": (expires_on - today).days if expires_on else None,
        "explanation": list(row["explanation"] or []),
        "rule_version": row["rule_version"],
        "dual_checked": row["checked_expiry"] is not None and row["checked_expiry"] == expires_on,
    }


@router.get("/cases/{case_id}/deadlines", response={200: list[DeadlineOut], **ERRORS})
def case_deadlines(request: HttpRequest, case_id: int = CaseId) -> list[Any]:
    """A case's deadlines (standard dates and court directions). Logged as a consultation."""
    case = case_services.case_open(actor=_actor(request), case_id=case_id)
    return list(selectors.deadlines_for_case(user=_actor(request), case_id=case.pk).order_by("due_on", "key"))


@router.get("/cases/{case_id}/custody-clocks", response={200: list[ClockOut], **ERRORS})
def case_custody_clocks(request: HttpRequest, case_id: int = CaseId) -> list[dict[str, Any]]:
    """A case's custody time limits per defendant and charge, each with its plain-English explanation."""
    case = case_services.case_open(actor=_actor(request), case_id=case_id)
    today = clock.today()
    return [_clock_out(c, today) for c in selectors.clocks_for_case(user=_actor(request), case_id=case.pk)]


@router.get("/tasks", response={200: list[TaskOut], **ERRORS})
def my_tasks(request: HttpRequest) -> list[Any]:
    """Open tasks assigned to you or (unassigned) to your team."""
    return list(selectors.tasks_for_user(user=_actor(request)))


@router.get("/units/{unit_id}/ctl-expiring", response={200: list[ClockOut], **ERRORS})
def unit_ctl_expiring(request: HttpRequest, params: Query[ExpiringQuery], unit_id: int = UnitId) -> HttpResponse:
    """Running (or expired) custody time limits in a unit expiring within the window, soonest first.

    Only clocks on cases you can see are listed. A large unit can list thousands: give `limit` to
    read them a page at a time, following the `Link: <...>; rel="next"` header until it is absent.
    """
    if not Unit.objects.filter(pk=unit_id).exists():
        raise NotFound("Unit not found.")
    after = _checked_after(params.after) if params.after else None
    today = clock.today()
    clocks = selectors.clocks_expiring(
        user=_actor(request), unit_id=unit_id, today=today, within_days=params.within_days
    )
    if after is not None:
        clocks = clocks.filter(Q(expires_on__gt=after[0]) | Q(expires_on=after[0], id__gt=after[1]))
    rows = list(clocks if params.limit is None else clocks[: params.limit + 1])
    next_after = None
    if params.limit is not None and len(rows) > params.limit:
        rows = rows[: params.limit]
        next_after = f"{rows[-1]['expires_on'].isoformat()}:{rows[-1]['id']}"
    # Each clock names its defendant and offence: a consultation of its case.
    case_services.cases_consulted(
        actor=_actor(request), purpose="Expiring custody time limits (API)", case_ids=[r["case_id"] for r in rows]
    )
    # Rendered here: a unit can list thousands of clocks, and checking each against ClockOut took a
    # fifth of the answer. The rows are ClockOut's fields already (tests compare them with the
    # case's own clock listing, which is checked).
    body = _JSON.render(request, [_expiring_clock_out(row, today) for row in rows], response_status=200)
    response = HttpResponse(body, content_type=_JSON.media_type)
    if next_after is not None:
        query = request.GET.copy()
        query["after"] = next_after
        response["Link"] = f'<{request.build_absolute_uri(request.path)}?{query.urlencode()}>; rel="next"'
    return response
