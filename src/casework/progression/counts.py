"""The progression figures every page counts from: one selector per figure.

The unit board, the overviews, the oversight drill-downs and the notices all count custody time
limits and deadlines through these functions, so a figure is the same wherever it appears and its
drill-down lists exactly the items counted. Each takes the reader's cases (already narrowed by
`Case.objects.visible_to`) and returns the counted items, most urgent first.
"""

from __future__ import annotations

import datetime as dt

from django.db.models import F, Q, QuerySet

from casework.cases.models import Case, rows_of_cases
from casework.progression.choices import DeadlineStatus, TaskStatus
from casework.progression.models import CtlFailure, CustodyClock, Deadline, ExtensionApplication, Task

#: The warning windows for custody time limits, widest first (days left, inclusive).
CTL_WINDOWS = (28, 14, 7)
#: A custody time limit this close (days left, inclusive) is urgent: notices and overviews single it out.
CTL_URGENT_DAYS = 7
#: CTL failures count for this long after the limit expired.
FAILURE_WINDOW_DAYS = 365
#: "Due soon": open work due within this many days.
DUE_SOON_DAYS = 7


def _of(model: type, cases: QuerySet[Case]) -> QuerySet:  # type: ignore[type-arg]
    """The model's rows for these cases (see cases.models.rows_of_cases: no subquery for the whole
    register or every case in normal work)."""
    return rows_of_cases(model._default_manager.all(), cases)  # type: ignore[attr-defined]


def ctl_expiring(*, cases: QuerySet[Case], today: dt.date, within_days: int = CTL_WINDOWS[0]) -> QuerySet[CustodyClock]:
    """Running custody time limits expiring between today and `within_days` days from now."""
    return (
        _of(CustodyClock, cases)
        .filter(status="running", expires_on__gte=today, expires_on__lte=today + dt.timedelta(days=within_days))
        .select_related("case", "case__allocated_lawyer", "charge__defendant", "checked_by")
        .order_by("expires_on", "case__urn", "id")
    )


def ctl_not_dual_checked(
    *, cases: QuerySet[Case], today: dt.date, within_days: int = CTL_WINDOWS[0]
) -> QuerySet[CustodyClock]:
    """Expiring custody time limits whose expiry date has not been checked by a second person (or
    changed since it was)."""
    expiring = ctl_expiring(cases=cases, today=today, within_days=within_days)
    return expiring.exclude(checked_expiry=F("expires_on"))


def ctl_expired(*, cases: QuerySet[Case], today: dt.date) -> QuerySet[CustodyClock]:
    """Custody time limits that have run out: recorded as expired, or running past their date."""
    return (
        _of(CustodyClock, cases)
        .filter(Q(status="expired") | Q(status="running", expires_on__lt=today))
        .select_related("case", "case__allocated_lawyer", "charge__defendant")
        .order_by("expires_on", "case__urn", "id")
    )


def ctl_failures(*, cases: QuerySet[Case], today: dt.date) -> QuerySet[CtlFailure]:
    """CTL failures found in the last year and not withdrawn, most recent first."""
    return (
        _of(CtlFailure, cases)
        .filter(withdrawn_at__isnull=True, expired_on__gte=today - dt.timedelta(days=FAILURE_WINDOW_DAYS))
        .select_related("case", "clock__charge__defendant")
        .order_by("-expired_on", "id")
    )


def extensions_undecided_after_hearing(*, cases: QuerySet[Case], today: dt.date) -> QuerySet[ExtensionApplication]:
    """Applications to extend a custody time limit whose hearing date has passed with no decision
    recorded: either the outcome was not entered, or the limit may have lapsed unnoticed."""
    return (
        rows_of_cases(ExtensionApplication.objects.all(), cases, "clock__case")
        .filter(hearing_on__lt=today, decided_on__isnull=True)
        .exclude(status__in=["granted", "refused", "withdrawn"])
        .select_related("clock__case", "clock__charge__defendant")
        .order_by("hearing_on", "id")
    )


def deadlines_overdue(*, cases: QuerySet[Case], today: dt.date) -> QuerySet[Deadline]:
    """Open deadlines past their due date, the longest overdue first."""
    return (
        _of(Deadline, cases)
        .filter(status=DeadlineStatus.OPEN, due_on__lt=today)
        .select_related("case", "owner")
        .order_by("due_on", "case__urn", "id")
    )


def deadlines_due_soon(
    *, cases: QuerySet[Case], today: dt.date, within_days: int = DUE_SOON_DAYS
) -> QuerySet[Deadline]:
    """Open deadlines due from today to `within_days` days ahead, soonest first."""
    return (
        _of(Deadline, cases)
        .filter(status=DeadlineStatus.OPEN, due_on__gte=today, due_on__lte=today + dt.timedelta(days=within_days))
        .select_related("case", "owner")
        .order_by("due_on", "case__urn", "id")
    )


def tasks_overdue(*, cases: QuerySet[Case], today: dt.date) -> QuerySet[Task]:
    return (
        _of(Task, cases)
        .filter(status=TaskStatus.OPEN, due_on__lt=today)
        .select_related("case", "assignee", "team")
        .order_by("due_on", "id")
    )


def tasks_due_soon(*, cases: QuerySet[Case], today: dt.date, within_days: int = DUE_SOON_DAYS) -> QuerySet[Task]:
    return (
        _of(Task, cases)
        .filter(status=TaskStatus.OPEN, due_on__gte=today, due_on__lte=today + dt.timedelta(days=within_days))
        .select_related("case", "assignee", "team")
        .order_by("due_on", "id")
    )
