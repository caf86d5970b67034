"""Writes to the case register. Each service runs in one transaction and records its audit event
inside it, so a failed audit write rolls the change back.

Services take keyword-only arguments and a required `actor`, and check the actor may do the
thing (visibility first, so a case outside the user's view is NotFound, never "forbidden").
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable
from datetime import timedelta
from typing import Any, TypeVar

from django.db import models, transaction

from casework.audit import services as audit
from casework.audit.choices import Action
from casework.audit.versioned import versioned_update
from casework.cases import rules
from casework.cases.choices import Stage
from casework.cases.models import (
    AcceptanceCriterion,
    Case,
    CaseAccessGrant,
    CaseAccessGrantReview,
    CaseDocument,
    CaseRestriction,
    CaseReview,
    CaseStageEntry,
    Charge,
    Defendant,
    DocumentVersion,
    Hearing,
    OffenceCategory,
    RestrictedReading,
)
from casework.core import clock
from casework.core.case_changes import notify_case_changed
from casework.core.errors import NotFound, PermissionDenied, TransitionRefused, ValidationFailed
from casework.core.extensions import ExtensionPoint
from casework.core.models import VersionedModel
from casework.people.choices import CASEWORKER_ROLES, RESTRICTED_READER_ROLES, UNIT_MANAGER_ROLES, RoleCode
from casework.people.models import PoliceForce, User

BREAK_GLASS_HOURS = 8

CASE_EDITABLE_FIELDS = (
    "operation_name",
    "summary",
    "lead_force_id",
    "acceptance_criterion_id",
    "ccp_direction_reason",
    "accepted_on",
    "allocated_lawyer_id",
    "deputy_lawyer_id",
    "paralegal_id",
    "legal_manager_id",
    "trial_estimate_days",
    "estimated_cost",
    "is_very_high_cost",
    "vhcc_received_on",
    "case_plan_agreed_on",
    "hq_notified_on",
    "outcome",
    "principal_offence_category_id",
)


#: Checks other apps declare (AppConfig.case_stage_guards, e.g. assurance's blocking sign-off
#: checkpoints): fn(case, target_stage) returns the reason a stage change must be refused, or None.
TRANSITION_GUARDS = ExtensionPoint[Callable[[Case, str], str | None]](
    "case_stage_guards", "Refuse a case's stage change, with the reason (or None to allow it)."
)


# --- helpers -----------------------------------------------------------------------------------


def require_case_editable(*, actor: User | None, case: Case) -> None:
    """The actor may see and change this case; None (the system) changes no case through this check."""
    if not Case.objects.visible_to(actor).filter(pk=case.pk).exists():
        raise NotFound("Case not found.")
    if not Case.objects.editable_by(actor).filter(pk=case.pk).exists():
        raise PermissionDenied(
            "You can view this case but not change it. Ask the case's prosecutor or a legal manager."
        )


def case_references(*, unit_ids: Iterable[int], person_ids: Iterable[int | None] = ()) -> rules.CaseReferences:
    """The facts the case rules need about the records a case may name: the given people, the
    forces serving the given units, and the (small) reference lists. One write loads what it
    names; an import or the demo loads a unit's worth once."""
    wanted = {pk for pk in person_ids if pk}
    people = User.objects.filter(pk__in=wanted).prefetch_related("roles") if wanted else []
    staff = {
        person.pk: rules.StaffMember(
            id=person.pk,
            unit_id=person.unit_id,
            is_active=person.is_active,
            roles=frozenset(role.code for role in person.roles.all()),
        )
        for person in people
    }
    unit_forces: dict[int, set[int]] = {unit_id: set() for unit_id in unit_ids}
    for force_id, unit_id in PoliceForce.objects.filter(areas__unit_id__in=list(unit_forces)).values_list(
        "pk", "areas__unit_id"
    ):
        unit_forces[unit_id].add(force_id)
    return rules.CaseReferences(
        staff=staff,
        unit_forces={unit_id: frozenset(forces) for unit_id, forces in unit_forces.items()},
        active_criteria=frozenset(AcceptanceCriterion.objects.filter(is_active=True).values_list("pk", flat=True)),
        categories=frozenset(OffenceCategory.objects.values_list("pk", flat=True)),
    )


def case_problems(
    *,
    unit_id: int,
    values: dict[str, Any],
    case: Case | None = None,
    urn: str | None = None,
) -> dict[str, list[str]]:
    """The case rules' field errors for a proposed write, without writing: lets a form that could
    not parse every field still show the rules' verdict on the others, all at once."""
    changing = _changing(case, values) if case is not None else values
    acceptance = (
        {key: values.get(key, getattr(case, key)) for key in ("acceptance_criterion_id", "ccp_direction_reason")}
        if case is not None
        else values
    )
    refs = case_references(unit_ids=[unit_id], person_ids=[changing.get(field) for field in rules.ALLOCATIONS])
    return rules.case_problems(
        unit_id=unit_id,
        values=changing,
        refs=refs,
        today=clock.today(),
        urn=rules.normalise_urn(urn) if urn is not None else None,
        acceptance=acceptance,
    )


def require_valid_case(
    *,
    unit_id: int,
    values: dict[str, Any],
    urn: str | None = None,
    acceptance: dict[str, Any] | None = None,
    refs: rules.CaseReferences | None = None,
) -> None:
    """Refuse a case write that breaks any case rule (see rules.case_problems), naming every field."""
    if refs is None:
        refs = case_references(unit_ids=[unit_id], person_ids=[values.get(field) for field in rules.ALLOCATIONS])
    errors = rules.case_problems(
        unit_id=unit_id, values=values, refs=refs, today=clock.today(), urn=urn, acceptance=acceptance
    )
    if errors:
        raise ValidationFailed(
            "Some details of the case are not valid. Correct them and try again.", field_errors=errors
        )


def _changing(instance: Any, values: dict[str, Any]) -> dict[str, Any]:
    """The values that differ from the record's: a write is never refused for what it already holds."""
    return {key: value for key, value in values.items() if value != getattr(instance, key, None)}


def require_storable(values: dict[str, Any]) -> None:
    """What every part of a case is held to: plausible dates (casework.core.dates), storable text."""
    errors = rules.part_problems(values, today=clock.today())
    if errors:
        raise ValidationFailed("Some values cannot be recorded. Correct them and try again.", field_errors=errors)


# --- cases -------------------------------------------------------------------------------------


@transaction.atomic
def case_create(*, actor: User, unit_id: int, urn: str, **values: Any) -> Case:
    """Record a new case in a unit. Managers create in their unit; caseworkers when allocated."""
    roles = actor.role_codes
    if not (roles & (UNIT_MANAGER_ROLES | CASEWORKER_ROLES)) or actor.unit_id != unit_id:
        raise PermissionDenied("Only staff of this unit can record a case in it.")
    unknown = set(values) - set(CASE_EDITABLE_FIELDS) - {"offence_category_ids"}
    if unknown:
        raise ValidationFailed(f"Unknown fields: {', '.join(sorted(unknown))}")
    urn = rules.normalise_urn(urn)
    require_valid_case(unit_id=unit_id, values=values, urn=urn)
    if Case.objects.filter(urn=urn).exists():
        raise ValidationFailed(
            "A case with this URN already exists.", field_errors={"urn": ["This URN is already recorded."]}
        )
    categories = values.pop("offence_category_ids", None) or []
    now = clock.now()
    case = Case.objects.create(
        urn=urn, unit_id=unit_id, stage=Stage.PRE_CHARGE, stage_changed_at=now, created_at=now, updated_at=now, **values
    )
    if categories:
        case.offence_categories.set(categories)
    CaseStageEntry.objects.create(case=case, stage=case.stage, entered_at=now, entered_by=actor, reason="Case recorded")
    audit.record(
        actor=actor,
        action=Action.COLLECT,
        subject=case,
        case_id=case.pk,
        changes=audit.diff({}, {**case.snapshot(), "offence_categories": sorted(categories)}),
    )
    case.remember_loaded_state()
    notify_case_changed(case.pk)
    return case


@transaction.atomic
def case_update(*, actor: User, case: Case, expected_version: int, **values: Any) -> dict[str, list[Any]]:
    """Change a case's details. Returns the field changes; raises EditConflict on a stale version."""
    require_case_editable(actor=actor, case=case)
    unknown = set(values) - set(CASE_EDITABLE_FIELDS)
    if unknown:
        raise ValidationFailed(f"These fields cannot be changed here: {', '.join(sorted(unknown))}")
    changing = _changing(case, values)
    acceptance = {
        key: values.get(key, getattr(case, key)) for key in ("acceptance_criterion_id", "ccp_direction_reason")
    }
    require_valid_case(unit_id=case.unit_id, values=changing, acceptance=acceptance)
    return versioned_update(
        actor=actor, instance=case, expected_version=expected_version, values=values, case_id=case.pk
    )


@transaction.atomic
def case_change_stage(*, actor: User, case: Case, expected_version: int, stage: str, reason: str = "") -> Case:
    require_case_editable(actor=actor, case=case)
    verdict = rules.check_transition(case.stage, stage)
    if not verdict.allowed:
        raise TransitionRefused(f"Stage not changed: {verdict.reason}.", field_errors={"stage": [verdict.reason]})
    for guard in TRANSITION_GUARDS:
        refusal = guard(case, stage)
        if refusal:
            raise TransitionRefused(f"Stage not changed: {refusal}.", field_errors={"stage": [refusal]})
    now = clock.now()
    versioned_update(
        actor=actor,
        instance=case,
        expected_version=expected_version,
        values={"stage": stage, "stage_changed_at": now},
        case_id=case.pk,
    )
    CaseStageEntry.objects.create(case=case, stage=stage, entered_at=now, entered_by=actor, reason=reason[:250])
    return case


def _relationship_by_role(user: Any, case: Case) -> str | None:
    """Why this user may read this case, from the case and their roles alone (no query)."""
    if case.allocated_lawyer_id == user.pk:
        return "Prosecutor"
    if case.deputy_lawyer_id == user.pk:
        return "Deputy prosecutor"
    if case.paralegal_id == user.pk:
        return "Allocated paralegal"
    if case.legal_manager_id == user.pk:
        return "Legal manager for the case"
    roles = user.role_codes
    if RoleCode.UNIT_HEAD in roles and user.unit_id == case.unit_id:
        return "Unit head: unit oversight"
    if RoleCode.LEGAL_MANAGER in roles and user.unit_id == case.unit_id:
        return "Legal manager: unit oversight"
    if RoleCode.AREA_LEADERSHIP in roles:
        return "Area leadership oversight"
    if RoleCode.INSPECTOR in roles:
        return "Inspection (HMCPSI)"
    if RoleCode.HQ_ANALYST in roles:
        return "HQ national oversight"
    return None


def _grant_reasons(user: Any, case_ids: Iterable[int]) -> dict[int, str]:
    """The user's live break-glass reasons for these cases (latest first wins)."""
    grants = CaseAccessGrant.objects.active().filter(user=user, case_id__in=list(case_ids)).order_by("granted_at")
    return {grant.case_id: f"Access outside own work: {grant.justification}" for grant in grants}


def relationship_to_case(*, user: Any, case: Case) -> str:
    """The default s.62 justification for a read: why this user is looking at this case."""
    reason = _relationship_by_role(user, case)
    if reason is None:
        reason = _grant_reasons(user, [case.pk]).get(case.pk, "Access without a recorded relationship")
    return reason


#: The fields a consultation's justification is worked out from.
_RELATIONSHIP_FIELDS = (
    "pk",
    "urn",
    "unit_id",
    "allocated_lawyer_id",
    "deputy_lawyer_id",
    "paralegal_id",
    "legal_manager_id",
)


@transaction.atomic
def cases_consulted(*, actor: User, purpose: str, cases: Iterable[Case] = (), case_ids: Iterable[int] = ()) -> int:
    """Showing cases' content in a list, a board, a search result or any page that is not the case
    page itself is a consultation of each (DPA 2018 s.62): one `consult` event per case, with the
    page as the purpose and the user's relationship to the case, written in one batch.

    Pass loaded `cases`, or `case_ids` (read here in one query). Returns the number logged.
    """
    shown = {case.pk: case for case in cases}
    missing = {pk for pk in case_ids if pk is not None} - set(shown)
    if missing:
        shown.update((case.pk, case) for case in Case.objects.filter(pk__in=missing).only(*_RELATIONSHIP_FIELDS))
    if not shown:
        return 0
    reasons = {pk: _relationship_by_role(actor, case) for pk, case in shown.items()}
    unexplained = [pk for pk, reason in reasons.items() if reason is None]
    granted = _grant_reasons(actor, unexplained) if unexplained else {}
    events = [
        audit.PendingEvent(
            action=Action.CONSULT,
            subject_type="cases.case",
            subject_id=str(pk),
            subject_label=shown[pk].urn,
            case_id=pk,
            justification=f"{purpose}: {reasons[pk] or granted.get(pk, 'Access without a recorded relationship')}"[
                :1000
            ],
        )
        for pk in sorted(shown)
    ]
    audit.record_many(actor=actor, events=events)
    return len(events)


def _restricted_reading_reason(*, user: Any, case: Case) -> str | None:
    if case.restricted_at is None:
        return None
    reading = RestrictedReading.objects.active().filter(user=user, case=case).order_by("-opened_at").first()
    return f"Restricted record (DPA 2018 s.47(2)) opened for: {reading.reason}" if reading else None


@transaction.atomic
def case_open(*, actor: User, case_id: int, justification: str = "") -> Case:
    """Fetch a case for reading and log the consultation (s.62) with its justification."""
    case = (
        Case.objects.visible_to(actor)
        .select_related(
            "unit",
            "lead_force",
            "acceptance_criterion",
            "allocated_lawyer",
            "deputy_lawyer",
            "paralegal",
            "legal_manager",
            "accepted_by",
        )
        .filter(pk=case_id)
        .first()
    )
    if case is None:
        raise NotFound("Case not found.")
    reason = (
        justification
        or _restricted_reading_reason(user=actor, case=case)
        or relationship_to_case(user=actor, case=case)
    )
    audit.record(actor=actor, action=Action.CONSULT, subject=case, case_id=case.pk, justification=reason)
    return case


# --- restriction of processing (DPA 2018 s.47(2)) ---------------------------------------------

RESTRICTED_READING_MINUTES = 60
_MIN_REASON = 10


def _reason(text: str, field: str, what: str) -> str:
    text = text.strip()
    if len(text) < _MIN_REASON:
        raise ValidationFailed(
            f"Give the reason {what}.",
            field_errors={field: [f"Give a reason of at least {_MIN_REASON} characters."]},
        )
    return text


def _restriction_target(*, actor: User, case_id: int) -> Case:
    """A case of the actor's own unit, for a unit head or records officer; anyone else: not found."""
    if not (actor.role_codes & RESTRICTED_READER_ROLES) or not actor.unit_id:
        raise NotFound("Case not found.")
    case = Case.objects.filter(pk=case_id, unit_id=actor.unit_id, disposed_at__isnull=True).first()
    if case is None:
        raise NotFound("Case not found.")
    return case


@transaction.atomic
def case_restrict(*, actor: User, case_id: int, reason: str) -> CaseRestriction:
    """Restrict processing of a case: it stays, hidden from normal work, until the restriction is lifted."""
    reason = _reason(reason, "reason", "for restricting this case")
    case = _restriction_target(actor=actor, case_id=case_id)
    if case.restricted_at is not None:
        raise ValidationFailed("This case is already restricted.")
    now = clock.now()
    restriction = CaseRestriction.objects.create(case=case, reason=reason, restricted_by=actor, restricted_at=now)
    _record_restriction(actor, case, restriction, restricted_at=now, label=f"Restriction of {case.urn}", reason=reason)
    return restriction


def _record_restriction(
    actor: User, case: Case, restriction: CaseRestriction, *, restricted_at: Any, label: str, reason: str
) -> None:
    """Set or clear the case's restriction (audited as its alteration) and log the restriction record."""
    versioned_update(
        actor=actor,
        instance=case,
        expected_version=case.version,
        values={"restricted_at": restricted_at},
        case_id=case.pk,
    )
    audit.record(
        actor=actor,
        action=Action.ALTER,
        subject=restriction,
        subject_label=label,
        case_id=case.pk,
        justification=reason,
    )


@transaction.atomic
def case_restriction_lift(*, actor: User, case_id: int, reason: str) -> CaseRestriction:
    reason = _reason(reason, "reason", "for lifting the restriction")
    case = _restriction_target(actor=actor, case_id=case_id)
    restriction = CaseRestriction.objects.filter(case=case, lifted_at__isnull=True).first()
    if restriction is None or case.restricted_at is None:
        raise ValidationFailed("This case is not restricted.")
    restriction.lifted_by, restriction.lifted_at, restriction.lift_reason = actor, clock.now(), reason
    restriction.save(update_fields=["lifted_by", "lifted_at", "lift_reason"])
    _record_restriction(
        actor, case, restriction, restricted_at=None, label=f"Restriction of {case.urn} lifted", reason=reason
    )
    return restriction


@transaction.atomic
def restricted_reading_open(*, actor: User, case_id: int, reason: str) -> RestrictedReading:
    """A named reader opens a restricted case for a stated reason; it is visible to them for an hour."""
    reason = _reason(reason, "reason", "for opening this restricted record")
    case = Case.objects.restricted_readable_by(actor).filter(pk=case_id).first()
    if case is None:
        raise NotFound("Case not found.")
    now = clock.now()
    reading = RestrictedReading.objects.create(
        user=actor,
        case=case,
        reason=reason,
        opened_at=now,
        expires_at=now + timedelta(minutes=RESTRICTED_READING_MINUTES),
    )
    audit.record(
        actor=actor,
        action=Action.CONSULT,
        subject=case,
        case_id=case.pk,
        justification=f"Restricted record (DPA 2018 s.47(2)) opened for: {reason}",
    )
    return reading


@transaction.atomic
def case_break_glass(*, actor: User, urn: str, justification: str) -> Case:
    """Open a case outside one's own work. Needs a typed reason; managers review the grants."""
    justification = " ".join(justification.split())
    problem = rules.justification_problem(justification)
    if problem:
        raise ValidationFailed("Explain why you need this case.", field_errors={"justification": [problem]})
    case = Case.objects.break_glass_candidates(actor).filter(urn=urn.strip().upper()).first()
    if case is None:
        raise NotFound("No case with that URN is available to you. Check the URN or ask a legal manager.")
    now = clock.now()
    grant = CaseAccessGrant.objects.create(
        user=actor,
        case=case,
        justification=justification,
        granted_at=now,
        expires_at=now + timedelta(hours=BREAK_GLASS_HOURS),
    )
    audit.record(
        actor=actor,
        action=Action.BREAK_GLASS,
        subject=grant,
        subject_label=f"{case.urn}",
        case_id=case.pk,
        justification=justification,
    )
    return case


@transaction.atomic
def access_grant_review(*, actor: User, grant_id: int, note: str) -> CaseAccessGrant:
    grant = CaseAccessGrant.objects.select_related("case").filter(pk=grant_id).first()
    if grant is None or not (actor.role_codes & UNIT_MANAGER_ROLES) or grant.case.unit_id != actor.unit_id:
        raise NotFound("Access record not found.")
    now = clock.now()
    review = CaseAccessGrantReview.objects.create(grant=grant, reviewer=actor, reviewed_at=now, note=note[:250])
    # The grant shows its latest review; every review stays in its own row (re-reviews append).
    grant.reviewed_by = actor
    grant.reviewed_at = now
    if not grant.review_note:
        grant.review_note = review.note
    grant.save(update_fields=["reviewed_by", "reviewed_at", "review_note"])
    audit.record(
        actor=actor,
        action=Action.COLLECT,
        subject=review,
        subject_label=f"Review of access by {grant.user_id} to {grant.case.urn}"[:250],
        case_id=grant.case_id,
        changes={"note": [None, review.note]},
    )
    return grant


# --- parts of a case ---------------------------------------------------------------------------


PartT = TypeVar("PartT", bound=models.Model)


def _create_part(*, actor: User, case: Case, model: type[PartT], **values: Any) -> PartT:
    require_case_editable(actor=actor, case=case)
    require_storable(values)
    now = clock.now()
    extra = {"created_at": now, "updated_at": now} if issubclass(model, VersionedModel) else {}
    instance = model._default_manager.create(**values, **extra)
    snapshot = (
        instance.snapshot()
        if isinstance(instance, VersionedModel)
        else {f.attname: getattr(instance, f.attname) for f in instance._meta.concrete_fields if not f.primary_key}
    )
    audit.record(
        actor=actor, action=Action.COLLECT, subject=instance, case_id=case.pk, changes=audit.diff({}, snapshot)
    )
    if isinstance(instance, VersionedModel):
        instance.remember_loaded_state()
    notify_case_changed(case.pk)
    return instance


@transaction.atomic
def defendant_add(*, actor: User, case: Case, **values: Any) -> Defendant:
    return _create_part(actor=actor, case=case, model=Defendant, case_id=case.pk, **values)


@transaction.atomic
def defendant_update(
    *, actor: User, defendant: Defendant, expected_version: int, **values: Any
) -> dict[str, list[Any]]:
    require_case_editable(actor=actor, case=defendant.case)
    require_storable(_changing(defendant, values))
    return versioned_update(
        actor=actor, instance=defendant, expected_version=expected_version, values=values, case_id=defendant.case_id
    )


@transaction.atomic
def charge_add(*, actor: User, defendant: Defendant, **values: Any) -> Charge:
    return _create_part(actor=actor, case=defendant.case, model=Charge, defendant=defendant, **values)


@transaction.atomic
def charge_update(*, actor: User, charge: Charge, expected_version: int, **values: Any) -> dict[str, list[Any]]:
    case = charge.defendant.case
    require_case_editable(actor=actor, case=case)
    require_storable(_changing(charge, values))
    return versioned_update(
        actor=actor, instance=charge, expected_version=expected_version, values=values, case_id=case.pk
    )


@transaction.atomic
def hearing_add(*, actor: User, case: Case, **values: Any) -> Hearing:
    return _create_part(actor=actor, case=case, model=Hearing, case_id=case.pk, **values)


@transaction.atomic
def hearing_update(*, actor: User, hearing: Hearing, expected_version: int, **values: Any) -> dict[str, list[Any]]:
    require_case_editable(actor=actor, case=hearing.case)
    require_storable(_changing(hearing, values))
    return versioned_update(
        actor=actor, instance=hearing, expected_version=expected_version, values=values, case_id=hearing.case_id
    )


@transaction.atomic
def document_add(
    *,
    actor: User,
    case: Case,
    kind: str,
    title: str,
    body: str,
    rationale: str = "",
    metadata: dict[str, Any] | None = None,
) -> CaseDocument:
    require_storable({"body": body, "rationale": rationale})
    document = _create_part(actor=actor, case=case, model=CaseDocument, case_id=case.pk, kind=kind, title=title)
    DocumentVersion.objects.create(
        document=document,
        number=1,
        body=body,
        rationale=rationale,
        metadata=metadata or {},
        author=actor,
        created_at=document.created_at,
    )
    return document


@transaction.atomic
def document_revise(
    *,
    actor: User,
    document: CaseDocument,
    expected_version: int,
    body: str,
    rationale: str = "",
    metadata: dict[str, Any] | None = None,
) -> DocumentVersion:
    """Add a new version; earlier versions stay as they were."""
    case = document.case
    require_case_editable(actor=actor, case=case)
    require_storable({"body": body, "rationale": rationale})
    number = document.current_version_number + 1
    versioned_update(
        actor=actor,
        instance=document,
        expected_version=expected_version,
        values={"current_version_number": number},
        case_id=case.pk,
    )
    return DocumentVersion.objects.create(
        document=document,
        number=number,
        body=body,
        rationale=rationale,
        metadata=metadata or {},
        author=actor,
        created_at=clock.now(),
    )


@transaction.atomic
def review_add(*, actor: User, case: Case, kind: str, reviewed_on: dt.date, note: str) -> CaseReview:
    return _create_part(
        actor=actor,
        case=case,
        model=CaseReview,
        case_id=case.pk,
        kind=kind,
        reviewed_on=reviewed_on,
        note=note,
        reviewer=actor,
        created_at=clock.now(),
    )
