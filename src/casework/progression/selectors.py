"""Reads for case progression. Case-scoped reads start from Case.objects.visible_to(user)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db.models import Q, QuerySet

from casework.cases.choices import HearingType
from casework.cases.models import Case
from casework.progression.calendar import WorkingCalendar
from casework.progression.choices import DeadlineStatus, TaskStatus
from casework.progression.models import CustodyClock, Deadline, NonWorkingDay, Task, TimeLimitRule
from casework.progression.rules import LimitRule


def working_calendar() -> WorkingCalendar:
    return WorkingCalendar({day: name for day, name in NonWorkingDay.objects.values_list("date", "name")})


def engine_rules() -> list[LimitRule]:
    return [row.as_rule() for row in TimeLimitRule.objects.all()]


def case_anchor_dates(case: Case) -> dict[str, dt.date]:
    """The trigger dates the timetable is counted from, as recorded on the case."""
    anchors: dict[str, dt.date] = {}
    from casework.core.clock import LONDON

    for hearing_type, starts_at in (
        case.hearings.filter(hearing_type__in=[HearingType.SENDING, HearingType.PTPH])
        .order_by("starts_at")
        .values_list("hearing_type", "starts_at")
    ):
        key = "sending" if hearing_type == HearingType.SENDING else "ptph"
        anchors.setdefault(key, starts_at.astimezone(LONDON).date())
    return anchors


def clocks_for_case(*, user: Any, case_id: int) -> QuerySet[CustodyClock]:
    return (
        CustodyClock.objects.filter(case__in=Case.objects.visible_to(user), case_id=case_id)
        .select_related("charge__defendant", "checked_by")
        .prefetch_related("events")
        .order_by("expires_on", "id")
    )


def deadlines_for_case(*, user: Any, case_id: int) -> QuerySet[Deadline]:
    return Deadline.objects.filter(case__in=Case.objects.visible_to(user), case_id=case_id).select_related("owner")


def clocks_expiring(*, user: Any, unit_id: int | None, today: dt.date, within_days: int) -> QuerySet[CustodyClock]:
    """Running custody clocks expiring within a window (and expired ones), for a board or the API."""
    cases = Case.objects.visible_to(user)
    if unit_id:
        cases = cases.filter(unit_id=unit_id)
    return (
        CustodyClock.objects.filter(
            case__in=cases, status__in=["running", "expired"], expires_on__lte=today + dt.timedelta(days=within_days)
        )
        .select_related("case", "charge__defendant", "case__allocated_lawyer")
        .order_by("expires_on", "id")
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
