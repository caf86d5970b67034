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
from collections.abc import Callable, Iterable
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


@dataclass(frozen=True)
class Outgoing:
    """One message for `notify_many`: the same facts `notify` takes."""

    kind: str
    to: Recipient
    personalisation: dict[str, Any]
    case_ids: Iterable[int] = ()
    force_id: int | None = None
    justification: str = ""
    once_key: str | None = None


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
    message = Outgoing(kind, to, personalisation, tuple(case_ids), force_id, justification, once_key)
    (record,) = _queue([message], record_disclosure=record_disclosure, enqueue=_enqueue_each)
    return record


@transaction.atomic
def notify_many(messages: Iterable[Outgoing], *, record_disclosure: bool = True) -> list[OutboundEmail | None]:
    """Queue many e-mails with a fixed number of statements (the nightly sweep's warnings): exactly
    what calling `notify` for each in turn would queue, refuse and audit (a `once_key` used earlier
    in the same call counts as used), but with one visibility query per recipient, one insert, one
    audit write and one delivery task per DELIVERY_CHUNK messages. Returns one entry per message."""
    return _queue(list(messages), record_disclosure=record_disclosure, enqueue=_enqueue_chunks)


#: Messages one delivery task sends when they were queued together by `notify_many`.
DELIVERY_CHUNK = 50


def _queue(
    messages: list[Outgoing], *, record_disclosure: bool, enqueue: Callable[[list[int]], None]
) -> list[OutboundEmail | None]:
    results: list[OutboundEmail | None] = [None] * len(messages)
    used = _used_once_keys({m.once_key for m in messages if m.to.email and m.once_key is not None})
    taken: list[tuple[int, Outgoing, list[int], dict[str, str]]] = []
    for index, message in enumerate(messages):
        if not message.to.email:
            logger.info(
                "No e-mail address for %s notice to %s; not sent.", message.kind, message.to.name or "recipient"
            )
            continue
        if message.once_key is not None:
            if message.once_key in used:
                continue
            used.add(message.once_key)
        values = {key: "" if value is None else str(value) for key, value in message.personalisation.items()}
        taken.append((index, message, sorted(set(message.case_ids)), values))
    visible = _visible_by_recipient([(m, cases) for _i, m, cases, _v in taken if KINDS[m.kind].carries_cases])
    now = clock.now()
    rows: list[tuple[int, OutboundEmail, str | None]] = []
    for index, message, cases, values in taken:
        spec, to = KINDS[message.kind], message.to
        reason = rules.refusal_reason(
            kind=spec,
            fields=values,
            recipient_is_police=to.is_police,
            recipient_active=to.is_active,
            recipient_force_id=to.police_force_id,
            subject_force_id=message.force_id,
            case_ids=cases,
            visible_case_ids=visible.get(_recipient_key(to), set()) if spec.carries_cases else (),
        )
        record = OutboundEmail(
            kind=message.kind,
            template_id=template_id_for(spec),
            to_email=to.email,
            recipient_user=to.user,
            personalisation=values if reason is None else {},
            case_ids=cases,
            reference=str(uuid.uuid4()),
            once_key=message.once_key,
            status=EmailStatus.QUEUED if reason is None else EmailStatus.REFUSED,
            last_error=(reason or "")[:500],
            next_attempt_at=now,
            created_at=now,
        )
        rows.append((index, record, reason))
    if len(rows) == 1:
        rows[0][1].save(force_insert=True)
    elif rows:
        OutboundEmail.objects.bulk_create([record for _i, record, _r in rows])
    disclosures: list[audit.PendingEvent] = []
    queued: list[int] = []
    for index, record, reason in rows:
        results[index] = record
        if reason is not None:
            logger.warning("Refused to send %s e-mail %s: %s", record.kind, record.pk, reason)
            continue
        queued.append(record.pk)
        message = messages[index]
        spec = KINDS[message.kind]
        if record_disclosure:
            disclosures += [
                audit.PendingEvent(
                    action=Action.DISCLOSE,
                    subject_type="cases.case",
                    subject_id=str(case_id),
                    case_id=case_id,
                    subject_label=spec.label,
                    justification=message.justification or f"{spec.label} e-mail to the person responsible",
                    recipient=message.to.email,
                )
                for case_id in record.case_ids
            ]
    if disclosures:
        audit.record_many(actor=None, events=disclosures)
    if queued:
        transaction.on_commit(lambda: enqueue(queued), robust=True)
    return results


def _used_once_keys(keys: set[str]) -> set[str]:
    if not keys:
        return set()
    found = OutboundEmail.objects.filter(once_key__in=sorted(keys)).values_list("once_key", flat=True)
    return {key for key in found if key is not None}


def _recipient_key(to: Recipient) -> Any:
    return to.user.pk if to.user is not None else None


def _visible_by_recipient(messages: list[tuple[Outgoing, list[int]]]) -> dict[Any, set[int]]:
    """Which of the cases named to each recipient they may open: one query per person."""
    people: dict[Any, tuple[Any, set[int]]] = {}
    for message, cases in messages:
        if message.to.user is None or not cases:
            continue
        _user, wanted = people.setdefault(_recipient_key(message.to), (message.to.user, set()))
        wanted.update(cases)
    return {key: _visible_case_ids(user, sorted(wanted)) for key, (user, wanted) in people.items()}


def _enqueue_each(email_ids: list[int]) -> None:
    for email_id in email_ids:
        _enqueue(email_id)


def _enqueue_chunks(email_ids: list[int]) -> None:
    from casework.notifications.tasks import deliver_emails_task  # tasks import this module

    for start in range(0, len(email_ids), DELIVERY_CHUNK):
        deliver_emails_task.enqueue(email_ids[start : start + DELIVERY_CHUNK])


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
