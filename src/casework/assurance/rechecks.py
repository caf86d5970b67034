"""The queue of cases to re-check: a changed case's verdicts are refreshed by the worker, not the request.

Any write to a case calls casework.core.case_changes.notify_case_changed inside its transaction;
`recheck_request` (declared on AssuranceConfig) then upserts one PendingRecheck row per case in that
same transaction, so the request commits or rolls back with the change and is never lost. The first
request for a case queues `recheck_task` (also in the transaction); later ones before the worker
gets there only bump the row's generation, so many changes make one re-check (coalesced, and
deduplicated per case).

The worker (casework.assurance.services.rechecks_run) claims due rows in small batches, evaluates
them the way the nightly sweep does, stores the verdicts that changed and removes the rows it
answered: a row bumped meanwhile stays for the next round. A failed evaluation is retried with a
growing delay. While a case has a row, its pages say "Re-checking".
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass

from django.db import connection
from django.db.models import Q

from casework.assurance.models import PendingRecheck
from casework.assurance.tasks import recheck_task
from casework.core import clock

#: Cases evaluated per transaction by the worker: small, so a SQLite writer waits at most tens of ms.
BATCH_SIZE = 25
#: First retry after a failure; doubling up to MAX_RETRY_DELAY.
FIRST_RETRY_DELAY = dt.timedelta(minutes=1)
MAX_RETRY_DELAY = dt.timedelta(hours=1)

_TABLE = PendingRecheck._meta.db_table
# Built from constants only. A failed row that is requested again becomes due at once.
_UPSERT_SQL = (
    f"INSERT INTO {_TABLE} (case_id, requested_at, generation, attempts, retry_after, last_error)"  # noqa: S608
    " VALUES (%s, %s, 1, 0, NULL, '')"
    f" ON CONFLICT (case_id) DO UPDATE SET requested_at = excluded.requested_at,"
    f" generation = {_TABLE}.generation + 1, retry_after = NULL"
)


def _queue_worker() -> None:
    recheck_task.enqueue()


def recheck_request(case_ids: frozenset[int]) -> None:
    """Queue these cases for re-checking (call inside the transaction that changed them).

    One case: one statement, and a task only when the case was not already waiting. Several (an
    import batch): one statement batch and one task."""
    instant = connection.ops.adapt_datetimefield_value(clock.now())
    with connection.cursor() as cursor:
        if len(case_ids) == 1:
            cursor.execute(_UPSERT_SQL + " RETURNING generation, attempts", [next(iter(case_ids)), instant])
            generation, attempts = cursor.fetchone()
            if generation == 1 or attempts:
                _queue_worker()
            return
        cursor.executemany(_UPSERT_SQL, [[case_id, instant] for case_id in sorted(case_ids)])
    _queue_worker()


@dataclass(frozen=True)
class Claim:
    """Rows the worker took, with the generation each had when read."""

    generations: dict[int, int]

    @property
    def case_ids(self) -> list[int]:
        return sorted(self.generations)


def claim(case_ids: Iterable[int]) -> Claim:
    """Lock and read these cases' rows (call inside the evaluating transaction)."""
    rows = PendingRecheck.objects.select_for_update().filter(case_id__in=list(case_ids))
    return Claim(dict(rows.values_list("case_id", "generation")))


def claim_due(*, now: dt.datetime, limit: int = BATCH_SIZE) -> Claim:
    """The oldest due rows no other worker holds (call inside the evaluating transaction)."""
    due = PendingRecheck.objects.filter(Q(retry_after__isnull=True) | Q(retry_after__lte=now))
    rows = due.order_by("requested_at", "case_id").select_for_update(skip_locked=True)[:limit]
    return Claim(dict(rows.values_list("case_id", "generation")))


def answered(taken: Claim) -> None:
    """Remove the rows whose verdicts were just stored, unless the case changed again meanwhile."""
    if not taken.generations:
        return
    match = Q(pk__in=[])
    for case_id, generation in taken.generations.items():
        match |= Q(case_id=case_id, generation=generation)
    PendingRecheck.objects.filter(match).delete()


def failed(case_id: int, error: BaseException, *, now: dt.datetime) -> dt.datetime | None:
    """Record a failed evaluation; returns when it will be retried (None if the row is gone)."""
    row = PendingRecheck.objects.filter(case_id=case_id).first()
    if row is None:
        return None
    delay = min(FIRST_RETRY_DELAY * (2**row.attempts), MAX_RETRY_DELAY)
    row.attempts += 1
    row.retry_after = now + delay
    row.last_error = f"{type(error).__name__}: {error}"[:500]
    row.save(update_fields=["attempts", "retry_after", "last_error"])
    return row.retry_after


def next_retry_at() -> dt.datetime | None:
    """When the earliest postponed re-check falls due."""
    row = PendingRecheck.objects.filter(retry_after__isnull=False).order_by("retry_after").first()
    return row.retry_after if row else None


def pending_for(case_ids: Iterable[int]) -> dict[int, PendingRecheck]:
    """The waiting re-checks of these cases (for pages: "Re-checking")."""
    return {row.case_id: row for row in PendingRecheck.objects.filter(case_id__in=list(case_ids))}


def list_flags(case_ids: list[int]) -> dict[int, list[str]]:
    """ "Re-checking" beside each listed case whose verdicts are being refreshed (AssuranceConfig.case_list_flags)."""
    return {
        case_id: ["Re-checking"]
        for case_id in PendingRecheck.objects.filter(case_id__in=case_ids).values_list("case_id", flat=True)
    }


def pending_count(case_ids: Iterable[int] | None = None) -> int:
    rows = PendingRecheck.objects.all()
    return (rows if case_ids is None else rows.filter(case_id__in=list(case_ids))).count()
