"""The background task that prepares a requested export."""

from __future__ import annotations

from typing import Any

from django_tasks import task


@task()
def export_task(job_id: int) -> dict[str, Any]:
    from casework.exports.services import run_export

    job = run_export(job_id=job_id)
    return {"job": job.pk, "state": job.state, "rows": job.rows_written}
