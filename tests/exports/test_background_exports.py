"""Background exports: asked for with a stated recipient and purpose, prepared by the worker with
the requester's access as it is then, the same rows as the direct download, progress along the
way, served to the requester alone, audited, and removed when they expire."""

from __future__ import annotations

import csv
import datetime as dt
import io
import tempfile
from urllib.parse import urlencode

import pytest
from django.db import DatabaseError
from django.test import Client
from django.urls import reverse
from openpyxl import load_workbook

from casework.audit.models import AuditEvent
from casework.core import clock, streaming
from casework.core.tasks import housekeeping_task
from casework.exports import services
from casework.exports.models import ExportJob, ExportState
from tests.factories import DISCLOSURE, export_post, make_case, make_failing_verdict

pytestmark = pytest.mark.django_db

RULE = "acceptance.basis"
BACKGROUND = {**DISCLOSURE, "fmt": "csv"}


@pytest.fixture(autouse=True)
def _exports_dir(settings, tmp_path):
    settings.EXPORTS_DIR = tmp_path / "exports"


def _client(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def _new_url(kind: str, query: dict | None = None) -> str:
    return reverse("exports:new", args=[kind]) + (f"?{urlencode(query)}" if query else "")


def _ask(user, kind: str = "cases-all", query: dict | None = None, **form) -> ExportJob:
    response = _client(user).post(_new_url(kind, query), {**BACKGROUND, **form})
    assert response.status_code == 302, response.content.decode()[:500]
    return ExportJob.objects.get(pk=int(response["Location"].rstrip("/").split("/")[-1]))


def _run(job: ExportJob) -> ExportJob:
    return services.run_export(job_id=job.pk)


def _file(job: ExportJob) -> bytes:
    path = services.file_path(job)
    assert path is not None
    return path.read_bytes()


@pytest.fixture
def cases(personas):
    made = [
        make_case(actor=personas.manager_a, operation_name=f"Operation {name}", allocated_lawyer_id=lawyer.pk)
        for name, lawyer in [("Elm", personas.prosecutor_a), ("=Ash", personas.prosecutor_a)]
    ]
    made.append(
        make_case(
            actor=personas.prosecutor_b, operation_name="Operation Rowan", allocated_lawyer_id=personas.prosecutor_b.pk
        )
    )
    return made


# --- the same rows as the direct download ---------------------------------------------------------


def test_a_national_case_list_csv_made_in_the_background_is_the_direct_downloads_file(personas, cases):
    direct = export_post(_client(personas.hq), reverse("cases:all_export"), {"sort": "urn"})
    expected = b"".join(direct.streaming_content)
    job = _run(_ask(personas.hq, query={"sort": "urn"}))
    assert job.state == ExportState.DONE
    assert _file(job) == expected
    assert (job.rows_written, job.rows_total) == (3, 3)


def test_the_xlsx_holds_the_same_rows_as_the_csv(personas, cases):
    direct = export_post(_client(personas.hq), reverse("cases:all_export"))
    expected = list(csv.reader(io.StringIO(b"".join(direct.streaming_content).decode())))
    job = _run(_ask(personas.hq, fmt="xlsx"))
    sheet = load_workbook(io.BytesIO(_file(job)), read_only=True).active
    assert [[cell or "" for cell in row] for row in sheet.iter_rows(values_only=True)] == expected
    assert sheet.title == "All cases"


def test_the_failing_rule_xlsx_is_the_direct_downloads_rows(personas, cases):
    for case in cases[:2]:
        make_failing_verdict(case)
    query = {"rule": RULE}
    direct = export_post(_client(personas.manager_a), reverse("assurance:rule_failing_export", args=[RULE, "xlsx"]))
    assert direct.streaming
    body = b"".join(direct.streaming_content)
    direct_rows = list(load_workbook(io.BytesIO(body), read_only=True).active.iter_rows(values_only=True))
    job = _run(_ask(personas.manager_a, "assurance-failing", query, fmt="xlsx"))
    background = load_workbook(io.BytesIO(_file(job)), read_only=True).active
    assert list(background.iter_rows(values_only=True)) == direct_rows
    assert len(direct_rows) == 3  # header and unit A's two failing cases


def test_the_unit_list_keeps_the_filters_of_the_page(personas, cases):
    query = {"q": "Elm"}
    job = _run(_ask(personas.manager_a, "cases-unit", query))
    rows = list(csv.reader(io.StringIO(_file(job).decode())))
    assert [row[1] for row in rows[1:]] == ["Operation Elm"]
    assert job.parameters == {"query": [["q", "Elm"]]}


# --- progress -----------------------------------------------------------------------------------


def test_progress_is_written_after_every_block(personas, cases, monkeypatch):
    monkeypatch.setattr("casework.cases.exports.CHUNK_SIZE", 1)
    seen: list[tuple[int, int | None]] = []
    original = services._counted

    def watching(blocks, progress):
        def recording(written):
            progress(written)
            job = ExportJob.objects.get()
            seen.append((job.rows_written, job.rows_total))

        return original(blocks, recording)

    monkeypatch.setattr(services, "_counted", watching)
    job = _run(_ask(personas.hq))
    assert seen == [(1, 3), (2, 3), (3, 3)]
    assert job.percent_done == 100


def test_the_status_endpoint_and_page_follow_the_job(personas, cases):
    job = _ask(personas.hq)
    client = _client(personas.hq)
    status = client.get(reverse("exports:status", args=[job.pk])).json()
    assert status["state"] == "queued" and status["download_url"] is None and status["percent"] == 0
    page = client.get(reverse("exports:job", args=[job.pk]))
    assert page["Refresh"] == "5" and "Waiting to start" in page.content.decode()
    assert "Refresh" not in client.get(reverse("exports:job", args=[job.pk]) + "?refresh=off")
    _run(job)
    status = client.get(reverse("exports:status", args=[job.pk])).json()
    assert status["state"] == "done" and status["percent"] == 100 and status["rows_written"] == 3
    assert status["download_url"] == reverse("exports:download", args=[job.pk])
    page = client.get(reverse("exports:job", args=[job.pk]))
    assert not page.has_header("Refresh") and "Ready to download" in page.content.decode()
    listing = client.get(reverse("exports:list")).content.decode()
    assert "All cases" in listing and reverse("exports:download", args=[job.pk]) in listing


# --- asking -------------------------------------------------------------------------------------


def test_asking_needs_a_recipient_a_purpose_and_the_csrf_token(personas, cases):
    url = _new_url("cases-all")
    guarded = Client(enforce_csrf_checks=True)
    guarded.force_login(personas.hq)
    form = guarded.get(url)
    assert form.status_code == 200 and "Who will receive this file?" in form.content.decode()
    assert guarded.post(url, BACKGROUND).status_code == 403
    missing = _client(personas.hq).post(url, {"recipient": "", "purpose": "", "fmt": "csv"})
    assert missing.status_code == 400 and not ExportJob.objects.exists()


def test_asking_twice_while_the_first_is_waiting_returns_the_first(personas, cases):
    first = _ask(personas.hq)
    again = _ask(personas.hq)
    assert again.pk == first.pk and ExportJob.objects.count() == 1
    _run(first)
    assert _ask(personas.hq).pk != first.pk  # a finished export may be asked for again


def test_asking_writes_an_export_event_and_queues_the_task(personas, cases):
    from django_tasks_db.models import DBTaskResult

    job = _ask(personas.hq)
    event = AuditEvent.objects.get(action="export", subject_type="exports.exportjob", subject_id=str(job.pk))
    assert (event.actor_id, event.recipient, event.justification) == (
        personas.hq.pk,
        DISCLOSURE["recipient"],
        DISCLOSURE["purpose"],
    )
    assert DBTaskResult.objects.filter(id=job.task_id, task_path="casework.exports.tasks.export_task").exists()
    assert not AuditEvent.objects.filter(action="disclose").exists()  # nothing disclosed until the file is made


def test_a_list_the_user_may_not_open_cannot_be_asked_for(personas, cases):
    client = _client(personas.prosecutor_a)
    assert client.get(_new_url("cases-all")).status_code == 404
    assert client.post(_new_url("cases-all"), BACKGROUND).status_code == 404
    assert _client(personas.hq).get(_new_url("no-such-export")).status_code == 404
    assert (
        _client(personas.manager_a)
        .get(_new_url("assurance-failing", {"rule": RULE, "unit": personas.unit_b.pk}))
        .status_code
        == 404
    )
    assert not ExportJob.objects.exists()


# --- audit of the file ----------------------------------------------------------------------------


def test_the_disclosure_is_recorded_when_the_file_is_made_and_each_download_after(personas, cases):
    job = _run(_ask(personas.hq))
    disclose = AuditEvent.objects.get(action="disclose")
    assert disclose.seq == job.disclosure_seq
    assert sorted(disclose.changes_dict["cases"][1]) == sorted(case.pk for case in cases)
    assert (disclose.recipient, disclose.justification) == (DISCLOSURE["recipient"], DISCLOSURE["purpose"])
    response = _client(personas.hq).get(reverse("exports:download", args=[job.pk]))
    assert response.status_code == 200
    assert b"".join(response.streaming_content) == _file(job)
    assert response["Content-Disposition"] == f'attachment; filename="casework-cases-all-{job.pk}.csv"'
    download = AuditEvent.objects.filter(action="disclose", subject_id=str(job.pk)).latest("seq")
    assert download.subject_label.startswith("Background export downloaded")
    assert download.changes_dict == {
        "cases": [None, disclose.changes_dict["cases"][1]],
        "disclosure_event": [None, job.disclosure_seq],
    }
    assert (download.recipient, download.justification) == (DISCLOSURE["recipient"], DISCLOSURE["purpose"])


# --- who may reach a job --------------------------------------------------------------------------


@pytest.mark.parametrize(
    "persona",
    [
        "prosecutor_a",
        "paralegal_a",
        "manager_a",
        "unithead_a",
        "prosecutor_b",
        "area_leader_a",
        "inspector",
        "police_x",
        "admin",
    ],
)
def test_nobody_but_the_requester_reaches_a_job(personas, cases, persona):
    job = _run(_ask(personas.hq))
    other = _client(getattr(personas, persona))
    for name in ("exports:job", "exports:status", "exports:download"):
        assert other.get(reverse(name, args=[job.pk])).status_code == 404
    listing = other.get(reverse("exports:list"))
    assert reverse("exports:job", args=[job.pk]) not in listing.content.decode()
    # Police users reach only the police portal (a 404 here); everyone else sees an empty list.
    assert listing.status_code == 404 if persona == "police_x" else "You have not asked" in listing.content.decode()
    assert not AuditEvent.objects.filter(subject_label__contains="downloaded").exists()


def test_signed_out_users_are_sent_to_sign_in(personas, cases):
    job = _ask(personas.hq)
    for url in [
        reverse("exports:list"),
        reverse("exports:job", args=[job.pk]),
        reverse("exports:download", args=[job.pk]),
        _new_url("cases-all"),
    ]:
        response = Client().get(url)
        assert response.status_code == 302 and reverse("login") in response["Location"]


# --- the requester's access is checked again when the worker runs ----------------------------------


def test_a_requester_disabled_before_the_worker_runs_gets_no_file(personas, cases):
    job = _ask(personas.hq)
    personas.hq.is_active = False
    personas.hq.save(update_fields=["is_active"])
    job = _run(job)
    assert job.state == ExportState.FAILED and "no longer active" in job.failure
    assert services.file_path(job) is None and not list(services.exports_dir().iterdir())
    assert not AuditEvent.objects.filter(action="disclose").exists()


def test_a_requester_who_lost_the_role_gets_no_file(personas, cases):
    job = _ask(personas.manager_a, "cases-unit")
    personas.manager_a.roles.clear()
    job = _run(job)
    assert job.state == ExportState.FAILED and "no longer have access" in job.failure


def test_the_rows_are_the_requesters_visibility_when_the_worker_runs(personas, cases):
    job = _ask(personas.manager_a, "cases-unit")
    moved = cases[0]
    moved.unit = personas.unit_b
    moved.save(update_fields=["unit"])
    rows = list(csv.reader(io.StringIO(_file(_run(job)).decode())))
    assert [row[1] for row in rows[1:]] == ["Operation =Ash"]  # the moved case is no longer the manager's


# --- failure ------------------------------------------------------------------------------------


def test_a_failing_task_marks_the_job_failed_and_leaves_no_file(personas, cases, monkeypatch, tmp_path):
    temporary = tmp_path / "tmp"
    temporary.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(temporary))
    read = streaming.cursor_blocks
    calls = []

    def broken(queryset, size=None):
        calls.append(queryset)
        if len(calls) == 1:
            yield from read(queryset, size)
            return
        raise DatabaseError("disk I/O error")
        yield  # pragma: no cover

    monkeypatch.setattr(streaming, "cursor_blocks", broken)
    job = _ask(personas.hq, fmt="xlsx")
    with pytest.raises(DatabaseError):
        _run(job)
    # The rows written so far leave nothing behind: no partial file, no temporary file.
    assert list(temporary.iterdir()) == []
    job.refresh_from_db()
    assert job.state == ExportState.FAILED and f"quoting export {job.pk}" in job.failure
    assert not list(services.exports_dir().iterdir())
    assert not AuditEvent.objects.filter(action="disclose").exists()
    response = _client(personas.hq).get(reverse("exports:download", args=[job.pk]))
    assert response.status_code == 302  # back to the job's page, which says what to do
    assert "The file was not made" in _client(personas.hq).get(reverse("exports:job", args=[job.pk])).content.decode()


def test_a_job_is_claimed_once(personas, cases):
    job = _run(_ask(personas.hq))
    again = _run(job)
    assert again.state == ExportState.DONE and AuditEvent.objects.filter(action="disclose").count() == 1


# --- expiry -------------------------------------------------------------------------------------


def test_housekeeping_removes_expired_files_and_stale_jobs(personas, cases, settings):
    job = _run(_ask(personas.hq))
    path = services.file_path(job)
    assert path is not None and path.exists()
    assert housekeeping_task.call()["export_files"] == 0  # not yet expired
    assert path.exists()
    later = job.expires_at + dt.timedelta(seconds=1)
    stale = _ask(personas.hq, fmt="xlsx")
    (services.exports_dir() / f"{stale.pk}-left-by-a-worker.xlsx.part").write_bytes(b"partial")
    assert services.remove_expired_files(now=later) == 2
    job.refresh_from_db()
    stale.refresh_from_db()
    assert job.state == ExportState.EXPIRED and not path.exists() and services.file_path(job) is None
    assert stale.state == ExportState.FAILED and "Ask for the export again" in stale.failure
    assert not list(services.exports_dir().iterdir())
    assert _client(personas.hq).get(reverse("exports:download", args=[job.pk])).status_code == 302


def test_a_file_past_its_expiry_is_not_served_before_housekeeping_runs(personas, cases):
    job = _run(_ask(personas.hq))
    ExportJob.objects.filter(pk=job.pk).update(expires_at=clock.now() - dt.timedelta(minutes=1))
    job.refresh_from_db()
    assert services.file_path(job) is None


def test_your_exports_is_in_the_cases_section_for_cps_staff(personas):
    assert "Your exports" in _client(personas.prosecutor_a).get(reverse("exports:list")).content.decode()
    assert "Your exports" not in _client(personas.police_x).get(reverse("cases:my")).content.decode()
