"""Re-evaluation runs in the worker: a change queues its case in the change's own transaction
(coalesced per case, deduplicated), pages say "Re-checking" until the verdicts are fresh, and a
failed re-check is retried without touching the change or the other cases."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import transaction
from django.urls import reverse
from django_tasks_db.models import DBTaskResult

from casework.assurance import rechecks, services
from casework.assurance.models import PendingRecheck, VerdictPeriod
from casework.cases import services as case_services
from casework.cases.models import AcceptanceCriterion
from casework.core.case_changes import notify_case_changed
from tests.factories import make_case

pytestmark = pytest.mark.django_db

RECHECK_TASK = "casework.assurance.tasks.recheck_task"


def queued_tasks() -> int:
    return DBTaskResult.objects.filter(task_path=RECHECK_TASK, status="READY").count()


def current(case, code):
    return VerdictPeriod.objects.get(case=case, rule_code=code, valid_to__isnull=True)


@pytest.fixture
def fresh(case_a, run_queued_tasks):
    """case_a with its first verdicts stored and nothing waiting."""
    run_queued_tasks()
    assert not PendingRecheck.objects.exists() and queued_tasks() == 0
    return case_a


def test_a_change_queues_its_case_in_its_own_transaction_and_evaluates_nothing(personas, fresh):
    before = VerdictPeriod.objects.filter(case=fresh).count()
    case_services.case_update(actor=personas.manager_a, case=fresh, expected_version=fresh.version, summary="New")
    waiting = PendingRecheck.objects.get(case=fresh)
    assert (waiting.generation, waiting.attempts, waiting.retry_after) == (1, 0, None)
    assert queued_tasks() == 1
    assert VerdictPeriod.objects.filter(case=fresh).count() == before


def test_many_changes_make_one_recheck_and_one_task(personas, fresh):
    for n in range(4):
        case_services.case_update(actor=personas.manager_a, case=fresh, expected_version=fresh.version, summary=f"{n}")
    case_services.defendant_add(actor=personas.manager_a, case=fresh, first_names="Ann", last_name="Lee")
    assert PendingRecheck.objects.get(case=fresh).generation == 5
    assert queued_tasks() == 1


def test_a_rolled_back_change_asks_for_nothing(personas, fresh):
    with pytest.raises(ZeroDivisionError), transaction.atomic():
        case_services.case_update(actor=personas.manager_a, case=fresh, expected_version=fresh.version, summary="x")
        1 / 0  # noqa: B018
    assert not PendingRecheck.objects.exists()
    assert queued_tasks() == 0


def test_a_notification_outside_a_transaction_is_kept(fresh):
    notify_case_changed(fresh.pk)
    assert PendingRecheck.objects.filter(case=fresh).exists() and queued_tasks() == 1


def test_the_worker_refreshes_the_verdicts_and_clears_the_queue(personas, fresh, run_queued_tasks):
    assert current(fresh, "acceptance.basis").outcome == "not_met"
    case_services.case_update(
        actor=personas.manager_a,
        case=fresh,
        expected_version=fresh.version,
        acceptance_criterion_id=AcceptanceCriterion.objects.get(code="complex-fraud").pk,
        accepted_on=dt.date(2026, 1, 5),
    )
    assert current(fresh, "acceptance.basis").outcome == "not_met"
    assert run_queued_tasks() == 1
    assert current(fresh, "acceptance.basis").outcome == "met"
    assert not PendingRecheck.objects.exists()


def test_a_change_while_the_case_is_being_evaluated_leaves_it_waiting(personas, fresh, monkeypatch):
    evaluate = services.cases_evaluate
    edits = {"n": 0}

    def evaluate_while_someone_edits(case_ids, **kwargs):
        result = evaluate(case_ids, **kwargs)
        if edits["n"] == 0:
            edits["n"] += 1
            notify_case_changed(fresh.pk)  # another request saved a change meanwhile
        return result

    case_services.case_update(actor=personas.manager_a, case=fresh, expected_version=fresh.version, summary="One")
    monkeypatch.setattr(services, "cases_evaluate", evaluate_while_someone_edits)
    with transaction.atomic():
        taken = rechecks.claim([fresh.pk])
        services.cases_evaluate(taken.case_ids)
        rechecks.answered(taken)
    assert PendingRecheck.objects.get(case=fresh).generation == 2, "the later change still waits"
    run = services.rechecks_run()
    assert run.cases == 1 and not PendingRecheck.objects.exists()


def test_one_failing_case_is_retried_later_and_holds_up_no_other(personas, fresh, monkeypatch, time_machine):
    time_machine.move_to(dt.datetime(2026, 3, 2, 9, 0, tzinfo=dt.UTC), tick=False)
    other = make_case(actor=personas.manager_a, operation_name="Operation Ash")
    case_services.case_update(actor=personas.manager_a, case=fresh, expected_version=fresh.version, summary="Bad")
    evaluate = services.cases_evaluate

    def fail_for_fresh(case_ids, **kwargs):
        if fresh.pk in case_ids:
            raise RuntimeError("rule engine bug")
        return evaluate(case_ids, **kwargs)

    monkeypatch.setattr(services, "cases_evaluate", fail_for_fresh)
    run = services.rechecks_run()
    assert run.failed == [fresh.pk] and run.cases == 1
    assert not PendingRecheck.objects.filter(case=other).exists()
    assert VerdictPeriod.objects.filter(case=other, valid_to__isnull=True).exists()
    waiting = PendingRecheck.objects.get(case=fresh)
    assert waiting.attempts == 1 and "rule engine bug" in waiting.last_error
    assert waiting.retry_after == dt.datetime(2026, 3, 2, 9, 1, tzinfo=dt.UTC) == run.retry_at

    # Not due yet: the next run leaves it alone. Failing again doubles the delay.
    assert services.rechecks_run().cases == 0
    time_machine.move_to(dt.datetime(2026, 3, 2, 9, 1, tzinfo=dt.UTC), tick=False)
    services.rechecks_run()
    waiting.refresh_from_db()
    assert waiting.attempts == 2 and waiting.retry_after == dt.datetime(2026, 3, 2, 9, 3, tzinfo=dt.UTC)

    monkeypatch.setattr(services, "cases_evaluate", evaluate)
    time_machine.move_to(dt.datetime(2026, 3, 2, 9, 3, tzinfo=dt.UTC), tick=False)
    assert services.rechecks_run().cases == 1
    assert not PendingRecheck.objects.exists()


def test_the_task_queues_itself_for_the_retry(personas, fresh, monkeypatch, run_queued_tasks):
    from casework.assurance.tasks import recheck_task

    case_services.case_update(actor=personas.manager_a, case=fresh, expected_version=fresh.version, summary="Bad")
    monkeypatch.setattr(services, "cases_evaluate", lambda *a, **k: (_ for _ in ()).throw(RuntimeError("down")))
    DBTaskResult.objects.all().delete()
    result = recheck_task.call()
    assert result["failed"] == [fresh.pk]
    retry = DBTaskResult.objects.get(task_path=RECHECK_TASK)
    assert retry.run_after == PendingRecheck.objects.get(case=fresh).retry_after


def test_a_new_change_to_a_failed_case_makes_it_due_at_once(personas, fresh, monkeypatch):
    case_services.case_update(actor=personas.manager_a, case=fresh, expected_version=fresh.version, summary="x")
    monkeypatch.setattr(services, "cases_evaluate", lambda *a, **k: (_ for _ in ()).throw(RuntimeError("down")))
    services.rechecks_run()
    DBTaskResult.objects.all().delete()
    case_services.case_update(actor=personas.manager_a, case=fresh, expected_version=fresh.version, summary="y")
    waiting = PendingRecheck.objects.get(case=fresh)
    assert waiting.retry_after is None and queued_tasks() == 1


def test_recheck_now_answers_the_waiting_recheck(personas, fresh, client_as):
    case_services.case_update(actor=personas.manager_a, case=fresh, expected_version=fresh.version, summary="x")
    assert client_as("prosecutor_a").post(reverse("assurance:recheck", args=[fresh.pk])).status_code == 302
    assert not PendingRecheck.objects.exists()


# --- what users see while a case waits ------------------------------------------------------------


def test_the_case_page_says_re_checking_until_the_verdicts_are_fresh(personas, fresh, client_as, run_queued_tasks):
    def page() -> str:
        return client_as("prosecutor_a").get(reverse("cases:section", args=[fresh.pk, "compliance"])).content.decode()

    assert "Re-checking" not in page()
    case_services.case_update(actor=personas.manager_a, case=fresh, expected_version=fresh.version, summary="x")
    shown = page()
    assert "Re-checking" in shown and "The verdicts below are from before that change" in shown
    run_queued_tasks()
    assert "Re-checking" not in page()


def test_the_case_lists_flag_cases_being_re_checked(personas, fresh, client_as, run_queued_tasks):
    other = make_case(actor=personas.manager_a, operation_name="Operation Elm")
    run_queued_tasks()
    case_services.case_update(actor=personas.manager_a, case=fresh, expected_version=fresh.version, summary="x")
    rows = client_as("manager_a").get(reverse("cases:unit")).content.decode().split('<tr class="govuk-table__row"')
    flagged = [row for row in rows if "Re-checking" in row]
    assert len(flagged) == 1 and fresh.urn in flagged[0] and other.urn not in flagged[0]
    run_queued_tasks()
    assert "Re-checking" not in client_as("manager_a").get(reverse("cases:unit")).content.decode()


def test_a_new_case_says_it_is_being_checked_for_the_first_time(personas, client_as):
    case = make_case(
        actor=personas.manager_a, operation_name="Operation Yew", allocated_lawyer_id=personas.prosecutor_a.pk
    )
    shown = client_as("prosecutor_a").get(reverse("cases:section", args=[case.pk, "compliance"])).content.decode()
    assert "Re-checking" in shown and "The verdicts appear here once the first check is done." in shown


def test_a_failing_recheck_says_it_is_taking_longer(personas, fresh, client_as, monkeypatch):
    case_services.case_update(actor=personas.manager_a, case=fresh, expected_version=fresh.version, summary="x")
    monkeypatch.setattr(services, "cases_evaluate", lambda *a, **k: (_ for _ in ()).throw(RuntimeError("down")))
    services.rechecks_run()
    shown = client_as("prosecutor_a").get(reverse("cases:section", args=[fresh.pk, "compliance"])).content.decode()
    assert "Re-checking is taking longer than usual" in shown and "down" not in shown.split("Compliance")[1][:400]


def test_the_failing_list_and_the_dashboard_say_re_checking(personas, fresh, client_as):
    case_services.case_update(actor=personas.manager_a, case=fresh, expected_version=fresh.version, summary="x")
    client = client_as("manager_a")
    failing = client.get(reverse("assurance:rule_failing", args=["acceptance.basis"])).content.decode()
    assert fresh.urn in failing and "Re-checking" in failing
    dashboard = client.get(reverse("assurance:dashboard")).content.decode()
    assert "1 case changed" in dashboard and "being re-checked" in dashboard


def test_the_dashboard_counts_only_cases_in_its_scope(personas, case_b, fresh, client_as):
    case_services.case_update(actor=personas.prosecutor_b, case=case_b, expected_version=case_b.version, summary="x")
    dashboard = client_as("manager_a").get(reverse("assurance:dashboard")).content.decode()
    assert "being re-checked" not in dashboard


def test_the_api_marks_verdicts_being_rechecked(personas, fresh, api_as, run_queued_tasks):
    client = api_as("prosecutor_a")
    assert {v["rechecking"] for v in client.get(f"/cases/{fresh.pk}/verdicts").json()} == {False}
    case_services.case_update(actor=personas.manager_a, case=fresh, expected_version=fresh.version, summary="x")
    assert {v["rechecking"] for v in client.get(f"/cases/{fresh.pk}/verdicts").json()} == {True}
    run_queued_tasks()
    assert {v["rechecking"] for v in client.get(f"/cases/{fresh.pk}/verdicts").json()} == {False}


def test_the_command_rechecks_everything_waiting(personas, fresh):
    from io import StringIO

    from django.core.management import call_command

    case_services.case_update(actor=personas.manager_a, case=fresh, expected_version=fresh.version, summary="x")
    out, err = StringIO(), StringIO()
    call_command("assurance_rechecks", stdout=out, stderr=err)
    assert "1 case(s) waiting" in err.getvalue() and "Re-checked 1 case(s)" in out.getvalue()
    assert not PendingRecheck.objects.exists()
