"""Background tasks the worker's schedule runs."""

from __future__ import annotations

from django_tasks import task


@task()
def partners_sweep_task() -> dict[str, int]:
    """Agreement reviews and expiry, SLA breaches and escalation (idempotent for a day)."""
    from casework.partners.sweep import partners_sweep

    return partners_sweep()
