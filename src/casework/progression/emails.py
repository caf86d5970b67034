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
from casework.people.choices import RoleCode
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
    """A warning at each threshold before a custody time limit expires (the sweep raises each once,
    with its notice). Queued together: one visibility query per person, one insert, one audit write."""
    pending = list(warnings)
    if not pending:
        return
    people = User.objects.in_bulk({w.user_id for w in pending})
    _load_role_codes(people)
    notifications.notify_many(
        notifications.Outgoing(
            kind="ctl_warning",
            to=notifications.Recipient.for_user(person),
            personalisation={
                "name": person.display_name,
                "urn": warning.urn,
                "expires_on": fmt(warning.expires_on),
                "days_left": warning.days_left,
                "link": notifications.absolute_url(reverse("progression:case", args=[warning.case_id])),
            },
            case_ids=(warning.case_id,),
            justification="Custody time limit warning to the allocated lawyer or legal manager",
        )
        for warning in pending
        if (person := people.get(warning.user_id)) is not None
    )


def _load_role_codes(people: dict[int, User]) -> None:
    """Read every recipient's roles in one query (the visibility check reads them per person)."""
    codes: dict[int, set[str]] = {pk: set() for pk in people}
    for user_id, code in User.roles.through.objects.filter(user_id__in=list(people)).values_list(
        "user_id", "role__code"
    ):
        codes[user_id].add(code)
    for pk, person in people.items():
        person.__dict__["role_codes"] = frozenset(RoleCode(code) for code in codes[pk])
