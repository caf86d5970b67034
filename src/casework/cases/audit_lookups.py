"""The case register's answers to the audit trail's questions (casework.audit.case_lookups)."""

from __future__ import annotations

from django.db.models import QuerySet

from casework.cases.models import Case


def unit_case_ids(unit_id: int) -> QuerySet[Case, int]:
    return Case.objects.filter(unit_id=unit_id).order_by().values_list("pk", flat=True)


def case_by_reference(reference: str) -> Case | None:
    found = Case.objects.filter(urn=reference).first()
    if found is None and reference.isdigit():
        found = Case.objects.filter(pk=int(reference)).first()
    return found
