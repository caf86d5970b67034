"""Retention arithmetic and the state of one record. Pure: dates and facts in, a verdict out."""

from __future__ import annotations

import calendar
import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from casework.records.choices import Decision, RetentionState

#: Case stages after which a case file's retention period runs, and the outcome a stage implies
#: when none was recorded.
CLOSED_STAGE_OUTCOMES = {"finalised": "", "discontinued": "discontinued", "nfa": "nfa"}


def add_months(day: dt.date, months: int) -> dt.date:
    """`day` plus whole calendar months; the 31st becomes the last day of a shorter month."""
    month_index = day.month - 1 + months
    year, month = day.year + month_index // 12, month_index % 12 + 1
    return dt.date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def case_outcome_key(*, stage: str, outcome: str) -> str:
    """Which case-file rule applies: the recorded outcome, else what the closing stage implies."""
    return outcome or CLOSED_STAGE_OUTCOMES.get(stage, "")


@dataclass(frozen=True)
class Hold:
    reason: str
    until: dt.date | None


@dataclass(frozen=True)
class LastDecision:
    decision: str
    keep_until: dt.date | None
    reason: str


@dataclass(frozen=True)
class RetentionVerdict:
    state: RetentionState
    due_on: dt.date | None
    explanation: str
    facts: dict[str, Any] = field(default_factory=dict)

    @property
    def disposable(self) -> bool:
        """Approved, due, not held: the disposal run may erase it."""
        return self.state == RetentionState.APPROVED


def retention_verdict(
    *,
    today: dt.date,
    trigger_date: dt.date | None,
    period_months: int,
    rule: str,
    trigger_text: str,
    holds: list[Hold],
    decision: LastDecision | None,
    disposed: bool = False,
) -> RetentionVerdict:
    """Where one record stands in its retention: explained in plain English, with the facts used.

    A legal hold beats everything but disposal; a decision to keep longer defers the due date to its
    keep-until date (and the record is due for review again then); an approval stands only while the
    record is due.
    """
    facts: dict[str, Any] = {
        "rule": rule,
        "period_months": period_months,
        "trigger_date": trigger_date.isoformat() if trigger_date else None,
        "holds": len(holds),
        "decision": decision.decision if decision else None,
    }
    if disposed:
        return RetentionVerdict(RetentionState.DISPOSED, None, "Its personal data has been erased.", facts)
    if trigger_date is None:
        return RetentionVerdict(
            RetentionState.NOT_DUE, None, f"Not running yet: the period starts from {trigger_text}.", facts
        )
    due_on = add_months(trigger_date, period_months)
    facts["due_on"] = due_on.isoformat()
    basis = f"kept {period_months} months from {trigger_text} ({trigger_date:%d %B %Y}) under rule {rule}"
    if holds:
        hold = holds[0]
        until = f" until {hold.until:%d %B %Y}" if hold.until else " until it is lifted"
        return RetentionVerdict(
            RetentionState.HELD, due_on, f"Under legal hold{until}: {hold.reason}. Without it: {basis}.", facts
        )
    if decision is not None and decision.decision == Decision.EXTEND and decision.keep_until:
        facts["keep_until"] = decision.keep_until.isoformat()
        if decision.keep_until > today:
            return RetentionVerdict(
                RetentionState.EXTENDED,
                decision.keep_until,
                f"Kept until {decision.keep_until:%d %B %Y} ({decision.reason}); it is then due for review again. "
                f"Originally {basis}, due {due_on:%d %B %Y}.",
                facts,
            )
        due_on = max(due_on, decision.keep_until)  # keeping longer never brings the due date forward
    if today < due_on:
        return RetentionVerdict(RetentionState.NOT_DUE, due_on, f"Due on {due_on:%d %B %Y}: {basis}.", facts)
    if decision is not None and decision.decision == Decision.APPROVE:
        return RetentionVerdict(
            RetentionState.APPROVED,
            due_on,
            f"Disposal approved ({decision.reason}); due since {due_on:%d %B %Y}: {basis}.",
            facts,
        )
    return RetentionVerdict(RetentionState.DUE, due_on, f"Due since {due_on:%d %B %Y}: {basis}.", facts)
