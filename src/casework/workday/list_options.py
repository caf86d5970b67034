"""The workday's additions to the case lists: each row's status and next action, and a "Work needed"
filter group whose options are the same conditions the status rules and the overview figures use
(declared in apps.py)."""

from __future__ import annotations

from typing import Any

from django.db.models import Exists, OuterRef, Q

from casework.assurance import counts as assurance_counts
from casework.assurance.choices import Outcome, SignOffStatus
from casework.assurance.models import SignOffRequest, VerdictPeriod
from casework.cases import list_options
from casework.core import clock
from casework.progression.choices import DeadlineStatus
from casework.progression.models import Deadline
from casework.workday import rules
from casework.workday.status import facts_for, ready_to_allocate_q


def _failing(rule_code: str) -> Q:
    return Q(
        Exists(
            VerdictPeriod.objects.filter(
                case_id=OuterRef("pk"), valid_to__isnull=True, outcome=Outcome.NOT_MET, rule_code=rule_code
            )
        )
    )


def _deadline_overdue() -> Q:
    late = Deadline.objects.filter(case_id=OuterRef("pk"), status=DeadlineStatus.OPEN, due_on__lt=clock.today())
    return Q(Exists(late))


def _signoff_waiting() -> Q:
    return Q(Exists(SignOffRequest.objects.filter(case_id=OuterRef("pk"), status=SignOffStatus.PENDING)))


def add_status(cases: list[Any]) -> None:
    """Each row's status, next action and soonest custody time limit expiry (a few queries a page)."""
    today = clock.today()
    facts = facts_for(cases, today)
    for case in cases:
        case_facts = facts.get(case.pk)
        case.work_status = rules.case_status(case_facts, today) if case_facts else None
        if not hasattr(case, "next_ctl_expires_on"):
            case.next_ctl_expires_on = case_facts.ctl_expires_on if case_facts else None
        if not hasattr(case, "next_hearing_on"):
            case.next_hearing_on = case_facts.next_hearing_on if case_facts else None


WORK_FILTERS = list_options.FilterGroup(
    "work",
    "Work needed",
    (
        list_options.FilterOption("allocate", "Ready to allocate", ready_to_allocate_q),
        list_options.FilterOption("overdue", "Deadline overdue", _deadline_overdue),
        list_options.FilterOption("hrs", "Hearing record sheet missing", lambda: _failing(assurance_counts.HRS_RULE)),
        list_options.FilterOption("review", "Review overdue", lambda: _failing(assurance_counts.REVIEW_RULE)),
        list_options.FilterOption("signoff", "Waiting for sign-off", _signoff_waiting),
    ),
    order=10,
)
