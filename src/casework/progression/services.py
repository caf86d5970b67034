"""Writes for case progression: custody clocks, the CTL log, deadlines, directions and tasks.

Every service runs in one transaction and audits inside it. Dates proposed by the engine are
recorded with the rule version that produced them; a changed date is audited and the owner is
told, never silently moved.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Sequence
from typing import Any

from django.db import transaction

from casework.audit import services as audit
from casework.audit.choices import Action
from casework.audit.versioned import versioned_update
from casework.cases.models import Case, Charge
from casework.cases.services import require_case_editable
from casework.core import bank_holidays, dates
from casework.core import clock as core_clock
from casework.core.bank_holidays import working_calendar
from casework.core.case_changes import notify_case_changed
from casework.core.errors import NotFound, PermissionDenied, ValidationFailed
from casework.core.models import BankHolidayYear, NonWorkingDay
from casework.core.working_days import CalendarNotCovered, WorkingCalendar, day_and_date, fmt, long_date
from casework.people.models import User
from casework.progression import ctl, notices, rules, selectors
from casework.progression.choices import (
    ClockEventKind,
    DeadlineStatus,
    ExtensionStatus,
    FailureKind,
    MissedReason,
    NoticeEvent,
    TaskStatus,
)
from casework.progression.models import (
    CtlFailure,
    CtlLogEntry,
    CustodyClock,
    CustodyClockEvent,
    Deadline,
    ExtensionApplication,
    Notice,
    Task,
)

# --- custody clocks ---------------------------------------------------------------------------------

#: Engine errors that mean the facts given cannot be computed: shown to the user, never a 500.
ENGINE_ERRORS = (rules.InvalidInput, rules.RuleNotFound, CalendarNotCovered)


def _engine_events(rows: list[CustodyClockEvent]) -> list[ctl.ClockEvent]:
    return [ctl.ClockEvent(ctl.ClockEventKind(e.kind), e.occurred_on, e.new_expiry) for e in rows]


def _reading_for(
    clock: CustodyClock,
    *,
    today: dt.date,
    engine_rules: Sequence[rules.LimitRule],
    calendar: WorkingCalendar,
    events: list[CustodyClockEvent] | None = None,
    extra: list[ctl.ClockEvent] | None = None,
) -> ctl.ClockReading:
    """The engine's reading of a clock: its events, the defendant's first custody and date of birth."""
    rows = events if events is not None else list(clock.events.all())
    defendant = clock.charge.defendant
    return ctl.ctl_clock(
        initial_regime=rules.Regime(clock.initial_regime),
        events=[*_engine_events(rows), *(extra or [])],
        rules=engine_rules,
        calendar=calendar,
        today=today,
        summary_trial_decided_on=clock.summary_trial_decided_on,
        prior_custody_days=clock.prior_custody_days,
        first_custody_on=defendant.first_custody_on,
        born_on=defendant.date_of_birth,
    )


def _apply_reading(clock: CustodyClock, reading: ctl.ClockReading, today: dt.date) -> list[str]:
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


def failure_changes(
    clock: CustodyClock, reading: ctl.ClockReading, open_failures: list[CtlFailure], *, kind: str, now: dt.datetime
) -> tuple[list[CtlFailure], list[CtlFailure]]:
    """The CTL failures to record and to withdraw so the records match the reading. A failure is
    withdrawn only when the custody history no longer shows the limit running out in custody."""
    found = reading.failure
    new: list[CtlFailure] = []
    if found is not None and not any(f.expired_on == found.expired_on for f in open_failures):
        new.append(
            CtlFailure(
                clock=clock,
                case_id=clock.case_id,
                kind=kind,
                expired_on=found.expired_on,
                found_on=found.found_on,
                detail=found.reason[:2000],
                recorded_at=now,
            )
        )
    withdrawn = []
    for failure in open_failures:
        if found is None or failure.expired_on != found.expired_on:
            failure.withdrawn_at = now
            failure.withdrawn_reason = (
                "The custody events now recorded show the limit did not run out while the defendant was in custody."
            )
            withdrawn.append(failure)
    return new, withdrawn


def responsible_people(case: Case) -> list[int]:
    """The allocated lawyer and the legal manager: told about CTL warnings and failures."""
    return [uid for uid in dict.fromkeys((case.allocated_lawyer_id, case.legal_manager_id)) if uid]


def _sync_failures(
    *, actor: User | None, clock: CustodyClock, reading: ctl.ClockReading, kind: str = FailureKind.EXPIRED_IN_CUSTODY
) -> None:
    """Record or withdraw this clock's CTL failures (audited; the lawyer and manager are told)."""
    open_failures = list(CtlFailure.objects.filter(clock=clock, withdrawn_at__isnull=True))
    new, withdrawn = failure_changes(clock, reading, open_failures, kind=kind, now=core_clock.now())
    case = clock.case
    for failure in new:
        if CtlFailure.objects.filter(clock=clock, expired_on=failure.expired_on).exists():
            continue  # withdrawn before and found again: the earlier record stands
        failure.recorded_by = actor
        failure.save()
        audit.record(
            actor=actor,
            action=Action.COLLECT,
            subject=failure,
            case_id=clock.case_id,
            changes={"expired_on": [None, failure.expired_on.isoformat()], "kind": [None, failure.kind]},
        )
        _failure_notice(case, clock, failure.expired_on)
    for failure in withdrawn:
        failure.save(update_fields=["withdrawn_at", "withdrawn_reason"])
        audit.record(
            actor=actor,
            action=Action.ALTER,
            subject=failure,
            case_id=clock.case_id,
            changes={"withdrawn_reason": ["", failure.withdrawn_reason]},
        )


def clock_recompute(
    *, clock: CustodyClock, today: dt.date | None = None, actor: User | None = None
) -> ctl.ClockReading:
    """Recompute and store a clock's reading (derived data: no audit event for the reading itself;
    a CTL failure it finds or clears is recorded and audited)."""
    today = today or core_clock.today()
    reading = _reading_for(clock, today=today, engine_rules=selectors.engine_rules(), calendar=working_calendar())
    changed = _apply_reading(clock, reading, today)
    clock.save(update_fields=[*changed, "computed_on"] if changed else ["computed_on"])
    _sync_failures(actor=actor, clock=clock, reading=reading)
    return reading


@transaction.atomic
def custody_clock_open(
    *,
    actor: User,
    charge: Charge,
    initial_regime: str,
    summary_trial_decided_on: dt.date | None = None,
    prior_custody_days: int = 0,
) -> CustodyClock:
    case = charge.defendant.case
    require_case_editable(actor=actor, case=case)
    dates.require_plausible(summary_trial_decided_on=summary_trial_decided_on)
    errors: dict[str, list[str]] = {}
    if initial_regime not in rules.Regime.__members__.values():
        errors["initial_regime"] = ["Choose a custody time limit regime."]
    if prior_custody_days < 0:
        errors["prior_custody_days"] = ["Days already in custody cannot be negative."]
    elif prior_custody_days and initial_regime != rules.Regime.CROWN:
        errors["prior_custody_days"] = [
            "Days already in custody are taken off only the Crown Court limit. For the magistrates' court limits, "
            "record the remands and bail instead."
        ]
    if summary_trial_decided_on is not None and initial_regime != rules.Regime.EITHER_WAY:
        errors["summary_trial_decided_on"] = ["A summary trial decision applies only to an either-way offence."]
    if errors:
        raise ValidationFailed("The custody time limit clock could not be started.", field_errors=errors)
    if CustodyClock.objects.filter(charge=charge).exists():
        raise ValidationFailed("This charge already has a custody time limit clock.")
    now = core_clock.now()
    clock = CustodyClock.objects.create(
        charge=charge,
        case=case,
        initial_regime=initial_regime,
        summary_trial_decided_on=summary_trial_decided_on,
        prior_custody_days=prior_custody_days,
        created_at=now,
        updated_at=now,
    )
    audit.record(
        actor=actor,
        action=Action.COLLECT,
        subject=clock,
        case_id=case.pk,
        changes={"initial_regime": [None, initial_regime], "prior_custody_days": [None, prior_custody_days]},
    )
    clock_recompute(clock=clock, actor=actor)
    notify_case_changed(case.pk)
    return clock


def _event_field_errors(
    kind: str, occurred_on: dt.date, new_expiry: dt.date | None, today: dt.date
) -> dict[str, list[str]]:
    errors: dict[str, list[str]] = {}
    if kind not in ClockEventKind.values:
        errors["kind"] = ["Choose what happened."]
    if kind == ClockEventKind.EXTENSION_GRANTED and new_expiry is None:
        errors["new_expiry"] = ["Enter the new expiry date the court set."]
    if new_expiry is not None and kind != ClockEventKind.EXTENSION_GRANTED:
        errors["new_expiry"] = ["A new expiry date is only recorded for an extension."]
    if occurred_on > today + dt.timedelta(days=1):
        errors["occurred_on"] = ["The date cannot be in the future."]
    return errors


def clock_event_record(
    *,
    actor: User,
    clock: CustodyClock,
    kind: str,
    occurred_on: dt.date,
    new_expiry: dt.date | None = None,
    note: str = "",
) -> ctl.ClockReading:
    """Record a remand, bail, sending, plea, trial start or extension; the expiry is recomputed.

    The event is checked against the whole history first. An extension granted after the limit
    expired is refused (a court cannot extend an expired limit) and the case is recorded as a CTL
    failure, which stays on record although the event is not saved.
    """
    require_case_editable(actor=actor, case=clock.case)
    dates.require_plausible(occurred_on=occurred_on, new_expiry=new_expiry)
    today = core_clock.today()
    errors = _event_field_errors(kind, occurred_on, new_expiry, today)
    if errors:
        raise ValidationFailed("The custody event could not be recorded.", field_errors=errors)
    proposed = ctl.ClockEvent(ctl.ClockEventKind(kind), occurred_on, new_expiry)
    try:
        _reading_for(
            clock, today=today, engine_rules=selectors.engine_rules(), calendar=working_calendar(), extra=[proposed]
        )
    except ctl.ExtensionAfterExpiry as refused:
        _record_refused_extension(actor=actor, clock=clock, refused=refused)
        raise ValidationFailed(
            f"The extension could not be recorded: {refused}.",
            field_errors={"occurred_on": [f"The limit expired on {long_date(refused.expired_on)}, before this date."]},
        ) from refused
    except ENGINE_ERRORS as exc:
        field = "new_expiry" if kind == ClockEventKind.EXTENSION_GRANTED and "new expiry" in str(exc) else None
        raise ValidationFailed(
            f"The custody event could not be recorded: {exc}.",
            field_errors={field: [sentence(str(exc))]} if field else {},
        ) from exc
    with transaction.atomic():
        return _clock_event_write(
            actor=actor, clock=clock, kind=kind, occurred_on=occurred_on, new_expiry=new_expiry, note=note
        )


def sentence(text: str) -> str:
    return text[:1].upper() + text[1:] + ("" if text.endswith(".") else ".")


def _record_refused_extension(*, actor: User, clock: CustodyClock, refused: ctl.ExtensionAfterExpiry) -> None:
    """Commit the clock's reading (expired), the CTL failure and the refused attempt before the
    refusal is shown."""
    with transaction.atomic():
        today = max(core_clock.today(), refused.granted_on)
        reading = _reading_for(clock, today=today, engine_rules=selectors.engine_rules(), calendar=working_calendar())
        changed = _apply_reading(clock, reading, today)
        clock.save(update_fields=[*changed, "computed_on"])
        failure = reading.failure or ctl.CtlFailure(
            refused.expired_on,
            refused.granted_on,
            f"The limit expired on {day_and_date(refused.expired_on)}; an extension granted on "
            f"{day_and_date(refused.granted_on)} was refused because an expired limit cannot be extended.",
        )
        _sync_failures(
            actor=actor,
            clock=clock,
            reading=dataclasses.replace(reading, failure=failure),
            kind=FailureKind.EXTENSION_AFTER_EXPIRY,
        )
        audit.record(
            actor=actor,
            action=Action.ALTER,
            subject=clock,
            case_id=clock.case_id,
            changes={
                "extension_refused": [None, refused.granted_on.isoformat()],
                "expired_on": [None, refused.expired_on.isoformat()],
            },
        )


def _clock_event_write(
    *, actor: User, clock: CustodyClock, kind: str, occurred_on: dt.date, new_expiry: dt.date | None, note: str
) -> ctl.ClockReading:
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
    reading = clock_recompute(clock=clock, actor=actor)
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


def clock_dual_check(*, actor: User, clock: CustodyClock, confirmed_expiry: dt.date) -> CustodyClock:
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
            f"Your date ({day_and_date(confirmed_expiry)}) differs from the computed expiry "
            f"({day_and_date(clock.expires_on)}). "
            "Check the custody events and the explanation, then tell the case's prosecutor.",
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
        notify_case_changed(clock.case_id)
    return clock


@transaction.atomic
def ctl_log_add(*, actor: User, case: Case, entry_on: dt.date, note: str, hearing_id: int | None = None) -> CtlLogEntry:
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
    *, actor: User, clock: CustodyClock, hearing_on: dt.date | None = None, note: str = ""
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
    notify_case_changed(clock.case_id)
    return application


# --- deadlines -------------------------------------------------------------------------------------


def _owner_for(case: Case) -> int | None:
    return case.allocated_lawyer_id or case.legal_manager_id


def proposed_deadlines(
    *,
    case: Case,
    today: dt.date,
    engine_rules: Sequence[rules.LimitRule],
    calendar: WorkingCalendar,
    anchors: dict[str, dt.date],
    hearings: list[tuple[int, dt.date]],
    in_custody: bool,
    earliest_ctl: tuple[dt.date, str] | None,
    full_code_reviews: list[dt.date] | None = None,
) -> dict[str, rules.ProposedDate]:
    """Every deadline the rules give for a case's facts, keyed by its stable deadline key.

    `earliest_ctl` is the earliest running custody time limit: its expiry and the court that
    would hear an extension ("crown" or "magistrates"). `full_code_reviews` are the dates of Full
    Code Test reviews, which meet the review due after a Threshold Test charge.
    """
    result: dict[str, rules.ProposedDate] = {}
    timetable = {key: day for key, day in anchors.items() if key in ("sending", "ptph")}
    if timetable:
        for proposal in rules.key_dates(
            anchors=timetable,
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
    charged = anchors.get("threshold_charge")
    if charged is not None:
        (review,) = rules.key_dates(
            anchors={"threshold_charge": charged},
            rules=engine_rules,
            calendar=calendar,
            in_custody=in_custody,
            codes=["review.threshold_test"],
        )
        met = min((day for day in full_code_reviews or [] if day >= charged), default=None)
        result[review.code] = dataclasses.replace(review, met_on=met)
    if earliest_ctl is not None:
        expiry, court = earliest_ctl
        for proposal in rules.key_dates(
            anchors={"ctl_expiry": expiry},
            rules=engine_rules,
            calendar=calendar,
            in_custody=True,
            codes=["ctl.extension_prepare"],
        ):
            result[proposal.code] = proposal
        notice = rules.extension_notice(expires_on=expiry, court=court, rules=engine_rules, calendar=calendar)
        if notice is not None:
            result["ctl.extension_notice"] = rules.ProposedDate(
                "ctl.extension_notice", notice.title, notice.due_on, notice.basis, notice.rule_version, notice.source
            )
    return result


def earliest_running_ctl(clocks: list[tuple[dt.date | None, str]]) -> tuple[dt.date, str] | None:
    """(expiry, court) of the earliest running limit among (expiry, regime) pairs."""
    running = sorted((expiry, regime) for expiry, regime in clocks if expiry is not None)
    if not running:
        return None
    expiry, regime = running[0]
    return expiry, rules.REGIME_COURT[rules.Regime(regime)]


@transaction.atomic
def deadlines_recalculate(*, actor: User, case: Case, today: dt.date | None = None) -> dict[str, list[Any]]:
    """Bring a case's engine-proposed deadlines up to date; returns {key: [old, new]} for moved dates."""
    today = today or core_clock.today()
    calendar = working_calendar()
    engine_rules = selectors.engine_rules()
    hearings = [(h.pk, core_clock.local(h.starts_at).date()) for h in case.hearings.all()]
    clocks = list(CustodyClock.objects.filter(case=case, status="running", expires_on__isnull=False))
    in_custody = bool(clocks) or case.defendants.filter(custody_status="custody").exists()
    try:
        proposals = proposed_deadlines(
            case=case,
            today=today,
            engine_rules=engine_rules,
            calendar=calendar,
            anchors=selectors.case_anchor_dates(case),
            hearings=hearings,
            in_custody=in_custody,
            earliest_ctl=earliest_running_ctl([(c.expires_on, c.regime or c.initial_regime) for c in clocks]),
            full_code_reviews=selectors.full_code_review_dates(case),
        )
    except ENGINE_ERRORS as exc:
        raise ValidationFailed(f"The dates could not be worked out: {exc}.") from exc
    existing = {d.key: d for d in Deadline.objects.filter(case=case)}
    return apply_proposals(actor=actor, case=case, proposals=proposals, existing=existing)


def apply_proposals(
    *, actor: User, case: Case, proposals: dict[str, rules.ProposedDate], existing: dict[str, Deadline]
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
                status=DeadlineStatus.MET if proposal.met_on else DeadlineStatus.OPEN,
                met_on=proposal.met_on,
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
            if proposal.met_on and current.status == DeadlineStatus.OPEN:
                versioned_update(
                    actor=actor,
                    instance=current,
                    expected_version=current.version,
                    case_id=case.pk,
                    values={"status": DeadlineStatus.MET.value, "met_on": proposal.met_on},
                )
            continue
        old_due = current.due_on
        changes = {"proposed_due_on": [_iso(current.proposed_due_on), proposal.due_on.isoformat()]}
        current.proposed_due_on = proposal.due_on
        current.basis = proposal.basis[:300]
        current.rule_version = proposal.rule_version
        current.title = proposal.title[:200]
        current.source = proposal.source[:300]
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
            notices.notice_record(
                notices.notice_for(
                    user_id=current.owner_id,
                    case_id=case.pk,
                    key=f"moved:{current.pk}:{proposal.due_on.isoformat()}",
                    event=NoticeEvent.DEADLINE_MOVED,
                    due_on=proposal.due_on,
                    now=now,
                    text=f"{case.urn}: {current.title} moved from {fmt(old_due)} to {fmt(proposal.due_on)} "
                    f"({proposal.basis}).",
                )
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


def _failure_notice(case: Case, clock: CustodyClock, expired_on: dt.date) -> None:
    """Tell the lawyer and manager of a CTL failure: one notice per case and failure date (a second
    charge failing on the same date is added to the same notice's defendants and charges)."""
    subjects = notices.subjects_of([clock])
    for user_id in responsible_people(case):
        legacy = notices.legacy_ctl_failure_keys([clock.pk], expired_on)
        if Notice.objects.filter(user_id=user_id, key__in=legacy).exists():
            continue  # told already, by the one-per-charge notice of before
        key = notices.ctl_failure_key(case.pk, expired_on)
        existing = Notice.objects.filter(user_id=user_id, key=key).first()
        merged = notices.merge_subjects(existing.subjects, subjects) if existing else subjects
        notices.notice_record(
            notices.notice_for(
                user_id=user_id,
                case_id=case.pk,
                key=key,
                event=NoticeEvent.CTL_FAILURE,
                due_on=expired_on,
                subjects=subjects,
                now=core_clock.now(),
                text=notices.ctl_failure_text(case.urn, expired_on, merged),
            )
        )


@transaction.atomic
def deadline_direct(
    *, actor: User, deadline: Deadline, expected_version: int, due_on: dt.date, reason: str
) -> Deadline:
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
    *, actor: User, case: Case, title: str, due_on: dt.date, owner_id: int | None, reason: str
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
    notify_case_changed(case.pk)
    return deadline


@transaction.atomic
def deadline_mark_met(*, actor: User, deadline: Deadline, expected_version: int, met_on: dt.date) -> Deadline:
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
    *, actor: User, deadline: Deadline, expected_version: int, reason: str, note: str = ""
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
    actor: User | None,
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
    if case:
        notify_case_changed(case.pk)
    return task


@transaction.atomic
def task_complete(*, actor: User, task: Task, expected_version: int) -> Task:
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
def calendar_refresh(
    *, actor: User | None, days: dict[dt.date, str], source: str, dry_run: bool = False
) -> dict[str, Any]:
    """Add new bank holidays to the national calendar and correct renamed ones; mark the years the
    source lists in full as complete. Dates are never removed automatically: a holiday that
    disappears from the source is reported for an administrator to check."""
    existing = {row.date: row for row in NonWorkingDay.objects.all()}
    added = sorted(day for day in days if day not in existing)
    renamed = sorted(day for day, name in days.items() if day in existing and existing[day].name != name)
    unchanged = len(days) - len(added) - len(renamed)
    known_years = set(BankHolidayYear.objects.values_list("year", flat=True))
    new_years = [year for year in bank_holidays.complete_years(days) if year not in known_years]
    if not dry_run and (added or renamed or new_years):
        now = core_clock.now()
        for day in added:
            NonWorkingDay.objects.create(date=day, name=days[day], source=source[:200], refreshed_at=now)
        for day in renamed:
            row = existing[day]
            row.name, row.source, row.refreshed_at = days[day], source[:200], now
            row.save(update_fields=["name", "source", "refreshed_at"])
        for year in new_years:
            BankHolidayYear.objects.create(year=year, source=source[:200], loaded_at=now)
        audit.record(
            actor=actor,
            action=Action.CONFIG_CHANGE,
            subject_type="core.nonworkingday",
            subject_label=f"Bank holidays refreshed from {source}"[:250],
            changes={
                "added": [None, [d.isoformat() for d in added]],
                "renamed": [None, [d.isoformat() for d in renamed]],
                "complete_years": [None, new_years],
            },
        )
    return {
        "added": [d.isoformat() for d in added],
        "renamed": [d.isoformat() for d in renamed],
        "unchanged": unchanged,
        "complete_years": new_years,
    }
