"""Background tasks the worker's schedule runs."""

from __future__ import annotations

from typing import Any

from django_tasks import task

from casework.progression.digest import send_digests
from casework.progression.sweep import progression_sweep


@task()
def progression_sweep_task() -> dict[str, Any]:
    return progression_sweep().as_dict()


@task()
def send_digests_task() -> dict[str, Any]:
    """The daily digest e-mails (idempotent: a second run on the same day sends nothing)."""
    run = send_digests()
    return {"today": run.today.isoformat(), "sent": len(run.sent), "already_sent": run.already_sent, "empty": run.empty}
