"""Reads from the case register. Every query starts from Case.objects.visible_to(user)."""

from __future__ import annotations

import base64
import json
from dataclasses import dataclass, field
from typing import Any

from django.db.models import Q, QuerySet

from casework.cases.models import Case

#: Sort keys users may choose: name -> ORM ordering (always ends with a unique tie-breaker).
SORTS: dict[str, tuple[str, ...]] = {
    "updated": ("-updated_at", "-id"),
    "-updated": ("updated_at", "id"),
    "urn": ("urn",),
    "-urn": ("-urn",),
    "stage": ("stage", "-updated_at", "-id"),
    "operation": ("operation_name", "id"),
}
DEFAULT_SORT = "updated"


@dataclass(frozen=True)
class CaseFilters:
    """Filters shared by the web lists, the CSV export and the API."""

    unit_id: int | None = None
    stage: str = ""
    lawyer_id: int | None = None
    text: str = ""
    mine: bool = False
    open_only: bool = False
    sort: str = DEFAULT_SORT
    extra: dict[str, Any] = field(default_factory=dict)


def case_queryset(*, user: Any, filters: CaseFilters) -> QuerySet[Case]:
    qs = Case.objects.visible_to(user)
    if filters.mine:
        qs = qs.filter(Q(allocated_lawyer=user) | Q(deputy_lawyer=user) | Q(paralegal=user) | Q(legal_manager=user))
    if filters.unit_id:
        qs = qs.filter(unit_id=filters.unit_id)
    if filters.stage:
        qs = qs.filter(stage=filters.stage)
    if filters.lawyer_id:
        qs = qs.filter(allocated_lawyer_id=filters.lawyer_id)
    if filters.open_only:
        from casework.cases.choices import OPEN_STAGES

        qs = qs.filter(stage__in=OPEN_STAGES)
    text = filters.text.strip()
    if text:
        qs = qs.filter(Q(urn__istartswith=text) | Q(operation_name__icontains=text))
    ordering = SORTS.get(filters.sort, SORTS[DEFAULT_SORT])
    return qs.select_related("unit", "allocated_lawyer").order_by(*ordering)


def case_page(*, user: Any, filters: CaseFilters, page: int = 1, per_page: int = 50) -> tuple[list[Case], bool]:
    """One page of cases (offset pagination for the web list); returns (cases, has_next)."""
    page = max(page, 1)
    start = (page - 1) * per_page
    rows = list(case_queryset(user=user, filters=filters)[start : start + per_page + 1])
    return rows[:per_page], len(rows) > per_page


# --- cursor (keyset) pagination for the API --------------------------------------------------


def encode_cursor(case: Case) -> str:
    raw = json.dumps([case.updated_at.isoformat(), case.pk]).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode_cursor(cursor: str) -> tuple[str, int]:
    """Raise ValueError for a cursor that was not made by encode_cursor."""
    padded = cursor + "=" * (-len(cursor) % 4)
    value = json.loads(base64.urlsafe_b64decode(padded.encode()))
    if not (isinstance(value, list) and len(value) == 2 and isinstance(value[0], str) and isinstance(value[1], int)):
        raise ValueError("malformed cursor")
    return value[0], value[1]


def case_keyset_page(
    *, user: Any, filters: CaseFilters, cursor: str | None, limit: int = 50
) -> tuple[list[Case], str | None]:
    """Newest-updated first, continuing after `cursor`; returns (cases, next cursor or None)."""
    import datetime as dt

    qs = case_queryset(user=user, filters=CaseFilters(**{**filters.__dict__, "sort": DEFAULT_SORT}))
    if cursor:
        updated_iso, last_id = decode_cursor(cursor)
        updated = dt.datetime.fromisoformat(updated_iso)
        qs = qs.filter(Q(updated_at__lt=updated) | Q(updated_at=updated, id__lt=last_id))
    rows = list(qs[: limit + 1])
    page = rows[:limit]
    return page, (encode_cursor(page[-1]) if len(rows) > limit and page else None)


def case_detail_related(case: Case) -> dict[str, Any]:
    """Everything the case page shows, in a fixed number of queries."""
    from django.db.models import Prefetch

    from casework.cases.models import CaseDocument, Defendant, DocumentVersion

    defendants = list(Defendant.objects.filter(case=case).prefetch_related("charges"))
    documents = list(
        CaseDocument.objects.filter(case=case).prefetch_related(
            Prefetch("versions", queryset=DocumentVersion.objects.select_related("author"))
        )
    )
    return {
        "defendants": defendants,
        "hearings": list(case.hearings.all()),
        "documents": documents,
        "reviews": list(case.reviews.select_related("reviewer")),
        "stage_entries": list(case.stage_entries.select_related("entered_by")),
        "offence_categories": list(case.offence_categories.all()),
    }
