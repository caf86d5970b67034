"""Data Protection Act 2018 s.62 exports for an audit role: every collection, alteration,
consultation, disclosure, combination and erasure event for a person (the actor), a case or a
period, with justifications and recipients, as CSV or JSON lines. Streamed (the query is read in
chunks), formula-safe, and itself logged as an `export` event before the first byte is sent."""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from django.db import transaction
from django.db.models import QuerySet

from casework.audit import chain
from casework.audit import services as audit
from casework.audit.choices import Action
from casework.audit.models import AuditEvent
from casework.cases.models import Case
from casework.core import clock
from casework.core.errors import NotFound, ValidationFailed
from casework.core.spreadsheets import spreadsheet_safe
from casework.people.choices import RoleCode
from casework.people.models import User

S62_ACTIONS = (Action.COLLECT, Action.ALTER, Action.CONSULT, Action.DISCLOSE, Action.COMBINE, Action.ERASE)
AUDIT_ROLES = frozenset({RoleCode.INSPECTOR, RoleCode.HQ_ANALYST, RoleCode.UNIT_HEAD})
COLUMNS = (
    "seq",
    "occurred_at",
    "action",
    "actor_id",
    "actor_label",
    "actor_role",
    "actor_unit",
    "subject_type",
    "subject_id",
    "subject_label",
    "case_id",
    "changes",
    "justification",
    "recipient",
    "channel",
    "hash",
)
CHUNK = 2000


@dataclass(frozen=True)
class S62Query:
    person: str = ""  # username of the actor
    case_urn: str = ""
    date_from: dt.date | None = None
    date_to: dt.date | None = None

    def describe(self) -> str:
        parts = [
            f"person {self.person}" if self.person else "",
            f"case {self.case_urn}" if self.case_urn else "",
            f"from {self.date_from}" if self.date_from else "",
            f"to {self.date_to}" if self.date_to else "",
        ]
        return ", ".join(part for part in parts if part) or "all events"


def require_audit_role(user: Any) -> None:
    if not getattr(user, "is_authenticated", False) or not (user.role_codes & AUDIT_ROLES):
        raise NotFound("Page not found.")


def _midnight(day: dt.date) -> dt.datetime:
    return dt.datetime.combine(day, dt.time.min, tzinfo=clock.LONDON)


def s62_events(*, user: Any, query: S62Query) -> QuerySet[AuditEvent]:
    require_audit_role(user)
    if not (query.person or query.case_urn or query.date_from or query.date_to):
        raise ValidationFailed("Choose a person, a case or a period.")
    if query.date_from and query.date_to and query.date_from > query.date_to:
        raise ValidationFailed("The start date must not be after the end date.")
    events = AuditEvent.objects.visible_to(user).filter(action__in=S62_ACTIONS)
    if query.person:
        person = User.objects.filter(username=query.person).first()
        if person is None:
            raise ValidationFailed("No person has that username.", field_errors={"person": ["Unknown username."]})
        events = events.filter(actor_id=person.pk)
    if query.case_urn:
        # Through the case's own access path too: an unknown or unseen URN is simply "not found".
        case = Case.objects.visible_to(user).filter(urn=query.case_urn).first()
        if case is None:
            raise ValidationFailed("No case you can see has that URN.", field_errors={"case_urn": ["Not found."]})
        events = events.filter(case_id=case.pk)
    if query.date_from:
        events = events.filter(occurred_at__gte=_midnight(query.date_from))
    if query.date_to:
        events = events.filter(occurred_at__lt=_midnight(query.date_to + dt.timedelta(days=1)))
    return events.order_by("seq")


@transaction.atomic
def s62_export_start(*, actor: Any, query: S62Query, fmt: str, justification: str) -> QuerySet[AuditEvent]:
    """Check the request, log the export, and hand back the (lazy) events to stream."""
    if fmt not in ("csv", "json"):
        raise ValidationFailed("Choose CSV or JSON.")
    if not justification.strip():
        raise ValidationFailed("Give the reason for this export (s.62(4) limits what the log may be used for).")
    events = s62_events(user=actor, query=query)
    audit.record(
        actor=actor,
        action=Action.EXPORT,
        subject_type="audit.auditevent",
        subject_label=f"s.62 log export ({fmt.upper()}): {query.describe()}"[:250],
        justification=justification.strip(),
        recipient=actor.display_name if hasattr(actor, "display_name") else str(actor),
    )
    return events


def _rows(events: QuerySet[AuditEvent]) -> Iterator[dict[str, Any]]:
    for row in events.values_list(*COLUMNS).iterator(chunk_size=CHUNK):
        record = dict(zip(COLUMNS, row, strict=True))
        record["occurred_at"] = chain.format_instant(record["occurred_at"]) + "Z"
        yield record


def stream_csv(events: QuerySet[AuditEvent]) -> Iterator[str]:
    buffer = io.StringIO()
    writer = csv.writer(buffer)

    def flush() -> str:
        text = buffer.getvalue()
        buffer.seek(0)
        buffer.truncate()
        return text

    writer.writerow(COLUMNS)
    yield flush()
    for record in _rows(events):
        writer.writerow([spreadsheet_safe(record[name]) for name in COLUMNS])
        yield flush()


def stream_json_lines(events: QuerySet[AuditEvent]) -> Iterator[str]:
    for record in _rows(events):
        yield json.dumps(record, ensure_ascii=False, default=str) + "\n"
