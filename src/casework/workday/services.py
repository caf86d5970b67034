"""Writes of the workday pages: the s.62 consultation record for lists that show case data."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.db import transaction

from casework.audit import services as audit
from casework.audit.choices import Action


@transaction.atomic
def cases_listed(*, actor: Any, cases: Iterable[Any], justification: str) -> int:
    """Reading a list that shows cases' details (defendants, charges, dates) consults each case shown:
    one consult event per case, with the reason the list was opened. Returns the number recorded."""
    seen: dict[int, str] = {}
    for case in cases:
        if case is not None and case.pk not in seen:
            seen[case.pk] = case.urn
    events = [
        audit.PendingEvent(
            action=Action.CONSULT,
            subject_type="cases.case",
            subject_id=str(case_id),
            subject_label=urn,
            case_id=case_id,
            justification=justification[:500],
        )
        for case_id, urn in seen.items()
    ]
    if events:
        audit.record_many(actor=actor, events=events)
    return len(events)
