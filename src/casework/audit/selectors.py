"""Reads from the audit trail."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.db.models import Q, QuerySet

from casework.audit.models import AuditEvent
from casework.core import clock
from casework.people.choices import RoleCode

#: Roles that may open the audit trail search at all; what each sees is AuditEvent.objects.visible_to.
AUDIT_SEARCH_ROLES = frozenset({RoleCode.INSPECTOR, RoleCode.HQ_ANALYST, RoleCode.UNIT_HEAD, RoleCode.ADMINISTRATOR})


def case_timeline(*, case_id: int, limit: int = 50) -> list[AuditEvent]:
    """The latest events about one case, newest first.

    No access check here, on purpose: the case page calls this only after the case service has
    established that the user may see the case (and logged that consultation). Any other caller
    must check visibility of the case itself first.
    """
    return list(AuditEvent.objects.filter(case_id=case_id).order_by("-seq")[:limit])


def can_search_audit(user: Any) -> bool:
    return bool(getattr(user, "is_authenticated", False) and user.is_active and user.role_codes & AUDIT_SEARCH_ROLES)


@dataclass(frozen=True)
class AuditFilters:
    action: str = ""
    actor: str = ""
    subject: str = ""
    case_id: int | None = None
    date_from: dt.date | None = None
    date_to: dt.date | None = None

    def describe(self) -> str:
        parts = [
            f"{name}={value}"
            for name, value in (
                ("action", self.action),
                ("actor", self.actor),
                ("subject", self.subject),
                ("case", self.case_id),
                ("from", self.date_from),
                ("to", self.date_to),
            )
            if value
        ]
        return ", ".join(parts) or "no filters"


def _london_midnight(day: dt.date) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(), tzinfo=clock.LONDON)


def audit_queryset(*, user: Any, filters: AuditFilters) -> QuerySet[AuditEvent]:
    qs = AuditEvent.objects.visible_to(user)
    if filters.action:
        qs = qs.filter(action=filters.action)
    if actor := filters.actor.strip():
        qs = qs.filter(actor_label__icontains=actor)
    if subject := filters.subject.strip():
        qs = qs.filter(Q(subject_label__icontains=subject) | Q(subject_id=subject) | Q(subject_type=subject))
    if filters.case_id is not None:
        qs = qs.filter(case_id=filters.case_id)
    if filters.date_from:
        qs = qs.filter(occurred_at__gte=_london_midnight(filters.date_from))
    if filters.date_to:
        qs = qs.filter(occurred_at__lt=_london_midnight(filters.date_to + dt.timedelta(days=1)))
    return qs.order_by("-seq")


def audit_page(
    *, user: Any, filters: AuditFilters, before_seq: int | None = None, limit: int = 50
) -> tuple[list[AuditEvent], int | None]:
    """Newest first, keyset-paginated on seq; returns (events, the `before` value of the next page)."""
    qs = audit_queryset(user=user, filters=filters)
    if before_seq is not None:
        qs = qs.filter(seq__lt=before_seq)
    rows = list(qs[: limit + 1])
    page = rows[:limit]
    return page, (page[-1].seq if len(rows) > limit and page else None)
