"""Escalation up an agreement's ladder: asked for by either side, resolved by the CCU, and raised by
the sweep when a response is late (an SLA breach) or an escalation goes unanswered."""

from __future__ import annotations

import datetime as dt

from django.db import transaction

from casework.audit import services as audit
from casework.audit.choices import Action
from casework.audit.versioned import versioned_update
from casework.core import clock
from casework.core.bank_holidays import working_calendar
from casework.core.errors import NotFound, TransitionRefused, ValidationFailed
from casework.partners import emails, rules, selectors
from casework.partners.choices import OPEN_REFERRAL_STATUSES, EscalationStatus, Side
from casework.partners.models import ActionPlan, Escalation, Referral
from casework.partners.services.access import is_police, police_of_force, require_unit_lawyer, visible_referral
from casework.people.models import User


def _open_escalation(referral: Referral) -> Escalation | None:
    return Escalation.objects.filter(referral=referral, status=EscalationStatus.OPEN).order_by("-level").first()


def _raise(
    actor: User | None,
    referral: Referral,
    *,
    level: int,
    side: str,
    reason: str,
    today: dt.date,
    previous: Escalation | None,
) -> Escalation:
    """Open an escalation at `level` (superseding `previous`); `actor` None is the sweep."""
    ladder = selectors.ladder_of(referral)
    rung = rules.ladder_rung(ladder, level)
    if previous is not None:
        previous.status = EscalationStatus.SUPERSEDED
        previous.save(update_fields=["status"])
    escalation = Escalation.objects.create(
        referral=referral,
        level=level,
        police_role=rung["police"],
        cps_role=rung["cps"],
        raised_side=side,
        raised_by=actor,
        raised_on=today,
        reason=reason,
        response_due_on=rules.escalation_due(working_calendar(), ladder, level, today),
        previous=previous,
    )
    versioned_update(
        actor=actor,
        instance=referral,
        expected_version=referral.version,
        values={"escalation_level": level},
        case_id=referral.case_id,
    )
    audit.record(
        actor=actor,
        action=Action.COLLECT,
        subject=escalation,
        case_id=referral.case_id,
        changes={
            "level": [previous.level if previous else None, level],
            "reason": [None, reason],
            "response_due_on": [None, escalation.response_due_on.isoformat()],
        },
    )
    return escalation


@transaction.atomic
def escalation_request(*, actor: User, referral: Referral, reason: str) -> Escalation:
    """Either side asks for escalation: level 1 first; again while one is open moves it up a level."""
    referral = visible_referral(actor, referral)
    if is_police(actor):
        police_of_force(actor, referral.force_id)
        side = Side.POLICE
    else:
        require_unit_lawyer(actor, referral.unit_id)
        side = Side.CPS
    if len(reason.strip()) < 10:
        raise ValidationFailed(
            "Say what is disputed or late, and what you need.",
            field_errors={"reason": ["Say what is disputed or late, and what you need."]},
        )
    current = _open_escalation(referral)
    ladder = selectors.ladder_of(referral)
    level = current.level + 1 if current else 1
    if level > max(r["level"] for r in ladder):
        raise TransitionRefused("This is already at the top of the escalation ladder.")
    return _raise(actor, referral, level=level, side=side, reason=reason.strip(), today=clock.today(), previous=current)


@transaction.atomic
def escalation_resolve(*, actor: User, escalation_id: int, outcome: str) -> Escalation:
    escalation: Escalation | None = (
        Escalation.objects.visible_to(actor).select_related("referral").filter(pk=escalation_id).first()
    )
    if escalation is None:
        raise NotFound("Escalation not found.")
    require_unit_lawyer(actor, escalation.referral.unit_id)
    if escalation.status != EscalationStatus.OPEN:
        raise TransitionRefused("This escalation is no longer open.")
    if not outcome.strip():
        raise ValidationFailed("Record the outcome.", field_errors={"outcome": ["Record the outcome."]})
    _close(actor, escalation, outcome.strip())
    return escalation


def _close(actor: User, escalation: Escalation, outcome: str) -> None:
    escalation.status, escalation.resolved_on, escalation.outcome = EscalationStatus.RESOLVED, clock.today(), outcome
    escalation.save(update_fields=["status", "resolved_on", "outcome"])
    audit.record(
        actor=actor,
        action=Action.ALTER,
        subject=escalation,
        case_id=escalation.referral.case_id,
        changes={"status": [EscalationStatus.OPEN, EscalationStatus.RESOLVED], "outcome": [None, outcome]},
    )


def resolve_open_escalations(actor: User, referral: Referral, outcome: str) -> None:
    for escalation in Escalation.objects.filter(referral=referral, status=EscalationStatus.OPEN):
        _close(actor, escalation, outcome)


def breaches_sweep(*, today: dt.date) -> dict[str, int]:
    """Detect SLA breaches and climb the ladder: an undecided referral past its response date, or an
    action plan unanswered past its date, opens a level-1 escalation; an escalation unanswered past
    its level's response time moves up a level. Idempotent for a given day."""
    counts = {"breaches_escalated": 0, "escalations_raised_a_level": 0}
    late = Referral.objects.filter(
        status__in=list(OPEN_REFERRAL_STATUSES), respond_due_on__lt=today, escalation_level=0
    )
    for referral in late.select_related("agreement__template"):
        # A request still missing items has no response date (the filter leaves it out).
        assert referral.respond_due_on is not None
        with transaction.atomic():
            _raise(
                None,
                referral,
                level=1,
                side=Side.POLICE,
                today=today,
                previous=None,
                reason=f"SLA breach: the CCU's response was due on {referral.respond_due_on:%d %B %Y}.",
            )
            emails.sla_breach(
                referral=referral, overdue="The CPS response to your referral", due_on=referral.respond_due_on
            )
            counts["breaches_escalated"] += 1
    plans = ActionPlan.objects.filter(
        answered_on__isnull=True, response_due_on__lt=today, referral__escalation_level=0
    ).select_related("referral__agreement__template")
    for plan in plans:
        with transaction.atomic():
            referral = Referral.objects.get(pk=plan.referral_id)
            if referral.escalation_level:
                continue
            _raise(
                None,
                referral,
                level=1,
                side=Side.CPS,
                today=today,
                previous=None,
                reason=f"SLA breach: the police response to the action plan was due on "
                f"{plan.response_due_on:%d %B %Y}.",
            )
            emails.sla_breach(
                referral=referral, overdue="Your response to the action plan", due_on=plan.response_due_on
            )
            counts["breaches_escalated"] += 1
    for escalation in Escalation.objects.filter(status=EscalationStatus.OPEN).select_related("referral"):
        ladder = selectors.ladder_of(escalation.referral)
        target = rules.next_level(ladder, escalation.level, escalation.response_due_on, today)
        if target is None:
            continue
        with transaction.atomic():
            referral = Referral.objects.get(pk=escalation.referral_id)
            raised = _raise(
                None,
                referral,
                level=target,
                side=escalation.raised_side,
                today=today,
                previous=escalation,
                reason=f"No response at level {escalation.level} by {escalation.response_due_on:%d %B %Y}.",
            )
            emails.escalation_raised(escalation=raised)
            counts["escalations_raised_a_level"] += 1
    return counts
