"""Background tasks the worker's schedule runs."""

from __future__ import annotations

from typing import Any

from django_tasks import task


@task()
def oversight_refresh_task() -> dict[str, Any]:
    from casework.oversight.services import refresh_compliance_tallies

    refresh = refresh_compliance_tallies(actor=None)
    return {"as_of": refresh.as_of.isoformat(), "rows": refresh.rows, "seconds": refresh.seconds}
