"""Background tasks the worker's schedule runs."""

from __future__ import annotations

from django_tasks import task

from casework.partners.sweep import partners_sweep


@task()
def partners_sweep_task() -> dict[str, int]:
    """Agreement reviews and expiry, SLA breaches and escalation (idempotent for a day)."""
    return partners_sweep()
