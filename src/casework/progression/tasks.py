"""Background tasks the worker's schedule runs."""

from __future__ import annotations

from typing import Any

from django_tasks import task


@task()
def progression_sweep_task() -> dict[str, Any]:
    from casework.progression.sweep import progression_sweep

    return progression_sweep().as_dict()
