"""Demo records that exercise assurance and progression: formal exemptions, sign-offs, custody
time limit clocks with their events and log, and extension applications.

Written per batch of cases, straight after the case rows, with their `collect` audit events.
Each case draws from its own seeded random stream (seed + URN), so the result does not depend on
batch size. Most cases are in order; a deliberate minority are not (missing sign-offs, stale CTL
logs, a pending approval queue), so the dashboards have something true to find.
"""

from __future__ import annotations

import datetime as dt
import random
from dataclasses import dataclass, field
from typing import Any

from casework.assurance.models import Checkpoint, Exemption, SignOffRequest
from casework.audit.choices import Action
from casework.audit.services import PendingEvent
from casework.cases.choices import CustodyStatus, DocumentKind, HearingType, Stage
from casework.core.clock import LONDON
from casework.core.working_days import WorkingCalendar
from casework.progression import ctl
from casework.progression import rules as ctl_rules
from casework.progression.models import CtlLogEntry, CustodyClock, CustodyClockEvent, ExtensionApplication

SIGNOFF_RATES = {"approved": 0.95, "pending": 0.025}  # the rest: never requested (non-compliant)
STALE_CTL_LOG_RATE = 0.12
CTL_STAGES = frozenset({Stage.CHARGED, Stage.PTPH, Stage.TRIAL_PREPARATION, Stage.TRIAL})


@dataclass
class WorkflowRows:
    exemptions: list[Exemption] = field(default_factory=list)
    signoffs: list[SignOffRequest] = field(default_factory=list)
    clocks: list[tuple[CustodyClock, list[CustodyClockEvent]]] = field(default_factory=list)
    ctl_log: list[CtlLogEntry] = field(default_factory=list)
    extensions: list[tuple[CustodyClock, ExtensionApplication]] = field(default_factory=list)
    events: list[PendingEvent] = field(default_factory=list)


class WorkflowBuilder:
    def __init__(
        self,
        *,
        seed: int,
        today: dt.date,
        now: dt.datetime,
        calendar: WorkingCalendar,
        rules: list[ctl_rules.LimitRule],
    ) -> None:
        self.seed = seed
        self.today = today
        self.now = now
        self.calendar = calendar
        self.rules = rules
        self.checkpoints = list(Checkpoint.objects.filter(effective_to__isnull=True).order_by("code"))

    def build(
        self, *, plan: Any, case_id: int, uid: Any, charges: list[tuple[str, int]], hearings: list[tuple[str, dt.date]]
    ) -> WorkflowRows:
        """Rows for one case. `charges`: (custody status, charge id); `hearings`: (type, London date)."""
        rng = random.Random(f"{self.seed}:{plan.urn}")
        rows = WorkflowRows()
        self._exemptions(plan, case_id, uid, rows)
        self._signoffs(plan, case_id, uid, rng, rows)
        if plan.stage in CTL_STAGES:
            self._custody(plan, case_id, uid, rng, charges, hearings, rows)
        return rows

    # --- assurance ----------------------------------------------------------------------------

    def _exemptions(self, plan: Any, case_id: int, uid: Any, rows: WorkflowRows) -> None:
        for document in plan.documents:
            if document.kind != DocumentKind.EXEMPTION:
                continue
            meta = document.versions[0].metadata
            approver = uid(str(meta.get("approver") or plan.legal_manager or plan.accepted_by))
            rows.exemptions.append(
                Exemption(
                    case_id=case_id,
                    document=str(meta.get("exempts", "psd")),
                    reason=str(meta.get("reason", "")),
                    approver_id=approver,
                    approved_on=document.versions[0].created_at.astimezone(LONDON).date(),
                    requested_by_id=uid(plan.allocated_lawyer),
                    created_at=document.versions[0].created_at,
                )
            )
            rows.events.append(_collect("assurance.exemption", case_id, f"{plan.urn} PSD exemption"))

    def _signoffs(self, plan: Any, case_id: int, uid: Any, rng: random.Random, rows: WorkflowRows) -> None:
        entered = {e.stage: e.entered_at for e in plan.stage_entries}
        approver = plan.legal_manager or plan.accepted_by
        if approver is None or approver == plan.allocated_lawyer:
            return
        for checkpoint in self.checkpoints:
            if checkpoint.categories and not set(checkpoint.categories) & set(plan.offence_categories):
                continue
            reached = (
                entered[plan.stage_entries[0].stage]
                if checkpoint.trigger_stage == "acceptance"
                else (entered.get(checkpoint.trigger_stage))
            )
            if reached is None:
                continue
            roll = rng.random()
            if roll >= SIGNOFF_RATES["approved"] + SIGNOFF_RATES["pending"]:
                continue  # never requested: the compliance panel will show it
            approved = roll < SIGNOFF_RATES["approved"]
            requested_at = reached - dt.timedelta(hours=rng.randint(2, 48))
            decided_at = min(requested_at + dt.timedelta(hours=rng.randint(2, 72)), self.now) if approved else None
            rows.signoffs.append(
                SignOffRequest(
                    case_id=case_id,
                    checkpoint_id=checkpoint.pk,
                    requested_by_id=uid(plan.allocated_lawyer),
                    approver_id=uid(approver),
                    routed_because="The case's legal manager",
                    status="approved" if approved else "pending",
                    decided_by_id=uid(approver) if approved else None,
                    decided_at=decided_at,
                    rationale="Content with the strategy and the decision." if approved else "",
                    created_at=requested_at,
                    updated_at=decided_at or requested_at,
                    version=2 if approved else 1,
                )
            )
            rows.events.append(_collect("assurance.signoffrequest", case_id, f"{plan.urn} sign-off {checkpoint.code}"))

    # --- custody time limits --------------------------------------------------------------------

    def _custody(
        self,
        plan: Any,
        case_id: int,
        uid: Any,
        rng: random.Random,
        charges: list[tuple[str, int]],
        hearings: list[tuple[str, dt.date]],
        rows: WorkflowRows,
    ) -> None:
        sending = next((on for kind, on in hearings if kind == HearingType.SENDING), None)
        custody_charges = [charge_id for status, charge_id in charges if status == CustodyStatus.IN_CUSTODY]
        if sending is None or sending > self.today or not custody_charges:
            return
        lawyer = uid(plan.allocated_lawyer)
        # One court-set expiry per case (co-defendants are usually extended together).
        base_expiry = sending + dt.timedelta(days=182)
        extended_to = None
        if base_expiry <= self.today + dt.timedelta(days=3):
            # Long-running custody cases have been extended by the court; some now near the new date.
            chosen = self.today + dt.timedelta(days=rng.choice([3, 6, 9, 12, 20, 26, 40, 60, 90, 120, 150]))
            # A court extends to a later working day than the current expiry.
            extended_to = self.calendar.following_working_day(max(chosen, base_expiry + dt.timedelta(days=1)))
        for charge_id in custody_charges:
            events = [
                CustodyClockEvent(
                    kind="remanded",
                    occurred_on=sending,
                    note="Sent to the Crown Court and remanded in custody",
                    recorded_by_id=lawyer,
                    recorded_at=_noon(sending),
                ),
            ]
            if extended_to is not None:
                granted_on = min(self.today, sending + dt.timedelta(days=170))
                events.append(
                    CustodyClockEvent(
                        kind="extension_granted",
                        occurred_on=granted_on,
                        new_expiry=extended_to,
                        note="Extended on the prosecution's application",
                        recorded_by_id=lawyer,
                        recorded_at=_noon(granted_on),
                    )
                )
            reading = ctl.ctl_clock(
                initial_regime=ctl_rules.Regime.CROWN,
                events=[ctl.ClockEvent(ctl.ClockEventKind(e.kind), e.occurred_on, e.new_expiry) for e in events],
                rules=self.rules,
                calendar=self.calendar,
                today=self.today,
            )
            checked = reading.expires_on if rng.random() < 0.8 else None
            clock = CustodyClock(
                case_id=case_id,
                charge_id=charge_id,
                initial_regime="crown",
                status=reading.status.value,
                regime=reading.regime.value,
                expires_on=reading.expires_on,
                explanation=reading.explanation,
                rule_version=reading.rule_version,
                computed_on=self.today,
                checked_expiry=checked,
                checked_by_id=uid(plan.legal_manager) if checked else None,
                checked_at=self.now if checked else None,
                created_at=_noon(sending),
                updated_at=self.now,
            )
            rows.clocks.append((clock, events))
            rows.events.append(_collect("progression.custodyclock", case_id, f"{plan.urn} CTL clock"))
            if reading.expires_on and (reading.expires_on - self.today).days <= 14 and rng.random() < 0.5:
                rows.extensions.append(
                    (
                        clock,
                        ExtensionApplication(
                            status="preparing",
                            hearing_on=reading.expires_on - dt.timedelta(days=5),
                            note="Application being drafted; chronology of due diligence attached.",
                            created_at=self.now,
                            updated_at=self.now,
                        ),
                    )
                )
        stale = rng.random() < STALE_CTL_LOG_RATE
        past_hearings = [on for _kind, on in hearings if sending <= on <= self.today]
        log_days = set(past_hearings)
        if not stale:
            day = self.today - dt.timedelta(days=rng.randint(1, 20))
            while day > sending:
                log_days.add(day)
                day -= dt.timedelta(days=rng.randint(14, 28))
        else:
            log_days = {d for d in log_days if d < self.today - dt.timedelta(days=40)} or {sending}
        for day in sorted(log_days):
            rows.ctl_log.append(
                CtlLogEntry(
                    case_id=case_id,
                    entry_on=day,
                    author_id=lawyer,
                    created_at=_noon(day),
                    note="Expiry dates checked against the charge sheet and the court log; no change.",
                )
            )
        rows.events.append(_collect("progression.ctllogentry", case_id, f"{plan.urn} CTL log ({len(log_days)})"))


def _noon(day: dt.date) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(12), tzinfo=dt.UTC)


def _collect(subject_type: str, case_id: int, label: str) -> PendingEvent:
    return PendingEvent(
        action=Action.COLLECT,
        subject_type=subject_type,
        subject_label=label[:250],
        case_id=case_id,
        changes={"source": [None, "demo data"]},
    )


def write(rows_per_case: list[WorkflowRows]) -> list[PendingEvent]:
    """Bulk-insert the rows of a batch (inside the caller's transaction); returns the audit events."""
    exemptions = [e for rows in rows_per_case for e in rows.exemptions]
    signoffs = [s for rows in rows_per_case for s in rows.signoffs]
    clocks = [(c, ev) for rows in rows_per_case for c, ev in rows.clocks]
    Exemption.objects.bulk_create(exemptions, batch_size=500)
    SignOffRequest.objects.bulk_create(signoffs, batch_size=500)
    CustodyClock.objects.bulk_create([c for c, _ in clocks], batch_size=500)
    events = []
    for clock, clock_events in clocks:
        for event in clock_events:
            event.clock_id = clock.pk
            events.append(event)
    CustodyClockEvent.objects.bulk_create(events, batch_size=1000)
    CtlLogEntry.objects.bulk_create([e for rows in rows_per_case for e in rows.ctl_log], batch_size=1000)
    applications = []
    for rows in rows_per_case:
        for clock, application in rows.extensions:
            application.clock_id = clock.pk
            applications.append(application)
    ExtensionApplication.objects.bulk_create(applications, batch_size=500)
    return [event for rows in rows_per_case for event in rows.events]
