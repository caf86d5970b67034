"""Writes for case progression: custody clocks, the CTL log, deadlines, directions and tasks.

Every service runs in one transaction and audits inside it. Dates proposed by the engine are
recorded with the rule version that produced them; a changed date is audited and the owner is
told, never silently moved.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db import transaction

from casework.audit import services as audit
from casework.audit.choices import Action
from casework.cases.models import Case, Charge
from casework.cases.services import notify_case_changed, require_case_editable, versioned_update
from casework.core import clock as core_clock
from casework.core import dates
from casework.core.errors import NotFound, PermissionDenied, ValidationFailed
from casework.progression import rules, selectors
from casework.progression.calendar import WorkingCalendar, fmt
from casework.progression.choices import (
    ClockEventKind,
    DeadlineStatus,
    ExtensionStatus,
    MissedReason,
    TaskStatus,
)
from casework.progression.models import (
    CtlLogEntry,
    CustodyClock,
    CustodyClockEvent,
    Deadline,
    ExtensionApplication,
    Notice,
    Task,
)

# --- custody clocks ---------------------------------------------------------------------------------


def _reading_for(
    clock: CustodyClock,
    *,
    today: dt.date,
    engine_rules: list[rules.LimitRule],
    calendar: WorkingCalendar,
    events: list[CustodyClockEvent] | None = None,
) -> rules.ClockReading:
    rows = events if events is not None else list(clock.events.all())
    return rules.ctl_clock(
        initial_regime=rules.Regime(clock.initial_regime),
        events=[rules.ClockEvent(rules.ClockEventKind(e.kind), e.occurred_on, e.new_expiry) for e in rows],
        rules=engine_rules,
        calendar=calendar,
        today=today,
        summary_trial_decided_on=clock.summary_trial_decided_on,
    )


def _apply_reading(clock: CustodyClock, reading: rules.ClockReading, today: dt.date) -> list[str]:
    """Store a reading on the clock; returns the fields that changed."""
    new = {
        "status": reading.status.value,
        "regime": reading.regime.value,
        "expires_on": reading.expires_on,
        "explanation": reading.explanation,
        "rule_version": reading.rule_version,
    }
    changed = [name for name, value in new.items() if getattr(clock, name) != value]
    for name, value in new.items():
        setattr(clock, name, value)
    clock.computed_on = today
    return changed


def clock_recompute(*, clock: CustodyClock, today: dt.date | None = None) -> rules.ClockReading:
    """Recompute and store a clock's reading (no audit event: the reading is derived data)."""
    today = today or core_clock.today()
    reading = _reading_for(
        clock, today=today, engine_rules=selectors.engine_rules(), calendar=selectors.working_calendar()
    )
    changed = _apply_reading(clock, reading, today)
    clock.save(update_fields=[*changed, "computed_on"] if changed else ["computed_on"])
    return reading


@transaction.atomic
def custody_clock_open(
    *, actor: Any, charge: Charge, initial_regime: str, summary_trial_decided_on: dt.date | None = None
) -> CustodyClock:
    case = charge.defendant.case
    require_case_editable(actor=actor, case=case)
    dates.require_plausible(summary_trial_decided_on=summary_trial_decided_on)
    if initial_regime not in rules.Regime.__members__.values():
        raise ValidationFailed(
            "Choose a custody time limit regime.", field_errors={"initial_regime": ["Unknown regime."]}
        )
    if CustodyClock.objects.filter(charge=charge).exists():
        raise ValidationFailed("This charge already has a custody time limit clock.")
    now = core_clock.now()
    clock = CustodyClock.objects.create(
        charge=charge,
        case=case,
        initial_regime=initial_regime,
        summary_trial_decided_on=summary_trial_decided_on,
        created_at=now,
        updated_at=now,
    )
    audit.record(
        actor=actor,
        action=Action.COLLECT,
        subject=clock,
        case_id=case.pk,
        changes={"initial_regime": [None, initial_regime]},
    )
    clock_recompute(clock=clock)
    notify_case_changed(case.pk)
    return clock


@transaction.atomic
def clock_event_record(
    *,
    actor: Any,
    clock: CustodyClock,
    kind: str,
    occurred_on: dt.date,
    new_expiry: dt.date | None = None,
    note: str = "",
) -> rules.ClockReading:
    """Record a remand, bail, sending, plea, trial start or extension; the expiry is recomputed."""
    require_case_editable(actor=actor, case=clock.case)
    dates.require_plausible(occurred_on=occurred_on, new_expiry=new_expiry)
    errors: dict[str, list[str]] = {}
    if kind not in ClockEventKind.values:
        errors["kind"] = ["Choose what happened."]
    if kind == ClockEventKind.EXTENSION_GRANTED and new_expiry is None:
        errors["new_expiry"] = ["Enter the new expiry date the court set."]
    if new_expiry is not None and kind != ClockEventKind.EXTENSION_GRANTED:
        errors["new_expiry"] = ["A new expiry date is only recorded for an extension."]
    if occurred_on > core_clock.today() + dt.timedelta(days=1):
        errors["occurred_on"] = ["The date cannot be in the future."]
    if errors:
        raise ValidationFailed("The custody event could not be recorded.", field_errors=errors)
    before = {"status": clock.status, "expires_on": clock.expires_on}
    event = CustodyClockEvent.objects.create(
        clock=clock,
        kind=kind,
        occurred_on=occurred_on,
        new_expiry=new_expiry,
        note=note[:250],
        recorded_by=actor,
        recorded_at=core_clock.now(),
    )
    try:
        reading = clock_recompute(clock=clock)
    except rules.InvalidInput as exc:
        raise ValidationFailed(f"The custody event could not be recorded: {exc}.") from exc
    if kind == ClockEventKind.EXTENSION_GRANTED:
        pending = ExtensionApplication.objects.filter(
            clock=clock, status__in=[ExtensionStatus.PREPARING, ExtensionStatus.NOTICE_SERVED]
        )
        for application in pending:
            versioned_update(
                actor=actor,
                instance=application,
                expected_version=application.version,
                case_id=clock.case_id,
                values={"status": ExtensionStatus.GRANTED.value, "decided_on": occurred_on, "new_expiry": new_expiry},
            )
    audit.record(
        actor=actor,
        action=Action.COLLECT,
        subject=event,
        case_id=clock.case_id,
        subject_label=f"{event.get_kind_display()} on {occurred_on.isoformat()}",
        changes=audit.diff(before, {"status": clock.status, "expires_on": clock.expires_on}),
    )
    notify_case_changed(clock.case_id)
    return reading


def clock_dual_check(*, actor: Any, clock: CustodyClock, confirmed_expiry: dt.date) -> CustodyClock:
    """A second person confirms the expiry by working it out themselves and entering it.

    The checker may not be the person who recorded the latest custody event. A date that differs
    from the computed one is refused (and audited): someone must look again at the events.
    """
    require_case_editable(actor=actor, case=clock.case)
    last = clock.events.order_by("-recorded_at", "-id").first()
    if last is not None and last.recorded_by_id == actor.pk:
        raise PermissionDenied(
            "The dual check must be done by someone other than the person who recorded the last event."
        )
    if clock.expires_on is None:
        raise ValidationFailed("There is no running custody time limit to check.")
    if confirmed_expiry != clock.expires_on:
        # Committed in its own transaction before refusing: the failed check must stay on record
        # (a decorator-wide transaction would roll it back with the error).
        with transaction.atomic():
            audit.record(
                actor=actor,
                action=Action.ALTER,
                subject=clock,
                case_id=clock.case_id,
                changes={"dual_check_mismatch": [confirmed_expiry.isoformat(), clock.expires_on.isoformat()]},
            )
        raise ValidationFailed(
            f"Your date ({fmt(confirmed_expiry)}) differs from the computed expiry ({fmt(clock.expires_on)}). "
            "Check the custody events and the explanation, then tell the allocated lawyer.",
            field_errors={"confirmed_expiry": ["This does not match the computed expiry."]},
        )
    with transaction.atomic():
        before = {"checked_expiry": clock.checked_expiry, "checked_by_id": clock.checked_by_id}
        clock.checked_expiry = confirmed_expiry
        clock.checked_by = actor
        clock.checked_at = core_clock.now()
        clock.save(update_fields=["checked_expiry", "checked_by", "checked_at"])
        audit.record(
            actor=actor,
            action=Action.ALTER,
            subject=clock,
            case_id=clock.case_id,
            changes=audit.diff(before, {"checked_expiry": confirmed_expiry, "checked_by_id": actor.pk}),
        )
    return clock


@transaction.atomic
def ctl_log_add(*, actor: Any, case: Case, entry_on: dt.date, note: str, hearing_id: int | None = None) -> CtlLogEntry:
    require_case_editable(actor=actor, case=case)
    dates.require_plausible(entry_on=entry_on)
    if not note.strip():
        raise ValidationFailed("Write what was checked.", field_errors={"note": ["Enter the log entry."]})
    if hearing_id is not None and not case.hearings.filter(pk=hearing_id).exists():
        raise ValidationFailed(
            "That hearing is not on this case.", field_errors={"hearing": ["Choose a hearing on this case."]}
        )
    entry = CtlLogEntry.objects.create(
        case=case,
        hearing_id=hearing_id,
        entry_on=entry_on,
        note=note.strip(),
        author=actor,
        created_at=core_clock.now(),
    )
    audit.record(
        actor=actor,
        action=Action.COLLECT,
        subject=entry,
        case_id=case.pk,
        changes={"entry_on": [None, entry_on.isoformat()], "hearing_id": [None, hearing_id]},
    )
    notify_case_changed(case.pk)
    return entry


@transaction.atomic
def extension_application_start(
    *, actor: Any, clock: CustodyClock, hearing_on: dt.date | None = None, note: str = ""
) -> ExtensionApplication:
    require_case_editable(actor=actor, case=clock.case)
    dates.require_plausible(hearing_on=hearing_on)
    now = core_clock.now()
    application = ExtensionApplication.objects.create(
        clock=clock, hearing_on=hearing_on, note=note, created_at=now, updated_at=now
    )
    audit.record(
        actor=actor,
        action=Action.COLLECT,
        subject=application,
        case_id=clock.case_id,
        changes={"status": [None, application.status]},
    )
    return application


# --- deadlines -------------------------------------------------------------------------------------


def _owner_for(case: Case) -> int | None:
    return case.allocated_lawyer_id or case.legal_manager_id


def proposed_deadlines(
    *,
    case: Case,
    today: dt.date,
    engine_rules: list[rules.LimitRule],
    calendar: WorkingCalendar,
    anchors: dict[str, dt.date],
    hearings: list[tuple[int, dt.date]],
    in_custody: bool,
    earliest_ctl_expiry: dt.date | None,
) -> dict[str, rules.ProposedDate]:
    """Every deadline the rules give for a case's facts, keyed by its stable deadline key."""
    result: dict[str, rules.ProposedDate] = {}
    if anchors:
        for proposal in rules.key_dates(
            anchors=anchors,
            rules=engine_rules,
            calendar=calendar,
            in_custody=in_custody,
            codes=["ptph.target", "ptph.form", "stage.1", "stage.2", "stage.3", "stage.4"],
        ):
            if proposal.code == "ptph.target" and "ptph" in anchors:
                continue  # the PTPH is listed: its date is the hearing itself
            result[proposal.code] = proposal
    for hearing_id, hearing_on in hearings:
        if hearing_on <= today:
            (hrs,) = rules.key_dates(
                anchors={"hearing": hearing_on},
                rules=engine_rules,
                calendar=calendar,
                in_custody=in_custody,
                codes=["hrs.return"],
            )
            result[f"hrs.return.{hearing_id}"] = hrs
    if earliest_ctl_expiry is not None:
        for proposal in rules.key_dates(
            anchors={"ctl_expiry": earliest_ctl_expiry},
            rules=engine_rules,
            calendar=calendar,
            in_custody=True,
            codes=["ctl.extension_prepare", "ctl.extension_notice"],
        ):
            result[proposal.code] = proposal
    return result


@transaction.atomic
def deadlines_recalculate(*, actor: Any, case: Case, today: dt.date | None = None) -> dict[str, list[Any]]:
    """Bring a case's engine-proposed deadlines up to date; returns {key: [old, new]} for moved dates."""
    today = today or core_clock.today()
    calendar = selectors.working_calendar()
    engine_rules = selectors.engine_rules()
    from casework.core.clock import LONDON

    hearings = [(h.pk, h.starts_at.astimezone(LONDON).date()) for h in case.hearings.all()]
    clocks = list(CustodyClock.objects.filter(case=case, status="running", expires_on__isnull=False))
    in_custody = bool(clocks) or case.defendants.filter(custody_status="custody").exists()
    proposals = proposed_deadlines(
        case=case,
        today=today,
        engine_rules=engine_rules,
        calendar=calendar,
        anchors=selectors.case_anchor_dates(case),
        hearings=hearings,
        in_custody=in_custody,
        earliest_ctl_expiry=min((c.expires_on for c in clocks if c.expires_on), default=None),
    )
    existing = {d.key: d for d in Deadline.objects.filter(case=case)}
    return apply_proposals(actor=actor, case=case, proposals=proposals, existing=existing)


def apply_proposals(
    *, actor: Any, case: Case, proposals: dict[str, rules.ProposedDate], existing: dict[str, Deadline]
) -> dict[str, list[Any]]:
    """Create, move or retire engine deadlines to match `proposals`. Caller holds the transaction."""
    now = core_clock.now()
    moved: dict[str, list[Any]] = {}
    owner_id = _owner_for(case)
    for key, proposal in proposals.items():
        current = existing.get(key)
        if current is None:
            deadline = Deadline.objects.create(
                case=case,
                key=key,
                title=proposal.title,
                due_on=proposal.due_on,
                proposed_due_on=proposal.due_on,
                basis=proposal.basis[:300],
                rule_version=proposal.rule_version,
                source=proposal.source[:300],
                owner_id=owner_id,
                created_at=now,
                updated_at=now,
            )
            audit.record(
                actor=actor,
                action=Action.COLLECT,
                subject=deadline,
                case_id=case.pk,
                changes={"due_on": [None, proposal.due_on.isoformat()], "rule_version": [None, proposal.rule_version]},
            )
            continue
        if current.proposed_due_on == proposal.due_on and current.rule_version == proposal.rule_version:
            continue
        old_due = current.due_on
        changes = {"proposed_due_on": [_iso(current.proposed_due_on), proposal.due_on.isoformat()]}
        current.proposed_due_on = proposal.due_on
        current.basis = proposal.basis[:300]
        current.rule_version = proposal.rule_version
        if not current.direction_reason:  # a court direction keeps its own date
            current.due_on = proposal.due_on
            changes["due_on"] = [old_due.isoformat(), proposal.due_on.isoformat()]
            moved[key] = [old_due, proposal.due_on]
        if current.status == DeadlineStatus.SUPERSEDED:
            current.status = DeadlineStatus.OPEN
        current.version += 1
        current.updated_at = now
        current.save()
        audit.record(actor=actor, action=Action.ALTER, subject=current, case_id=case.pk, changes=changes)
        if key in moved and current.owner_id:
            _notify(
                user_id=current.owner_id,
                case=case,
                key=f"moved:{current.pk}:{proposal.due_on.isoformat()}",
                text=f"{case.urn}: {current.title} moved from {fmt(old_due)} to {fmt(proposal.due_on)} "
                f"({proposal.basis}).",
            )
    for key, current in existing.items():
        engine_owned = not key.startswith("direction.")
        if engine_owned and key not in proposals and current.status == DeadlineStatus.OPEN:
            current.status = DeadlineStatus.SUPERSEDED
            current.version += 1
            current.updated_at = now
            current.save(update_fields=["status", "version", "updated_at"])
            audit.record(
                actor=actor,
                action=Action.ALTER,
                subject=current,
                case_id=case.pk,
                changes={"status": [DeadlineStatus.OPEN.value, DeadlineStatus.SUPERSEDED.value]},
            )
    return moved


def _iso(day: dt.date | None) -> str | None:
    return day.isoformat() if day else None


def _notify(*, user_id: int, case: Case | None, key: str, text: str) -> None:
    Notice.objects.get_or_create(
        user_id=user_id, key=key[:160], defaults={"case": case, "text": text[:300], "created_at": core_clock.now()}
    )


@transaction.atomic
def deadline_direct(*, actor: Any, deadline: Deadline, expected_version: int, due_on: dt.date, reason: str) -> Deadline:
    """A court direction overrides the rule's date (with the reason); the proposal is kept beside it."""
    require_case_editable(actor=actor, case=deadline.case)
    dates.require_plausible(due_on=due_on)
    if not reason.strip():
        raise ValidationFailed(
            "Say which direction set this date.", field_errors={"reason": ["Enter the direction and hearing."]}
        )

    versioned_update(
        actor=actor,
        instance=deadline,
        expected_version=expected_version,
        values={"due_on": due_on, "direction_reason": reason.strip()[:300]},
        case_id=deadline.case_id,
    )
    return deadline


@transaction.atomic
def direction_add(
    *, actor: Any, case: Case, title: str, due_on: dt.date, owner_id: int | None, reason: str
) -> Deadline:
    """A court direction that is not one of the standard dates: its own deadline with an owner."""
    require_case_editable(actor=actor, case=case)
    dates.require_plausible(due_on=due_on)
    errors = {}
    if not title.strip():
        errors["title"] = ["Enter what the court directed."]
    if not reason.strip():
        errors["reason"] = ["Enter the hearing or order that made the direction."]
    if errors:
        raise ValidationFailed("The direction could not be added.", field_errors=errors)
    now = core_clock.now()
    number = Deadline.objects.filter(case=case, key__startswith="direction.").count() + 1
    deadline = Deadline.objects.create(
        case=case,
        key=f"direction.{number}",
        title=title.strip()[:200],
        due_on=due_on,
        basis="Court direction",
        direction_reason=reason.strip()[:300],
        owner_id=owner_id or _owner_for(case),
        created_at=now,
        updated_at=now,
    )
    audit.record(
        actor=actor,
        action=Action.COLLECT,
        subject=deadline,
        case_id=case.pk,
        changes={"due_on": [None, due_on.isoformat()], "title": [None, deadline.title]},
    )
    return deadline


@transaction.atomic
def deadline_mark_met(*, actor: Any, deadline: Deadline, expected_version: int, met_on: dt.date) -> Deadline:
    require_case_editable(actor=actor, case=deadline.case)
    dates.require_plausible(met_on=met_on)

    versioned_update(
        actor=actor,
        instance=deadline,
        expected_version=expected_version,
        values={"status": DeadlineStatus.MET.value, "met_on": met_on},
        case_id=deadline.case_id,
    )
    return deadline


@transaction.atomic
def deadline_mark_missed(
    *, actor: Any, deadline: Deadline, expected_version: int, reason: str, note: str = ""
) -> Deadline:
    require_case_editable(actor=actor, case=deadline.case)
    if reason not in MissedReason.values:
        raise ValidationFailed("Choose why the date was missed.", field_errors={"missed_reason": ["Choose a reason."]})
    if reason == MissedReason.OTHER and not note.strip():
        raise ValidationFailed(
            "Explain the reason.", field_errors={"missed_note": ["Describe the reason when you choose Other."]}
        )

    versioned_update(
        actor=actor,
        instance=deadline,
        expected_version=expected_version,
        values={"status": DeadlineStatus.MISSED.value, "missed_reason": reason, "missed_note": note[:300]},
        case_id=deadline.case_id,
    )
    return deadline


# --- tasks ----------------------------------------------------------------------------------------


@transaction.atomic
def task_create(
    *,
    actor: Any,
    title: str,
    due_on: dt.date,
    case: Case | None = None,
    assignee_id: int | None = None,
    team_id: int | None = None,
    reminder_on: dt.date | None = None,
    escalate_on: dt.date | None = None,
    detail: str = "",
) -> Task:
    if case is not None:
        require_case_editable(actor=actor, case=case)
    dates.require_plausible(due_on=due_on, reminder_on=reminder_on, escalate_on=escalate_on)
    errors: dict[str, list[str]] = {}
    if not title.strip():
        errors["title"] = ["Enter what needs doing."]
    if assignee_id is None and team_id is None:
        errors["assignee"] = ["Assign the task to a person or a team."]
    if reminder_on and reminder_on > due_on:
        errors["reminder_on"] = ["The reminder must be on or before the due date."]
    if escalate_on and escalate_on < due_on:
        errors["escalate_on"] = ["Escalation must be on or after the due date."]
    if errors:
        raise ValidationFailed("The task could not be created.", field_errors=errors)
    now = core_clock.now()
    task = Task.objects.create(
        case=case,
        title=title.strip()[:200],
        detail=detail,
        assignee_id=assignee_id,
        team_id=team_id,
        reminder_on=reminder_on,
        due_on=due_on,
        escalate_on=escalate_on,
        created_by=actor,
        created_at=now,
        updated_at=now,
    )
    audit.record(
        actor=actor,
        action=Action.COLLECT,
        subject=task,
        case_id=case.pk if case else None,
        changes={"title": [None, task.title], "due_on": [None, due_on.isoformat()]},
    )
    return task


@transaction.atomic
def task_complete(*, actor: Any, task: Task, expected_version: int) -> Task:
    if task.case is not None:
        require_case_editable(actor=actor, case=task.case)
    elif task.assignee_id != actor.pk:
        raise NotFound("Task not found.")

    versioned_update(
        actor=actor,
        instance=task,
        expected_version=expected_version,
        values={"status": TaskStatus.DONE.value, "completed_at": core_clock.now()},
        case_id=task.case_id,
    )
    return task


# --- calendar -------------------------------------------------------------------------------------


@transaction.atomic
def calendar_refresh(*, actor: Any, days: dict[dt.date, str], source: str, dry_run: bool = False) -> dict[str, Any]:
    """Add new bank holidays and correct renamed ones. Dates are never removed automatically: a
    holiday that disappears from the source is reported for an administrator to check."""
    from casework.progression.models import NonWorkingDay

    existing = {row.date: row for row in NonWorkingDay.objects.all()}
    added = sorted(day for day in days if day not in existing)
    renamed = sorted(day for day, name in days.items() if day in existing and existing[day].name != name)
    unchanged = len(days) - len(added) - len(renamed)
    if not dry_run and (added or renamed):
        now = core_clock.now()
        for day in added:
            NonWorkingDay.objects.create(date=day, name=days[day], source=source[:200], refreshed_at=now)
        for day in renamed:
            row = existing[day]
            row.name, row.source, row.refreshed_at = days[day], source[:200], now
            row.save(update_fields=["name", "source", "refreshed_at"])
        audit.record(
            actor=actor,
            action=Action.CONFIG_CHANGE,
            subject_type="progression.nonworkingday",
            subject_label=f"Bank holidays refreshed from {source}"[:250],
            changes={
                "added": [None, [d.isoformat() for d in added]],
                "renamed": [None, [d.isoformat() for d in renamed]],
            },
        )
    return {
        "added": [d.isoformat() for d in added],
        "renamed": [d.isoformat() for d in renamed],
        "unchanged": unchanged,
    }
