"""Writes for Individual Quality Assessments. Each service runs in one transaction, checks the
actor may act (invisible is NotFound), uses optimistic locking where a record is edited, and
writes its audit event inside the transaction."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Any

from django.db import transaction
from django.db.models import F, Q

from casework.audit import services as audit
from casework.audit.choices import Action
from casework.cases.choices import OPEN_STAGES
from casework.cases.models import Case
from casework.core import clock, dates
from casework.core.case_changes import notify_cases_changed
from casework.core.errors import EditConflict, NotFound, PermissionDenied, TransitionRefused, ValidationFailed
from casework.people.choices import RoleCode
from casework.people.models import User
from casework.quality import emails, question_sets, rules, selectors
from casework.quality.choices import (
    AssessmentKind,
    AssessmentStatus,
    ModerationStatus,
    ResolutionOutcome,
    SampleItemStatus,
)
from casework.quality.models import (
    Assessment,
    AssessmentAnswer,
    Moderation,
    ModerationAnswer,
    Question,
    QuestionSet,
    SampleDraw,
    SampleItem,
    Section,
)

Answers = Mapping[str, tuple[str, str]]


# --- helpers --------------------------------------------------------------------------------------


def _may_assess(actor: User, prosecutor: User) -> bool:
    """Managers assess prosecutors in their own unit (line manager or not); unit heads too."""
    if not actor.has_role(RoleCode.LEGAL_MANAGER, RoleCode.UNIT_HEAD) or not actor.unit_id:
        return False
    return prosecutor.unit_id == actor.unit_id and prosecutor.pk != actor.pk


def _locked_update(instance: Any, expected_version: int, values: dict[str, Any]) -> dict[str, list[Any]]:
    """Apply values if nobody saved since expected_version; return the audit diff."""
    before = {key: getattr(instance, key) for key in values}
    updated = (
        type(instance)
        ._default_manager.filter(pk=instance.pk, version=expected_version)
        .update(**values, version=F("version") + 1, updated_at=clock.now())
    )
    if not updated:
        current = type(instance)._default_manager.get(pk=instance.pk)
        raise EditConflict(
            f"Someone else changed this {type(instance)._meta.verbose_name} since you opened it. Nothing you "
            "entered was saved: it is kept below. Check the changes, then try again.",
            current_version=current.version,
            changed={},
        )
    for key, value in values.items():
        setattr(instance, key, value)
    instance.version = expected_version + 1
    return audit.diff(before, values)


def _require_status(assessment: Assessment, *allowed: str) -> None:
    if assessment.status not in allowed:
        raise TransitionRefused(f"This assessment is {assessment.get_status_display().lower()}; that step is not open.")


def _record(actor: User, action: str, assessment: Assessment, changes: dict[str, Any] | None = None) -> None:
    audit.record(actor=actor, action=action, subject=assessment, case_id=assessment.case_id, changes=changes)


def _assurance_facts_changed(assessment: Assessment) -> None:
    """A submission or a feedback meeting changes the IQA facts the assurance rules read: the
    assessed case's feedback timeliness, and the quota of every open case of the same prosecutor.
    Told inside the writing transaction, so re-checks and the next sweep pick those cases up."""
    open_cases = Case.objects.filter(allocated_lawyer_id=assessment.prosecutor_id, stage__in=OPEN_STAGES)
    notify_cases_changed({assessment.case_id, *open_cases.values_list("pk", flat=True)})


def _specs(question_set: QuestionSet) -> list[rules.QuestionSpec]:
    return [
        rules.QuestionSpec(q.code, tuple(q.scale), tuple(q.comment_not_needed_for), tuple(q.kinds), tuple(q.stages))
        for q in Question.objects.filter(section__question_set=question_set)
    ]


# --- question sets ------------------------------------------------------------------------------


@transaction.atomic
def question_set_publish(*, actor: User | None, spec: dict[str, Any], change_note: str = "") -> QuestionSet:
    """Publish a new version of a question set; earlier versions and their assessments are untouched."""
    try:
        question_sets.validate(spec)
    except question_sets.QuestionSetInvalid as error:
        raise ValidationFailed(f"The question set is not valid: {error}") from error
    latest = QuestionSet.objects.filter(code=spec["code"]).order_by("-version").first()
    qs = QuestionSet.objects.create(
        code=spec["code"],
        version=(latest.version + 1) if latest else 1,
        title=spec["title"],
        source=spec["source"],
        effective_from=dt.date.fromisoformat(str(spec["effective_from"])),
        published_at=clock.now(),
        published_by=actor if getattr(actor, "is_authenticated", False) else None,
        change_note=change_note,
    )
    for s_order, section in enumerate(spec["sections"], start=1):
        sec = Section.objects.create(
            question_set=qs,
            code=section["code"],
            title=section["title"],
            standard=section.get("standard", section["title"]),
            order=s_order,
        )
        for q_order, q in enumerate(section["questions"], start=1):
            Question.objects.create(
                section=sec,
                code=q["code"],
                text=q["text"],
                guidance=q.get("guidance", ""),
                scale=list(q.get("scale") or []),
                comment_not_needed_for=list(q.get("comment_not_needed_for") or []),
                kinds=list(q["kinds"]),
                stages=list(q.get("stages") or []),
                order=q_order,
            )
    audit.record(
        actor=actor,
        action=Action.CONFIG_CHANGE,
        subject=qs,
        changes={"version": [latest.version if latest else None, qs.version]},
    )
    return qs


# --- sampling -----------------------------------------------------------------------------------


@transaction.atomic
def sample_propose(*, actor: User, prosecutor_id: int, quarter: str, seed: str | None = None) -> SampleDraw:
    """Propose the quarter's sample for a prosecutor: the quota's worth of their cases, drawn
    reproducibly (stratified by stage and case type) and never including the assessor's own cases."""
    prosecutor = User.objects.visible_to(actor).filter(pk=prosecutor_id).first()
    if prosecutor is None or not _may_assess(actor, prosecutor):
        raise NotFound("Prosecutor not found.")
    period = rules.Quarter.parse(quarter)
    policy = selectors.policy_on(period.starts_on)
    quota = selectors.quota_for_person(person=prosecutor, quarter=period, policy=policy)
    already = Assessment.objects.filter(prosecutor=prosecutor, quarter=period.label).values_list("case_id", flat=True)
    seed = seed or f"{policy.sampling_seed}:{prosecutor.pk}:{period.label}"
    size = max(quota.expected - len(already), 0)
    chosen = rules.draw_sample(
        selectors.sample_candidates(prosecutor=prosecutor, assessor=actor), size, seed=seed, exclude=already
    )
    draw = SampleDraw.objects.create(
        prosecutor=prosecutor, assessor=actor, quarter=period.label, seed=seed, size=size, created_at=clock.now()
    )
    for candidate in chosen:
        SampleItem.objects.create(draw=draw, case_id=candidate.case_id, stratum=candidate.stratum)
    audit.record(
        actor=actor,
        action=Action.COLLECT,
        subject=draw,
        changes={"cases": [None, [c.case_id for c in chosen]], "seed": [None, seed]},
    )
    return draw


@transaction.atomic
def sample_swap(*, actor: User, item_id: int, replacement_case_id: int, reason: str) -> SampleItem:
    """Replace a proposed case (e.g. the prosecutor only held it for a week), with a reason."""
    item = (
        SampleItem.objects.select_related("draw", "draw__prosecutor").filter(pk=item_id, draw__assessor=actor).first()
    )
    if item is None:
        raise NotFound("Sample item not found.")
    if item.status != SampleItemStatus.PROPOSED:
        raise TransitionRefused("Only a proposed case can be swapped.")
    if not reason.strip():
        raise ValidationFailed("Give the reason for the swap.", field_errors={"reason": ["Enter the reason"]})
    eligible = {
        c.case_id
        for c in selectors.sample_candidates(prosecutor=item.draw.prosecutor, assessor=actor)
        if not c.assessor_involved
    }
    taken = set(item.draw.items.exclude(status=SampleItemStatus.SWAPPED_OUT).values_list("case_id", flat=True))
    if replacement_case_id not in eligible or replacement_case_id in taken:
        raise ValidationFailed(
            "Choose another of the prosecutor's cases that you are not working on and is not already in the sample.",
            field_errors={"replacement_case": ["Choose an eligible case"]},
        )
    item.status = SampleItemStatus.SWAPPED_OUT
    item.save(update_fields=["status"])
    candidate = next(
        c
        for c in selectors.sample_candidates(prosecutor=item.draw.prosecutor, assessor=actor)
        if c.case_id == replacement_case_id
    )
    new = SampleItem.objects.create(
        draw=item.draw,
        case_id=replacement_case_id,
        stratum=candidate.stratum,
        replaces=item,
        swap_reason=reason.strip(),
    )
    audit.record(
        actor=actor,
        action=Action.ALTER,
        subject=item.draw,
        changes={"case": [item.case_id, replacement_case_id], "swap_reason": [None, reason.strip()]},
    )
    return new


# --- the assessment workflow ------------------------------------------------------------------


@transaction.atomic
def assessment_start(
    *, actor: User, case_id: int, kind: str = AssessmentKind.CASEWORK, sample_item_id: int | None = None
) -> Assessment:
    case = Case.objects.visible_to(actor).select_related("allocated_lawyer").filter(pk=case_id).first()
    if case is None:
        raise NotFound("Case not found.")
    prosecutor = case.allocated_lawyer
    if prosecutor is None or prosecutor.unit_id is None:
        raise ValidationFailed("The case has no prosecutor in a unit to assess.")
    if not _may_assess(actor, prosecutor):
        raise PermissionDenied("You can assess only prosecutors in your own unit, and not yourself.")
    if actor.pk in (case.allocated_lawyer_id, case.deputy_lawyer_id):
        raise PermissionDenied("You cannot assess a case you work on.")
    if kind not in AssessmentKind.values:
        raise ValidationFailed("Choose casework or advocacy.", field_errors={"kind": ["Choose an assessment kind"]})
    today = clock.today()
    question_set = selectors.question_set_in_force(today)
    item = None
    if sample_item_id is not None:
        item = SampleItem.objects.filter(
            pk=sample_item_id, draw__assessor=actor, case_id=case.pk, status=SampleItemStatus.PROPOSED
        ).first()
        if item is None:
            raise NotFound("Sample item not found.")
        item.status = SampleItemStatus.ASSESSED
        item.save(update_fields=["status"])
    now = clock.now()
    assessment = Assessment.objects.create(
        question_set=question_set,
        case=case,
        prosecutor=prosecutor,
        assessor=actor,
        unit_id=prosecutor.unit_id,
        team_id=prosecutor.team_id,
        kind=kind,
        case_stage=case.stage,
        quarter=item.draw.quarter if item else rules.Quarter.of(today).label,
        sample_item=item,
        created_at=now,
        updated_at=now,
    )
    _record(
        actor,
        Action.COLLECT,
        assessment,
        {"status": [None, assessment.status], "question_set": [None, f"{question_set.code}@v{question_set.version}"]},
    )
    return assessment


def _assessment_for_assessor(actor: User, assessment_id: int) -> Assessment:
    assessment = Assessment.objects.visible_to(actor).filter(pk=assessment_id).first()
    if assessment is None:
        raise NotFound("Assessment not found.")
    if assessment.assessor_id != actor.pk:
        raise PermissionDenied("Only the assessor can do this.")
    return assessment


def _save_answers(model: Any, owner: dict[str, Any], question_set: QuestionSet, answers: Answers) -> dict[str, Any]:
    questions = {q.code: q for q in Question.objects.filter(section__question_set=question_set)}
    changed: dict[str, Any] = {}
    for code, (value, comment) in answers.items():
        question = questions.get(code)
        if question is None or not value:
            continue
        row, created = model.objects.get_or_create(
            **owner, question=question, defaults={"value": value, "comment": comment}
        )
        if not created and (row.value, row.comment) != (value, comment):
            changed[code] = [row.value, value]
            row.value, row.comment = value, comment
            row.save(update_fields=["value", "comment"])
        elif created:
            changed[code] = [None, value]
    return changed


@transaction.atomic
def assessment_answers_save(
    *, actor: User, assessment_id: int, expected_version: int, answers: Answers, summary: str = ""
) -> Assessment:
    """Save draft answers (partial answers allowed; each given answer must still be valid)."""
    assessment = _assessment_for_assessor(actor, assessment_id)
    _require_status(assessment, AssessmentStatus.DRAFT)
    errors = rules.answer_errors(
        _specs(assessment.question_set), answers, kind=assessment.kind, stage=assessment.case_stage, complete=False
    )
    if errors:
        raise ValidationFailed("Some answers need attention.", field_errors=errors)
    changes = _locked_update(assessment, expected_version, {"summary": summary})
    changes.update(_save_answers(AssessmentAnswer, {"assessment": assessment}, assessment.question_set, answers))
    if changes:
        _record(actor, Action.ALTER, assessment, changes)
    return assessment


@transaction.atomic
def assessment_submit(*, actor: User, assessment_id: int, expected_version: int) -> Assessment:
    """Submit a complete assessment; it now counts towards the quota and may be drawn for moderation."""
    assessment = _assessment_for_assessor(actor, assessment_id)
    _require_status(assessment, AssessmentStatus.DRAFT)
    given = {a.question.code: (a.value, a.comment) for a in assessment.answers.select_related("question")}
    errors = rules.answer_errors(
        _specs(assessment.question_set), given, kind=assessment.kind, stage=assessment.case_stage, complete=True
    )
    if errors:
        raise ValidationFailed("Answer every question that applies before submitting.", field_errors=errors)
    changes = _locked_update(
        assessment, expected_version, {"status": AssessmentStatus.SUBMITTED, "submitted_at": clock.now()}
    )
    _record(actor, Action.ALTER, assessment, changes)
    _assurance_facts_changed(assessment)
    policy = selectors.policy_on(clock.today())
    if rules.selected_for_moderation(
        assessment_id=assessment.pk, seed=policy.sampling_seed, share=policy.moderation_share
    ):
        moderation_assign(actor=actor, assessment=assessment)
    return assessment


def moderation_assign(*, actor: User, assessment: Assessment) -> Moderation | None:
    """Give the assessment to another manager of the unit for blind second marking (called inside
    assessment_submit's transaction). None when the unit has no other eligible manager."""
    moderator = selectors.moderator_for(assessment)
    if moderator is None:
        return None
    now = clock.now()
    moderation = Moderation.objects.create(assessment=assessment, moderator=moderator, created_at=now, updated_at=now)
    audit.record(
        actor=actor,
        action=Action.COLLECT,
        subject=moderation,
        case_id=assessment.case_id,
        changes={"moderator": [None, moderator.display_name]},
    )
    emails.second_marking_requested(moderation=moderation)
    return moderation


@transaction.atomic
def assessment_feedback_record(
    *, actor: User, assessment_id: int, expected_version: int, meeting_on: dt.date, notes: str
) -> Assessment:
    assessment = _assessment_for_assessor(actor, assessment_id)
    _require_status(assessment, AssessmentStatus.SUBMITTED)
    dates.require_plausible(meeting_on=meeting_on)
    if not notes.strip():
        raise ValidationFailed("Record what was discussed.", field_errors={"notes": ["Enter the feedback notes"]})
    submitted_on = clock.local(assessment.submitted_at).date() if assessment.submitted_at else meeting_on
    if meeting_on > clock.today() or meeting_on < submitted_on:
        raise ValidationFailed(
            "The meeting date must be between submission and today.",
            field_errors={"meeting_on": ["Enter a date between submission and today"]},
        )
    changes = _locked_update(
        assessment,
        expected_version,
        {
            "status": AssessmentStatus.FEEDBACK_GIVEN,
            "feedback_meeting_on": meeting_on,
            "feedback_notes": notes.strip(),
            "feedback_recorded_at": clock.now(),
        },
    )
    _record(actor, Action.ALTER, assessment, changes)
    _assurance_facts_changed(assessment)
    policy = selectors.policy_on(meeting_on)
    emails.feedback_to_acknowledge(assessment=assessment, due=meeting_on + dt.timedelta(days=policy.acknowledge_days))
    return assessment


@transaction.atomic
def assessment_acknowledge(
    *, actor: User, assessment_id: int, expected_version: int, comment: str = "", disagrees: bool = False
) -> Assessment:
    """The prosecutor confirms they have had the feedback, optionally commenting or disagreeing."""
    assessment = Assessment.objects.visible_to(actor).filter(pk=assessment_id).first()
    if assessment is None:
        raise NotFound("Assessment not found.")
    if assessment.prosecutor_id != actor.pk:
        raise PermissionDenied("Only the prosecutor assessed can acknowledge the feedback.")
    _require_status(assessment, AssessmentStatus.FEEDBACK_GIVEN)
    if disagrees and not comment.strip():
        raise ValidationFailed("Say what you disagree with.", field_errors={"comment": ["Enter why you disagree"]})
    changes = _locked_update(
        assessment,
        expected_version,
        {
            "status": AssessmentStatus.ACKNOWLEDGED,
            "acknowledged_at": clock.now(),
            "prosecutor_comment": comment.strip(),
            "prosecutor_disagrees": disagrees,
        },
    )
    _record(actor, Action.ALTER, assessment, changes)
    return assessment


@transaction.atomic
def assessment_close(*, actor: User, assessment_id: int, expected_version: int) -> Assessment:
    assessment = _assessment_for_assessor(actor, assessment_id)
    _require_status(assessment, AssessmentStatus.ACKNOWLEDGED)
    moderation = Moderation.objects.filter(assessment=assessment).first()
    if moderation is not None and moderation.status == ModerationStatus.PENDING:
        raise TransitionRefused("Second marking is still pending; close the assessment once it is in.")
    changes = _locked_update(
        assessment, expected_version, {"status": AssessmentStatus.CLOSED, "closed_at": clock.now()}
    )
    _record(actor, Action.ALTER, assessment, changes)
    return assessment


@transaction.atomic
def assessment_open(*, actor: User, assessment_id: int) -> Assessment:
    """Open an individual's assessment: a consult event with the viewer's relationship to it."""
    assessment = (
        Assessment.objects.visible_to(actor)
        .select_related("case", "prosecutor", "assessor", "question_set", "unit")
        .filter(pk=assessment_id)
        .first()
    )
    if assessment is None:
        raise NotFound("Assessment not found.")
    audit.record(
        actor=actor,
        action=Action.CONSULT,
        subject=assessment,
        case_id=assessment.case_id,
        justification=selectors.relationship(actor, assessment),
    )
    return assessment


# --- moderation ---------------------------------------------------------------------------------


def _moderation_for(actor: User, moderation_id: int) -> Moderation:
    moderation = Moderation.objects.select_related("assessment").filter(pk=moderation_id, moderator=actor).first()
    if moderation is None:
        raise NotFound("Moderation not found.")
    return moderation


@transaction.atomic
def moderation_submit(*, actor: User, moderation_id: int, expected_version: int, answers: Answers) -> Moderation:
    """Record the blind second marking; the agreement with the first marking is computed now."""
    moderation = _moderation_for(actor, moderation_id)
    if moderation.status != ModerationStatus.PENDING:
        raise TransitionRefused("This second marking is already in.")
    assessment = moderation.assessment
    errors = rules.answer_errors(
        _specs(assessment.question_set), answers, kind=assessment.kind, stage=assessment.case_stage, complete=True
    )
    if errors:
        raise ValidationFailed("Answer every question that applies.", field_errors=errors)
    _save_answers(ModerationAnswer, {"moderation": moderation}, assessment.question_set, answers)
    first = dict(assessment.answers.values_list("question__code", "value"))
    pairs = [(first[code], value) for code, (value, _) in answers.items() if code in first and value]
    result = rules.agreement(pairs)
    changes = _locked_update(
        moderation,
        expected_version,
        {
            "status": ModerationStatus.COMPLETED,
            "completed_at": clock.now(),
            "agreement": round(result.rate, 3) if result.rate is not None else None,
        },
    )
    audit.record(actor=actor, action=Action.ALTER, subject=moderation, case_id=assessment.case_id, changes=changes)
    return moderation


@transaction.atomic
def moderation_resolve(
    *, actor: User, moderation_id: int, expected_version: int, outcome: str, notes: str
) -> Moderation:
    """Record how a disagreement was settled: by the second marker or the unit head."""
    moderation = (
        Moderation.objects.select_related("assessment")
        .filter(
            Q(moderator=actor) | Q(assessment__unit_id=actor.unit_id, assessment__unit__isnull=False),
            pk=moderation_id,
        )
        .first()
    )
    if moderation is None or (moderation.moderator_id != actor.pk and not actor.has_role(RoleCode.UNIT_HEAD)):
        raise NotFound("Moderation not found.")
    if moderation.status != ModerationStatus.COMPLETED:
        raise TransitionRefused("Only a completed second marking can be resolved.")
    if outcome not in ResolutionOutcome.values or not notes.strip():
        raise ValidationFailed(
            "Choose the outcome and record the reasons.",
            field_errors={"notes": ["Enter the reasons"]} if not notes.strip() else {"outcome": ["Choose an outcome"]},
        )
    changes = _locked_update(
        moderation,
        expected_version,
        {
            "status": ModerationStatus.RESOLVED,
            "resolution": outcome,
            "resolution_notes": notes.strip(),
            "resolved_by_id": actor.pk,
            "resolved_at": clock.now(),
        },
    )
    audit.record(
        actor=actor, action=Action.ALTER, subject=moderation, case_id=moderation.assessment.case_id, changes=changes
    )
    return moderation
