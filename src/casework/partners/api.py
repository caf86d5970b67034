"""Referrals and agreement status over the API, for force systems and the CCU. Same access path as
the pages: every read starts from `visible_to(user)`; a force's token sees its own force only, and
each read by a police user is logged as a disclosure to the force."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.http import HttpRequest
from ninja import Path, Router, Schema, Status
from pydantic import Field

from casework.core import clock
from casework.core.api_types import MAX_ID, ErrorOut
from casework.partners import rules, selectors, services
from casework.partners.reads import referrals_consulted
from casework.people.choices import RoleCode

router = Router(tags=["partners"])
ERRORS: dict[int, Any] = {401: ErrorOut, 403: ErrorOut, 404: ErrorOut, 409: ErrorOut, 422: ErrorOut}
Id = Path(..., ge=1, le=MAX_ID)


class AgreementClockOut(Schema):
    name: str
    side: str
    due_on: dt.date | None
    done_on: dt.date | None
    state: str


class ActionPlanOut(Schema):
    id: int
    issued_on: dt.date
    actions: str
    response_due_on: dt.date
    answered_on: dt.date | None
    answer: str


class EscalationOut(Schema):
    id: int
    level: int
    police_role: str
    cps_role: str
    raised_on: dt.date
    response_due_on: dt.date
    status: str
    outcome: str


class ReferralOut(Schema):
    id: int
    reference: str
    kind: str
    force: str
    police_reference: str
    submitted_on: dt.date
    status: str
    response_text: str
    completed_on: dt.date | None = Field(None, description="When all 8 items had arrived; the CCU's times run from it")
    missing_items: list[str] = Field(
        default_factory=list, description="Items still missing, e.g. '6. The specific questions'"
    )
    acknowledge_due_on: dt.date | None
    respond_due_on: dt.date | None
    escalation_level: int
    version: int


class ReferralDetailOut(ReferralOut):
    clocks: list[AgreementClockOut]
    action_plans: list[ActionPlanOut]
    escalations: list[EscalationOut]


class ReferralIn(Schema):
    kind: str = Field(..., description="referral or early_advice")
    officer_in_case: str = ""
    proposed_criterion_id: int | None = Field(None, ge=1, le=MAX_ID)
    police_reference: str = ""
    factual_summary: str = ""
    lines_of_enquiry: str = ""
    expected_results: str = ""
    issues_identified: str = ""
    specific_questions: str = ""
    key_evidence: str = ""
    disclosable_material: str = ""


class ReasonIn(Schema):
    reason: str = Field(..., max_length=5000)


class ActionPlanAnswerIn(Schema):
    answer: str = Field(..., max_length=20000)


class AgreementOut(Schema):
    id: int
    force: str
    unit: str
    status: str
    template_version: int
    current_template: bool
    signed_on: dt.date | None
    review_due_on: dt.date | None
    expires_on: dt.date | None
    review_state: str
    parameters: dict[str, int]
    deviations: list[str]


def _actor(request: HttpRequest) -> Any:
    return request.auth  # type: ignore[attr-defined]


def _is_police(user: Any) -> bool:
    return RoleCode.POLICE_LIAISON in user.role_codes


def _referral_out(r: Any) -> dict[str, Any]:
    return {
        "id": r.pk,
        "reference": r.reference,
        "kind": r.kind,
        "force": r.force.name,
        "police_reference": r.police_reference,
        "submitted_on": r.submitted_on,
        "status": r.status,
        "response_text": r.response_text,
        "completed_on": r.completed_on,
        "missing_items": list(r.missing_items),
        "acknowledge_due_on": r.acknowledge_due_on,
        "respond_due_on": r.respond_due_on,
        "escalation_level": r.escalation_level,
        "version": r.version,
    }


def _detail(user: Any, referral_id: int) -> dict[str, Any]:
    referral = selectors.referral_visible(user=user, referral_id=referral_id)
    if _is_police(user):
        services.portal_disclose(actor=user, subject=referral, what=f"API read of {referral.reference}")
    today = clock.today()
    return {
        **_referral_out(referral),
        "clocks": [vars(c) for c in selectors.referral_clocks(referral, today)],
        "action_plans": list(referral.action_plans.all()),
        "escalations": list(referral.escalations.all()),
    }


@router.get("/partners/referrals", response={200: list[ReferralOut], **ERRORS})
def referral_list(request: HttpRequest) -> list[dict[str, Any]]:
    """Referrals and advice requests you can see (a force: its own only), newest first, up to 500."""
    user = _actor(request)
    referrals = list(selectors.referral_list(user=user)[:500])
    rows = [_referral_out(r) for r in referrals]
    referrals_consulted(actor=user, purpose="Referral list (API)", referrals=referrals)
    if _is_police(user):
        services.portal_disclose(actor=user, subject=user.police_force, what="API list of the force's referrals")
    return rows


@router.get("/partners/referrals/{referral_id}", response={200: ReferralDetailOut, **ERRORS})
def referral_detail(request: HttpRequest, referral_id: int = Id) -> dict[str, Any]:
    return _detail(_actor(request), referral_id)


@router.post("/partners/referrals", response={201: ReferralDetailOut, **ERRORS})
def referral_submit(request: HttpRequest, payload: ReferralIn) -> Status:
    """Send a referral or early advice request (police liaison users). Items may be missing: the
    answer lists them in `missing_items`, and the CCU's due dates stay empty until the request is
    complete. A 422 only when no item at all is given."""
    user = _actor(request)
    data = payload.dict()
    referral = services.referral_submit(
        actor=user,
        kind=data["kind"],
        items={name: data[name] for name in rules.EIA_FIELDS},
        officer_in_case=data["officer_in_case"],
        proposed_criterion_id=data["proposed_criterion_id"],
    )
    return Status(201, _detail(user, referral.pk))


@router.post("/partners/referrals/{referral_id}/escalations", response={201: EscalationOut, **ERRORS})
def referral_escalate(request: HttpRequest, payload: ReasonIn, referral_id: int = Id) -> Status:
    user = _actor(request)
    referral = selectors.referral_visible(user=user, referral_id=referral_id)
    return Status(201, services.escalation_request(actor=user, referral=referral, reason=payload.reason))


@router.post("/partners/action-plans/{plan_id}/answer", response={200: ActionPlanOut, **ERRORS})
def action_plan_answer(request: HttpRequest, payload: ActionPlanAnswerIn, plan_id: int = Id) -> Any:
    return services.action_plan_answer(actor=_actor(request), plan_id=plan_id, answer=payload.answer)


def _agreement_out(agreement: Any, current_id: int | None, today: dt.date) -> dict[str, Any]:
    return {
        "id": agreement.pk,
        "force": agreement.force.name,
        "unit": agreement.unit.name,
        "status": agreement.status,
        "template_version": agreement.template.number,
        "current_template": agreement.template_id == current_id,
        "signed_on": agreement.signed_on,
        "review_due_on": agreement.review_due_on,
        "expires_on": agreement.expires_on,
        "review_state": selectors.agreement_review_state(agreement, today),
        "parameters": rules.parameter_values(agreement.template.content, agreement.parameters),
        "deviations": sorted(selectors.deviations_of(agreement)),
    }


@router.get("/partners/agreements", response={200: list[AgreementOut], **ERRORS})
def agreement_list(request: HttpRequest) -> list[dict[str, Any]]:
    """Agreement status per force (a force: its own agreements only)."""
    user = _actor(request)
    today = clock.today()
    current = selectors.current_template(today)
    rows = [_agreement_out(a, current.pk if current else None, today) for a in selectors.agreement_list(user=user)]
    if _is_police(user):
        services.portal_disclose(actor=user, subject=user.police_force, what="API list of the force's agreements")
    return rows


@router.get("/partners/agreements/{agreement_id}", response={200: AgreementOut, **ERRORS})
def agreement_detail(request: HttpRequest, agreement_id: int = Id) -> dict[str, Any]:
    user = _actor(request)
    agreement = selectors.agreement_visible(user=user, agreement_id=agreement_id)
    if _is_police(user):
        services.portal_disclose(actor=user, subject=agreement, what="API read of the force's agreement")
    today = clock.today()
    current = selectors.current_template(today)
    return _agreement_out(agreement, current.pk if current else None, today)
