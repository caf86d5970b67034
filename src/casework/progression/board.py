"""Reads for the unit progression board and "My tasks". Every query starts from
Case.objects.visible_to(user); nothing here writes."""

from __future__ import annotations

import datetime as dt
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from django.db.models import Q, QuerySet

from casework.cases.models import Case
from casework.core.errors import NotFound
from casework.people.choices import NATIONAL_READ_ROLES, UNIT_MANAGER_ROLES, RoleCode
from casework.people.models import Unit
from casework.progression import counts, selectors
from casework.progression.choices import DeadlineStatus, TaskStatus
from casework.progression.models import (
    CtlFailure,
    CtlLogEntry,
    CustodyClock,
    CustodyClockEvent,
    Deadline,
    ExtensionApplication,
    Task,
)

CTL_WINDOWS = counts.CTL_WINDOWS
CHART_WEEKS = 8
CHART_BAR_WIDTH = 380  # SVG units for the longest bar
CHART_ROW_HEIGHT = 30


@dataclass(frozen=True)
class WorkItem:
    """A task or a deadline, as one row of a list (both have a due date and someone answerable)."""

    kind: str  # "Task" or "Deadline"
    title: str
    due_on: dt.date
    case: Case | None
    owner: str
    status: str
    task: Task | None = None
    deadline: Deadline | None = None

    def days_late(self, today: dt.date) -> int:
        return (today - self.due_on).days


def _task_item(task: Task) -> WorkItem:
    owner = task.assignee.display_name if task.assignee_id and task.assignee else (str(task.team) if task.team else "")
    return WorkItem("Task", task.title, task.due_on, task.case, owner, task.get_status_display(), task=task)


def _deadline_item(deadline: Deadline) -> WorkItem:
    owner = deadline.owner.display_name if deadline.owner_id and deadline.owner else ""
    return WorkItem(
        "Deadline",
        deadline.title,
        deadline.due_on,
        deadline.case,
        owner,
        deadline.get_status_display(),
        deadline=deadline,
    )


# --- my tasks ----------------------------------------------------------------------------------


def my_work(*, user: Any, today: dt.date, show: str = "all", sort: str = "due") -> list[WorkItem]:
    """Open tasks assigned to the user or their team, and the open deadlines they own."""
    tasks = selectors.tasks_for_user(user=user).select_related("team")
    deadlines = selectors.open_deadlines_for_user(user=user).select_related("owner")
    if show == "overdue":
        tasks, deadlines = tasks.filter(due_on__lt=today), deadlines.filter(due_on__lt=today)
    elif show == "week":
        window = Q(due_on__gte=today, due_on__lte=today + dt.timedelta(days=7))
        tasks, deadlines = tasks.filter(window), deadlines.filter(window)
    items = [_task_item(t) for t in tasks] + [_deadline_item(d) for d in deadlines]
    if sort == "case":
        items.sort(key=lambda item: (item.case.urn if item.case else "", item.due_on))
    else:
        items.sort(key=lambda item: item.due_on, reverse=sort == "-due")
    return items


# --- the unit board ----------------------------------------------------------------------------


def board_unit_for(user: Any, requested_unit_id: int | None) -> tuple[int | None, bool]:
    """(unit id, may choose a unit) for the board; NotFound for roles without a board."""
    roles = user.role_codes
    if roles & NATIONAL_READ_ROLES:
        if requested_unit_id and not Unit.objects.filter(pk=requested_unit_id).exists():
            raise NotFound("Unit not found.")
        return requested_unit_id, True
    if roles & UNIT_MANAGER_ROLES and user.unit_id:
        return user.unit_id, False
    if RoleCode.AREA_LEADERSHIP in roles and user.area_id:
        return user.area.unit_id, False
    raise NotFound("Page not found.")


@dataclass
class Board:
    unit: Unit
    today: dt.date
    overdue: list[WorkItem] = field(default_factory=list)
    due_this_week: list[WorkItem] = field(default_factory=list)
    ctl_expiring: list[CustodyClock] = field(default_factory=list)
    ctl_counts: dict[int, int] = field(default_factory=dict)
    ctl_failures: list[CtlFailure] = field(default_factory=list)
    deadlines_overdue: int = 0
    tasks_overdue: int = 0
    deadlines_due_soon: int = 0
    tasks_due_soon: int = 0
    ctl_failures_total: int = 0
    chart: list[dict[str, Any]] = field(default_factory=list)
    #: How many rows each table shows (None: every row, as the CSV has).
    rows: int | None = None

    @property
    def overdue_total(self) -> int:
        return self.deadlines_overdue + self.tasks_overdue

    @property
    def due_total(self) -> int:
        return self.deadlines_due_soon + self.tasks_due_soon

    @property
    def ctl_expiring_total(self) -> int:
        return self.ctl_counts.get(CTL_WINDOWS[0], 0)

    @property
    def ctl_figures(self) -> list[tuple[int, int, str]]:
        """(window, count, key of the shared list of those limits) for each warning window."""
        return [(window, count, f"ctl-within-{window}") for window, count in self.ctl_counts.items()]

    @property
    def chart_height(self) -> int:
        return len(self.chart) * CHART_ROW_HEIGHT + 10

    def case_ids(self) -> list[int]:
        """Every case the board names (for the consultation it is)."""
        items = [*self.overdue, *self.due_this_week]
        ids = {item.case.pk for item in items if item.case is not None}
        ids |= {clock.case_id for clock in self.ctl_expiring}
        ids |= {failure.case_id for failure in self.ctl_failures}
        return sorted(ids)


def _unit_cases(user: Any, unit_id: int, lawyer_id: int | None) -> QuerySet[Case]:
    cases = Case.objects.visible_to(user).filter(unit_id=unit_id)
    return cases.filter(allocated_lawyer_id=lawyer_id) if lawyer_id else cases


#: The board shows each table's most urgent rows; all of them are behind the table's figure (its list,
#: paginated) and in the CSV. A large unit has hundreds of items due: rendering them all took seconds.
BOARD_ROWS = 25


def unit_board(
    *, user: Any, unit_id: int, today: dt.date, lawyer_id: int | None = None, rows: int | None = BOARD_ROWS
) -> Board:
    """The unit's board. Every figure comes from progression.counts, the same selectors the overviews
    and their lists use, so the board's numbers and the lists behind them always agree. Each table
    holds its `rows` most urgent items (None: all, for the CSV)."""
    unit = Unit.objects.get(pk=unit_id)
    cases = _unit_cases(user, unit_id, lawyer_id)
    board = Board(unit=unit, today=today, rows=rows)
    tasks_overdue, board.tasks_overdue = _most_urgent(counts.tasks_overdue(cases=cases, today=today), rows)
    deadlines_overdue, board.deadlines_overdue = _most_urgent(counts.deadlines_overdue(cases=cases, today=today), rows)
    tasks_due, board.tasks_due_soon = _most_urgent(counts.tasks_due_soon(cases=cases, today=today), rows)
    deadlines_due, board.deadlines_due_soon = _most_urgent(counts.deadlines_due_soon(cases=cases, today=today), rows)
    # The most urgent of each kind, merged: the first `rows` of the two together are among them.
    overdue = [_task_item(t) for t in tasks_overdue] + [_deadline_item(d) for d in deadlines_overdue]
    due = [_task_item(t) for t in tasks_due] + [_deadline_item(d) for d in deadlines_due]
    board.overdue = sorted(overdue, key=lambda item: item.due_on)[:rows]
    board.due_this_week = sorted(due, key=lambda item: item.due_on)[:rows]
    # One read of the limits expiring within the chart's horizon gives the chart, every warning
    # window's count and the table (those within the widest window), in the selectors' order.
    horizon = max(CHART_WEEKS * 7, *CTL_WINDOWS)
    expiring = counts.ctl_expiring(cases=cases, today=today, within_days=horizon)
    expiries: list[tuple[int, dt.date]] = [
        (pk, day) for pk, day in expiring.values_list("pk", "expires_on") if day is not None
    ]
    board.chart = expiries_by_week(today, [day for _, day in expiries])
    board.ctl_counts = {
        window: sum(1 for _, day in expiries if day <= today + dt.timedelta(days=window)) for window in CTL_WINDOWS
    }
    if rows:
        widest = today + dt.timedelta(days=CTL_WINDOWS[0])
        board.ctl_expiring = _in_order(expiring, [pk for pk, day in expiries if day <= widest][:rows])
    else:
        board.ctl_expiring = list(counts.ctl_expiring(cases=cases, today=today, within_days=CTL_WINDOWS[0]))
    for ctl in board.ctl_expiring:
        ctl.days_left = (ctl.expires_on - today).days  # type: ignore[attr-defined,operator]  # for the table
    board.ctl_failures, board.ctl_failures_total = _most_urgent(counts.ctl_failures(cases=cases, today=today), rows)
    return board


def _most_urgent(items: QuerySet[Any], rows: int | None) -> tuple[list[Any], int]:
    """The first `rows` of a selector's rows (None: all) and how many there are. The unit's cases are
    an IN (subquery) that each statement works out again, so one read of the keys gives both the
    count and the first rows, which are then loaded by key."""
    if not rows:
        loaded = list(items)
        return loaded, len(loaded)
    keys = list(items.values_list("pk", flat=True))
    return _in_order(items, keys[:rows]), len(keys)


def _in_order(items: QuerySet[Any], keys: list[int]) -> list[Any]:
    """The rows of `items` with these keys, loaded with the selector's related objects, in the order
    of `keys` (a handful: a table's first rows)."""
    if not keys:
        return []
    loaded = items.model._default_manager.filter(pk__in=keys)
    loaded.query.select_related = items.query.select_related
    by_key = {row.pk: row for row in loaded}
    return [by_key[key] for key in keys]


def expiries_by_week(today: dt.date, expiries: list[dt.date], weeks: int = CHART_WEEKS) -> list[dict[str, Any]]:
    """CTL expiries counted per week starting today, with the bar length as a share of the largest."""
    counts = Counter((day - today).days // 7 for day in expiries if 0 <= (day - today).days < weeks * 7)
    top = max(counts.values(), default=0)
    rows = []
    for week in range(weeks):
        start = today + dt.timedelta(days=7 * week)
        count = counts.get(week, 0)
        rows.append(
            {
                "start": start,
                "end": start + dt.timedelta(days=6),
                "count": count,
                "bar": round(CHART_BAR_WIDTH * count / top) if top else 0,
                "y": week * CHART_ROW_HEIGHT,
            }
        )
    return rows


# --- the case's progression (page and panel) ---------------------------------------------------


def case_progression(*, user: Any, case: Case, today: dt.date, full: bool = True) -> dict[str, Any]:
    """Clocks, deadlines, the CTL log, extension applications and open tasks of a visible case,
    in a fixed number of queries (`full=False`: clocks and deadlines only, for the case page panel)."""
    from django.db.models import Prefetch

    clocks = list(
        selectors.clocks_for_case(user=user, case_id=case.pk)
        .prefetch_related(None)  # replaced: the events with who recorded them
        .prefetch_related(
            Prefetch("events", queryset=CustodyClockEvent.objects.select_related("recorded_by")),
            Prefetch("extension_applications", queryset=ExtensionApplication.objects.order_by("-created_at")),
            Prefetch(
                "failures",
                queryset=CtlFailure.objects.filter(withdrawn_at__isnull=True).order_by("-expired_on"),
                to_attr="open_failures",
            ),
        )
    )
    rows = [
        {
            "clock": ctl,
            "days_remaining": (ctl.expires_on - today).days if ctl.expires_on else None,
            "tag": ctl_tag(ctl.status, (ctl.expires_on - today).days if ctl.expires_on else None),
            "failures": ctl.open_failures,  # type: ignore[attr-defined]
        }
        for ctl in clocks
    ]
    deadlines = list(selectors.deadlines_for_case(user=user, case_id=case.pk).order_by("due_on", "key"))
    if not full:
        return {
            "clock_rows": rows,
            "open_deadlines": [d for d in deadlines if d.status == DeadlineStatus.OPEN],
            "today": today,
        }
    return {
        "clock_rows": rows,
        "deadlines": deadlines,
        "open_deadlines": [d for d in deadlines if d.status == DeadlineStatus.OPEN],
        "ctl_log": list(
            CtlLogEntry.objects.filter(case=case).select_related("author", "hearing").order_by("-entry_on", "-id")
        ),
        "tasks": list(
            Task.objects.filter(case=case, status=TaskStatus.OPEN).select_related("assignee", "team").order_by("due_on")
        ),
        "today": today,
    }


def ctl_tag(status: str, days_remaining: int | None) -> dict[str, str]:
    """The status tag for a custody clock: colour by urgency, words that say it without colour."""
    if status == "expired":
        return {"label": "Expired", "class": "govuk-tag--red"}
    if status == "running" and days_remaining is not None:
        if days_remaining <= 7:
            return {"label": f"Running: {days_remaining} days left", "class": "govuk-tag--red"}
        if days_remaining <= 14:
            return {"label": f"Running: {days_remaining} days left", "class": "govuk-tag--orange"}
        if days_remaining <= 28:
            return {"label": f"Running: {days_remaining} days left", "class": "govuk-tag--yellow"}
        return {"label": "Running", "class": "govuk-tag--green"}
    labels = {"paused": "Stopped (on bail)", "ended": "Ended", "not_started": "Not started"}
    return {"label": labels.get(status, status.replace("_", " ").capitalize()), "class": "govuk-tag--grey"}
