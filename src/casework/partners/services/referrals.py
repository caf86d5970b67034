"""Referrals and early investigative advice requests from a force's portal, their triage and
decision by the CCU, and the action plans issued on them."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db import transaction

from casework.audit import services as audit
from casework.audit.choices import Action
from casework.audit.versioned import versioned_update
from casework.cases import services as case_services
from casework.cases.models import AcceptanceCriterion
from casework.core import clock
from casework.core.bank_holidays import working_calendar
from casework.core.errors import NotFound, PermissionDenied, TransitionRefused, ValidationFailed
from casework.partners import rules, selectors
from casework.partners.choices import (
    OPEN_REFERRAL_STATUSES,
    AgreementStatus,
    ReferralKind,
    ReferralStatus,
)
from casework.partners.models import ActionPlan, Referral
from casework.partners.reference import divisions_on
from casework.partners.services.access import (
    is_police,
    police_of_force,
    require_unit_lawyer,
    require_unit_manager,
    serving_unit,
    visible_referral,
)
from casework.partners.services.escalations import resolve_open_escalations
from casework.people.choices import RoleCode
from casework.people.models import PoliceForce, User

#: Communicated with every declined referral or refused advice request (domain: §4).
APPEAL_ROUTE = (
    "An officer of Inspector rank or above may appeal this decision to the Unit Head: use “Request escalation” "
    "on this referral and give the grounds."
)
# --- referrals and early advice -------------------------------------------------------------------

ITEM_FIELDS = rules.EIA_FIELDS


def _response_due_dates(force_id: int, complete_on: dt.date) -> dict[str, dt.date]:
    """The CCU's acknowledgement and response dates, counted from the day the request became
    complete, in working days from the force's agreement in force (or the HQ template's defaults)."""
    agreement = selectors.agreement_for_force(force_id)
    in_force = (
        agreement if agreement and agreement.status in (AgreementStatus.SIGNED, AgreementStatus.REVIEW_DUE) else None
    )
    template = in_force.template if in_force else selectors.current_template(complete_on)
    params = rules.parameter_values(template.content if template else {}, in_force.parameters if in_force else {})
    calendar = working_calendar()
    return {
        "acknowledge_due_on": rules.due_after(calendar, complete_on, params.get("acknowledge_days", 2)),
        "respond_due_on": rules.due_after(calendar, complete_on, params.get("respond_days", 10)),
    }


@transaction.atomic
def referral_submit(
    *,
    actor: User,
    kind: str,
    items: dict[str, str],
    officer_in_case: str = "",
    proposed_criterion_id: int | None = None,
) -> Referral:
    """A force sends a referral or an early advice request. It may be sent with items still
    missing: they are listed on the request (the force and the CCU both see the list), and the
    CCU's response times start only when the request is complete, the day the last item arrives."""
    if not is_police(actor) or not actor.police_force_id:
        raise PermissionDenied("Only a force's police liaison officers submit referrals through the portal.")
    if kind not in ReferralKind.values:
        raise ValidationFailed("Choose a referral or an early advice request.", field_errors={"kind": ["Choose one."]})
    values = {name: str(items.get(name) or "").strip() for name in ITEM_FIELDS}
    if not any(values.values()):
        raise ValidationFailed(
            "Fill in at least one of the 8 items before sending the request.",
            field_errors={"police_reference": ["Fill in at least one of the 8 items before sending the request"]},
        )
    if (
        proposed_criterion_id
        and not AcceptanceCriterion.objects.filter(pk=proposed_criterion_id, is_active=True).exists()
    ):
        raise ValidationFailed(
            "Choose a case type from the list.",
            field_errors={"proposed_criterion": ["Choose a case type from the list."]},
        )
    force = PoliceForce.objects.get(pk=actor.police_force_id)
    unit = serving_unit(force)
    agreement = selectors.agreement_for_force(force.pk)
    in_force = (
        agreement if agreement and agreement.status in (AgreementStatus.SIGNED, AgreementStatus.REVIEW_DUE) else None
    )
    missing = rules.missing_labels(rules.check_completeness(values))
    today = clock.today()
    due_dates = {} if missing else _response_due_dates(force.pk, today)
    now = clock.now()
    referral = Referral.objects.create(
        reference=f"TMP-{now.timestamp()}-{actor.pk}",
        kind=kind,
        force=force,
        unit=unit,
        agreement=in_force,
        submitted_by=actor,
        submitted_on=today,
        officer_in_case=officer_in_case.strip(),
        proposed_criterion_id=proposed_criterion_id or None,
        missing_items=missing,
        completed_on=None if missing else today,
        status=ReferralStatus.SUBMITTED,
        created_at=now,
        updated_at=now,
        **due_dates,
        **values,
    )
    prefix = "EIA" if kind == ReferralKind.EARLY_ADVICE else "REF"
    referral.reference = f"{prefix}-{force.code[:4].upper()}-{referral.pk:05d}"
    referral.save(update_fields=["reference"])
    audit.record(
        actor=actor,
        action=Action.COLLECT,
        subject=referral,
        changes=audit.diff(
            {},
            {
                "kind": kind,
                "force": force.name,
                "police_reference": referral.police_reference,
                "missing_items": missing,
                "completed_on": referral.completed_on,
                "respond_due_on": referral.respond_due_on,
            },
        ),
    )
    referral.remember_loaded_state()
    return referral


@transaction.atomic
def referral_send_missing_items(*, actor: User, referral: Referral, items: dict[str, str]) -> Referral:
    """The force sends items its request still lacks. Items already sent are not replaced (what the
    CCU read stays what it read). When nothing is missing any more, the request is complete today
    and the CCU's response times start."""
    referral = visible_referral(actor, referral)
    police_of_force(actor, referral.force_id)
    _require_open(referral)
    if referral.completed_on is not None:
        raise TransitionRefused("This request is already complete: nothing is missing.")
    values: dict[str, Any] = {}
    for name in ITEM_FIELDS:
        given = str(items.get(name) or "").strip()
        if given and name in selectors.still_missing_fields(referral):
            values[name] = given
    if not values:
        first = (selectors.still_missing_fields(referral) or ["police_reference"])[0]
        raise ValidationFailed(
            "Fill in at least one of the items still missing.",
            field_errors={first: ["Fill in at least one of the items still missing"]},
        )
    merged = {name: values.get(name, getattr(referral, name)) for name in ITEM_FIELDS}
    missing = rules.missing_labels(rules.check_completeness(merged))
    values["missing_items"] = missing
    if not missing:
        today = clock.today()
        values.update(completed_on=today, **_response_due_dates(referral.force_id, today))
    _update(actor, referral, values)
    return referral


def _require_open(referral: Referral) -> None:
    if referral.status not in OPEN_REFERRAL_STATUSES:
        raise TransitionRefused(f"This referral has already been decided ({referral.get_status_display().lower()}).")


def _update(actor: User, referral: Referral, values: dict[str, Any]) -> None:
    versioned_update(
        actor=actor, instance=referral, expected_version=referral.version, values=values, case_id=referral.case_id
    )


@transaction.atomic
def referral_acknowledge(*, actor: User, referral: Referral) -> Referral:
    referral = visible_referral(actor, referral)
    require_unit_lawyer(actor, referral.unit_id)
    if referral.status != ReferralStatus.SUBMITTED:
        raise TransitionRefused("This referral has already been acknowledged.")
    _update(actor, referral, {"status": ReferralStatus.ACKNOWLEDGED, "acknowledged_on": clock.today()})
    return referral


def _decide(actor: User, referral: Referral, values: dict[str, Any]) -> None:
    today = clock.today()
    values = {"responded_on": today, "decided_by_id": actor.pk, **values}
    if referral.acknowledged_on is None:
        values["acknowledged_on"] = today
    _update(actor, referral, values)
    resolve_open_escalations(actor, referral, f"Decided: {ReferralStatus(values['status']).label}.")


@transaction.atomic
def referral_accept(
    *,
    actor: User,
    referral: Referral,
    criterion_id: int,
    urn: str,
    note: str = "",
    allocated_lawyer_id: int | None = None,
) -> Referral:
    """Accept into the CCU on a listed criterion: records the case on the register."""
    referral = visible_referral(actor, referral)
    require_unit_manager(actor, referral.unit_id)
    _require_open(referral)
    criterion = AcceptanceCriterion.objects.filter(pk=criterion_id, is_active=True).first()
    if criterion is None:
        raise ValidationFailed(
            "Choose the listed criterion the case meets.",
            field_errors={"criterion": ["Choose the listed criterion the case meets."]},
        )
    today = clock.today()
    case = case_services.case_create(
        actor=actor,
        unit_id=referral.unit_id,
        urn=urn,
        summary=referral.factual_summary,
        lead_force_id=referral.force_id,
        acceptance_criterion_id=criterion.pk,
        accepted_on=today,
        legal_manager_id=actor.pk if RoleCode.LEGAL_MANAGER in actor.role_codes else None,
        allocated_lawyer_id=allocated_lawyer_id,
    )
    text = note.strip() or f"Accepted into the CCU: {criterion.title}."
    _decide(
        actor,
        referral,
        {"status": ReferralStatus.ACCEPTED, "criterion_id": criterion.pk, "case_id": case.pk, "response_text": text},
    )
    return referral


@transaction.atomic
def referral_redirect(*, actor: User, referral: Referral, division: str, reason: str) -> Referral:
    referral = visible_referral(actor, referral)
    require_unit_manager(actor, referral.unit_id)
    _require_open(referral)
    if division not in dict(divisions_on(clock.today())):
        raise ValidationFailed(
            "Choose the central division.", field_errors={"division": ["Choose a division that exists today."]}
        )
    if not reason.strip():
        raise ValidationFailed(
            "Say why the case goes to the central division.",
            field_errors={"reason": ["Say why the case goes to the central division."]},
        )
    _decide(
        actor,
        referral,
        {"status": ReferralStatus.REDIRECTED, "redirected_to": division, "response_text": reason.strip()},
    )
    return referral


@transaction.atomic
def referral_decline(*, actor: User, referral: Referral, reason: str) -> Referral:
    """Decline a referral or refuse an advice request: the reason and the appeal route are
    communicated to the force through the portal at once (the communication date is recorded)."""
    referral = visible_referral(actor, referral)
    if referral.kind == ReferralKind.EARLY_ADVICE:
        require_unit_lawyer(actor, referral.unit_id)
    else:
        require_unit_manager(actor, referral.unit_id)
    _require_open(referral)
    if len(reason.strip()) < 10:
        raise ValidationFailed(
            "Give the reason for declining; it is sent to the police.",
            field_errors={"reason": ["Give the reason for declining; it is sent to the police."]},
        )
    _decide(
        actor,
        referral,
        {"status": ReferralStatus.DECLINED, "response_text": reason.strip(), "decline_communicated_on": clock.today()},
    )
    return referral


@transaction.atomic
def referral_advise(*, actor: User, referral: Referral, advice: str) -> Referral:
    referral = visible_referral(actor, referral)
    require_unit_lawyer(actor, referral.unit_id)
    _require_open(referral)
    if referral.kind != ReferralKind.EARLY_ADVICE:
        raise TransitionRefused("Advice is given on early advice requests; triage a referral instead.")
    if len(advice.strip()) < 10:
        raise ValidationFailed("Write the advice.", field_errors={"advice": ["Write the advice."]})
    _decide(actor, referral, {"status": ReferralStatus.ADVICE_GIVEN, "response_text": advice.strip()})
    return referral


# --- action plans --------------------------------------------------------------------------------


@transaction.atomic
def action_plan_issue(*, actor: User, referral: Referral, actions: str) -> ActionPlan:
    referral = visible_referral(actor, referral)
    require_unit_lawyer(actor, referral.unit_id)
    if not actions.strip():
        raise ValidationFailed("List the actions.", field_errors={"actions": ["List the actions."]})
    today = clock.today()
    days = _params(referral).get("action_plan_response_days", 15)
    plan = ActionPlan.objects.create(
        referral=referral,
        issued_by=actor,
        issued_on=today,
        actions=actions.strip(),
        response_due_on=rules.due_after(working_calendar(), today, days),
    )
    audit.record(
        actor=actor,
        action=Action.COLLECT,
        subject=plan,
        case_id=referral.case_id,
        changes={"actions": [None, plan.actions], "response_due_on": [None, plan.response_due_on.isoformat()]},
    )
    return plan


@transaction.atomic
def action_plan_answer(*, actor: User, plan_id: int, answer: str) -> ActionPlan:
    plan: ActionPlan | None = ActionPlan.objects.visible_to(actor).select_related("referral").filter(pk=plan_id).first()
    if plan is None:
        raise NotFound("Action plan not found.")
    police_of_force(actor, plan.referral.force_id)
    if plan.answered_on is not None:
        raise TransitionRefused("This action plan has already been answered.")
    if not answer.strip():
        raise ValidationFailed("Write your response.", field_errors={"answer": ["Write your response."]})
    plan.answer, plan.answered_on, plan.answered_by = answer.strip(), clock.today(), actor
    plan.save(update_fields=["answer", "answered_on", "answered_by"])
    audit.record(
        actor=actor,
        action=Action.ALTER,
        subject=plan,
        case_id=plan.referral.case_id,
        changes={"answer": [None, plan.answer], "answered_on": [None, plan.answered_on.isoformat()]},
    )
    return plan


def _params(referral: Referral) -> dict[str, int]:
    if referral.agreement_id:
        agreement = referral.agreement
        assert agreement is not None
        return rules.parameter_values(agreement.template.content, agreement.parameters)
    template = selectors.current_template()
    return rules.parameter_values(template.content if template else {}, {})
