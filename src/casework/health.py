"""GET /healthz: is this web process able to serve, and is the background work keeping up?

For load balancers and monitoring, so it needs no sign-in, holds no case data, writes nothing
(no audit event: it reads no personal data) and stays cheap: a handful of indexed queries, with
the migration check cached. The answer is 503 only when the database cannot be reached (take the
process out of rotation); everything else that is wrong is "degraded" with a 200, for alerting.
"""

from __future__ import annotations

import datetime as dt
import logging
import secrets
import time
from typing import Any

from django.conf import settings
from django.db import DatabaseError, connection
from django.db.migrations.executor import MigrationExecutor
from django.db.models import Q
from django.http import HttpRequest, JsonResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_safe
from django_tasks.base import TaskResultStatus
from django_tasks_db.models import DBTaskResult, get_date_max

from casework.audit.models import AuditCheckpoint, AuditEvent
from casework.core import clock

logger = logging.getLogger(__name__)

#: The worker signs a checkpoint hourly; events left unsigned for longer mean it is not running.
UNSIGNED_EVENTS_MAX_AGE = dt.timedelta(hours=3)
#: A queued task still waiting this long after it was due means no worker is taking work.
TASK_BACKLOG_MAX_AGE = dt.timedelta(minutes=15)
#: While migrations are pending, look again at most this often (the check loads every migration).
MIGRATION_RECHECK_SECONDS = 60.0

_migrations_checked: dict[str, float | bool] = {"applied": False, "at": float("-inf")}


def _seconds_since(instant: dt.datetime | None, now: dt.datetime) -> int | None:
    return None if instant is None else max(0, int((now - instant).total_seconds()))


def database_reachable() -> bool:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except DatabaseError:
        logger.warning("Health check: the database cannot be reached.", exc_info=True)
        return False
    return True


def migrations_applied() -> bool:
    """True once every migration of this release is applied; cached, since that never reverts."""
    if _migrations_checked["applied"]:
        return True
    if time.monotonic() - float(_migrations_checked["at"]) < MIGRATION_RECHECK_SECONDS:
        return False
    executor = MigrationExecutor(connection)
    applied = not executor.migration_plan(executor.loader.graph.leaf_nodes())
    _migrations_checked.update(applied=applied, at=time.monotonic())
    return applied


def audit_facts(now: dt.datetime) -> dict[str, Any]:
    latest = AuditCheckpoint.objects.order_by("-tree_size").values("tree_size", "created_at").first()
    signed_up_to = latest["tree_size"] if latest else 0
    # seq is gap-free, so the first unsigned event is found by its key.
    first_unsigned = AuditEvent.objects.filter(seq=signed_up_to + 1).values_list("occurred_at", flat=True).first()
    return {
        "audit_checkpoint_age_seconds": _seconds_since(latest["created_at"] if latest else None, now),
        "audit_unsigned_for_seconds": _seconds_since(first_unsigned, now),
    }


def worker_facts(now: dt.datetime) -> dict[str, Any]:
    last_finished = DBTaskResult.objects.filter(finished_at__isnull=False).order_by("-finished_at")
    finished_at = last_finished.values_list("finished_at", flat=True).first()
    cutoff = now - TASK_BACKLOG_MAX_AGE
    # A task to run at once is stored with the maximum date as run_after: its due time is when it was queued.
    due_long_ago = Q(run_after=get_date_max(), enqueued_at__lte=cutoff) | Q(run_after__lte=cutoff)
    overdue = DBTaskResult.objects.filter(due_long_ago, status=TaskResultStatus.READY)
    return {"worker_last_task_age_seconds": _seconds_since(finished_at, now), "tasks_overdue": overdue.count()}


def health_report() -> tuple[int, dict[str, Any]]:
    """(HTTP status, body)."""
    if not database_reachable():
        return 503, {"status": "degraded", "checks": {"database": "unreachable"}}
    now = clock.now()
    checks: dict[str, Any] = {"database": "ok", "migrations": "ok" if migrations_applied() else "pending"}
    try:
        checks |= audit_facts(now) | worker_facts(now)
    except DatabaseError:  # e.g. a table a pending migration creates
        logger.warning("Health check: audit and worker facts unavailable.", exc_info=True)
        return 200, {"status": "degraded", "checks": checks}
    unsigned = checks["audit_unsigned_for_seconds"]
    problems = [
        checks["migrations"] != "ok",
        unsigned is not None and unsigned > UNSIGNED_EVENTS_MAX_AGE.total_seconds(),
        checks["tasks_overdue"] > 0,
    ]
    return 200, {"status": "degraded" if any(problems) else "ok", "checks": checks}


#: What anyone may learn: whether to route traffic here. The audit signing and worker figures
#: (how long events have gone unsigned, tasks waiting) are for administrators and monitoring.
PUBLIC_CHECKS = ("database", "migrations")


def may_see_detail(request: HttpRequest) -> bool:
    """Signed-in administrators, or monitoring presenting settings.HEALTHZ_DETAIL_TOKEN."""
    user: Any = getattr(request, "user", None)
    if user is not None and user.is_authenticated and user.has_role("administrator"):
        return True
    token = getattr(settings, "HEALTHZ_DETAIL_TOKEN", "")
    sent = request.headers.get("Authorization", "").removeprefix("Bearer ").strip()
    return bool(token) and secrets.compare_digest(sent.encode(), token.encode())


@never_cache
@require_safe
def healthz(request: HttpRequest) -> JsonResponse:
    status, body = health_report()
    if not may_see_detail(request):
        body = {"status": body["status"], "checks": {k: v for k, v in body["checks"].items() if k in PUBLIC_CHECKS}}
    return JsonResponse(body, status=status)
