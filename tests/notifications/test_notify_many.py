"""notify_many queues exactly what calling notify for each message in turn would: the same
records, refusals and disclosure events, with a fixed number of statements however many messages."""

from __future__ import annotations

from typing import Any

import pytest
from django.db import transaction

from casework.audit.models import AuditEvent
from casework.notifications import backends, services
from casework.notifications.models import OutboundEmail
from tests.factories import Personas, make_case


class _RolledBack(Exception):
    pass


def _warning(person, case, *, once_key: str | None = None, days: int = 7) -> services.Outgoing:
    return services.Outgoing(
        kind="ctl_warning",
        to=services.Recipient.for_user(person),
        personalisation={
            "name": person.display_name,
            "urn": case.urn,
            "expires_on": "1 May",
            "days_left": days,
            "link": "x",
        },
        case_ids=(case.pk,),
        justification="Custody time limit warning",
        once_key=once_key,
    )


def _mixed(addressed: Personas, case_a, case_b) -> list[services.Outgoing]:
    addressed.paralegal_a.email = ""
    addressed.paralegal_a.save(update_fields=["email"])
    addressed.unithead_a.is_active = False
    addressed.unithead_a.save(update_fields=["is_active"])
    return [
        _warning(addressed.prosecutor_a, case_a),  # queued
        _warning(addressed.manager_a, case_a, once_key="warn:1"),  # queued
        _warning(addressed.manager_a, case_a, once_key="warn:1"),  # the same key again: not queued
        _warning(addressed.prosecutor_a, case_b),  # cannot open the case: refused
        _warning(addressed.police_x, case_a),  # police never get a CPS case notice: refused
        _warning(addressed.paralegal_a, case_a),  # no address: nothing
        _warning(addressed.unithead_a, case_a),  # inactive: refused
        _warning(addressed.prosecutor_b, case_b, days=14),  # queued
        _warning(addressed.manager_a, case_a, once_key="warn:old"),  # sent before: not queued
        services.Outgoing(  # a personalisation that does not match the template: refused
            kind="ctl_warning", to=services.Recipient.for_user(addressed.manager_a), personalisation={"name": "M"}
        ),
    ]


def _snapshot(results: list[OutboundEmail | None], events_after: int) -> dict[str, Any]:
    rows = [
        None
        if r is None
        else (
            r.kind,
            r.to_email,
            r.recipient_user_id,
            r.personalisation,
            r.case_ids,
            r.once_key,
            r.status,
            r.last_error,
        )
        for r in results
    ]
    events = list(
        AuditEvent.objects.filter(seq__gt=events_after, action="disclose")
        .order_by("seq")
        .values_list("subject_type", "subject_id", "case_id", "subject_label", "justification", "recipient")
    )
    stored = sorted(OutboundEmail.objects.filter(once_key__isnull=True).values_list("to_email", "status")) + sorted(
        OutboundEmail.objects.filter(once_key__isnull=False).values_list("once_key", "status")
    )
    return {"results": rows, "events": events, "stored": stored}


def _last_seq() -> int:
    return AuditEvent.objects.order_by("-seq").values_list("seq", flat=True).first() or 0


@pytest.mark.django_db(transaction=False)
def test_the_batch_queues_refuses_and_audits_exactly_as_one_by_one(addressed, case_a, case_b) -> None:
    messages = _mixed(addressed, case_a, case_b)
    services.notify(**{**_warning(addressed.manager_a, case_a, once_key="warn:old").__dict__})
    before = _last_seq()
    one_by_one: dict[str, Any] = {}
    with pytest.raises(_RolledBack), transaction.atomic():
        results = [
            services.notify(
                kind=m.kind,
                to=m.to,
                personalisation=m.personalisation,
                case_ids=m.case_ids,
                force_id=m.force_id,
                justification=m.justification,
                once_key=m.once_key,
            )
            for m in messages
        ]
        one_by_one = _snapshot(results, before)
        raise _RolledBack
    assert _last_seq() == before
    batched = _snapshot(services.notify_many(messages), before)
    assert batched == one_by_one
    statuses = [None if r is None else r[6] for r in batched["results"]]
    assert statuses == [
        "queued",
        "queued",
        None,
        "refused",
        "refused",
        None,
        "refused",
        "queued",
        None,
        "refused",
    ]
    assert len(batched["events"]) == 3  # one disclosure per case of each queued message


def test_statements_do_not_grow_with_the_messages(addressed, personas: Personas, django_assert_max_num_queries):
    cases = [make_case(actor=personas.manager_a, allocated_lawyer_id=personas.prosecutor_a.pk) for _ in range(12)]
    few = [_warning(addressed.prosecutor_a, case) for case in cases[:2]]
    many = [_warning(person, case) for case in cases[2:] for person in (addressed.prosecutor_a, addressed.manager_a)]
    with django_assert_max_num_queries(12) as few_queries:
        services.notify_many(few)
    with django_assert_max_num_queries(12) as many_queries:
        services.notify_many(many)
    # The same statements for 20 messages to two people as for 2 messages to one, but one more
    # visibility check (the second person).
    assert len(many_queries.captured_queries) <= len(few_queries.captured_queries) + 2
    assert OutboundEmail.objects.filter(status="queued").count() == 22


def test_messages_queued_together_are_delivered_each_once(
    addressed, personas: Personas, django_capture_on_commit_callbacks, settings
) -> None:
    from django_tasks_db.models import DBTaskResult

    settings.NOTIFICATIONS_BACKEND = "memory"
    cases = [make_case(actor=personas.manager_a, allocated_lawyer_id=personas.prosecutor_a.pk) for _ in range(30)]
    messages = [_warning(person, case) for case in cases for person in (addressed.prosecutor_a, addressed.manager_a)]
    with django_capture_on_commit_callbacks(execute=True):
        queued = services.notify_many(messages)
    tasks = DBTaskResult.objects.filter(task_path="casework.notifications.tasks.deliver_emails_task")
    chunks = [task.args_kwargs["args"][0] for task in tasks.order_by("enqueued_at", "id")]
    assert [len(chunk) for chunk in chunks] == [services.DELIVERY_CHUNK, len(messages) - services.DELIVERY_CHUNK]
    assert sorted(pk for chunk in chunks for pk in chunk) == sorted(r.pk for r in queued if r is not None)
    from casework.notifications.tasks import deliver_emails_task

    for chunk in chunks:
        deliver_emails_task.call(chunk)
        deliver_emails_task.call(chunk)  # a retried task sends nothing twice
    assert len(backends.outbox) == len(messages)
    assert services.deliver_due() == {}
