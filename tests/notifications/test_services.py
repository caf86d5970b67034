"""notify() queues in the caller's transaction; the worker delivers, retries and records."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine

from casework.audit.models import AuditEvent
from casework.notifications import backends, services
from casework.notifications.backends import PermanentSendError, TransientSendError
from casework.notifications.models import OutboundEmail


def ctl(to, case, **extra):
    return services.notify(
        kind="ctl_warning",
        to=services.Recipient.for_user(to),
        personalisation={
            "name": to.display_name,
            "urn": case.urn,
            "expires_on": "1 May",
            "days_left": 7,
            "link": "x",
            **extra,
        },
        case_ids=[case.pk],
    )


def test_queued_message_is_a_disclosure_and_is_sent_by_the_worker(
    addressed, case_a, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        record = ctl(addressed.prosecutor_a, case_a)
    assert record.status == "queued" and len(callbacks) == 1  # the task is enqueued when the caller commits
    event = AuditEvent.objects.filter(action="disclose").latest("seq")
    assert event.case_id == case_a.pk and event.recipient == "prosecutor.a@example.test"
    assert services.deliver(record.pk) == "sent"
    record.refresh_from_db()
    assert record.sent_at is not None and record.provider_id == "memory-1" and record.attempts == 1
    (message,) = backends.outbox
    assert message.email_address == "prosecutor.a@example.test" and message.personalisation["urn"] == case_a.urn
    assert services.deliver(record.pk) == "sent" and len(backends.outbox) == 1  # never twice


def test_enqueued_task_delivers(addressed, case_a, django_capture_on_commit_callbacks):
    from django_tasks_db.models import DBTaskResult

    with django_capture_on_commit_callbacks(execute=True):
        record = ctl(addressed.prosecutor_a, case_a)
    task = DBTaskResult.objects.get(task_path="casework.notifications.tasks.deliver_email_task")
    assert task.args_kwargs["args"] == [record.pk]


def test_someone_who_cannot_open_the_case_is_refused(addressed, case_a):
    record = ctl(addressed.prosecutor_b, case_a)
    assert record.status == "refused" and record.personalisation == {} and "may not open" in record.last_error
    assert not AuditEvent.objects.filter(action="disclose").exists()
    assert services.deliver_due() == {} and backends.outbox == []


def test_a_police_officer_never_gets_a_cps_case_notice(addressed, case_a):
    record = ctl(addressed.police_x, case_a)
    assert record.status == "refused" and "Police contacts never receive" in record.last_error


def test_no_address_no_message(personas, case_a):
    assert ctl(personas.prosecutor_a, case_a) is None


def test_once_key_sends_once(addressed, case_a):
    first = services.notify(
        kind="iqa_reminder",
        to=services.Recipient.for_user(addressed.prosecutor_a),
        personalisation={"name": "P", "step": "s", "urn": case_a.urn, "due_date": "d", "link": "l"},
        case_ids=[case_a.pk],
        once_key="iqa-reminder:1:x",
    )
    again = services.notify(
        kind="iqa_reminder",
        to=services.Recipient.for_user(addressed.prosecutor_a),
        personalisation={"name": "P", "step": "s", "urn": case_a.urn, "due_date": "d", "link": "l"},
        case_ids=[case_a.pk],
        once_key="iqa-reminder:1:x",
    )
    assert first is not None and again is None


class Flaky:
    name = "flaky"
    failures: list[Exception] = []

    def send(self, message):
        if Flaky.failures:
            raise Flaky.failures.pop(0)
        backends.outbox.append(message)
        return "flaky-ok"


@pytest.fixture
def flaky(settings):
    settings.NOTIFICATIONS_BACKEND = "tests.notifications.test_services.Flaky"
    Flaky.failures = []
    return Flaky


def test_a_passing_failure_is_retried_with_back_off(addressed, case_a, flaky):
    flaky.failures = [TransientSendError("429"), TransientSendError("503")]
    with time_machine.travel(dt.datetime(2026, 5, 1, 9, 0, tzinfo=dt.UTC), tick=False) as clock:
        record = ctl(addressed.prosecutor_a, case_a)
        assert services.deliver(record.pk) == "retrying"
        record.refresh_from_db()
        assert record.next_attempt_at == dt.datetime(2026, 5, 1, 9, 1, tzinfo=dt.UTC) and "429" in record.last_error
        assert services.deliver_due() == {}  # not yet due
        clock.shift(dt.timedelta(minutes=1))
        assert services.deliver_due() == {"retrying": 1}
        clock.shift(dt.timedelta(minutes=5))
        assert services.deliver_due() == {"sent": 1}
    record.refresh_from_db()
    assert record.attempts == 3 and record.status == "sent" and record.last_error == ""


def test_a_permanent_failure_is_not_retried(addressed, case_a, flaky):
    flaky.failures = [PermanentSendError("400 template not found")]
    record = ctl(addressed.prosecutor_a, case_a)
    assert services.deliver(record.pk) == "failed"
    assert services.deliver_due() == {} and backends.outbox == []


def test_it_gives_up_after_the_last_attempt(addressed, case_a, flaky):
    flaky.failures = [TransientSendError("500")] * 10
    with time_machine.travel(dt.datetime(2026, 5, 1, 9, 0, tzinfo=dt.UTC), tick=False) as clock:
        record = ctl(addressed.prosecutor_a, case_a)
        for _ in range(10):
            services.deliver_due()
            clock.shift(dt.timedelta(hours=4))
    record.refresh_from_db()
    assert record.status == "failed" and record.attempts == 6


def test_a_message_left_sending_by_a_dead_worker_is_offered_again(addressed, case_a):
    record = ctl(addressed.prosecutor_a, case_a)
    OutboundEmail.objects.filter(pk=record.pk).update(
        status="sending", next_attempt_at=dt.datetime(2020, 1, 1, tzinfo=dt.UTC)
    )
    assert services.deliver_due() == {"sent": 1}


def test_the_file_backend_writes_one_json_file_a_message(addressed, case_a, settings, tmp_path):
    settings.NOTIFICATIONS_BACKEND, settings.NOTIFICATIONS_FILE_DIR = "file", tmp_path
    record = ctl(addressed.prosecutor_a, case_a)
    services.deliver(record.pk)
    written = (tmp_path / f"{record.reference}.json").read_text()
    assert case_a.urn in written and "ctl_warning" in written
