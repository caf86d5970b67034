"""The upload page's path: check (now or by the worker), start, background write, resume."""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from casework.audit.models import AuditEvent
from casework.cases.models import Case
from casework.core.errors import TransitionRefused
from casework.imports import case_services, services
from casework.imports.mapping import load_mapping
from casework.imports.models import ImportFile, ImportRun, RunStatus
from casework.imports.services import import_prepare, import_resume, import_start
from casework.imports.tasks import import_check_task, import_execute_task
from casework.imports.validation import ALREADY_RECORDED
from casework.people.models import User
from tests.imports.conftest import staff_files, standard_files
from tests.imports.test_views import NOT_ADMINS


def prepare(personas, files=None, kind="cases", unit="a"):
    return import_prepare(
        actor=personas.admin,
        files=files or standard_files(3),
        mapping=load_mapping(kind=kind),
        unit=personas.unit_a if unit == "a" else None,
    )


def test_check_then_start_then_worker_writes(personas, mapping):
    run = prepare(personas)
    assert run.status == RunStatus.VALIDATED and run.files.count() == 4
    assert not Case.objects.filter(urn__startswith="42IM").exists()
    run = import_start(actor=personas.admin, run_id=run.pk)
    assert run.status == RunStatus.QUEUED and run.task_id
    with pytest.raises(TransitionRefused):
        import_start(actor=personas.admin, run_id=run.pk)  # queued once only
    result = import_execute_task.call(run.pk)
    run.refresh_from_db()
    assert result["status"] == RunStatus.COMPLETED == run.status
    assert (run.rows_committed, run.total_rows, run.batches_committed, run.created_count) == (12, 12, 1, 12)
    assert Case.objects.filter(urn__startswith="42IM").count() == 3
    assert not ImportFile.objects.exists()  # the upload is not kept once imported
    assert AuditEvent.objects.filter(action="collect", actor_id=personas.admin.pk).count() == 12


def test_staff_through_the_worker(personas):
    run = import_start(actor=personas.admin, run_id=prepare(personas, staff_files(), kind="staff", unit=None).pk)
    import_execute_task.call(run.pk)
    run.refresh_from_db()
    assert run.status == RunStatus.COMPLETED and run.unit is None
    assert User.objects.filter(username__in=["S1001", "S1002"]).count() == 2


def test_large_files_are_checked_by_the_worker(personas, monkeypatch):
    monkeypatch.setattr(services, "SYNC_CHECK_BYTES", 0)
    run = prepare(personas)
    assert run.status == RunStatus.CHECKING and run.task_id
    assert import_check_task.call(run.pk)["status"] == RunStatus.VALIDATED


def test_a_failed_background_batch_rolls_back_and_resumes(personas, monkeypatch):
    run = import_start(actor=personas.admin, run_id=prepare(personas, standard_files(4)).pk)
    original = case_services.write_cases
    calls = {"n": 0}

    def fail_after_writing_the_second_batch(batch, groups):
        calls["n"] += 1
        original(batch, groups)
        if calls["n"] == 2:
            raise RuntimeError("disk went away")

    monkeypatch.setattr(case_services, "write_cases", fail_after_writing_the_second_batch)
    with pytest.raises(RuntimeError):
        services.import_execute(run_id=run.pk, batch_size=2)
    run.refresh_from_db()
    assert run.status == RunStatus.FAILED and "disk went away" in run.failure
    assert (run.last_committed_group, run.batches_committed) == (2, 1)
    assert Case.objects.filter(urn__startswith="42IM").count() == 2  # the failed batch rolled back whole
    monkeypatch.setattr(case_services, "write_cases", original)
    import_resume(actor=personas.admin, run_id=run.pk)
    import_execute_task.call(run.pk)
    run.refresh_from_db()
    assert run.status == RunStatus.COMPLETED and run.created_count == 16
    assert Case.objects.filter(urn__startswith="42IM").count() == 4
    assert AuditEvent.objects.filter(action="collect", subject_type="cases.case").count() == 4


def test_rows_that_became_invalid_are_reported_when_the_worker_checks_again(personas):
    run = import_start(actor=personas.admin, run_id=prepare(personas).pk)
    from tests.factories import make_case

    make_case(actor=personas.prosecutor_b, urn="42IM0000001", allocated_lawyer_id=personas.prosecutor_b.pk)
    import_execute_task.call(run.pk)
    run.refresh_from_db()
    assert run.status == RunStatus.REJECTED
    assert ("cases", 3, ALREADY_RECORDED) in {(p.sheet, p.row, p.reason) for p in run.problems.all()}
    assert not Case.objects.filter(urn__startswith="42IM", unit=personas.unit_a).exists()


def test_admin_page_flow(client, personas):
    client.force_login(personas.admin)
    data = {"upload": [SimpleUploadedFile(n, c) for n, c in staff_files()], "kind": "staff", "unit": ""}
    response = client.post(reverse("imports:home"), data)
    run = ImportRun.objects.get()
    assert response.status_code == 302 and run.status == RunStatus.VALIDATED
    page = client.get(reverse("imports:run", args=[run.pk]))
    assert b"Start import" in page.content and not User.objects.filter(username="S1001").exists()
    assert client.post(reverse("imports:start", args=[run.pk])).status_code == 302
    page = client.get(reverse("imports:run", args=[run.pk]))
    assert b"Waiting to start" in page.content and b"Refresh progress" in page.content
    import_execute_task.call(run.pk)
    page = client.get(reverse("imports:run", args=[run.pk]))
    assert (
        b"Completed" in page.content and b"4 of 2 rows" not in page.content and b"2 of 2 rows written" in page.content
    )
    assert client.get(reverse("imports:start", args=[run.pk])).status_code == 405


@pytest.mark.parametrize("persona", NOT_ADMINS)
def test_start_and_resume_are_404_for_everyone_else(client, personas, persona):
    run = prepare(personas)
    client.force_login(getattr(personas, persona))
    assert client.post(reverse("imports:start", args=[run.pk])).status_code == 404
    assert client.post(reverse("imports:resume", args=[run.pk])).status_code == 404
    run.refresh_from_db()
    assert run.status == RunStatus.VALIDATED


def test_a_second_delivery_of_the_task_does_nothing(personas):
    run = import_start(actor=personas.admin, run_id=prepare(personas).pk)
    import_execute_task.call(run.pk)
    events = AuditEvent.objects.count()
    assert import_execute_task.call(run.pk)["status"] == RunStatus.COMPLETED
    ImportRun.objects.filter(pk=run.pk).update(status=RunStatus.RUNNING)  # as if another worker held it
    services.import_execute(run_id=run.pk)
    assert AuditEvent.objects.count() == events and Case.objects.filter(urn__startswith="42IM").count() == 3
