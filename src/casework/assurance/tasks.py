"""Background tasks of assurance: the nightly sweep and the re-check queue."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django_tasks import task

from casework.core import clock

#: A run gives way after this long (another task is queued for the rest), so one busy queue does
#: not hold a worker from other work.
RECHECK_RUN_SECONDS = 60.0


@task()
def assurance_sweep_task() -> dict[str, Any]:
    from casework.assurance.sweep import assurance_sweep

    return assurance_sweep().as_dict()


@task()
def recheck_task() -> dict[str, Any]:
    """Re-check the changed cases waiting in the queue (queued by the change itself, and every few
    minutes by the schedule in case a run was lost). Failed cases are retried later: a task is
    queued to run when the earliest is due again."""
    from casework.assurance.services import rechecks_run

    run = rechecks_run(max_seconds=RECHECK_RUN_SECONDS)
    if run.more:
        recheck_task.enqueue()
    elif run.retry_at is not None:
        # The queue's own clock may be frozen or moved in tests; never ask for a time in the past.
        recheck_task.using(run_after=max(run.retry_at, clock.now() + dt.timedelta(seconds=1))).enqueue()
    return run.as_dict()


@task()
def dashboard_tallies_task() -> dict[str, Any]:
    """Recompute every unit's stored dashboard figures (catches unit moves and waivers expiring by date)."""
    from casework.assurance import tallies

    done = tallies.refresh()
    return {"as_of": done.as_of.isoformat(), "units": done.units, "rows": done.rows, "seconds": done.seconds}
