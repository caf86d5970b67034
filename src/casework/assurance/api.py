"""Assurance over the API: a case's current verdicts, a unit's compliance by rule, and sign-off
requests and decisions. Same access path as the pages (Case.objects.visible_to); reading a case's
verdicts is logged as a consultation of the case."""

from __future__ import annotations

import datetime as dt
from typing import Any, Literal

from django.http import HttpRequest
from ninja import Path, Router, Schema, Status
from pydantic import Field

from casework.assurance import dashboard as reads
from casework.assurance import rechecks, selectors, services
from casework.assurance.models import SignOffRequest
from casework.cases import selectors as case_selectors
from casework.cases import services as case_services
from casework.cases.models import Case
from casework.core.api_types import MAX_ID, ErrorOut
from casework.core.errors import NotFound

router = Router(tags=["assurance"])

CaseId = Path(..., ge=1, le=MAX_ID, description="The case id.")
UnitId = Path(..., ge=1, le=MAX_ID, description="The unit id.")
SignOffId = Path(..., ge=1, le=MAX_ID, description="The sign-off request id.")
ERRORS: dict[int, Any] = {400: ErrorOut, 401: ErrorOut, 403: ErrorOut, 404: ErrorOut, 409: ErrorOut, 422: ErrorOut}


class VerdictOut(Schema):
    rule_code: str
    rule_version: int
    title: str
    source: str
    severity: str
    outcome: str
    reason: str
    remedy: str
    facts: dict[str, Any]
    valid_from: dt.datetime
    rechecking: bool = Field(
        description="The case changed after this verdict and is being re-checked in the background; "
        "read the verdicts again shortly for the fresh ones."
    )


class RuleComplianceOut(Schema):
    code: str
    title: str
    version: int
    applicable: int
    not_met: int
    waived: int
    exempt: int
    compliance: float | None = Field(description="Share of applicable verdicts met, exempt or waived.")
    active_waivers: int
    too_many_waivers: bool


class UnitComplianceOut(Schema):
    unit_id: int
    unit: str
    compliance: float | None
    figures_as_at: dt.datetime = Field(
        description="The instant the figures describe: when the unit's stored figures were last refreshed, or now."
    )
    stored: bool = Field(description="True when read from the stored figures, False when counted for this request.")
    rules: list[RuleComplianceOut]


class SignOffRequestIn(Schema):
    checkpoint: str = Field(max_length=40, description="Checkpoint code, e.g. before_ptph.")
    note: str = Field("", max_length=2000)


class SignOffDecisionIn(Schema):
    decision: Literal["approve", "return"]
    rationale: str = Field("", max_length=4000)
    version: int = Field(ge=1, le=MAX_ID, description="The sign-off's version you read; a stale one is refused (409).")


class SignOffOut(Schema):
    id: int
    case_id: int
    checkpoint: str
    status: str
    approver_id: int
    routed_because: str
    rationale: str
    version: int


def _actor(request: HttpRequest) -> Any:
    return request.auth  # type: ignore[attr-defined]


def _signoff(row: SignOffRequest) -> dict[str, Any]:
    return {
        "id": row.pk,
        "case_id": row.case_id,
        "checkpoint": row.checkpoint.code,
        "status": row.status,
        "approver_id": row.approver_id,
        "routed_because": row.routed_because,
        "rationale": row.rationale,
        "version": row.version,
    }


@router.get("/cases/{case_id}/verdicts", response={200: list[VerdictOut], **ERRORS})
def case_verdicts(request: HttpRequest, case_id: int = CaseId) -> list[dict[str, Any]]:
    """The case's current verdicts, each with the rule version that produced it. Logged as a consultation."""
    actor = _actor(request)
    case = case_services.case_open(actor=actor, case_id=case_id)
    rechecking = bool(rechecks.pending_for([case.pk]))
    return [
        {
            "rule_code": v.rule_code,
            "rule_version": v.rule.version,
            "title": v.rule.title,
            "source": v.rule.source,
            "severity": v.rule.severity,
            "outcome": v.outcome,
            "reason": v.reason,
            "remedy": v.remedy,
            "facts": v.facts,
            "valid_from": v.valid_from,
            "rechecking": rechecking,
        }
        for v in selectors.current_verdicts(user=actor, case_id=case.pk)
    ]


@router.get("/units/{unit_id}/compliance", response={200: UnitComplianceOut, **ERRORS})
def unit_compliance(request: HttpRequest, unit_id: int = UnitId) -> dict[str, Any]:
    """Compliance by rule over the unit's cases (managers: own unit; HQ and inspectors: any), as the
    assurance dashboard shows it: from the unit's stored figures, refreshed as verdicts change, with
    the instant they describe; counted now when the unit has none yet."""
    actor = _actor(request)
    scope = reads.dashboard_scope(user=actor, unit_id=unit_id)
    assert scope.unit is not None  # a unit id was given
    compliance = reads.compliance_by_rule(user=actor, scope=scope)
    rules = compliance.rules
    return {
        "unit_id": scope.unit.pk,
        "unit": scope.unit.name,
        "compliance": reads.overall(rules)["rate"],
        "figures_as_at": compliance.as_of,
        "stored": compliance.stored,
        "rules": [
            {
                "code": r["code"],
                "title": r["title"],
                "version": r["version"],
                "applicable": r["applicable"],
                "not_met": r["not_met"],
                "waived": r["waived"],
                "exempt": r["exempt"],
                "compliance": r["rate"],
                "active_waivers": r["waivers"],
                "too_many_waivers": r["too_many_waivers"],
            }
            for r in rules
        ],
    }


@router.post("/cases/{case_id}/signoffs", response={201: SignOffOut, **ERRORS})
def signoff_request(request: HttpRequest, payload: SignOffRequestIn, case_id: int = CaseId) -> Status[dict[str, Any]]:
    """Ask for a manager's sign-off at a checkpoint; it is routed to the right approver."""
    actor = _actor(request)
    case = case_selectors.case_for_change(user=actor, case_id=case_id)
    row = services.signoff_request(actor=actor, case=case, checkpoint_code=payload.checkpoint, note=payload.note)
    return Status(201, _signoff(row))


@router.post("/signoffs/{signoff_id}/decision", response={200: SignOffOut, **ERRORS})
def signoff_decision(request: HttpRequest, payload: SignOffDecisionIn, signoff_id: int = SignOffId) -> dict[str, Any]:
    """Approve or return a sign-off routed to you, with the version you read."""
    actor = _actor(request)
    row = (
        SignOffRequest.objects.filter(pk=signoff_id, case__in=Case.objects.visible_to(actor))
        .select_related("case", "checkpoint")
        .first()
    )
    if row is None:
        raise NotFound("Sign-off request not found.")
    services.signoff_decide(
        actor=actor,
        request=row,
        expected_version=payload.version,
        approve=payload.decision == "approve",
        rationale=payload.rationale,
    )
    row.refresh_from_db()
    return _signoff(row)
