"""Sending runs in the worker: one task per queued message, and a minutely sweep for retries."""

from __future__ import annotations

from typing import Any

from django_tasks import task

from casework.notifications import services


@task()
def deliver_email_task(email_id: int) -> str:
    return services.deliver(email_id)


@task()
def deliver_due_emails_task() -> dict[str, Any]:
    return services.deliver_due()
