"""Background tasks the worker's schedule runs."""

from __future__ import annotations

from typing import Any

from django_tasks import task


@task()
def assurance_sweep_task() -> dict[str, Any]:
    from casework.assurance.sweep import assurance_sweep

    return assurance_sweep().as_dict()
