"""The case register's own additions to the lists: sort by the next hearing (declared in apps.py)."""

from __future__ import annotations

from typing import Any

from django.db.models import F, OuterRef, QuerySet, Subquery

from casework.cases import list_options
from casework.core import clock


def _with_next_hearing(qs: QuerySet[Any]) -> QuerySet[Any]:
    from casework.cases.models import Hearing

    upcoming = Hearing.objects.filter(case_id=OuterRef("pk"), starts_at__gte=clock.now()).order_by("starts_at")
    return qs.annotate(next_hearing_at=Subquery(upcoming.values("starts_at")[:1]))


NEXT_HEARING = list_options.SortOption(
    "hearing", "Next hearing", _with_next_hearing, (F("next_hearing_at").asc(nulls_last=True), "urn")
)
