"""Background tasks of the working day: keeping the stored overview counts current."""

from __future__ import annotations

from typing import Any

from django_tasks import task


@task()
def tallies_refresh_task() -> dict[str, Any]:
    """Store every unit's and caseworker's overview counts for today."""
    from casework.workday import tallies

    return tallies.refresh().as_dict()
