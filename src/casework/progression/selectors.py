"""Reads for case progression. Case-scoped reads start from Case.objects.visible_to(user)."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable
from typing import Any

from django.db.models import Count, Q, QuerySet

from casework.cases.choices import DocumentKind, HearingType, ReviewKind
from casework.cases.models import Case, CaseReview, DocumentVersion
from casework.core.clock import local
from casework.core.id_lists import among
from casework.progression.choices import DeadlineStatus, TaskStatus
from casework.progression.ctl import ClockStatus
from casework.progression.models import CtlFailure, CtlLogEntry, CustodyClock, Deadline, Task, TimeLimitRule
from casework.progression.rules import LimitRule


def engine_rules() -> list[LimitRule]:
    return [row.as_rule() for row in TimeLimitRule.objects.all()]


def case_anchor_dates(case: Case) -> dict[str, dt.date]:
    """The trigger dates the timetable is counted from, as recorded on the case."""
    anchors: dict[str, dt.date] = {}
    for hearing_type, starts_at in (
        case.hearings.filter(hearing_type__in=[HearingType.SENDING, HearingType.PTPH])
        .order_by("starts_at")
        .values_list("hearing_type", "starts_at")
    ):
        key = "sending" if hearing_type == HearingType.SENDING else "ptph"
        anchors.setdefault(key, local(starts_at).date())
    charged = threshold_charge_dates([case.pk]).get(case.pk)
    if charged is not None:
        anchors["threshold_charge"] = charged
    return anchors


def threshold_charge_dates(case_ids: list[int]) -> dict[int, dt.date]:
    """The first charging decision under the Threshold Test on each case: a charging decision (MG3)
    recorded with test "threshold", or a Threshold Test review in the review log."""
    found: dict[int, dt.date] = {}

    def keep(case_id: int, day: dt.date) -> None:
        if case_id not in found or day < found[case_id]:
            found[case_id] = day

    versions = DocumentVersion.objects.filter(
        document__case_id__in=among(case_ids), document__kind=DocumentKind.MG3, metadata__test="threshold"
    ).values_list("document__case_id", "created_at", "metadata")
    for case_id, created_at, metadata in versions:
        if (metadata or {}).get("decision", "charge") != "no_further_action":
            keep(case_id, local(created_at).date())
    for case_id, reviewed_on in CaseReview.objects.filter(
        case_id__in=among(case_ids), kind=ReviewKind.THRESHOLD_TEST
    ).values_list("case_id", "reviewed_on"):
        keep(case_id, reviewed_on)
    return found


def full_code_review_dates_by_case(case_ids: list[int]) -> dict[int, list[dt.date]]:
    found: dict[int, list[dt.date]] = {}
    for case_id, reviewed_on in CaseReview.objects.filter(
        case_id__in=among(case_ids), kind=ReviewKind.FULL_CODE_TEST
    ).values_list("case_id", "reviewed_on"):
        found.setdefault(case_id, []).append(reviewed_on)
    return found


def full_code_review_dates(case: Case) -> list[dt.date]:
    return full_code_review_dates_by_case([case.pk]).get(case.pk, [])


# A case's own rows are read through visible_to narrowed to that case: `case IN (every case a
# national reader sees)` made SQLite list the whole register for each read.
def clocks_for_case(*, user: Any, case_id: int) -> QuerySet[CustodyClock]:
    return (
        CustodyClock.objects.filter(case__in=Case.objects.visible_to(user).filter(pk=case_id), case_id=case_id)
        .select_related("charge__defendant", "checked_by")
        .prefetch_related("events")
        .order_by("expires_on", "id")
    )


def deadlines_for_case(*, user: Any, case_id: int) -> QuerySet[Deadline]:
    return Deadline.objects.filter(
        case__in=Case.objects.visible_to(user).filter(pk=case_id), case_id=case_id
    ).select_related("owner")


#: What a listing of expiring clocks shows of each: the clock, its charge's offence and its defendant.
EXPIRING_CLOCK_FIELDS = (
    "id",
    "case_id",
    "charge_id",
    "charge__offence",
    "charge__defendant__first_names",
    "charge__defendant__last_name",
    "initial_regime",
    "regime",
    "status",
    "expires_on",
    "explanation",
    "rule_version",
    "checked_expiry",
)


def clocks_expiring(*, user: Any, unit_id: int | None, today: dt.date, within_days: int) -> QuerySet[Any]:
    """Running custody clocks expiring within a window (and expired ones), soonest first, as rows of
    `EXPIRING_CLOCK_FIELDS`: a unit can have thousands, and plain rows cost a fifth of model objects."""
    cases = Case.objects.visible_to(user)
    if unit_id:
        cases = cases.filter(unit_id=unit_id)
    return (
        CustodyClock.objects.filter(
            case__in=cases, status__in=["running", "expired"], expires_on__lte=today + dt.timedelta(days=within_days)
        )
        .order_by("expires_on", "id")
        .values(*EXPIRING_CLOCK_FIELDS)
    )


def tasks_for_user(*, user: Any, include_team: bool = True) -> QuerySet[Task]:
    scope = Q(assignee=user)
    if include_team and user.team_id:
        scope |= Q(team_id=user.team_id, assignee__isnull=True)
    visible_cases = Case.objects.visible_to(user)
    return (
        Task.objects.filter(scope, status=TaskStatus.OPEN)
        .filter(Q(case__isnull=True) | Q(case__in=visible_cases))
        .select_related("case", "assignee")
        .order_by("due_on", "id")
    )


def open_deadlines_for_user(*, user: Any) -> QuerySet[Deadline]:
    return (
        Deadline.objects.filter(owner=user, status=DeadlineStatus.OPEN, case__in=Case.objects.visible_to(user))
        .select_related("case")
        .order_by("due_on", "id")
    )


def ctl_failures(*, cases: QuerySet[Case], since: dt.date | None = None) -> QuerySet[CtlFailure]:
    """CTL failures on these cases that still stand (not withdrawn), latest expiry first."""
    found = CtlFailure.objects.filter(case__in=cases, withdrawn_at__isnull=True)
    if since is not None:
        found = found.filter(expired_on__gte=since)
    return found.select_related("case", "clock__charge__defendant", "case__allocated_lawyer").order_by(
        "-expired_on", "-id"
    )


# --- for other apps (they read progression's records through these, never its models) ---------


def _one_parameter(case_ids: Iterable[int] | QuerySet[Any]) -> Any:
    """A list of ids as one SQL parameter (see casework.core.id_lists); a queryset stays a subquery."""
    return case_ids if isinstance(case_ids, QuerySet) else among(case_ids)


def running_clock_counts(case_ids: Iterable[int] | QuerySet[Any]) -> dict[int, int]:
    """How many custody clocks are running per case (cases with none are absent)."""
    return dict(
        CustodyClock.objects.filter(case_id__in=_one_parameter(case_ids), status=ClockStatus.RUNNING)
        .values("case_id")
        .annotate(n=Count("id"))
        .values_list("case_id", "n")
    )


def ctl_log_dates(case_ids: Iterable[int] | QuerySet[Any]) -> dict[int, list[dt.date]]:
    """The dates of each case's custody time limit log entries, newest first."""
    found: dict[int, list[dt.date]] = defaultdict(list)
    for case_id, entry_on in (
        CtlLogEntry.objects.filter(case_id__in=_one_parameter(case_ids))
        .order_by("-entry_on")
        .values_list("case_id", "entry_on")
    ):
        found[case_id].append(entry_on)
    return found


def running_clock_expiries(
    case_ids: Iterable[int] | QuerySet[Any], *, start: dt.date, end: dt.date
) -> list[tuple[int, dt.date]]:
    """(case id, expiry date) of these cases' running custody clocks expiring in [start, end].

    Dated in Python: with an expiry range in SQL, SQLite answers from its status-and-expiry index,
    every running clock in the window (200 ms for one case at 100,000 cases), not these cases' own."""
    return [
        (case_id, expires_on)
        for case_id, expires_on in CustodyClock.objects.filter(
            case_id__in=case_ids, status=ClockStatus.RUNNING
        ).values_list("case_id", "expires_on")
        if expires_on is not None and start <= expires_on <= end
    ]
