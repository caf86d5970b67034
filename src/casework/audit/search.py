"""Searching and exporting the audit trail from the web: both are themselves audited.

Reading the trail is a consultation of personal data (who did what, when), so each search writes
a `consult` event, and each CSV download an `export` event, with the filters as justification.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Sequence
from typing import Any

from django.db import transaction

from casework.audit import services as audit
from casework.audit.choices import Action
from casework.audit.models import AuditEvent
from casework.audit.selectors import AuditFilters, audit_queryset
from casework.core import clock
from casework.core.spreadsheets import spreadsheet_safe

CSV_HEADER = [
    "Seq",
    "When (UK time)",
    "Action",
    "Actor",
    "Role",
    "Unit",
    "Subject type",
    "Subject id",
    "Subject",
    "Case id",
    "Changes",
    "Justification",
    "Recipient",
    "Channel",
    "Request id",
    "Hash",
]
#: A spreadsheet treats a cell starting with one of these as a formula (CSV injection).
CSV_ROW_LIMIT = 100_000


def shown_records(events: Sequence[AuditEvent]) -> dict[str, list[Any]]:
    """The cases and referrals a page of events names, as a list-level consultation records them."""
    cases = sorted({event.case_id for event in events if event.case_id is not None})
    referrals = sorted(
        {int(e.subject_id) for e in events if e.subject_type == "partners.referral" and e.subject_id.isdigit()}
    )
    named = {"cases": [None, cases], "referrals": [None, referrals]}
    return {key: value for key, value in named.items() if value[1]}


@transaction.atomic
def audit_search_log(*, actor: Any, filters: AuditFilters, events: Sequence[AuditEvent] = ()) -> None:
    """A search is a consultation of the trail, and of every case and referral its results name."""
    audit.record(
        actor=actor,
        action=Action.CONSULT,
        subject_type="audit.auditevent",
        subject_label="Audit trail search",
        case_id=filters.case_id,
        changes=shown_records(events) or None,
        justification=f"Audit trail search: {filters.describe()}"[:1000],
    )


@transaction.atomic
def audit_search_export(*, actor: Any, filters: AuditFilters, justification: str, recipient: str) -> str:
    """The matching events (up to CSV_ROW_LIMIT, newest first) as CSV; the export is recorded with them."""
    events = list(audit_queryset(user=actor, filters=filters)[:CSV_ROW_LIMIT])
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(CSV_HEADER)
    for event in events:
        local = clock.local(event.occurred_at).strftime("%Y-%m-%d %H:%M:%S")
        row = [
            event.seq,
            local,
            event.action,
            event.actor_label,
            event.actor_role,
            event.actor_unit,
            event.subject_type,
            event.subject_id,
            event.subject_label,
            event.case_id,
            event.changes,
            event.justification,
            event.recipient,
            event.channel,
            event.request_id,
            event.hash,
        ]
        writer.writerow([spreadsheet_safe(cell) for cell in row])
    audit.record(
        actor=actor,
        action=Action.DISCLOSE,
        subject_type="audit.auditevent",
        subject_label=f"Audit trail CSV: {len(events)} events ({filters.describe()})"[:250],
        case_id=filters.case_id,
        changes=shown_records(events) or None,
        justification=justification,
        recipient=recipient,
    )
    return buffer.getvalue()
