"""E-mails from assurance: a sign-off decision, to the person who asked for it."""

from __future__ import annotations

from typing import Any

from django.urls import reverse

from casework.notifications import services as notifications


def signoff_decided(*, request: Any, approved: bool, decided_by: Any) -> None:
    """The decision and who made it. The rationale is free text from the case, which no e-mail carries
    (notifications.catalogue): the link opens the case's sign-offs, where it is shown after sign-in."""
    requester = request.requested_by
    case = request.case
    notifications.notify(
        kind="signoff_decision",
        to=notifications.Recipient.for_user(requester),
        personalisation={
            "name": requester.display_name,
            "urn": case.urn,
            "checkpoint": request.checkpoint.title,
            "decision": "approved" if approved else "returned to you",
            "decided_by": decided_by.display_name,
            "link": notifications.absolute_url(
                reverse("cases:section", args=[case.pk, "compliance"]) + "#signoffs-heading"
            ),
        },
        case_ids=[case.pk],
        justification="Sign-off decision to the person who asked for it",
    )
