"""A force's agreement (MoU) with its CCU: drafting from the HQ template, local variations of
clauses, signing and superseding, revisions, and the review reminders and expiry of the sweep."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db import transaction

from casework.audit import services as audit
from casework.audit.choices import Action
from casework.audit.versioned import versioned_update
from casework.core import clock, dates
from casework.core.errors import NotFound, TransitionRefused, ValidationFailed
from casework.partners import rules, selectors
from casework.partners.choices import AgreementStatus
from casework.partners.models import Agreement, AgreementDeviation, MouTemplate
from casework.partners.services.access import require_unit_manager, serving_unit, visible_agreement, visible_force
from casework.people.choices import RoleCode
from casework.people.models import User
from casework.progression import services as progression

#: How long after its review date an unrenewed agreement stays in force (local policy).
EXPIRY_GRACE_MONTHS = 6
EDITABLE_AGREEMENT_FIELDS = ("parameters", "cps_contacts", "police_contacts")


@transaction.atomic
def agreement_create(
    *,
    actor: User,
    force_id: int,
    template_number: int | None = None,
    parameters: dict[str, Any] | None = None,
    cps_contacts: str = "",
    police_contacts: str = "",
) -> Agreement:
    """Start a draft agreement with a force the actor's unit serves, on a template version."""
    force = visible_force(actor, force_id)
    unit = serving_unit(force)
    require_unit_manager(actor, unit.pk)
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
def agreement_update(*, actor: User, agreement: Agreement, expected_version: int, **values: Any) -> dict[str, Any]:
    agreement = visible_agreement(actor, agreement)
    require_unit_manager(actor, agreement.unit_id)
    _require_negotiable(agreement)
    unknown = set(values) - set(EDITABLE_AGREEMENT_FIELDS)
    if unknown:
        raise ValidationFailed(f"These fields cannot be changed here: {', '.join(sorted(unknown))}")
    if "parameters" in values:
        values["parameters"] = {k: int(v) for k, v in values["parameters"].items()}
        errors = rules.validate_parameters(agreement.template.content, values["parameters"])
        if errors:
            raise ValidationFailed("Some parameters are outside what the HQ template allows.", field_errors=errors)
    return versioned_update(
        actor=actor, instance=agreement, expected_version=expected_version, values=values, case_id=None
    )


@transaction.atomic
def agreement_record_deviation(
    *, actor: User, agreement: Agreement, clause_code: str, text: str = "", reason: str, omitted: bool = False
) -> AgreementDeviation:
    """Record (or replace) the local wording of one clause, with the reason for departing from HQ's."""
    agreement = visible_agreement(actor, agreement)
    require_unit_manager(actor, agreement.unit_id)
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
def agreement_remove_deviation(*, actor: User, agreement: Agreement, clause_code: str) -> None:
    agreement = visible_agreement(actor, agreement)
    require_unit_manager(actor, agreement.unit_id)
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
    actor: User,
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
    agreement = visible_agreement(actor, agreement)
    require_unit_manager(actor, agreement.unit_id)
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
    versioned_update(actor=actor, instance=agreement, expected_version=expected_version, values=values, case_id=None)
    if target == AgreementStatus.SIGNED:
        _supersede_others(actor=actor, agreement=agreement)
    return agreement


def _supersede_others(*, actor: User, agreement: Agreement) -> None:
    others = Agreement.objects.live().filter(force_id=agreement.force_id).exclude(pk=agreement.pk)
    for other in others.filter(status__in=[AgreementStatus.SIGNED, AgreementStatus.REVIEW_DUE]):
        versioned_update(
            actor=actor,
            instance=other,
            expected_version=other.version,
            values={"status": AgreementStatus.SUPERSEDED, "superseded_by_id": agreement.pk},
            case_id=None,
        )


@transaction.atomic
def agreement_start_revision(*, actor: User, agreement: Agreement, template_number: int) -> Agreement:
    """Start the next agreement for the force on a template version: a draft carrying over the agreed
    parameters and the local variations of clauses that still exist. The old one stays in force
    until the new one is signed."""
    agreement = visible_agreement(actor, agreement)
    require_unit_manager(actor, agreement.unit_id)
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
    counts = {"review_due": 0, "expired": 0, "reminders": 0}
    live = Agreement.objects.filter(status__in=[AgreementStatus.SIGNED, AgreementStatus.REVIEW_DUE])
    for agreement in live.select_related("template", "force", "unit"):
        state = selectors.agreement_review_state(agreement, today)
        with transaction.atomic():
            if state == "expired":
                versioned_update(
                    actor=None,
                    instance=agreement,
                    expected_version=agreement.version,
                    values={"status": AgreementStatus.EXPIRED},
                    case_id=None,
                )
                counts["expired"] += 1
            elif state == "review_due" and agreement.status == AgreementStatus.SIGNED:
                versioned_update(
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
                versioned_update(
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
