"""Background tasks owned by the core: housekeeping of the machinery itself."""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django_tasks import task

from casework.core import clock

#: Finished background-task results older than this are removed (they hold no case data).
TASK_RESULT_RETENTION = dt.timedelta(days=30)


def prune_task_results(*, now: dt.datetime) -> int:
    from django_tasks_db.models import DBTaskResult

    finished = DBTaskResult.objects.filter(finished_at__lt=now - TASK_RESULT_RETENTION)
    deleted, _ = finished.delete()
    return deleted


def prune_login_failures(*, now: dt.datetime) -> int:
    """Throttling rows outlive their window for nothing: the audit trail keeps the record."""
    from casework.people.models import LoginFailure

    window = dt.timedelta(seconds=settings.LOGIN_FAILURE_WINDOW_SECONDS)
    deleted, _ = LoginFailure.objects.filter(occurred_at__lt=now - window).delete()
    return deleted


@task()
def housekeeping_task() -> dict[str, int]:
    now = clock.now()
    return {"task_results": prune_task_results(now=now), "login_failures": prune_login_failures(now=now)}
