"""Background tasks of resourcing: keeping the stored complexity bands and forecasts current."""

from __future__ import annotations

from typing import Any

from django_tasks import task


@task()
def band_refresh_task() -> dict[str, Any]:
    """Store the bands of open cases changed since theirs was stored (or under an older policy)."""
    from casework.resourcing import stored, summaries

    # Every unit's summary too: it also catches changes written without notification.
    return {"bands": stored.refresh_bands().as_dict(), "summaries": summaries.refresh()}


@task()
def nightly_figures_task() -> dict[str, Any]:
    """Band every open case again and make each unit's forecast for the day."""
    from casework.resourcing import stored, summaries

    return {
        "bands": stored.refresh_bands(full=True).as_dict(),
        "summaries": summaries.refresh(),
        "forecasts": stored.refresh_forecasts(),
    }
