"""Background tasks the worker's schedule runs."""

from __future__ import annotations

from typing import Any

from django_tasks import task

from casework.core import clock
from casework.quality.emails import send_overdue_reminders


@task()
def iqa_reminders_task() -> dict[str, Any]:
    """E-mail a reminder for each assessment step that has gone overdue (once per step)."""
    return {"reminders": send_overdue_reminders(today=clock.today())}


@task()
def iqa_analytics_refresh_task() -> dict[str, Any]:
    """Work out and store the IQA analytics of every national, area and unit-head scope read."""
    from casework.quality import analytics_store

    return analytics_store.refresh(actor=None)
