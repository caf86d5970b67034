"""The audit write path against its peer: the same case edits audited by our chained trail and by
django-auditlog (registered on Case, writing its LogEntry), measured in the same run.

Two families of the same edit (a new case summary):
- the product's service path (`case_update`), with and without our audit call;
- a plain ORM edit (load, change, `save()` in a transaction) as most Django projects write it:
  unaudited, audited with our `record`, and audited by django-auditlog's model signals.
Each audit's cost is its median minus the unaudited median of the same family.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from measure import ratio, timed


def audit_peer(user: Any, case_id: int, repeat: int) -> dict[str, Any]:
    from auditlog.models import LogEntry
    from auditlog.registry import auditlog
    from django.db import transaction

    from casework.audit import services as audit
    from casework.audit.choices import Action
    from casework.audit.models import AuditEvent
    from casework.cases import services
    from casework.cases.models import Case
    from casework.core import clock

    counter = {"n": 0}

    def next_summary() -> str:
        counter["n"] += 1
        return f"Benchmark edit {counter['n']}"

    def service_edit() -> None:
        case = Case.objects.get(pk=case_id)
        services.case_update(actor=user, case=case, expected_version=case.version, summary=next_summary())

    def orm_edit(ours: bool) -> Callable[[], None]:
        def edit() -> None:
            with transaction.atomic():
                case = Case.objects.get(pk=case_id)
                before, case.summary = case.summary, next_summary()
                case.version += 1
                case.updated_at = clock.now()
                case.save()
                if ours:
                    audit.record(
                        actor=user,
                        action=Action.ALTER,
                        subject=case,
                        case_id=case.pk,
                        changes={"summary": [before, case.summary]},
                    )

        return edit

    def count_written(model: Any, fn: Callable[[], dict[str, Any]]) -> tuple[dict[str, Any], int]:
        before = model.objects.count()
        result = fn()
        return result, model.objects.count() - before

    warm = 10
    service_ours, service_ours_rows = count_written(AuditEvent, lambda: timed(service_edit, repeat, warmup=warm))
    # The same edit with our audit write removed (every event goes through record_many).
    original_record_many = audit.record_many
    audit.record_many = lambda **kwargs: []  # type: ignore[assignment]
    try:
        service_none = timed(service_edit, repeat, warmup=warm)
    finally:
        audit.record_many = original_record_many

    orm_none = timed(orm_edit(ours=False), repeat, warmup=warm)
    orm_ours, orm_ours_rows = count_written(AuditEvent, lambda: timed(orm_edit(ours=True), repeat, warmup=warm))
    auditlog.register(Case)
    try:
        orm_auditlog, auditlog_rows = count_written(LogEntry, lambda: timed(orm_edit(ours=False), repeat, warmup=warm))
    finally:
        auditlog.unregister(Case)

    def cost(audited: dict[str, Any], bare: dict[str, Any]) -> float:
        return round(audited["median_ms"] - bare["median_ms"], 3)

    ours_cost, peer_cost = cost(orm_ours, orm_none), cost(orm_auditlog, orm_none)
    return {
        "name": "audit write path: ours vs django-auditlog",
        "edits_per_variant": service_none["runs"],
        "service_path": {
            "ours_ms": service_ours,
            "audit_removed_ms": service_none,
            "ratio_ours_to_audit_removed": ratio(service_ours["median_ms"], service_none["median_ms"]),
            "audit_events_written": service_ours_rows,
        },
        "orm_edit": {
            "unaudited_ms": orm_none,
            "ours_ms": orm_ours,
            "auditlog_ms": orm_auditlog,
            "ours_events_written": orm_ours_rows,
            "auditlog_entries_written": auditlog_rows,
            "ours_cost_ms": ours_cost,
            "auditlog_cost_ms": peer_cost,
            "ratio_ours_to_auditlog": ratio(orm_ours["median_ms"], orm_auditlog["median_ms"]),
            "ratio_ours_cost_to_auditlog_cost": ratio(ours_cost, peer_cost)
            if ours_cost > 0 and peer_cost > 0
            else None,
        },
        # Headline figures: the service edit with our audit, against the same edit with the call removed.
        "subject": service_ours,
        "baseline": service_none,
        "baseline_kind": "the same service edit with the audit call removed",
        "ratio": ratio(service_ours["median_ms"], service_none["median_ms"]),
        "target": "ratio at most 1.5; cost comparable to django-auditlog",
    }
