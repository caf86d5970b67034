"""Writes for the police partnership. Each service runs in one transaction, checks the actor may do
it (visibility first: outside the actor's view is NotFound), and records its audit event inside.

Who does what: HQ publishes template versions; a unit's legal managers and Unit Head negotiate
and sign their forces' agreements and triage referrals; the unit's prosecutors give early advice
and issue action plans; a force's liaison officers submit requests, answer action plans and ask
for escalation, for their own force only.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db import transaction

from casework.audit import services as audit
from casework.audit.choices import Action
from casework.cases import services as case_services
from casework.cases.models import AcceptanceCriterion
from casework.cases.services import versioned_update
from casework.core import clock, dates
from casework.core.errors import NotFound, PermissionDenied, TransitionRefused, ValidationFailed
from casework.partners import rules, selectors
from casework.partners.choices import (
    OPEN_REFERRAL_STATUSES,
    AgreementStatus,
    CentralDivision,
    DisagreementOutcome,
    EscalationStatus,
    MeetingKind,
    ReferralKind,
    ReferralStatus,
    Side,
    TemplateStatus,
)
from casework.partners.models import (
    ActionPlan,
    Agreement,
    AgreementDeviation,
    Disagreement,
    Escalation,
    LiaisonMeeting,
    MeetingAction,
    MouTemplate,
    Referral,
    force_scope,
)
from casework.people.choices import CASEWORKER_ROLES, UNIT_MANAGER_ROLES, RoleCode
from casework.people.models import PoliceForce, Unit, User
from casework.progression.selectors import working_calendar

#: Communicated with every declined referral or refused advice request (domain: §4).
APPEAL_ROUTE = (
    "An officer of Inspector rank or above may appeal this decision to the Unit Head: use “Request escalation” "
    "on this referral and give the grounds."
)
#: How long after its review date an unrenewed agreement stays in force (local policy).
EXPIRY_GRACE_MONTHS = 6
EDITABLE_AGREEMENT_FIELDS = ("parameters", "cps_contacts", "police_contacts")


def _versioned_update(
    *, actor: Any, instance: Any, expected_version: int, values: dict[str, Any], case_id: int | None
) -> dict[str, list[Any]]:
    # The case register's helper handles records with no case (case_id None: nothing to notify).
    return versioned_update(
        actor=actor,
        instance=instance,
        expected_version=expected_version,
        values=values,
        case_id=case_id,  # type: ignore[arg-type]
    )


# --- who may act ---------------------------------------------------------------------------------


def _is_police(actor: Any) -> bool:
    return RoleCode.POLICE_LIAISON in actor.role_codes


def _serving_unit(force: PoliceForce) -> Unit:
    area = force.areas.select_related("unit").order_by("pk").first()
    if area is None:
        raise ValidationFailed(f"{force} is not linked to a CPS Area, so no CCU serves it.")
    return area.unit


def _require_unit_manager(actor: Any, unit_id: int) -> None:
    if not (actor.role_codes & UNIT_MANAGER_ROLES) or actor.unit_id != unit_id:
        raise PermissionDenied("Only the unit's legal managers and Unit Head can do this.")


def _require_unit_lawyer(actor: Any, unit_id: int) -> None:
    if not (actor.role_codes & (UNIT_MANAGER_ROLES | CASEWORKER_ROLES)) or actor.unit_id != unit_id:
        raise PermissionDenied("Only the unit's prosecutors and managers can do this.")


def _visible_force(actor: Any, force_id: int) -> PoliceForce:
    scope = force_scope(actor)
    forces = PoliceForce.objects.all() if scope is None else PoliceForce.objects.filter(scope)
    force = forces.filter(pk=force_id).first()
    if force is None:
        raise NotFound("Police force not found.")
    return force


def _visible_agreement(actor: Any, agreement: Agreement) -> Agreement:
    """The caller's own instance (its version is the one the caller saw), once we know the actor may see it."""
    if not Agreement.objects.visible_to(actor).filter(pk=agreement.pk).exists():
        raise NotFound("Agreement not found.")
    return agreement


def _visible_referral(actor: Any, referral: Referral) -> Referral:
    if not Referral.objects.visible_to(actor).filter(pk=referral.pk).exists():
        raise NotFound("Referral not found.")
    return referral


def _police_of_force(actor: Any, force_id: int) -> None:
    if not _is_police(actor) or actor.police_force_id != force_id:
        raise NotFound("Referral not found.")


# --- templates -----------------------------------------------------------------------------------


@transaction.atomic
def template_publish(
    *, actor: Any, content: dict[str, Any], title: str, effective_from: dt.date, change_note: str, source: str
) -> MouTemplate:
    """Publish the next version of the HQ template. Earlier versions and their agreements are kept."""
    if not actor.has_role(RoleCode.HQ_POLICY):
        raise PermissionDenied("Only the HQ policy lead can publish a new version of the MoU template.")
    dates.require_plausible(effective_from=effective_from)
    problems = rules.validate_template(content)
    if not change_note.strip():
        problems.append("Say what this version changes and why.")
    if problems:
        raise ValidationFailed(" ".join(problems), field_errors={"content": problems})
    previous = MouTemplate.objects.order_by("-number").first()
    changes = rules.template_diff(previous.content if previous else {}, content)
    if previous is not None and not changes:
        raise ValidationFailed(f"This version is identical to version {previous.number}: nothing to publish.")
    template = MouTemplate.objects.create(
        number=(previous.number + 1) if previous else 1,
        title=title.strip() or (previous.title if previous else "HQ model MoU"),
        status=TemplateStatus.PUBLISHED,
        effective_from=effective_from,
        source=source.strip() or (previous.source if previous else "local policy"),
        change_note=change_note.strip(),
        content=content,
        published_at=clock.now(),
        published_by=actor,
    )
    audit.record(
        actor=actor,
        action=Action.CONFIG_CHANGE,
        subject=template,
        changes={
            "version": [previous.number if previous else None, template.number],
            "changes": [None, [c.summary for c in changes][:50]],
        },
    )
    return template


# --- agreements ----------------------------------------------------------------------------------


@transaction.atomic
def agreement_create(
    *,
    actor: Any,
    force_id: int,
    template_number: int | None = None,
    parameters: dict[str, Any] | None = None,
    cps_contacts: str = "",
    police_contacts: str = "",
) -> Agreement:
    """Start a draft agreement with a force the actor's unit serves, on a template version."""
    force = _visible_force(actor, force_id)
    unit = _serving_unit(force)
    _require_unit_manager(actor, unit.pk)
    template = (
        MouTemplate.objects.published().filter(number=template_number).first()
        if template_number
        else selectors.current_template(clock.today())
    )
    if template is None:
        raise ValidationFailed("There is no published template version to make the agreement from.")
    values = {k: int(v) for k, v in (parameters or {}).items()}
    errors = rules.validate_parameters(template.content, values)
    if errors:
        raise ValidationFailed("Some parameters are outside what the HQ template allows.", field_errors=errors)
    now = clock.now()
    agreement = Agreement.objects.create(
        force=force,
        unit=unit,
        template=template,
        status=AgreementStatus.DRAFT,
        parameters=values,
        cps_contacts=cps_contacts,
        police_contacts=police_contacts,
        created_at=now,
        updated_at=now,
    )
    audit.record(
        actor=actor,
        action=Action.COLLECT,
        subject=agreement,
        changes=audit.diff({}, {**agreement.snapshot(), "template": template.number}),
    )
    agreement.remember_loaded_state()
    return agreement


def _require_negotiable(agreement: Agreement) -> None:
    if agreement.status not in (AgreementStatus.DRAFT, AgreementStatus.NEGOTIATING):
        raise TransitionRefused(
            "Only a draft or an agreement in negotiation can be changed. To change a signed agreement, "
            "start its review: move it to a template version, which creates a new draft."
        )


@transaction.atomic
def agreement_update(*, actor: Any, agreement: Agreement, expected_version: int, **values: Any) -> dict[str, Any]:
    agreement = _visible_agreement(actor, agreement)
    _require_unit_manager(actor, agreement.unit_id)
    _require_negotiable(agreement)
    unknown = set(values) - set(EDITABLE_AGREEMENT_FIELDS)
    if unknown:
        raise ValidationFailed(f"These fields cannot be changed here: {', '.join(sorted(unknown))}")
    if "parameters" in values:
        values["parameters"] = {k: int(v) for k, v in values["parameters"].items()}
        errors = rules.validate_parameters(agreement.template.content, values["parameters"])
        if errors:
            raise ValidationFailed("Some parameters are outside what the HQ template allows.", field_errors=errors)
    return _versioned_update(
        actor=actor, instance=agreement, expected_version=expected_version, values=values, case_id=None
    )


@transaction.atomic
def agreement_record_deviation(
    *, actor: Any, agreement: Agreement, clause_code: str, text: str = "", reason: str, omitted: bool = False
) -> AgreementDeviation:
    """Record (or replace) the local wording of one clause, with the reason for departing from HQ's."""
    agreement = _visible_agreement(actor, agreement)
    _require_unit_manager(actor, agreement.unit_id)
    _require_negotiable(agreement)
    problems = rules.deviation_problems(
        agreement.template.content, clause_code, omitted=omitted, text=text, reason=reason
    )
    if problems:
        raise ValidationFailed(" ".join(problems), field_errors={"text": problems})
    existing = AgreementDeviation.objects.filter(agreement=agreement, clause_code=clause_code).first()
    before = {"text": existing.text, "omitted": existing.omitted, "reason": existing.reason} if existing else {}
    deviation, _ = AgreementDeviation.objects.update_or_create(
        agreement=agreement,
        clause_code=clause_code,
        defaults={
            "text": "" if omitted else text.strip(),
            "omitted": omitted,
            "reason": reason.strip(),
            "recorded_by": actor,
            "recorded_at": clock.now(),
        },
    )
    audit.record(
        actor=actor,
        action=Action.ALTER,
        subject=agreement,
        subject_label=f"{agreement} clause {clause_code}",
        changes=audit.diff(before, {"text": deviation.text, "omitted": omitted, "reason": deviation.reason}),
    )
    return deviation


@transaction.atomic
def agreement_remove_deviation(*, actor: Any, agreement: Agreement, clause_code: str) -> None:
    agreement = _visible_agreement(actor, agreement)
    _require_unit_manager(actor, agreement.unit_id)
    _require_negotiable(agreement)
    deviation = AgreementDeviation.objects.filter(agreement=agreement, clause_code=clause_code).first()
    if deviation is None:
        raise NotFound("That clause has no local variation.")
    audit.record(
        actor=actor,
        action=Action.ALTER,
        subject=agreement,
        subject_label=f"{agreement} clause {clause_code}",
        changes={"text": [deviation.text, "(HQ template wording)"], "reason": [deviation.reason, None]},
    )
    deviation.delete()


@transaction.atomic
def agreement_transition(
    *,
    actor: Any,
    agreement: Agreement,
    expected_version: int,
    target: str,
    cps_signatory: str = "",
    police_signatory: str = "",
    signed_on: dt.date | None = None,
    effective_from: dt.date | None = None,
) -> Agreement:
    """Move an agreement through its lifecycle. Signing needs both signatories and the dates; it sets
    the review date from the agreed review period and supersedes the force's previous agreement."""
    agreement = _visible_agreement(actor, agreement)
    _require_unit_manager(actor, agreement.unit_id)
    dates.require_plausible(signed_on=signed_on, effective_from=effective_from)
    problem = rules.transition_problem(agreement.status, target)
    if problem:
        raise TransitionRefused(problem)
    values: dict[str, Any] = {"status": target}
    if target == AgreementStatus.SIGNED:
        errors: dict[str, list[str]] = {}
        if not cps_signatory.strip():
            errors["cps_signatory"] = ["Enter the name and role of the CPS signatory."]
        if not police_signatory.strip():
            errors["police_signatory"] = ["Enter the name and rank of the police signatory."]
        if signed_on is None:
            errors["signed_on"] = ["Enter the date the agreement was signed."]
        elif signed_on > clock.today():
            errors["signed_on"] = ["The signing date cannot be in the future."]
        start = effective_from or signed_on
        if start is not None and signed_on is not None and start < signed_on:
            errors["effective_from"] = ["The agreement cannot take effect before it is signed."]
        if errors:
            raise ValidationFailed("The agreement cannot be recorded as signed yet.", field_errors=errors)
        assert start is not None
        months = rules.parameter_values(agreement.template.content, agreement.parameters)["review_period_months"]
        review = rules.add_months(start, months)
        values.update(
            cps_signatory=cps_signatory.strip(),
            police_signatory=police_signatory.strip(),
            signed_on=signed_on,
            effective_from=start,
            review_due_on=review,
            expires_on=rules.add_months(review, EXPIRY_GRACE_MONTHS),
            review_reminder_sent_on=None,
        )
    _versioned_update(actor=actor, instance=agreement, expected_version=expected_version, values=values, case_id=None)
    if target == AgreementStatus.SIGNED:
        _supersede_others(actor=actor, agreement=agreement)
    return agreement


def _supersede_others(*, actor: Any, agreement: Agreement) -> None:
    others = Agreement.objects.live().filter(force_id=agreement.force_id).exclude(pk=agreement.pk)
    for other in others.filter(status__in=[AgreementStatus.SIGNED, AgreementStatus.REVIEW_DUE]):
        _versioned_update(
            actor=actor,
            instance=other,
            expected_version=other.version,
            values={"status": AgreementStatus.SUPERSEDED, "superseded_by_id": agreement.pk},
            case_id=None,
        )


@transaction.atomic
def agreement_start_revision(*, actor: Any, agreement: Agreement, template_number: int) -> Agreement:
    """Start the next agreement for the force on a template version: a draft carrying over the agreed
    parameters and the local variations of clauses that still exist. The old one stays in force
    until the new one is signed."""
    agreement = _visible_agreement(actor, agreement)
    _require_unit_manager(actor, agreement.unit_id)
    if agreement.status not in (AgreementStatus.SIGNED, AgreementStatus.REVIEW_DUE, AgreementStatus.EXPIRED):
        raise TransitionRefused("Only a signed, review-due or expired agreement is revised; edit the draft instead.")
    if Agreement.objects.filter(
        force_id=agreement.force_id, status__in=[AgreementStatus.DRAFT, AgreementStatus.NEGOTIATING]
    ).exists():
        raise TransitionRefused("A revised agreement for this force is already being drafted.")
    target = MouTemplate.objects.published().filter(number=template_number).first()
    if target is None:
        raise NotFound("Template version not found.")
    known = {p["code"] for p in target.content.get("parameters", [])}
    params = {k: v for k, v in agreement.parameters.items() if k in known}
    params = {k: v for k, v in params.items() if not rules.validate_parameters(target.content, {k: v})}
    new = agreement_create(
        actor=actor,
        force_id=agreement.force_id,
        template_number=target.number,
        parameters=params,
        cps_contacts=agreement.cps_contacts,
        police_contacts=agreement.police_contacts,
    )
    clauses = rules.clause_index(target.content)
    for deviation in AgreementDeviation.objects.filter(agreement=agreement):
        clause = clauses.get(deviation.clause_code)
        if clause is None or (deviation.omitted and clause.get("required")):
            continue
        AgreementDeviation.objects.create(
            agreement=new,
            clause_code=deviation.clause_code,
            text=deviation.text,
            omitted=deviation.omitted,
            reason=deviation.reason,
            recorded_by=actor,
            recorded_at=clock.now(),
        )
    return new


# --- review reminders and expiry (the sweep) ------------------------------------------------------


def agreements_review_sweep(*, today: dt.date) -> dict[str, int]:
    """Signed agreements past their review date become review-due; past expiry, expired; a reminder
    task goes to the unit's Unit Head (or legal managers) once, ahead of the review date."""
    from casework.progression import services as progression

    counts = {"review_due": 0, "expired": 0, "reminders": 0}
    live = Agreement.objects.filter(status__in=[AgreementStatus.SIGNED, AgreementStatus.REVIEW_DUE])
    for agreement in live.select_related("template", "force", "unit"):
        state = selectors.agreement_review_state(agreement, today)
        with transaction.atomic():
            if state == "expired":
                _versioned_update(
                    actor=None,
                    instance=agreement,
                    expected_version=agreement.version,
                    values={"status": AgreementStatus.EXPIRED},
                    case_id=None,
                )
                counts["expired"] += 1
            elif state == "review_due" and agreement.status == AgreementStatus.SIGNED:
                _versioned_update(
                    actor=None,
                    instance=agreement,
                    expected_version=agreement.version,
                    values={"status": AgreementStatus.REVIEW_DUE},
                    case_id=None,
                )
                counts["review_due"] += 1
            if state in ("reminder", "review_due") and agreement.review_reminder_sent_on is None:
                owner = _review_owner(agreement.unit_id)
                if owner is not None and agreement.review_due_on is not None:
                    progression.task_create(
                        actor=None,
                        title=f"Review the MoU with {agreement.force}",
                        assignee_id=owner.pk,
                        due_on=max(agreement.review_due_on, today),
                        detail=f"The memorandum (template v{agreement.template.number}) is due for review on "
                        f"{agreement.review_due_on:%d %B %Y}.",
                    )
                _versioned_update(
                    actor=None,
                    instance=agreement,
                    expected_version=agreement.version,
                    values={"review_reminder_sent_on": today},
                    case_id=None,
                )
                counts["reminders"] += 1
    return counts


def _review_owner(unit_id: int) -> User | None:
    staff = User.objects.filter(unit_id=unit_id, is_active=True)
    return (
        staff.filter(roles__code=RoleCode.UNIT_HEAD).order_by("pk").first()
        or staff.filter(roles__code=RoleCode.LEGAL_MANAGER).order_by("pk").first()
    )


# --- referrals and early advice -------------------------------------------------------------------

ITEM_FIELDS = rules.EIA_FIELDS


@transaction.atomic
def referral_submit(
    *,
    actor: Any,
    kind: str,
    items: dict[str, str],
    officer_in_case: str = "",
    proposed_criterion_id: int | None = None,
) -> Referral:
    """A force submits a referral or an early advice request. All 8 items must be usable; the SLA
    clocks start from the force's agreement (or HQ template defaults if it has none in force)."""
    if not _is_police(actor) or not actor.police_force_id:
        raise PermissionDenied("Only a force's police liaison officers submit referrals through the portal.")
    if kind not in ReferralKind.values:
        raise ValidationFailed("Choose a referral or an early advice request.", field_errors={"kind": ["Choose one."]})
    missing = rules.check_completeness(items)
    if missing:
        raise ValidationFailed(
            f"The request is not complete: {len(missing)} of the 8 items need attention.",
            field_errors={m.field: [m.message] for m in missing},
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
    unit = _serving_unit(force)
    agreement = selectors.agreement_for_force(force.pk)
    in_force = (
        agreement if agreement and agreement.status in (AgreementStatus.SIGNED, AgreementStatus.REVIEW_DUE) else None
    )
    today = clock.today()
    template = in_force.template if in_force else selectors.current_template(today)
    params = rules.parameter_values(template.content if template else {}, in_force.parameters if in_force else {})
    calendar = working_calendar()
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
        missing_items=[],
        status=ReferralStatus.SUBMITTED,
        acknowledge_due_on=rules.due_after(calendar, today, params.get("acknowledge_days", 2)),
        respond_due_on=rules.due_after(calendar, today, params.get("respond_days", 10)),
        created_at=now,
        updated_at=now,
        **{name: str(items.get(name, "")).strip() for name in ITEM_FIELDS},
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
                "respond_due_on": referral.respond_due_on,
            },
        ),
    )
    referral.remember_loaded_state()
    return referral


def _require_open(referral: Referral) -> None:
    if referral.status not in OPEN_REFERRAL_STATUSES:
        raise TransitionRefused(f"This referral has already been decided ({referral.get_status_display().lower()}).")


def _update(actor: Any, referral: Referral, values: dict[str, Any]) -> None:
    _versioned_update(
        actor=actor, instance=referral, expected_version=referral.version, values=values, case_id=referral.case_id
    )


@transaction.atomic
def referral_acknowledge(*, actor: Any, referral: Referral) -> Referral:
    referral = _visible_referral(actor, referral)
    _require_unit_lawyer(actor, referral.unit_id)
    if referral.status != ReferralStatus.SUBMITTED:
        raise TransitionRefused("This referral has already been acknowledged.")
    _update(actor, referral, {"status": ReferralStatus.ACKNOWLEDGED, "acknowledged_on": clock.today()})
    return referral


def _decide(actor: Any, referral: Referral, values: dict[str, Any]) -> None:
    today = clock.today()
    values = {"responded_on": today, "decided_by_id": actor.pk, **values}
    if referral.acknowledged_on is None:
        values["acknowledged_on"] = today
    _update(actor, referral, values)
    _resolve_open_escalations(actor, referral, f"Decided: {ReferralStatus(values['status']).label}.")


@transaction.atomic
def referral_accept(
    *,
    actor: Any,
    referral: Referral,
    criterion_id: int,
    urn: str,
    note: str = "",
    allocated_lawyer_id: int | None = None,
) -> Referral:
    """Accept into the CCU on a listed criterion: records the case on the register."""
    referral = _visible_referral(actor, referral)
    _require_unit_manager(actor, referral.unit_id)
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
def referral_redirect(*, actor: Any, referral: Referral, division: str, reason: str) -> Referral:
    referral = _visible_referral(actor, referral)
    _require_unit_manager(actor, referral.unit_id)
    _require_open(referral)
    if division not in CentralDivision.values:
        raise ValidationFailed("Choose the central division.", field_errors={"division": ["Choose a division."]})
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
def referral_decline(*, actor: Any, referral: Referral, reason: str) -> Referral:
    """Decline a referral or refuse an advice request: the reason and the appeal route are
    communicated to the force through the portal at once (the communication date is recorded)."""
    referral = _visible_referral(actor, referral)
    if referral.kind == ReferralKind.EARLY_ADVICE:
        _require_unit_lawyer(actor, referral.unit_id)
    else:
        _require_unit_manager(actor, referral.unit_id)
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
def referral_advise(*, actor: Any, referral: Referral, advice: str) -> Referral:
    referral = _visible_referral(actor, referral)
    _require_unit_lawyer(actor, referral.unit_id)
    _require_open(referral)
    if referral.kind != ReferralKind.EARLY_ADVICE:
        raise TransitionRefused("Advice is given on early advice requests; triage a referral instead.")
    if len(advice.strip()) < 10:
        raise ValidationFailed("Write the advice.", field_errors={"advice": ["Write the advice."]})
    _decide(actor, referral, {"status": ReferralStatus.ADVICE_GIVEN, "response_text": advice.strip()})
    return referral


# --- action plans --------------------------------------------------------------------------------


@transaction.atomic
def action_plan_issue(*, actor: Any, referral: Referral, actions: str) -> ActionPlan:
    referral = _visible_referral(actor, referral)
    _require_unit_lawyer(actor, referral.unit_id)
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
def action_plan_answer(*, actor: Any, plan_id: int, answer: str) -> ActionPlan:
    plan = ActionPlan.objects.visible_to(actor).select_related("referral").filter(pk=plan_id).first()
    if plan is None:
        raise NotFound("Action plan not found.")
    _police_of_force(actor, plan.referral.force_id)
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


# --- escalation ----------------------------------------------------------------------------------


def _open_escalation(referral: Referral) -> Escalation | None:
    return Escalation.objects.filter(referral=referral, status=EscalationStatus.OPEN).order_by("-level").first()


def _raise(
    actor: Any, referral: Referral, *, level: int, side: str, reason: str, today: dt.date, previous: Escalation | None
) -> Escalation:
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
        raised_by=actor if getattr(actor, "is_authenticated", False) else None,
        raised_on=today,
        reason=reason,
        response_due_on=rules.escalation_due(working_calendar(), ladder, level, today),
        previous=previous,
    )
    _versioned_update(
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
def escalation_request(*, actor: Any, referral: Referral, reason: str) -> Escalation:
    """Either side asks for escalation: level 1 first; again while one is open moves it up a level."""
    referral = _visible_referral(actor, referral)
    if _is_police(actor):
        _police_of_force(actor, referral.force_id)
        side = Side.POLICE
    else:
        _require_unit_lawyer(actor, referral.unit_id)
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
def escalation_resolve(*, actor: Any, escalation_id: int, outcome: str) -> Escalation:
    escalation = Escalation.objects.visible_to(actor).select_related("referral").filter(pk=escalation_id).first()
    if escalation is None:
        raise NotFound("Escalation not found.")
    _require_unit_lawyer(actor, escalation.referral.unit_id)
    if escalation.status != EscalationStatus.OPEN:
        raise TransitionRefused("This escalation is no longer open.")
    if not outcome.strip():
        raise ValidationFailed("Record the outcome.", field_errors={"outcome": ["Record the outcome."]})
    _close(actor, escalation, outcome.strip())
    return escalation


def _close(actor: Any, escalation: Escalation, outcome: str) -> None:
    escalation.status, escalation.resolved_on, escalation.outcome = EscalationStatus.RESOLVED, clock.today(), outcome
    escalation.save(update_fields=["status", "resolved_on", "outcome"])
    audit.record(
        actor=actor,
        action=Action.ALTER,
        subject=escalation,
        case_id=escalation.referral.case_id,
        changes={"status": [EscalationStatus.OPEN, EscalationStatus.RESOLVED], "outcome": [None, outcome]},
    )


def _resolve_open_escalations(actor: Any, referral: Referral, outcome: str) -> None:
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
            counts["breaches_escalated"] += 1
    for escalation in Escalation.objects.filter(status=EscalationStatus.OPEN).select_related("referral"):
        ladder = selectors.ladder_of(escalation.referral)
        target = rules.next_level(ladder, escalation.level, escalation.response_due_on, today)
        if target is None:
            continue
        with transaction.atomic():
            referral = Referral.objects.get(pk=escalation.referral_id)
            _raise(
                None,
                referral,
                level=target,
                side=escalation.raised_side,
                today=today,
                previous=escalation,
                reason=f"No response at level {escalation.level} by {escalation.response_due_on:%d %B %Y}.",
            )
            counts["escalations_raised_a_level"] += 1
    return counts


# --- disagreements and liaison meetings ----------------------------------------------------------


@transaction.atomic
def disagreement_record(
    *,
    actor: Any,
    force_id: int,
    subject: str,
    cps_position: str,
    police_position: str,
    referral_id: int | None = None,
) -> Disagreement:
    force = _visible_force(actor, force_id)
    _require_unit_lawyer(actor, _serving_unit(force).pk)
    if not (subject.strip() and cps_position.strip() and police_position.strip()):
        raise ValidationFailed("Record the subject and both sides' positions.")
    disagreement = Disagreement.objects.create(
        force=force,
        referral_id=referral_id,
        subject=subject.strip(),
        cps_position=cps_position.strip(),
        police_position=police_position.strip(),
        raised_on=clock.today(),
        recorded_by=actor,
    )
    audit.record(
        actor=actor, action=Action.COLLECT, subject=disagreement, changes={"subject": [None, disagreement.subject]}
    )
    return disagreement


@transaction.atomic
def disagreement_resolve(*, actor: Any, disagreement_id: int, outcome: str, note: str) -> Disagreement:
    disagreement = Disagreement.objects.visible_to(actor).filter(pk=disagreement_id).first()
    if disagreement is None:
        raise NotFound("Disagreement not found.")
    _require_unit_lawyer(actor, _serving_unit(disagreement.force).pk)
    if outcome not in DisagreementOutcome.values or outcome == DisagreementOutcome.OPEN:
        raise ValidationFailed("Choose the outcome.", field_errors={"outcome": ["Choose the outcome."]})
    if not note.strip():
        raise ValidationFailed("Explain the outcome.", field_errors={"note": ["Explain the outcome."]})
    before = disagreement.outcome
    disagreement.outcome, disagreement.outcome_note, disagreement.resolved_on = outcome, note.strip(), clock.today()
    disagreement.save(update_fields=["outcome", "outcome_note", "resolved_on"])
    audit.record(
        actor=actor,
        action=Action.ALTER,
        subject=disagreement,
        changes={"outcome": [before, outcome], "outcome_note": [None, disagreement.outcome_note]},
    )
    return disagreement


@transaction.atomic
def meeting_record(
    *,
    actor: Any,
    agreement: Agreement,
    kind: str,
    held_on: dt.date,
    cps_attendees: str,
    police_attendees: str,
    notes: str = "",
    actions: list[dict[str, Any]] | None = None,
) -> LiaisonMeeting:
    agreement = _visible_agreement(actor, agreement)
    _require_unit_lawyer(actor, agreement.unit_id)
    due = {f"action_{i + 1}_due_on" if i else "action_due_on": a.get("due_on") for i, a in enumerate(actions or [])}
    dates.require_plausible(held_on=held_on, **due)
    errors: dict[str, list[str]] = {}
    if kind not in MeetingKind.values:
        errors["kind"] = ["Choose operational or strategic."]
    if held_on > clock.today():
        errors["held_on"] = ["Record a meeting once it has been held."]
    if not cps_attendees.strip() or not police_attendees.strip():
        errors["cps_attendees"] = ["Record who attended for each side."]
    for index, action in enumerate(actions or []):
        if not (
            str(action.get("description", "")).strip()
            and str(action.get("owner", "")).strip()
            and action.get("due_on")
            and action.get("side") in Side.values
        ):
            errors[f"actions.{index}"] = ["Each action needs a description, an owner, a side and a due date."]
    if errors:
        raise ValidationFailed("The meeting could not be recorded.", field_errors=errors)
    meeting = LiaisonMeeting.objects.create(
        agreement=agreement,
        kind=kind,
        held_on=held_on,
        cps_attendees=cps_attendees.strip(),
        police_attendees=police_attendees.strip(),
        notes=notes.strip(),
        recorded_by=actor,
    )
    for action in actions or []:
        MeetingAction.objects.create(
            meeting=meeting,
            description=action["description"].strip(),
            owner=action["owner"].strip(),
            side=action["side"],
            due_on=action["due_on"],
        )
    audit.record(
        actor=actor,
        action=Action.COLLECT,
        subject=meeting,
        changes={"kind": [None, kind], "held_on": [None, held_on.isoformat()], "actions": [None, len(actions or [])]},
    )
    return meeting


@transaction.atomic
def meeting_action_complete(*, actor: Any, action_id: int) -> MeetingAction:
    action = MeetingAction.objects.visible_to(actor).select_related("meeting__agreement").filter(pk=action_id).first()
    if action is None:
        raise NotFound("Action not found.")
    _require_unit_lawyer(actor, action.meeting.agreement.unit_id)
    if action.done_on is not None:
        raise TransitionRefused("This action is already done.")
    action.done_on = clock.today()
    action.save(update_fields=["done_on"])
    audit.record(
        actor=actor, action=Action.ALTER, subject=action, changes={"done_on": [None, action.done_on.isoformat()]}
    )
    return action


# --- portal reads --------------------------------------------------------------------------------


@transaction.atomic
def portal_disclose(*, actor: Any, subject: Any, what: str) -> None:
    """Every read through the police portal (or the force API) is a disclosure to the force."""
    force = actor.police_force
    audit.record(
        actor=actor,
        action=Action.DISCLOSE,
        subject=subject,
        case_id=getattr(subject, "case_id", None),
        recipient=str(force),
        justification=f"Police portal: {what} for {force}, under the MoU",
    )


@transaction.atomic
def performance_export(*, actor: Any, agreement: Any, today: dt.date) -> bytes:
    """The force's performance figures as CSV tables, with the export event in the same transaction."""
    from casework.core.spreadsheets import Table, tables_to_csv
    from casework.partners.selectors import force_performance

    figures = force_performance(user=actor, force_id=agreement.force_id, today=today)
    sla_header = ["Met on time", "Met late", "Breached (open)", "Running", "% on time"]
    sla_keys = ["met", "late", "breached_open", "running", "percent_on_time"]
    tables = [
        Table("Referral outcomes", ["Outcome", "Referrals"], [list(row) for row in figures["outcomes"]]),
        Table("Referral kinds", ["Kind", "Referrals"], [list(row) for row in figures["kinds"]]),
        Table("CPS response times against the agreement", sla_header, [[figures["cps_sla"][k] for k in sla_keys]]),
        Table("Police responses to action plans", sla_header, [[figures["police_sla"][k] for k in sla_keys]]),
        Table("Escalations by level", ["Level", "Escalations"], [list(row) for row in figures["escalations"]]),
        Table(
            "Liaison actions and disagreements",
            ["Actions", "Actions done", "Disagreements", "Open escalations"],
            [
                [
                    figures["actions_total"],
                    figures["actions_done"],
                    figures["disagreements"],
                    figures["open_escalations"],
                ]
            ],
        ),
        Table("Referrals by month", ["Month", "Referrals"], [list(row) for row in figures["trend"]]),
    ]
    audit.record(
        actor=actor,
        action=Action.EXPORT,
        subject=agreement,
        subject_label=f"MoU performance: {agreement.force.name}"[:250],
        justification=f"Performance against the MoU for {agreement.force.name}",
        recipient=audit.actor_snapshot(actor).label,
    )
    return tables_to_csv(tables, titles=True)
