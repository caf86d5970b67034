"""The daily digest e-mail: content, idempotency per user per day, the command and the task."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.management import call_command

from casework.audit.models import AuditEvent
from casework.notifications.models import OutboundEmail
from casework.progression import digest, services
from casework.progression.models import Notice
from tests.factories import Personas

TODAY = dt.date(2026, 3, 2)


@pytest.fixture(autouse=True)
def _frozen(time_machine, settings) -> None:
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    time_machine.move_to(dt.datetime(2026, 3, 2, 6, 30, tzinfo=dt.UTC))


@pytest.fixture
def with_work(personas: Personas, case_a) -> Personas:
    personas.prosecutor_a.email = "prosecutor.a@example.test"
    personas.prosecutor_a.save()
    services.task_create(
        actor=personas.manager_a, case=case_a, title="Chase the MG5", due_on=TODAY, assignee_id=personas.prosecutor_a.pk
    )
    services.task_create(
        actor=personas.manager_a,
        case=case_a,
        title="Late review",
        due_on=TODAY - dt.timedelta(2),
        assignee_id=personas.prosecutor_a.pk,
    )
    Notice.objects.create(
        user=personas.prosecutor_a,
        case=case_a,
        key="k",
        text="Stage 1 moved",
        created_at=dt.datetime(2026, 3, 1, 9, tzinfo=dt.UTC),
    )
    return personas


def test_digest_content(with_work: Personas, case_a) -> None:
    built = digest.build_digest(user=with_work.prosecutor_a, today=TODAY)
    assert [line.split(": ", 1)[1] for line in built.due_today] == ["Chase the MG5 (due Mon 2 Mar 2026)"]
    assert "Late review" in built.overdue[0] and built.new_notices == ["Stage 1 moved"]
    body = built.body()
    assert "Due today (1)" in body and "Overdue (1)" in body and case_a.urn in body


def queued() -> list[OutboundEmail]:
    """Digests queued for the worker to e-mail (casework.notifications)."""
    return list(OutboundEmail.objects.filter(kind="daily_digest").order_by("pk"))


def test_sent_once_per_day(with_work: Personas, case_a) -> None:
    first = digest.send_digests()
    second = digest.send_digests()
    assert first.sent == ["prosecutor.a@example.test"] and second.sent == [] and second.already_sent == 1
    assert [(e.to_email, e.status) for e in queued()] == [("prosecutor.a@example.test", "queued")]
    assert queued()[0].personalisation["due_today"] == "1" and case_a.urn in queued()[0].personalisation["summary"]
    event = AuditEvent.objects.get(action="disclose")
    assert event.case_id == case_a.pk and event.recipient == "prosecutor.a@example.test"
    # The next day there is a new digest, and yesterday's notice no longer counts as new.
    tomorrow = digest.build_digest(user=with_work.prosecutor_a, today=TODAY + dt.timedelta(days=1))
    assert tomorrow.new_notices == []


def test_digest_bookkeeping_is_not_shown_as_a_notice(with_work: Personas) -> None:
    digest.send_digests()
    texts = [n.text for n in digest.notices_for(user=with_work.prosecutor_a)]
    assert texts == ["Stage 1 moved"]


def test_failed_queueing_is_retried(with_work: Personas, monkeypatch) -> None:
    def boom(*args, **kwargs):
        raise OSError("database hiccup")

    monkeypatch.setattr(digest.emails, "digest", boom)
    with pytest.raises(OSError):
        digest.send_digests()
    assert not Notice.objects.filter(key__startswith="digest:").exists()
    monkeypatch.undo()
    assert digest.send_digests().sent == ["prosecutor.a@example.test"]


def test_nobody_without_work_or_email_gets_mail(personas: Personas) -> None:
    run = digest.send_digests()
    assert run.sent == [] and queued() == []


def test_command_dry_run_sends_nothing(with_work: Personas, capsys) -> None:
    call_command("send_digests", "--dry-run")
    out = capsys.readouterr().out
    assert "Subject: Casework: 1 due today, 1 overdue" in out and "Would send 1 digests" in out
    assert queued() == [] and not Notice.objects.filter(key__startswith="digest:").exists()
    call_command("send_digests")
    assert len(queued()) == 1


def test_task_runs_the_digest(with_work: Personas) -> None:
    from casework.progression.tasks import send_digests_task

    result = send_digests_task.call()
    assert result["sent"] == 1 and len(queued()) == 1


def test_digest_leads_with_ctl_failures_found_since_the_last_one(personas: Personas, case_a) -> None:
    from casework.progression.sweep import progression_sweep
    from tests.progression.conftest import add_charge

    charge = add_charge(case_a, personas.prosecutor_a)
    ctl = services.custody_clock_open(actor=personas.prosecutor_a, charge=charge, initial_regime="summary")
    # Remanded Mon 29 Dec 2025 + 56 = Mon 23 Feb 2026; still in custody on 2 Mar: a CTL failure.
    services.clock_event_record(
        actor=personas.prosecutor_a, clock=ctl, kind="remanded", occurred_on=dt.date(2025, 12, 29)
    )
    progression_sweep()
    built = digest.build_digest(user=personas.manager_a, today=TODAY)
    assert built.ctl_failures == [
        f"{case_a.urn}: the custody time limit expired on 23 February 2026 while the defendant was in custody"
    ]
    assert built.subject.startswith("Casework: 1 CTL failure, ")
    assert built.body().index("Custody time limit failures to report (1)") < built.body().index("Due today")
