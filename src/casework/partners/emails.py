"""E-mails to a police force about its referrals: an agreed response date passed (SLA breach) and an
escalation moving up the ladder. They go to the force's named contact (set on the force by an
administrator), or failing that to the officer who made the referral, and carry the force's own
references only: no CPS case content."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.urls import reverse

from casework.notifications import services as notifications


def _recipient(referral: Any) -> notifications.Recipient | None:
    contact = notifications.Recipient.force_contact(referral.force)
    if contact is not None:
        return contact
    submitter = referral.submitted_by
    if submitter.is_active and submitter.police_force_id == referral.force_id:
        return notifications.Recipient.for_user(submitter)
    return None


def _send(kind: str, referral: Any, extra: dict[str, Any]) -> None:
    to = _recipient(referral)
    if to is None:
        return
    notifications.notify(
        kind=kind,
        to=to,
        personalisation={
            "contact_name": to.name or referral.force.name,
            "force_name": referral.force.name,
            "referral_reference": referral.reference,
            "police_reference": referral.police_reference,
            "link": notifications.absolute_url(reverse("partners:portal_referral", args=[referral.pk])),
            **extra,
        },
        force_id=referral.force_id,
    )


def sla_breach(*, referral: Any, overdue: str, due_on: dt.date) -> None:
    _send("police_sla_breach", referral, {"overdue": overdue, "due_date": f"{due_on.day} {due_on:%B %Y}"})


def escalation_raised(*, escalation: Any) -> None:
    due = escalation.response_due_on
    _send(
        "police_escalation",
        escalation.referral,
        {"level": escalation.level, "police_role": escalation.police_role, "respond_by": f"{due.day} {due:%B %Y}"},
    )
