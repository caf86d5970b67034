"""Gather the facts the status rules need for a page of cases, in a fixed number of queries.

The facts come from where each app stores them: custody clocks and deadlines (progression), current
assurance verdicts and sign-off requests (assurance), hearings (cases). Nothing here decides: the
decision is workday.rules.case_status.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import Any

from django.db.models import Min, Q

from casework.assurance import counts as assurance_counts
from casework.assurance.choices import Outcome, SignOffStatus
from casework.assurance.models import SignOffRequest, VerdictPeriod
from casework.cases.choices import HearingType
from casework.cases.models import Hearing
from casework.core import clock
from casework.progression.choices import DeadlineStatus, ExtensionStatus
from casework.progression.models import CustodyClock, Deadline, ExtensionApplication
from casework.workday import rules

HRS_RULE = assurance_counts.HRS_RULE
REVIEW_RULE = assurance_counts.REVIEW_RULE
_IN_HAND = (ExtensionStatus.PREPARING, ExtensionStatus.NOTICE_SERVED)


def facts_for(cases: Iterable[Any], today: dt.date) -> dict[int, rules.CaseStatusFacts]:
    cases = list(cases)
    ids = [case.pk for case in cases]
    if not ids:
        return {}
    clocks: dict[int, dict[str, Any]] = {}
    for row in CustodyClock.objects.filter(case_id__in=ids, status__in=["running", "expired"]).values(
        "case_id", "status", "expires_on", "pk"
    ):
        entry = clocks.setdefault(row["case_id"], {"expires": None, "expired": False, "clock": None})
        if row["status"] == "expired" or (row["expires_on"] and row["expires_on"] < today):
            entry["expired"] = True
        if (
            row["status"] == "running"
            and row["expires_on"]
            and (entry["expires"] is None or row["expires_on"] < entry["expires"])
        ):
            entry["expires"], entry["clock"] = row["expires_on"], row["pk"]
    soonest_clocks = {entry["clock"] for entry in clocks.values() if entry["clock"]}
    in_hand = set(
        ExtensionApplication.objects.filter(clock_id__in=soonest_clocks, status__in=_IN_HAND).values_list(
            "clock_id", flat=True
        )
    )
    undecided: dict[int, dt.date] = {}
    for case_id, hearing_on in ExtensionApplication.objects.filter(
        clock__case_id__in=ids, status__in=_IN_HAND, hearing_on__lt=today, decided_on__isnull=True
    ).values_list("clock__case_id", "hearing_on"):
        if hearing_on is not None:  # the filter excludes none; the type does not know it
            undecided[case_id] = min(hearing_on, undecided.get(case_id, hearing_on))
    now = clock.now()
    upcoming = (
        Hearing.objects.filter(case_id__in=ids, starts_at__gte=now)
        .order_by("case_id", "starts_at")
        .values("case_id", "starts_at", "hearing_type")
    )
    next_hearing: dict[int, tuple[dt.date, str]] = {}
    next_trial: dict[int, dt.date] = {}
    labels = dict(HearingType.choices)
    for listed in upcoming:
        day = clock.local(listed["starts_at"]).date()
        next_hearing.setdefault(listed["case_id"], (day, labels.get(listed["hearing_type"], "hearing").lower()))
        if listed["hearing_type"] == HearingType.TRIAL:
            next_trial.setdefault(listed["case_id"], day)
    failing = {
        (case_id, code)
        for case_id, code in VerdictPeriod.objects.filter(
            case_id__in=ids, valid_to__isnull=True, outcome=Outcome.NOT_MET, rule_code__in=[HRS_RULE, REVIEW_RULE]
        ).values_list("case_id", "rule_code")
    }
    waiting = dict(
        SignOffRequest.objects.filter(case_id__in=ids, status=SignOffStatus.PENDING)
        .values("case_id")
        .annotate(since=Min("created_at"))
        .values_list("case_id", "since")
    )
    deadlines: dict[int, tuple[dt.date, str]] = {}
    for open_deadline in (
        Deadline.objects.filter(case_id__in=ids, status=DeadlineStatus.OPEN)
        .order_by("case_id", "due_on", "key")
        .values("case_id", "due_on", "title")
    ):
        deadlines.setdefault(open_deadline["case_id"], (open_deadline["due_on"], open_deadline["title"]))
    result = {}
    for case in cases:
        ctl = clocks.get(case.pk, {})
        hearing = next_hearing.get(case.pk)
        deadline = deadlines.get(case.pk)
        since = waiting.get(case.pk)
        result[case.pk] = rules.CaseStatusFacts(
            stage=case.stage,
            has_prosecutor=bool(case.allocated_lawyer_id),
            ctl_expires_on=ctl.get("expires"),
            ctl_expired=bool(ctl.get("expired")),
            extension_in_hand=ctl.get("clock") in in_hand,
            extension_hearing_undecided_on=undecided.get(case.pk),
            next_trial_on=next_trial.get(case.pk),
            next_hearing_on=hearing[0] if hearing else None,
            next_hearing_label=hearing[1] if hearing else "",
            hearing_record_sheet_missing=(case.pk, HRS_RULE) in failing,
            review_overdue=(case.pk, REVIEW_RULE) in failing,
            signoff_waiting_since=clock.local(since).date() if since else None,
            next_deadline_on=deadline[0] if deadline else None,
            next_deadline_title=deadline[1] if deadline else "",
        )
    return result


def statuses_for(cases: Iterable[Any], today: dt.date | None = None) -> dict[int, rules.CaseStatus]:
    today = today or clock.today()
    return {case_id: rules.case_status(facts, today) for case_id, facts in facts_for(cases, today).items()}


def attach_statuses(cases: list[Any], today: dt.date | None = None) -> list[Any]:
    """Set `case.work_status` on each case (for the lists and the case page)."""
    statuses = statuses_for(cases, today)
    for case in cases:
        case.work_status = statuses.get(case.pk)
    return cases


def ready_to_allocate_q() -> Q:
    """Open cases with no prosecutor: the "Ready to allocate" list (the same condition as the rule)."""
    return Q(allocated_lawyer__isnull=True, stage__in=rules.OPEN_STAGES)
