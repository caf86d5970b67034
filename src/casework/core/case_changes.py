"""Telling other apps that a case changed, inside the transaction that changed it.

Every write to a case's data (a service, the import) calls `notify_case_changed` or
`notify_cases_changed` inside its transaction. Each app that keeps figures derived from cases
declares a listener on its AppConfig (`case_change_listeners`, see casework.core.extensions); the
listener runs at once, in the same transaction, and must stay cheap: it records that work is
needed (assurance upserts a pending re-check row and queues a background task) and leaves the
work itself to the worker. So a request to react commits or rolls back with the change: a saved
change is never left without its reaction, and a rolled-back one asks for nothing.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable

from django.db import transaction

from casework.core.extensions import ExtensionPoint

CaseChangeListener = Callable[[frozenset[int]], None]

#: Apps that react to case changes: AppConfig.case_change_listeners = ("dotted.path.to.listener",).
CASE_CHANGE_LISTENERS = ExtensionPoint[CaseChangeListener](
    "case_change_listeners",
    "Called with the ids of changed cases inside the writing transaction; records work for the worker.",
)


def notify_cases_changed(case_ids: Iterable[int]) -> None:
    """Tell every listener these cases changed (call inside the transaction of the change)."""
    changed = frozenset(case_ids)
    if not changed:
        return
    # No savepoint inside the caller's transaction (a listener failure fails the write);
    # a transaction of its own when called outside one.
    with transaction.atomic(savepoint=False):
        for listener in CASE_CHANGE_LISTENERS:
            listener(changed)


def notify_case_changed(case_id: int) -> None:
    """Tell every listener this case changed (call inside the transaction of the change)."""
    notify_cases_changed((case_id,))
