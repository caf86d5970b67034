"""The nightly progression sweep: recompute every open case's custody clocks and deadlines, record
CTL failures, raise the engine's tasks and notices, and escalate overdue tasks. Idempotent: a
second run on the same day changes nothing.

Incremental (casework.cases.sweep_marks): a case is worked out only if it changed since, the time
limit rules or calendar changed, or a day came on which time passing changes its answer: a
future custody event or summary-trial decision taking effect, a custody time limit's warning days
(28, 14 and 7 days before), its extension preparation date and its expiry (and every day after it
while the defendant is still in custody, as the reading counts the days over), or a hearing passing
(which opens its record sheet deadline). A case that could not be worked out is tried again on
every run. What the sweep changes makes the case due for the assurance sweep.

It works in batches of cases with a fixed number of queries per batch and bulk writes, and audits
every change it makes with `record_many` (as the system actor), so it scales linearly. A case whose
facts cannot be worked out (an impossible custody history, a date outside the calendar) is
reported, its legal manager is told, and the sweep carries on with every other case.
"""

from __future__ import annotations

import datetime as dt
import logging
import time
from collections import defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from django.db import transaction

from casework.audit import services as audit
from casework.audit.choices import Action
from casework.cases import sweep_marks
from casework.cases.choices import OPEN_STAGES, CustodyStatus, DocumentKind, HearingType
from casework.cases.models import Case, CaseDocument, Defendant, Hearing
from casework.core import clock as core_clock
from casework.core.bank_holidays import working_calendar
from casework.core.clock import LONDON
from casework.core.id_lists import among
from casework.core.row_updates import insert_values, update_rows
from casework.core.working_days import WorkingCalendar, fmt
from casework.progression import counts, ctl, emails, notices, rules, selectors
from casework.progression.choices import DeadlineStatus, ExtensionStatus, FailureKind, NoticeEvent, TaskStatus
from casework.progression.models import (
    CtlFailure,
    CustodyClock,
    CustodyClockEvent,
    Deadline,
    ExtensionApplication,
    Notice,
    Task,
)
from casework.progression.services import (
    _apply_reading,
    _reading_for,
    earliest_running_ctl,
    failure_changes,
    proposed_deadlines,
    responsible_people,
)

logger = logging.getLogger(__name__)

#: Days before a CTL expiry at which the allocated lawyer and manager are told.
CTL_WARNING_DAYS = (28, 14, 7)
BATCH_SIZE = 1000
#: The columns the sweep writes (one prepared UPDATE per batch, run for every changed row).
DEADLINE_FIELDS = (
    "due_on",
    "proposed_due_on",
    "rule_version",
    "basis",
    "title",
    "source",
    "status",
    "met_on",
    "version",
    "updated_at",
)
#: Every column of a new deadline but its id (the row `_sweep_deadlines` builds; no column is left to
#: a database default, as the model's defaults are Python-side).
NEW_DEADLINE_COLUMNS = (
    "case",
    "key",
    "title",
    "due_on",
    "proposed_due_on",
    "basis",
    "rule_version",
    "source",
    "direction_reason",
    "owner",
    "status",
    "met_on",
    "missed_reason",
    "missed_note",
    "version",
    "created_at",
    "updated_at",
)
CLOCK_FIELDS = ("status", "regime", "expires_on", "explanation", "rule_version", "computed_on")


@dataclass
class SweepReport:
    today: dt.date
    cases: int = 0
    #: Open cases left alone: nothing that could change their answer happened since the last sweep.
    cases_unchanged: int = 0
    clocks_recomputed: int = 0
    deadlines_created: int = 0
    deadlines_moved: int = 0
    deadlines_superseded: int = 0
    tasks_created: int = 0
    tasks_escalated: int = 0
    notices_created: int = 0
    ctl_failures_recorded: int = 0
    ctl_failures_withdrawn: int = 0
    audit_events: int = 0
    seconds: float = 0.0
    moved: list[str] = field(default_factory=list)
    cases_failed: list[dict[str, str]] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        data = {k: v for k, v in self.__dict__.items() if k not in ("moved", "cases_failed")}
        data["today"] = self.today.isoformat()
        data["moved_examples"] = self.moved[:20]
        data["cases_failed"] = list(self.cases_failed)
        return data


@dataclass
class _Batch:
    """Everything the sweep writes for one batch of cases, flushed in one transaction."""

    events: list[audit.PendingEvent] = field(default_factory=list)
    #: Rows in NEW_DEADLINE_COLUMNS order, not model instances (a first sweep writes 400,000).
    new_deadlines: list[tuple[Any, ...]] = field(default_factory=list)
    changed_deadlines: list[Deadline] = field(default_factory=list)
    changed_clocks: list[CustodyClock] = field(default_factory=list)
    new_tasks: list[Task] = field(default_factory=list)
    new_notices: list[Notice] = field(default_factory=list)
    ctl_warnings: list[emails.CtlWarning] = field(default_factory=list)
    new_failures: list[CtlFailure] = field(default_factory=list)
    withdrawn_failures: list[CtlFailure] = field(default_factory=list)
    #: Per case: the first day after today on which time passing could change its answer.
    next_checks: dict[int, dt.date | None] = field(default_factory=dict)

    def take(self, other: _Batch) -> None:
        """Add one case's writes (kept apart until the case was worked out without error)."""
        for name in self.__dataclass_fields__:
            if name == "next_checks":
                self.next_checks.update(other.next_checks)
            else:
                getattr(self, name).extend(getattr(other, name))


@dataclass
class _CaseFacts:
    """One batch's facts, read in a fixed number of queries."""

    cases: dict[int, Case]
    hearings: dict[int, list[tuple[int, str, dt.date]]]
    in_custody: set[int]
    hrs_filed: dict[int, list[dt.date]]
    clocks: dict[int, list[CustodyClock]]
    events: dict[int, list[CustodyClockEvent]]
    pending_extension: set[int]
    #: Hearing dates of extension applications not yet decided, per case (the day after one, the
    #: undecided-extension notice falls due).
    extension_hearings: dict[int, list[dt.date]]
    deadlines: dict[int, dict[str, Deadline]]
    existing_tasks: set[tuple[int, str]]
    existing_notices: set[tuple[int, str]]
    open_failures: dict[int, list[CtlFailure]]
    known_failures: set[tuple[int, dt.date]]
    threshold_charges: dict[int, dt.date]
    full_code_reviews: dict[int, list[dt.date]]


def progression_sweep(
    *, today: dt.date | None = None, unit_id: int | None = None, progress: Callable[[str], None] | None = None
) -> SweepReport:
    today = today or core_clock.today()
    started = time.perf_counter()
    report = SweepReport(today=today)
    calendar = working_calendar()
    engine_rules = tuple(selectors.engine_rules())  # a tuple: rules.key_dates keeps its plan for it
    cases = Case.objects.filter(stage__in=OPEN_STAGES)
    if unit_id:
        cases = cases.filter(unit_id=unit_id)
    rules_key = sweep_marks.fingerprint(engine_rules, calendar)
    # In unit order: a batch's cases then share their lawyers and managers, so the warnings'
    # recipients (and their visibility checks) are a few dozen people per batch, not hundreds.
    chosen = sweep_marks.due(
        sweep_marks.PROGRESSION,
        list(cases.order_by("unit_id", "id").values_list("id", flat=True)),
        today=today,
        rules_key=rules_key,
    )
    report.cases_unchanged = chosen.skipped
    ids = chosen.case_ids
    total = len(ids)
    marks = _Marks(chosen.generations, rules_key)
    for start in range(0, total, BATCH_SIZE):
        _sweep_batch(ids[start : start + BATCH_SIZE], today, calendar, engine_rules, report, marks)
        if progress is not None:
            done = min(start + BATCH_SIZE, total)
            progress(f"cases {done}/{total} ({time.perf_counter() - started:.1f} s)")
    report.tasks_escalated = _escalate_overdue_tasks(today, report)
    report.seconds = round(time.perf_counter() - started, 3)
    return report


@dataclass(frozen=True)
class _Marks:
    """What the sweep stores in each case's mark: the change count read, the rules' fingerprint."""

    generations: dict[int, int]
    rules_key: str


def _sweep_batch(
    case_ids: list[int],
    today: dt.date,
    calendar: WorkingCalendar,
    engine_rules: Sequence[rules.LimitRule],
    report: SweepReport,
    marks: _Marks,
) -> None:
    facts = _read_batch(case_ids)
    batch = _Batch()
    for case_id in case_ids:
        case = facts.cases[case_id]
        report.cases += 1
        case_batch = _Batch()
        counts = SweepReport(today=today)
        try:
            _sweep_case(case, facts, today, calendar, engine_rules, case_batch, counts)
        except Exception as exc:
            logger.exception("progression sweep: case %s could not be worked out", case.urn)
            _case_failed(case, exc, today, facts, batch, report)
            batch.next_checks[case_id] = today  # not worked out: tried again on every run
            continue
        batch.take(case_batch)
        _add_counts(report, counts)
    _extension_undecided_notices(facts, today, batch)
    _flush(batch, report, today, marks)


def _read_batch(case_ids: list[int]) -> _CaseFacts:
    # The batch's ids as one SQL parameter in every query (casework.core.id_lists): a list of
    # 1,000 ids prepared value by value cost more than the query itself.
    ids = among(case_ids)
    cases = {
        c.pk: c
        for c in Case.objects.filter(pk__in=ids).only(
            "id", "urn", "unit_id", "allocated_lawyer_id", "legal_manager_id", "stage"
        )
    }
    hearings: dict[int, list[tuple[int, str, dt.date]]] = defaultdict(list)
    for hearing_id, case_id, kind, starts_at in (
        Hearing.objects.filter(case_id__in=ids)
        .values_list("id", "case_id", "hearing_type", "starts_at")
        .order_by("starts_at")
    ):
        hearings[case_id].append((hearing_id, kind, starts_at.astimezone(LONDON).date()))
    in_custody = set(
        Defendant.objects.filter(case_id__in=ids, custody_status=CustodyStatus.IN_CUSTODY).values_list(
            "case_id", flat=True
        )
    )
    hrs_filed: dict[int, list[dt.date]] = defaultdict(list)
    for case_id, created_at in CaseDocument.objects.filter(
        case_id__in=ids, kind=DocumentKind.HEARING_RECORD_SHEET
    ).values_list("case_id", "created_at"):
        hrs_filed[case_id].append(created_at.astimezone(LONDON).date())
    clocks: dict[int, list[CustodyClock]] = defaultdict(list)
    for clock in CustodyClock.objects.filter(case_id__in=ids).select_related("charge__defendant"):
        clocks[clock.case_id].append(clock)
    events: dict[int, list[CustodyClockEvent]] = defaultdict(list)
    for event in CustodyClockEvent.objects.filter(clock__case_id__in=ids).order_by("occurred_on", "id"):
        events[event.clock_id].append(event)
    pending_extension = set(
        ExtensionApplication.objects.filter(
            clock__case_id__in=ids,
            status__in=[ExtensionStatus.PREPARING, ExtensionStatus.NOTICE_SERVED, ExtensionStatus.GRANTED],
        ).values_list("clock_id", flat=True)
    )
    extension_hearings: dict[int, list[dt.date]] = defaultdict(list)
    for case_id, hearing_on in ExtensionApplication.objects.filter(
        clock__case_id__in=ids, hearing_on__isnull=False, decided_on__isnull=True
    ).values_list("clock__case_id", "hearing_on"):
        if hearing_on is not None:  # excluded by the filter; narrows the type
            extension_hearings[case_id].append(hearing_on)
    deadlines: dict[int, dict[str, Deadline]] = defaultdict(dict)
    for deadline in Deadline.objects.filter(case_id__in=ids):
        deadlines[deadline.case_id][deadline.key] = deadline
    open_failures: dict[int, list[CtlFailure]] = defaultdict(list)
    known_failures: set[tuple[int, dt.date]] = set()
    for failure in CtlFailure.objects.filter(case_id__in=ids):
        known_failures.add((failure.clock_id, failure.expired_on))
        if failure.withdrawn_at is None:
            open_failures[failure.clock_id].append(failure)
    return _CaseFacts(
        cases=cases,
        hearings=hearings,
        in_custody=in_custody,
        hrs_filed=hrs_filed,
        clocks=clocks,
        events=events,
        pending_extension=pending_extension,
        extension_hearings=extension_hearings,
        deadlines=deadlines,
        existing_tasks=set(
            Task.objects.filter(case_id__in=ids).exclude(engine_key="").values_list("case_id", "engine_key")
        ),
        existing_notices=set(Notice.objects.filter(case_id__in=ids).values_list("user_id", "key")),
        open_failures=open_failures,
        known_failures=known_failures,
        threshold_charges=selectors.threshold_charge_dates(case_ids),
        full_code_reviews=selectors.full_code_review_dates_by_case(case_ids),
    )


def _sweep_case(
    case: Case,
    facts: _CaseFacts,
    today: dt.date,
    calendar: WorkingCalendar,
    engine_rules: Sequence[rules.LimitRule],
    batch: _Batch,
    report: SweepReport,
) -> None:
    case_id = case.pk
    case_hearings = facts.hearings.get(case_id, [])
    running = _sweep_clocks(case, facts, today, calendar, engine_rules, batch, report)
    anchors = _anchors(case_hearings)
    if case_id in facts.threshold_charges:
        anchors["threshold_charge"] = facts.threshold_charges[case_id]
    proposals = proposed_deadlines(
        case=case,
        today=today,
        engine_rules=engine_rules,
        calendar=calendar,
        anchors=anchors,
        hearings=[(h_id, day) for h_id, _kind, day in case_hearings],
        in_custody=case_id in facts.in_custody or bool(running),
        earliest_ctl=earliest_running_ctl([(expiry, regime) for _clock, expiry, regime in running]),
        full_code_reviews=facts.full_code_reviews.get(case_id, []),
    )
    hearing_days = {h_id: day for h_id, _kind, day in case_hearings}
    _sweep_deadlines(
        case, proposals, facts.deadlines.get(case_id, {}), facts.hrs_filed.get(case_id, []), hearing_days, batch, report
    )
    prepare_dates = _raise_ctl_work(case, running, facts, today, calendar, engine_rules, batch, report)
    batch.next_checks[case_id] = _next_check_on(case, facts, running, prepare_dates, today)


def _next_check_on(
    case: Case,
    facts: _CaseFacts,
    running: list[tuple[CustodyClock, dt.date, str]],
    prepare_dates: list[dt.date],
    today: dt.date,
) -> dt.date | None:
    """The first day after today on which the sweep's answer for this case could change by time
    alone (the days the sweep compares today with)."""
    days: list[dt.date | None] = list(prepare_dates)
    for clock in facts.clocks.get(case.pk, []):
        if clock.status == ctl.ClockStatus.EXPIRED.value:
            # Past its limit and still in custody: the reading counts the days over, so every day.
            days.append(today + dt.timedelta(days=1))
        days.append(clock.summary_trial_decided_on)
        for event in facts.events.get(clock.pk, []):
            days += [event.occurred_on, event.new_expiry]
    for _clock, expires, _regime in running:
        days.append(expires + dt.timedelta(days=1))  # expired: a failure if still in custody
        days += [expires - dt.timedelta(days=threshold) for threshold in CTL_WARNING_DAYS]
    days += [day for _id, _kind, day in facts.hearings.get(case.pk, [])]  # a record sheet falls due
    # An extension hearing passing undecided is told the day after.
    days += [day + dt.timedelta(days=1) for day in facts.extension_hearings.get(case.pk, [])]
    return sweep_marks.first_day_after(today, days)


def _add_counts(report: SweepReport, counts: SweepReport) -> None:
    for name in (
        "clocks_recomputed",
        "deadlines_created",
        "deadlines_moved",
        "deadlines_superseded",
        "tasks_created",
        "ctl_failures_recorded",
        "ctl_failures_withdrawn",
    ):
        setattr(report, name, getattr(report, name) + getattr(counts, name))
    report.moved.extend(counts.moved)


def _case_failed(
    case: Case, exc: Exception, today: dt.date, facts: _CaseFacts, batch: _Batch, report: SweepReport
) -> None:
    """Report a case the sweep could not work out, and tell its legal manager (once a day)."""
    message = str(exc) or exc.__class__.__name__
    report.cases_failed.append({"case": case.urn, "error": message[:300]})
    manager = case.legal_manager_id or case.allocated_lawyer_id
    if manager:
        text = (
            f"{case.urn}: the nightly check could not work out this case's dates ({message}). Check the custody "
            "events and hearing dates."
        )
        _notice_once(facts, batch, manager, case, f"sweep-error:{today.isoformat()}", text, NoticeEvent.SWEEP_ERROR)


def _notice_once(
    facts: _CaseFacts,
    batch: _Batch,
    user_id: int,
    case: Case,
    key: str,
    text: str,
    event: str,
    *,
    due_on: dt.date | None = None,
    subjects: list[dict[str, Any]] | None = None,
    also_known_as: list[str] | None = None,
) -> bool:
    """Queue a notice unless this person already has one with this key (or one of the keys an
    earlier version used for the same event, `also_known_as`); True if queued."""
    if any((user_id, k[:160]) in facts.existing_notices for k in [key, *(also_known_as or [])]):
        return False
    facts.existing_notices.add((user_id, key[:160]))
    batch.new_notices.append(
        notices.notice_for(
            user_id=user_id,
            case_id=case.pk,
            key=key,
            event=event,
            text=text,
            now=core_clock.now(),
            due_on=due_on,
            subjects=subjects or [],
        )
    )
    return True


def _tell_responsible(
    facts: _CaseFacts,
    batch: _Batch,
    case: Case,
    key: str,
    text: str,
    event: str,
    *,
    due_on: dt.date,
    subjects: list[dict[str, Any]],
    also_known_as: list[str] | None = None,
) -> list[int]:
    """One notice about the case to each person responsible for it who does not have it yet; the
    people told (for the e-mails that go with some notices)."""
    return [
        user_id
        for user_id in responsible_people(case)
        if _notice_once(
            facts, batch, user_id, case, key, text, event, due_on=due_on, subjects=subjects, also_known_as=also_known_as
        )
    ]


def _anchors(case_hearings: list[tuple[int, str, dt.date]]) -> dict[str, dt.date]:
    anchors: dict[str, dt.date] = {}
    for _hearing_id, kind, day in case_hearings:
        if kind == HearingType.SENDING:
            anchors.setdefault("sending", day)
        elif kind == HearingType.PTPH:
            anchors.setdefault("ptph", day)
    return anchors


def _sweep_clocks(
    case: Case,
    facts: _CaseFacts,
    today: dt.date,
    calendar: WorkingCalendar,
    engine_rules: Sequence[rules.LimitRule],
    batch: _Batch,
    report: SweepReport,
) -> list[tuple[CustodyClock, dt.date, str]]:
    """Recompute the case's clocks; returns (clock, expiry, regime) for each one running."""
    running: list[tuple[CustodyClock, dt.date, str]] = []
    failed: list[tuple[CustodyClock, dt.date]] = []
    now = core_clock.now()
    for clock in facts.clocks.get(case.pk, []):
        reading = _reading_for(
            clock, today=today, engine_rules=engine_rules, calendar=calendar, events=facts.events.get(clock.pk, [])
        )
        before = {"status": clock.status, "expires_on": clock.expires_on}
        changed = _apply_reading(clock, reading, today)
        if changed:
            batch.changed_clocks.append(clock)
            report.clocks_recomputed += 1
            visible_change = audit.diff(before, {"status": clock.status, "expires_on": clock.expires_on})
            if visible_change:
                batch.events.append(
                    audit.PendingEvent(
                        action=Action.ALTER,
                        subject_type="progression.custodyclock",
                        subject_id=str(clock.pk),
                        subject_label=str(clock),
                        case_id=case.pk,
                        changes=visible_change,
                    )
                )
        failed.extend((clock, day) for day in _sweep_failures(case, clock, reading, facts, now, batch, report))
        if reading.status is ctl.ClockStatus.RUNNING and reading.expires_on is not None:
            running.append((clock, reading.expires_on, reading.regime.value))
    _failure_notices(case, failed, facts, batch)
    return running


def _failure_notices(case: Case, failed: list[tuple[CustodyClock, dt.date]], facts: _CaseFacts, batch: _Batch) -> None:
    """One notice per case and failure date, naming every defendant and charge whose limit failed."""
    by_day: dict[dt.date, list[CustodyClock]] = defaultdict(list)
    for clock, day in failed:
        by_day[day].append(clock)
    for day, clocks in sorted(by_day.items()):
        subjects = notices.subjects_of(clocks)
        _tell_responsible(
            facts,
            batch,
            case,
            notices.ctl_failure_key(case.pk, day),
            notices.ctl_failure_text(case.urn, day, subjects),
            NoticeEvent.CTL_FAILURE,
            due_on=day,
            subjects=subjects,
            also_known_as=notices.legacy_ctl_failure_keys([c.pk for c in clocks], day),
        )


def _sweep_failures(
    case: Case,
    clock: CustodyClock,
    reading: ctl.ClockReading,
    facts: _CaseFacts,
    now: dt.datetime,
    batch: _Batch,
    report: SweepReport,
) -> list[dt.date]:
    """Record and withdraw the clock's failures; returns the expiry dates of failures newly found."""
    found: list[dt.date] = []
    new, withdrawn = failure_changes(
        clock, reading, facts.open_failures.get(clock.pk, []), kind=FailureKind.EXPIRED_IN_CUSTODY, now=now
    )
    for failure in new:
        if (clock.pk, failure.expired_on) in facts.known_failures:
            continue  # withdrawn before and found again: the earlier record stands
        facts.known_failures.add((clock.pk, failure.expired_on))
        batch.new_failures.append(failure)
        report.ctl_failures_recorded += 1
        batch.events.append(
            audit.PendingEvent(
                action=Action.COLLECT,
                subject_type="progression.ctlfailure",
                subject_label=f"{case.urn}: CTL failure, expired {failure.expired_on.isoformat()}",
                case_id=case.pk,
                changes={"expired_on": [None, failure.expired_on.isoformat()], "kind": [None, failure.kind]},
            )
        )
        found.append(failure.expired_on)
    for failure in withdrawn:
        batch.withdrawn_failures.append(failure)
        report.ctl_failures_withdrawn += 1
        batch.events.append(
            audit.PendingEvent(
                action=Action.ALTER,
                subject_type="progression.ctlfailure",
                subject_id=str(failure.pk),
                subject_label=f"{case.urn}: CTL failure withdrawn",
                case_id=case.pk,
                changes={"withdrawn_reason": ["", failure.withdrawn_reason]},
            )
        )
    return found


def _sweep_deadlines(
    case: Case,
    proposals: dict[str, rules.ProposedDate],
    existing: dict[str, Deadline],
    hrs_filed: list[dt.date],
    hearing_days: dict[int, dt.date],
    batch: _Batch,
    report: SweepReport,
) -> None:
    now = core_clock.now()
    owner_id = case.allocated_lawyer_id or case.legal_manager_id
    for key, proposal in proposals.items():
        current = existing.get(key)
        status = DeadlineStatus.OPEN.value
        met_on = None
        if key.startswith("hrs.return."):
            # Met on the first record sheet filed on or after the hearing (late if after the due date).
            hearing_day = hearing_days.get(int(key.rsplit(".", 1)[1]))
            filed = sorted(day for day in hrs_filed if hearing_day is not None and day >= hearing_day)
            if filed:
                status, met_on = DeadlineStatus.MET.value, filed[0]
        elif proposal.met_on is not None:
            status, met_on = DeadlineStatus.MET.value, proposal.met_on
        if current is None:
            # In NEW_DEADLINE_COLUMNS order: a first sweep creates about six per case.
            batch.new_deadlines.append(
                (
                    case.pk,
                    key,
                    proposal.title,
                    proposal.due_on,
                    proposal.due_on,
                    proposal.basis[:300],
                    proposal.rule_version,
                    proposal.source[:300],
                    "",
                    owner_id,
                    status,
                    met_on,
                    "",
                    "",
                    1,
                    now,
                    now,
                )
            )
            report.deadlines_created += 1
            batch.events.append(
                audit.PendingEvent(
                    action=Action.COLLECT,
                    subject_type="progression.deadline",
                    subject_label=f"{case.urn} {key}",
                    case_id=case.pk,
                    changes={
                        "due_on": [None, proposal.due_on.isoformat()],
                        "rule_version": [None, proposal.rule_version],
                    },
                )
            )
            continue
        if current.proposed_due_on == proposal.due_on and current.rule_version == proposal.rule_version:
            if current.status == DeadlineStatus.OPEN and status == DeadlineStatus.MET.value:
                _change(current, {"status": status, "met_on": met_on}, case, batch, now)
            continue
        values: dict[str, Any] = {
            "proposed_due_on": proposal.due_on,
            "rule_version": proposal.rule_version,
            "basis": proposal.basis[:300],
            "title": proposal.title[:200],
            "source": proposal.source[:300],
        }
        if not current.direction_reason:
            values["due_on"] = proposal.due_on
            report.deadlines_moved += 1
            report.moved.append(f"{case.urn} {key}: {fmt(current.due_on)} -> {fmt(proposal.due_on)}")
            if current.owner_id:
                batch.new_notices.append(
                    notices.notice_for(
                        user_id=current.owner_id,
                        case_id=case.pk,
                        now=now,
                        key=f"moved:{current.pk}:{proposal.due_on.isoformat()}",
                        event=NoticeEvent.DEADLINE_MOVED,
                        due_on=proposal.due_on,
                        text=f"{case.urn}: {current.title} moved from {fmt(current.due_on)} to {fmt(proposal.due_on)}.",
                    )
                )
        if current.status == DeadlineStatus.SUPERSEDED:
            values["status"] = DeadlineStatus.OPEN.value
        _change(current, values, case, batch, now)
    for key, current in existing.items():
        if not key.startswith("direction.") and key not in proposals and current.status == DeadlineStatus.OPEN:
            _change(current, {"status": DeadlineStatus.SUPERSEDED.value}, case, batch, now)
            report.deadlines_superseded += 1


def _change(deadline: Deadline, values: dict[str, Any], case: Case, batch: _Batch, now: dt.datetime) -> None:
    before = {name: getattr(deadline, name) for name in values}
    for name, value in values.items():
        setattr(deadline, name, value)
    deadline.version += 1
    deadline.updated_at = now
    batch.changed_deadlines.append(deadline)
    batch.events.append(
        audit.PendingEvent(
            action=Action.ALTER,
            subject_type="progression.deadline",
            subject_id=str(deadline.pk),
            subject_label=f"{case.urn} {deadline.key}",
            case_id=case.pk,
            changes=audit.diff(before, values),
        )
    )


def _raise_ctl_work(
    case: Case,
    running: list[tuple[CustodyClock, dt.date, str]],
    facts: _CaseFacts,
    today: dt.date,
    calendar: WorkingCalendar,
    engine_rules: Sequence[rules.LimitRule],
    batch: _Batch,
    report: SweepReport,
) -> list[dt.date]:
    """Warn the lawyer and manager as a CTL nears expiry; from the preparation date, raise the
    extension task. Its reminder, due and escalation dates are rule rows (ctl.extension_prepare,
    ctl.extension_task_due, ctl.extension_task_escalate). Returns the preparation dates."""
    now = core_clock.now()
    prepare_dates: list[dt.date] = []
    _ctl_warning_notices(case, running, facts, today, batch)
    for clock, expires, _regime in running:
        dates = {
            p.code: p
            for p in rules.key_dates(
                anchors={"ctl_expiry": expires},
                rules=engine_rules,
                calendar=calendar,
                in_custody=True,
                codes=["ctl.extension_prepare", "ctl.extension_task_due", "ctl.extension_task_escalate"],
            )
        }
        prepare, due, escalate = (
            dates["ctl.extension_prepare"],
            dates["ctl.extension_task_due"],
            dates["ctl.extension_task_escalate"],
        )
        prepare_dates.append(prepare.due_on)
        task_key = f"ctl.extension.{clock.pk}.{expires.isoformat()}"
        if (
            today >= prepare.due_on
            and clock.pk not in facts.pending_extension
            and (case.pk, task_key) not in facts.existing_tasks
        ):
            facts.existing_tasks.add((case.pk, task_key))
            assignee = case.allocated_lawyer_id or case.legal_manager_id
            if assignee is None:
                continue
            batch.new_tasks.append(
                Task(
                    case_id=case.pk,
                    title=f"Prepare the CTL extension application (expires {fmt(expires)})",
                    detail=f"{prepare.basis}. Due: {due.basis}; escalated: {escalate.basis}. Source: {prepare.source}."[
                        :2000
                    ],
                    assignee_id=assignee,
                    reminder_on=prepare.due_on,
                    due_on=max(today, due.due_on),
                    escalate_on=max(today, escalate.due_on),
                    engine_key=task_key,
                    created_at=now,
                    updated_at=now,
                )
            )
            report.tasks_created += 1
    return prepare_dates


def _ctl_warning_notices(
    case: Case, running: list[tuple[CustodyClock, dt.date, str]], facts: _CaseFacts, today: dt.date, batch: _Batch
) -> None:
    """Warn the lawyer and manager as the case's limits near expiry: one notice (and e-mail) per
    case, expiry date and warning threshold, naming every defendant and charge it covers."""
    by_expiry: dict[dt.date, list[CustodyClock]] = defaultdict(list)
    for clock, expires, _regime in running:
        by_expiry[expires].append(clock)
    for expires, clocks in sorted(by_expiry.items()):
        days_left = (expires - today).days
        threshold = next((t for t in CTL_WARNING_DAYS[::-1] if days_left <= t), None)
        if threshold is None:
            continue
        subjects = notices.subjects_of(clocks)
        told = _tell_responsible(
            facts,
            batch,
            case,
            notices.ctl_warning_key(case.pk, expires, threshold),
            notices.ctl_warning_text(case.urn, expires, days_left, subjects),
            NoticeEvent.CTL_WARNING,
            due_on=expires,
            subjects=subjects,
            also_known_as=notices.legacy_ctl_warning_keys(clocks, expires, threshold),
        )
        batch.ctl_warnings += [emails.CtlWarning(user_id, case.pk, case.urn, expires, days_left) for user_id in told]


def _extension_undecided_notices(facts: _CaseFacts, today: dt.date, batch: _Batch) -> None:
    """An extension application whose hearing date has passed with no decision recorded: the
    outcome was not entered, or the limit may have lapsed unnoticed. Told once per application and
    hearing date (one query per batch, through the figure the board and overviews count)."""
    applications = counts.extensions_undecided_after_hearing(
        cases=Case.objects.filter(pk__in=among(facts.cases)), today=today
    )
    for application in applications:
        case = facts.cases[application.clock.case_id]
        assert application.hearing_on is not None  # the selector's filter
        subjects = notices.subjects_of([application.clock])
        _tell_responsible(
            facts,
            batch,
            case,
            notices.extension_undecided_key(application.pk, application.hearing_on),
            notices.extension_undecided_text(case.urn, application.hearing_on, subjects),
            NoticeEvent.EXTENSION_UNDECIDED,
            due_on=application.hearing_on,
            subjects=subjects,
        )


def _flush(batch: _Batch, report: SweepReport, today: dt.date, marks: _Marks) -> None:
    with transaction.atomic():
        if batch.new_deadlines:
            insert_values(Deadline, NEW_DEADLINE_COLUMNS, batch.new_deadlines)  # nothing refers to them yet
        if batch.changed_deadlines:
            update_rows(Deadline, batch.changed_deadlines, DEADLINE_FIELDS)
        if batch.changed_clocks:
            update_rows(CustodyClock, batch.changed_clocks, CLOCK_FIELDS)
        if batch.new_tasks:
            Task.objects.bulk_create(batch.new_tasks, batch_size=500)
            for task in batch.new_tasks:
                batch.events.append(
                    audit.PendingEvent(
                        action=Action.COLLECT,
                        subject_type="progression.task",
                        subject_label=task.title[:250],
                        case_id=task.case_id,
                        changes={"engine_key": [None, task.engine_key]},
                    )
                )
        if batch.new_failures:
            CtlFailure.objects.bulk_create(batch.new_failures, batch_size=500)
        if batch.withdrawn_failures:
            CtlFailure.objects.bulk_update(
                batch.withdrawn_failures, ["withdrawn_at", "withdrawn_reason"], batch_size=500
            )
        if batch.new_notices:
            created = Notice.objects.bulk_create(batch.new_notices, batch_size=500, ignore_conflicts=True)
            report.notices_created += len(created)
        if batch.events:
            audit.record_many(actor=None, events=batch.events)
            report.audit_events += len(batch.events)
            # What the sweep changed (deadlines, clocks, failures, tasks) is assurance's input.
            changed = frozenset(event.case_id for event in batch.events if event.case_id is not None)
            sweep_marks.inputs_changed(changed, sweeps=(sweep_marks.ASSURANCE,))
        sweep_marks.record(
            sweep_marks.PROGRESSION, batch.next_checks, marks.generations, today=today, rules_key=marks.rules_key
        )
        emails.ctl_warnings(batch.ctl_warnings)  # e-mailed by the worker, once per threshold


def _escalate_overdue_tasks(today: dt.date, report: SweepReport) -> int:
    """Tasks past their escalation date go to the case's legal manager (once)."""
    now = core_clock.now()
    overdue = list(
        Task.objects.filter(status=TaskStatus.OPEN, escalate_on__lt=today, escalated_at__isnull=True).select_related(
            "case"
        )
    )
    if not overdue:
        return 0
    escalation_notices, events = [], []
    for task in overdue:
        task.escalated_at = now
        manager_id = task.case.legal_manager_id if task.case else None
        if manager_id:
            escalation_notices.append(
                notices.notice_for(
                    user_id=manager_id,
                    case_id=task.case_id,
                    key=f"escalated:{task.pk}",
                    event=NoticeEvent.TASK_ESCALATED,
                    due_on=task.due_on,
                    now=now,
                    text=f"Escalated: “{task.title}” was due {fmt(task.due_on)}"
                    + (f" on {task.case.urn}" if task.case else "")
                    + " and is still open.",
                )
            )
        events.append(
            audit.PendingEvent(
                action=Action.ALTER,
                subject_type="progression.task",
                subject_id=str(task.pk),
                subject_label=task.title[:250],
                case_id=task.case_id,
                changes={"escalated_at": [None, now.isoformat()]},
            )
        )
    with transaction.atomic():
        Task.objects.bulk_update(overdue, ["escalated_at"], batch_size=500)
        report.notices_created += len(Notice.objects.bulk_create(escalation_notices, ignore_conflicts=True))
        audit.record_many(actor=None, events=events)
        report.audit_events += len(events)
    return len(overdue)
