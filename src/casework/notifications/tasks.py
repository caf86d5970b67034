"""Sending runs in the worker: one task per queued message, and a minutely sweep for retries."""

from __future__ import annotations

from typing import Any

from django_tasks import task

from casework.notifications import services


@task()
def deliver_email_task(email_id: int) -> str:
    return services.deliver(email_id)


@task()
def deliver_emails_task(email_ids: list[int]) -> dict[str, int]:
    """Messages queued together (`notify_many`): each is claimed and sent on its own, as above."""
    counts: dict[str, int] = {}
    for email_id in email_ids:
        status = services.deliver(email_id)
        counts[status] = counts.get(status, 0) + 1
    return counts


@task()
def deliver_due_emails_task() -> dict[str, Any]:
    return services.deliver_due()
