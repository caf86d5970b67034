"""Background tasks owned by the core: housekeeping of the machinery itself."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

from django_tasks import task

from casework.core import clock
from casework.core.extensions import ExtensionPoint

#: Finished background-task results older than this are removed (they hold no case data).
TASK_RESULT_RETENTION = dt.timedelta(days=30)


def prune_task_results(*, now: dt.datetime) -> int:
    from django_tasks_db.models import DBTaskResult

    finished = DBTaskResult.objects.filter(finished_at__lt=now - TASK_RESULT_RETENTION)
    deleted, _ = finished.delete()
    return deleted


#: AppConfig.housekeeping = {"what": "dotted.path"}: fn(*, now) -> rows removed, run daily by the
#: housekeeping task (identity prunes expired sign-in throttling rows).
HOUSEKEEPING = ExtensionPoint[Callable[..., int]](
    "housekeeping", "Daily pruning of rows that have outlived their purpose: fn(*, now) -> rows removed."
)


@task()
def housekeeping_task() -> dict[str, int]:
    now = clock.now()
    removed = {"task_results": prune_task_results(now=now)}
    removed.update({what: prune(now=now) for what, prune in HOUSEKEEPING.by_key().items()})
    return removed
