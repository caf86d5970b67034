"""Background work for records management, run by `casework worker` (see core/schedule.py)."""

from __future__ import annotations

import logging
from typing import Any

from django_tasks import task

from casework.core import context
from casework.records import selectors, services
from casework.records.choices import RetentionState

logger = logging.getLogger(__name__)


@task()
def retention_task() -> dict[str, Any]:
    """The daily retention review and disposal: count what has fallen due for a records officer's
    review, and dispose of what records officers approved (in batches; an interrupted run is finished
    by the next)."""
    token = context.activate(
        context.RequestContext(request_id=context.new_request_id(), client_address="", channel="worker")
    )
    try:
        items = selectors.review_list()
        due = sum(1 for item in items if item.verdict.state == RetentionState.DUE)
        summary = services.dispose_approved(progress=logger.info)
    finally:
        context.deactivate(token)
    if due:
        logger.info("%s records are due for a records officer's review", due)
    return {
        "due_for_review": due,
        "held": sum(1 for item in items if item.verdict.state == RetentionState.HELD),
        "disposed": len(summary.disposed),
        "skipped": len(summary.skipped),
        "run_id": summary.run_id,
    }
