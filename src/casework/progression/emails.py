"""E-mails from case progression: the daily digest and custody time limit warnings.
Each is one call to the notification interface; the recipient rules live there."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from django.urls import reverse

from casework.core.working_days import fmt
from casework.notifications import services as notifications
from casework.people.models import User


def digest(*, user: Any, digest: Any, today: dt.date) -> None:
    """The daily digest (the caller records the s.62 disclosure with the digest's own bookkeeping)."""
    notifications.notify(
        kind="daily_digest",
        to=notifications.Recipient.for_user(user),
        personalisation={
            "name": user.display_name,
            "date": fmt(today),
            "due_today": len(digest.due_today),
            "overdue": len(digest.overdue),
            "ctl_soon": len(digest.ctl_soon),
            "summary": digest.body(),
            "link": notifications.absolute_url(reverse("progression:tasks")),
        },
        case_ids=digest.case_ids,
        record_disclosure=False,
    )


@dataclass(frozen=True)
class CtlWarning:
    user_id: int
    case_id: int
    urn: str
    expires_on: dt.date
    days_left: int


def ctl_warnings(warnings: Iterable[CtlWarning]) -> None:
    """A warning at each threshold before a custody time limit expires (the sweep raises each once)."""
    pending = list(warnings)
    people = User.objects.in_bulk({w.user_id for w in pending})
    for warning in pending:
        person = people.get(warning.user_id)
        if person is None:
            continue
        notifications.notify(
            kind="ctl_warning",
            to=notifications.Recipient.for_user(person),
            personalisation={
                "name": person.display_name,
                "urn": warning.urn,
                "expires_on": fmt(warning.expires_on),
                "days_left": warning.days_left,
                "link": notifications.absolute_url(reverse("progression:case", args=[warning.case_id])),
            },
            case_ids=[warning.case_id],
            justification="Custody time limit warning to the allocated lawyer or legal manager",
        )
