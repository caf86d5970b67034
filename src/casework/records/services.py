"""Records management writes: review decisions, legal holds and disposal.

Disposal is resumable: each record is disposed of in its own transaction (its erasure, its erase
event and its line in the disposal log commit together or not at all), in batches, and a run that
stops part way (an error, a crash, a restart) leaves every record either fully disposed of or
untouched; running it again disposes of the rest.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, field

from django.db import transaction

from casework.audit import services as audit
from casework.audit.choices import Action
from casework.cases.models import Case
from casework.core import clock, context
from casework.core.errors import NotFound, PermissionDenied, ValidationFailed
from casework.people.choices import RoleCode
from casework.people.models import User
from casework.records import erasure_services, selectors
from casework.records.choices import Decision, DisposalAction, RecordType, RetentionState, RunStatus, Trigger
from casework.records.models import DisposalRecord, DisposalRun, LegalHold, RetentionDecision
from casework.records.selectors import RetentionItem

_MIN_REASON = 10
BATCH_SIZE = 25


def _reason(text: str, what: str) -> str:
    text = (text or "").strip()
    if len(text) < _MIN_REASON:
        raise ValidationFailed(
            f"Give the reason {what}.",
            field_errors={"reason": [f"Give a reason of at least {_MIN_REASON} characters."]},
        )
    return text


def _item_for(*, actor: User, record_type: str, record_id: str) -> RetentionItem:
    """The record as the schedule sees it, if the actor's records pages cover it; else NotFound."""
    if record_type not in RecordType.values:
        raise NotFound("Record not found.")
    item = selectors.retention_item(record_type=record_type, record_id=str(record_id))
    if item is None or not selectors.item_visible(actor, item):
        raise NotFound("Record not found.")
    return item


def _require_records_officer(actor: User, item: RetentionItem) -> None:
    if not selectors.is_records_officer_for(actor, item.unit_id):
        raise PermissionDenied("Only a records officer of this unit can decide what happens to its records.")


# --- review decisions ------------------------------------------------------------------------------


@transaction.atomic
def retention_decide(
    *,
    actor: User,
    record_type: str,
    record_id: str,
    decision: str,
    reason: str,
    keep_until: dt.date | None = None,
) -> RetentionDecision:
    """A records officer's review of a record that is due: approve its disposal, or keep it longer."""
    item = _item_for(actor=actor, record_type=record_type, record_id=record_id)
    _require_records_officer(actor, item)
    reason = _reason(reason, "for this decision")
    today = clock.today()
    if item.verdict.state == RetentionState.HELD:
        raise ValidationFailed("This record is under legal hold: it cannot be disposed of until the hold is lifted.")
    if decision == Decision.APPROVE:
        if item.rule.action != DisposalAction.ERASE:
            raise ValidationFailed(
                f"{item.record_type_label} records are not disposed of by the service "
                f"({DisposalAction(item.rule.action).label.lower()}): record the outcome of your review elsewhere."
            )
        if item.verdict.state not in (RetentionState.DUE, RetentionState.APPROVED):
            raise ValidationFailed("This record is not due yet: it can be approved for disposal once it falls due.")
        keep_until = None
    elif decision == Decision.EXTEND:
        if keep_until is None or keep_until <= today:
            raise ValidationFailed(
                "Give the date to keep it until.", field_errors={"keep_until": ["The date must be in the future."]}
            )
    else:
        raise ValidationFailed("Choose whether to approve disposal or keep the record longer.")
    kept = f" until {keep_until:%d %B %Y}" if keep_until else ""
    made = _record_decision(
        actor=actor,
        item=item,
        decision=decision,
        keep_until=keep_until,
        reason=reason,
        label=f"Retention review of {item.label}: {Decision(decision).label.lower()}{kept}",
    )
    return made


def _record_decision(
    *, actor: User, item: RetentionItem, decision: str, keep_until: dt.date | None, reason: str, label: str
) -> RetentionDecision:
    today = clock.today()
    made = RetentionDecision.objects.create(
        record_type=item.record_type,
        record_id=item.record_id,
        label=item.label,
        unit_id=item.unit_id,
        rule=item.rule,
        trigger_date=item.trigger_date or today,
        due_on=item.verdict.due_on or today,
        decision=decision,
        keep_until=keep_until,
        reason=reason,
        decided_by=actor,
        decided_at=clock.now(),
    )
    audit.record(
        actor=actor, action=Action.ALTER, subject=made, subject_label=label, case_id=item.case_id, justification=reason
    )
    return made


# --- legal holds -------------------------------------------------------------------------------------


@transaction.atomic
def hold_place(
    *, actor: User, record_type: str, record_id: str, reason: str, until: dt.date | None = None
) -> LegalHold:
    item = _item_for(actor=actor, record_type=record_type, record_id=record_id)
    if not selectors.may_hold(actor, item.unit_id):
        raise PermissionDenied("Only the unit head or a records officer of this unit can place a legal hold.")
    reason = _reason(reason, "for the legal hold")
    if until is not None and until < clock.today():
        raise ValidationFailed("A hold cannot end in the past.", field_errors={"until": ["Give a date from today on."]})
    hold = LegalHold.objects.create(
        record_type=item.record_type,
        record_id=item.record_id,
        label=item.label,
        unit_id=item.unit_id,
        reason=reason,
        placed_by=actor,
        placed_at=clock.now(),
        until=until,
    )
    audit.record(
        actor=actor,
        action=Action.ALTER,
        subject=hold,
        subject_label=f"Legal hold placed on {item.label}" + (f" until {until:%d %B %Y}" if until else ""),
        case_id=item.case_id,
        justification=reason,
    )
    return hold


@transaction.atomic
def hold_lift(*, actor: User, hold_id: int, reason: str) -> LegalHold:
    hold = selectors.holds_for(user=actor).filter(pk=hold_id).first()
    if hold is None:
        raise NotFound("Legal hold not found.")
    if not selectors.may_hold(actor, hold.unit_id):
        raise PermissionDenied("Only the unit head or a records officer of this unit can lift a legal hold.")
    reason = _reason(reason, "for lifting the hold")
    hold.lifted_by, hold.lifted_at, hold.lift_reason = actor, clock.now(), reason
    hold.save(update_fields=["lifted_by", "lifted_at", "lift_reason"])
    audit.record(
        actor=actor,
        action=Action.ALTER,
        subject=hold,
        subject_label=f"Legal hold on {hold.label} lifted",
        case_id=int(hold.record_id) if hold.record_type == RecordType.CASE_FILE else None,
        justification=reason,
    )
    return hold


# --- disposal ------------------------------------------------------------------------------------------


def _erase(item: RetentionItem, *, actor: User | None, justification: str, today: dt.date) -> erasure_services.Erased:
    record_id = int(item.record_id) if item.record_id.isdigit() else 0
    if item.record_type == RecordType.CASE_FILE:
        return erasure_services.erase_case_file(actor=actor, case_id=record_id, justification=justification)
    if item.record_type in (RecordType.REFERRAL_NOT_ACCEPTED, RecordType.EARLY_ADVICE):
        return erasure_services.erase_referral(actor=actor, referral_id=record_id, justification=justification)
    if item.record_type == RecordType.TIME_RECORDS:
        before = item.trigger_date - dt.timedelta(days=6) if item.trigger_date else today
        return erasure_services.erase_time_records(
            actor=actor, rem_record_id=record_id, before=before, justification=justification
        )
    if item.record_type == RecordType.EXPORTS:
        return erasure_services.erase_import_report(actor=actor, run_id=record_id, justification=justification)
    raise ValidationFailed(f"{item.record_type_label} records are reviewed by hand; the service does not erase them.")


def _justification(item: RetentionItem, decision: RetentionDecision) -> str:
    trigger = Trigger(item.rule.trigger).label
    when = f" ({item.trigger_date:%d %B %Y})" if item.trigger_date else ""
    return (
        f"Retention schedule rule {item.rule.code} v{item.rule.version}: {item.record_type_label}, kept "
        f"{item.rule.period_text} from {trigger}{when}; source: {item.rule.source}. Disposal approved by "
        f"{decision.decided_by.username} on {clock.local(decision.decided_at):%d %B %Y}: {decision.reason}"
    )


def _refusal(item: RetentionItem) -> str | None:
    """Why this record must not be disposed of now, or None."""
    if DisposalRecord.objects.filter(record_type=item.record_type, record_id=item.record_id).exists():
        return "it has already been disposed of"
    if LegalHold.objects.active().filter(record_type=item.record_type, record_id=item.record_id).exists():
        return "it is under legal hold"
    if (
        item.record_type == RecordType.CASE_FILE
        and Case.objects.filter(pk=item.record_id, restricted_at__isnull=False).exists()
    ):
        return "its processing is restricted (DPA 2018 s.47(2)): lift the restriction first"
    return None


def dispose_record(*, actor: User | None, item: RetentionItem, run: DisposalRun | None = None) -> DisposalRecord:
    """Erase one approved record and log its disposal, all in one transaction."""
    today = clock.today()
    with transaction.atomic():
        decision = (
            RetentionDecision.objects.select_related("decided_by")
            .filter(record_type=item.record_type, record_id=item.record_id)
            .order_by("-decided_at", "-id")
            .first()
        )
        if decision is None or decision.decision != Decision.APPROVE:
            raise ValidationFailed(f"{item.label}: its disposal has not been approved.")
        refusal = _refusal(item)
        if refusal:
            raise ValidationFailed(f"{item.label} was not disposed of: {refusal}.")
        erased = _erase(item, actor=actor, justification=_justification(item, decision), today=today)
        return DisposalRecord.objects.create(
            record_type=item.record_type,
            record_id=item.record_id,
            label=item.label,
            unit_id=item.unit_id,
            run=run,
            rule=item.rule,
            trigger_date=item.trigger_date,
            due_on=item.verdict.due_on,
            approved_by=decision.decided_by,
            approved_at=decision.decided_at,
            reason=decision.reason,
            disposed_at=clock.now(),
            erase_event_seq=erased.erase_event_seq,
            audit_events_redacted=erased.audit_events_redacted,
            rows_erased=dict(erased.rows),
        )


@dataclass
class DisposalSummary:
    planned: list[RetentionItem]
    disposed: list[DisposalRecord] = field(default_factory=list)
    skipped: list[tuple[RetentionItem, str]] = field(default_factory=list)
    run_id: int | None = None
    dry_run: bool = False


def _mark_interrupted_runs() -> None:
    for run in DisposalRun.objects.filter(status=RunStatus.RUNNING):
        run.status, run.failure = RunStatus.FAILED, "Interrupted before it finished; a later run took over."
        run.finished_at = run.finished_at or clock.now()
        run.save(update_fields=["status", "failure", "finished_at"])


def dispose_approved(
    *,
    actor: User | None = None,
    unit_id: int | None = None,
    dry_run: bool = False,
    batch_size: int = BATCH_SIZE,
    progress: Callable[[str], None] = lambda _: None,
    only: list[RetentionItem] | None = None,
) -> DisposalSummary:
    """Dispose of every record whose disposal a records officer approved (optionally one unit's),
    in batches, each record in its own transaction. With `dry_run`, only say what would go."""
    planned = only if only is not None else selectors.retention_items(unit_id=unit_id, states=[RetentionState.APPROVED])
    summary = DisposalSummary(planned=planned, dry_run=dry_run)
    if dry_run or not planned:
        return summary
    _mark_interrupted_runs()
    run = DisposalRun.objects.create(
        started_by=actor if getattr(actor, "pk", None) else None,
        unit_id=unit_id,
        channel=context.current().channel,
        planned=len(planned),
        started_at=clock.now(),
    )
    summary.run_id = run.pk
    erasure_services.secure_delete_on()
    try:
        for start in range(0, len(planned), batch_size):
            for item in planned[start : start + batch_size]:
                try:
                    summary.disposed.append(dispose_record(actor=actor, item=item, run=run))
                except ValidationFailed as refused:
                    summary.skipped.append((item, refused.message))
                    progress(f"  skipped {item.label}: {refused.message}")
            run.disposed, run.skipped, run.progressed_at = len(summary.disposed), len(summary.skipped), clock.now()
            run.save(update_fields=["disposed", "skipped", "progressed_at"])
            progress(f"{run.disposed + run.skipped} of {run.planned} done ({run.disposed} disposed of)")
    except Exception as error:
        run.status, run.failure, run.finished_at = (
            RunStatus.FAILED,
            f"{type(error).__name__}: {error}"[:500],
            clock.now(),
        )
        run.save(update_fields=["status", "failure", "finished_at"])
        raise
    run.status, run.finished_at = RunStatus.COMPLETED, clock.now()
    run.save(update_fields=["status", "finished_at"])
    erasure_services.checkpoint_write_ahead_log()
    return summary


def dispose_case_now(*, approver_username: str, case_id: int, reason: str) -> DisposalRecord:
    """One finalised case, disposed of at once on the authority of a records officer of its unit
    (`casework retention dispose --case`): refused under legal hold, while restricted, or before
    the case is finalised."""
    reason = _reason(reason, "for disposing of this case")
    case = Case.objects.filter(pk=case_id, disposed_at__isnull=True).first()
    if case is None:
        raise NotFound(f"No case {case_id} (or it has already been disposed of).")
    approver = User.objects.filter(username=approver_username, is_active=True).first()
    if approver is None or RoleCode.RECORDS_OFFICER not in approver.role_codes or approver.unit_id != case.unit_id:
        raise PermissionDenied(
            f"{approver_username!r} does not hold the records officer role for {case.unit.name}: only they can approve "
            "the disposal of its case files."
        )
    item = selectors.retention_item(record_type=RecordType.CASE_FILE, record_id=str(case.pk))
    if item is None:
        raise ValidationFailed(
            f"Case {case.urn} is not finalised yet: a case file is disposed of only after it closes."
        )
    refusal = _refusal(item)
    if refusal:
        raise ValidationFailed(f"Case {case.urn} was not disposed of: {refusal}.")
    with transaction.atomic():
        _record_decision(
            actor=approver,
            item=item,
            decision=Decision.APPROVE,
            keep_until=None,
            reason=reason,
            label=f"Disposal of {item.label} approved for immediate disposal",
        )
    summary = dispose_approved(actor=approver, only=[item])
    if not summary.disposed:
        raise ValidationFailed(summary.skipped[0][1] if summary.skipped else f"Case {case.urn} was not disposed of.")
    return summary.disposed[0]
