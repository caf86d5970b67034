"""Template helpers for the working-day pages: the case status tag, and days left in words.

The case page shows the status and key facts through panels this app declares (`case_page_panels`);
the case lists' template loads this library by name ({% load workday %}) for the status column, so
no lower app imports this one in Python.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django import template

from casework.core import clock
from casework.workday import rules
from casework.workday.status import statuses_for

register = template.Library()


@register.filter
def days_words(due_on: dt.date | None, today: dt.date | None = None) -> str:
    """ "3 days left", "Due today", "2 days overdue"."""
    if due_on is None:
        return ""
    days = (due_on - (today or clock.today())).days
    if days == 0:
        return "Today"
    if days > 0:
        return f"{rules.plural(days, 'day')} left"
    return f"{rules.plural(-days, 'day')} overdue"


@register.filter
def urgency_word(due_on: dt.date | None, today: dt.date | None = None) -> str:
    return rules.urgency_of(due_on, today or clock.today())


@register.filter
def urgency_class(word: str) -> str:
    return f"govuk-tag--{rules.colour_of(word, 'grey')}"


@register.inclusion_tag("workday/_status.html")
def case_status(case: Any, detail: bool = False) -> dict[str, Any]:
    """The case's status tag and next action. Lists set `case.work_status` in bulk first; the case
    page works it out here for its one case."""
    status = getattr(case, "work_status", None)
    if status is None:
        status = statuses_for([case]).get(case.pk)
    return {"status": status, "detail": detail}


@register.inclusion_tag("workday/_key_facts.html")
def case_key_facts(case: Any) -> dict[str, Any]:
    """The case overview's key dates and compliance summary (the case is already opened and audited)."""
    from casework.assurance import rechecks
    from casework.assurance.choices import Outcome, SignOffStatus
    from casework.assurance.models import SignOffRequest, VerdictPeriod
    from casework.workday.status import facts_for

    today = clock.today()
    facts = facts_for([case], today).get(case.pk)
    current = VerdictPeriod.objects.filter(case_id=case.pk, valid_to__isnull=True)
    return {
        "case": case,
        "facts": facts,
        # The case changed since its verdicts: the worker is refreshing them.
        "recheck": rechecks.pending_for([case.pk]).get(case.pk),
        "today": today,
        "not_met": current.filter(outcome=Outcome.NOT_MET).count(),
        "evaluated": current.exists(),
        "signoffs_waiting": SignOffRequest.objects.filter(case_id=case.pk, status=SignOffStatus.PENDING).count(),
    }
