"""The one way the service sends e-mail: `notify(...)` queues a message in the caller's transaction;
the worker delivers it (`deliver`), retrying passing failures with back-off.

Callers name the kind (casework.notifications.catalogue), the recipient and the personalisation.
`notify` checks the recipient may receive that kind (rules.refusal_reason); a refused message is
kept with the reason and never sent. A message that names cases is a disclosure under DPA 2018
s.62: one `disclose` audit event per case, with the recipient, in the same transaction.
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import timedelta
from typing import Any
from urllib.parse import urljoin

from django.conf import settings
from django.db import transaction
from django.db.models import F
from django.utils.module_loading import import_string

from casework.audit import services as audit
from casework.audit.choices import Action
from casework.core import clock
from casework.notifications import rules
from casework.notifications.backends import Message, PermanentSendError, TransientSendError, get_backend
from casework.notifications.catalogue import KINDS, Kind
from casework.notifications.models import EmailStatus, OutboundEmail

logger = logging.getLogger("casework.notifications")

POLICE_ROLE = "police_liaison"


@dataclass(frozen=True)
class Recipient:
    """Who a message goes to: a person with an account, or a police force's named contact."""

    email: str
    name: str = ""
    user: Any = None
    police_force_id: int | None = None

    @classmethod
    def for_user(cls, user: Any) -> Recipient:
        return cls(email=user.email, name=user.display_name, user=user, police_force_id=user.police_force_id)

    @classmethod
    def force_contact(cls, force: Any) -> Recipient | None:
        """The force's named contact for partnership notices, or None when the force has none."""
        if not force.notification_email:
            return None
        return cls(email=force.notification_email, name=force.notification_contact_name, police_force_id=force.pk)

    @property
    def is_police(self) -> bool:
        if self.user is None:
            return self.police_force_id is not None
        return bool(self.user.police_force_id) or POLICE_ROLE in self.user.role_codes

    @property
    def is_active(self) -> bool:
        return self.user is None or bool(self.user.is_active)


def absolute_url(path: str) -> str:
    """A link for an e-mail: the service's public address (CASEWORK_BASE_URL) and a path."""
    return urljoin(settings.CASEWORK_BASE_URL.rstrip("/") + "/", path.lstrip("/"))


def template_id_for(kind: Kind) -> str:
    return str(settings.NOTIFY_TEMPLATES.get(kind.code, ""))


def _visible_case_ids(user: Any, case_ids: list[int]) -> set[int]:
    if user is None or not case_ids:
        return set()
    check = import_string(settings.NOTIFICATIONS_CASE_VISIBILITY)
    return set(check(user=user, case_ids=case_ids))


@transaction.atomic
def notify(
    *,
    kind: str,
    to: Recipient,
    personalisation: dict[str, Any],
    case_ids: Iterable[int] = (),
    force_id: int | None = None,
    justification: str = "",
    once_key: str | None = None,
    record_disclosure: bool = True,
) -> OutboundEmail | None:
    """Queue one e-mail. Returns the record (status queued, or refused with the reason), or None when
    the recipient has no e-mail address or `once_key` was used before. `force_id` is the force a
    police notice is about. `record_disclosure=False` for callers that audit the disclosure themselves."""
    spec = KINDS[kind]
    if not to.email:
        logger.info("No e-mail address for %s notice to %s; not sent.", kind, to.name or "recipient")
        return None
    if once_key is not None and OutboundEmail.objects.filter(once_key=once_key).exists():
        return None
    cases = sorted(set(case_ids))
    values = {key: "" if value is None else str(value) for key, value in personalisation.items()}
    reason = rules.refusal_reason(
        kind=spec,
        fields=values,
        recipient_is_police=to.is_police,
        recipient_active=to.is_active,
        recipient_force_id=to.police_force_id,
        subject_force_id=force_id,
        case_ids=cases,
        visible_case_ids=_visible_case_ids(to.user, cases) if spec.carries_cases else (),
    )
    now = clock.now()
    record = OutboundEmail.objects.create(
        kind=kind,
        template_id=template_id_for(spec),
        to_email=to.email,
        recipient_user=to.user,
        personalisation=values if reason is None else {},
        case_ids=cases,
        reference=str(uuid.uuid4()),
        once_key=once_key,
        status=EmailStatus.QUEUED if reason is None else EmailStatus.REFUSED,
        last_error=(reason or "")[:500],
        next_attempt_at=now,
        created_at=now,
    )
    if reason is not None:
        logger.warning("Refused to send %s e-mail %s: %s", kind, record.pk, reason)
        return record
    if cases and record_disclosure:
        audit.record_many(
            actor=None,
            events=[
                audit.PendingEvent(
                    action=Action.DISCLOSE,
                    subject_type="cases.case",
                    subject_id=str(case_id),
                    case_id=case_id,
                    subject_label=spec.label,
                    justification=justification or f"{spec.label} e-mail to the person responsible",
                    recipient=to.email,
                )
                for case_id in cases
            ],
        )
    transaction.on_commit(lambda: _enqueue(record.pk), robust=True)
    return record


def _enqueue(email_id: int) -> None:
    from casework.notifications.tasks import deliver_email_task  # tasks import this module

    deliver_email_task.enqueue(email_id)


def _claim(email_id: int) -> bool:
    """Take the message for this worker; False when another worker has it or it is not due."""
    now = clock.now()
    claimed = OutboundEmail.objects.filter(
        pk=email_id, status__in=[EmailStatus.QUEUED, EmailStatus.RETRYING], next_attempt_at__lte=now
    ).update(status=EmailStatus.SENDING, attempts=F("attempts") + 1, next_attempt_at=now)
    return claimed == 1


def deliver(email_id: int) -> str:
    """Send one queued message through the configured backend. Returns its status afterwards."""
    if not _claim(email_id):
        return OutboundEmail.objects.filter(pk=email_id).values_list("status", flat=True).first() or "missing"
    record = OutboundEmail.objects.get(pk=email_id)
    backend = get_backend()
    message = Message(
        kind=record.kind,
        template_id=record.template_id,
        email_address=record.to_email,
        personalisation=record.personalisation,
        reference=record.reference,
    )
    now = clock.now()
    try:
        provider_id = backend.send(message)
    except TransientSendError as error:
        delay = rules.retry_delay_minutes(record.attempts)
        record.last_error = str(error)[:500]
        if delay is None:
            record.status = EmailStatus.FAILED
        else:
            record.status = EmailStatus.RETRYING
            record.next_attempt_at = now + timedelta(minutes=delay)
    except PermanentSendError as error:
        record.status, record.last_error = EmailStatus.FAILED, str(error)[:500]
    else:
        record.status, record.provider_id, record.sent_at, record.last_error = EmailStatus.SENT, provider_id, now, ""
    record.backend = backend.name
    record.save(update_fields=["status", "last_error", "next_attempt_at", "provider_id", "sent_at", "backend"])
    if record.status == EmailStatus.FAILED:
        logger.error(
            "E-mail %s (%s) failed after %s attempts: %s", record.pk, record.kind, record.attempts, record.last_error
        )
    return str(record.status)


#: A message left "sending" this long belongs to a worker that died mid-send: offer it again.
STALE_SENDING = timedelta(minutes=10)


def deliver_due(*, limit: int = 500) -> dict[str, int]:
    """Deliver every message that is due (new ones missed by their task, and retries)."""
    now = clock.now()
    OutboundEmail.objects.filter(status=EmailStatus.SENDING, next_attempt_at__lt=now - STALE_SENDING).update(
        status=EmailStatus.RETRYING
    )
    due = list(
        OutboundEmail.objects.filter(status__in=[EmailStatus.QUEUED, EmailStatus.RETRYING], next_attempt_at__lte=now)
        .order_by("next_attempt_at", "id")
        .values_list("pk", flat=True)[:limit]
    )
    counts: dict[str, int] = {}
    for email_id in due:
        status = deliver(email_id)
        counts[status] = counts.get(status, 0) + 1
    return counts
