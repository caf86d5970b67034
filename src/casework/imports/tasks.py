"""Background tasks of the upload page: checking a large upload, and writing a checked one."""

from __future__ import annotations

from typing import Any

from django_tasks import task


@task()
def import_check_task(run_id: int) -> dict[str, Any]:
    from casework.imports.services import import_check_stored

    run = import_check_stored(run_id=run_id)
    return {"run": run.pk, "status": run.status, "problems": run.error_count}


@task()
def import_execute_task(run_id: int) -> dict[str, Any]:
    from casework.imports.services import import_execute

    run = import_execute(run_id=run_id)
    return {
        "run": run.pk,
        "status": run.status,
        "created": run.created_count,
        "altered": run.altered_count,
        "unchanged": run.unchanged_count,
    }
