"""Bulk entry of recorded time from a timesheet CSV: every row checked first, nothing written on any
error, idempotent on (person, case, activity, week), changed hours audited as alterations."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse

from casework.audit.models import AuditEvent
from casework.core.errors import NotFound, PermissionDenied, ValidationFailed
from casework.resourcing import services, timesheets
from casework.resourcing.models import TimeEntry
from tests.factories import PASSWORD, make_case

HEADER = "username,case_urn,activity,week_starting,hours\n"


def _client(user) -> Client:
    client = Client()
    assert client.login(username=user.username, password=PASSWORD)
    return client


@pytest.fixture
def recorded_case(personas, case_a):
    services.rem_record_save(actor=personas.manager_a, case=case_a, expected_version=None, victims=1)
    return case_a


def _csv(*lines: str) -> bytes:
    return (HEADER + "".join(f"{line}\n" for line in lines)).encode()


def _audits() -> int:
    return AuditEvent.objects.filter(subject_type="resourcing.timeentry").count()


def test_import_creates_then_is_idempotent_then_alters(personas, recorded_case) -> None:
    urn = recorded_case.urn
    content = _csv(
        f"prosecutor.a,{urn},review,2026-05-11,6",
        f"prosecutor.a,{urn},Disclosure,2026-05-13,2.5",  # a Wednesday: recorded against Monday 11 May
        f"paralegal.a,{urn},admin,2026-05-04,1",
    )
    first = timesheets.timesheet_import(actor=personas.manager_a, unit=personas.unit_a, content=content)
    assert (first.created, first.updated, first.unchanged) == (3, 0, 0)
    assert TimeEntry.objects.count() == 3 and _audits() == 3
    disclosure = TimeEntry.objects.get(activity="disclosure")
    assert str(disclosure.week_starting) == "2026-05-11" and disclosure.person == personas.prosecutor_a

    again = timesheets.timesheet_import(actor=personas.manager_a, unit=personas.unit_a, content=content)
    assert (again.created, again.updated, again.unchanged) == (0, 0, 3)
    assert TimeEntry.objects.count() == 3 and _audits() == 3

    changed = _csv(f"prosecutor.a,{urn},review,2026-05-11,7.25")
    result = timesheets.timesheet_import(actor=personas.unithead_a, unit=personas.unit_a, content=changed)
    assert (result.created, result.updated, result.unchanged) == (0, 1, 0)
    assert TimeEntry.objects.get(activity="review").hours == Decimal("7.25")
    alteration = AuditEvent.objects.get(subject_type="resourcing.timeentry", action="alter")
    assert alteration.changes_dict["hours"] == ["6.00", "7.25"]


def test_any_bad_row_writes_nothing_and_every_problem_is_reported(personas, recorded_case, case_b) -> None:
    urn = recorded_case.urn
    content = _csv(
        f"prosecutor.a,{urn},review,2026-05-11,6",  # fine, but not written
        f"nobody,{urn},review,2026-05-11,6",
        f"prosecutor.b,{urn},review,2026-05-11,6",  # another unit's person
        f"prosecutor.a,{case_b.urn},review,2026-05-11,6",  # another unit's case
        f"prosecutor.a,{urn},gardening,11/05/2026,81",
        f"prosecutor.a,{urn},review,2026-05-12,3",  # the same week as line 2
        f"prosecutor.a,{urn},review",
    )
    with pytest.raises(ValidationFailed) as caught:
        timesheets.timesheet_import(actor=personas.manager_a, unit=personas.unit_a, content=content)
    problems = caught.value.field_errors["file"]
    assert [p.split(":")[0] for p in problems] == ["Line 3", "Line 4", "Line 5", "Line 6", "Line 7", "Line 8"]
    assert "no active person 'nobody'" in problems[0]
    assert "no case" in problems[2]
    assert "unknown activity" in problems[3] and "not a date" in problems[3] and "between 0 and 80" in problems[3]
    assert "repeats line 2" in problems[4]
    assert "expected 5 columns" in problems[5]
    assert TimeEntry.objects.count() == 0 and _audits() == 0


def test_file_level_problems(personas, recorded_case) -> None:
    for content in (b"", b"user,urn\nx,y\n", HEADER.encode(), b"\xff\xfe\x00", b"x" * (timesheets.MAX_BYTES + 1)):
        with pytest.raises(ValidationFailed):
            timesheets.timesheet_import(actor=personas.manager_a, unit=personas.unit_a, content=content)
    other = make_case(actor=personas.manager_a, unit=personas.unit_a)
    with pytest.raises(ValidationFailed, match="problem") as caught:
        timesheets.timesheet_import(
            actor=personas.manager_a,
            unit=personas.unit_a,
            content=_csv(f"prosecutor.a,{other.urn},review,2026-05-11,1"),
        )
    assert "has no REM record yet" in caught.value.field_errors["file"][0]
    crlf = _csv(f"prosecutor.a,{recorded_case.urn},review,2026-05-11,1").replace(b"\n", b"\r\n")
    assert timesheets.timesheet_import(actor=personas.manager_a, unit=personas.unit_a, content=crlf).created == 1


def test_service_denials(personas, recorded_case) -> None:
    content = _csv(f"prosecutor.a,{recorded_case.urn},review,2026-05-11,6")
    for persona in ("area_leader_a", "hq", "inspector"):
        with pytest.raises(PermissionDenied):
            timesheets.timesheet_import(actor=getattr(personas, persona), unit=personas.unit_a, content=content)
    for persona in ("prosecutor_a", "paralegal_a", "prosecutor_b", "police_x", "admin"):
        with pytest.raises(NotFound):
            timesheets.timesheet_import(actor=getattr(personas, persona), unit=personas.unit_a, content=content)
    with pytest.raises(NotFound):
        timesheets.timesheet_import(actor=personas.manager_a, unit=personas.unit_b, content=content)
    assert TimeEntry.objects.count() == 0


def test_upload_page_reports_problems_and_results(personas, recorded_case) -> None:
    client = _client(personas.manager_a)
    url = reverse("resourcing:timesheet", args=[personas.unit_a.pk])
    unit_page = client.get(reverse("resourcing:unit", args=[personas.unit_a.pk])).content.decode()
    assert url in unit_page and 'enctype="multipart/form-data"' in unit_page
    bad = SimpleUploadedFile("t.csv", _csv(f"nobody,{recorded_case.urn},review,2026-05-11,6"), "text/csv")
    page = client.post(url, {"file": bad}).content.decode()
    assert "Problems found: nothing was recorded" in page and "no active person" in page
    good = SimpleUploadedFile("t.csv", _csv(f"prosecutor.a,{recorded_case.urn},review,2026-05-11,6"), "text/csv")
    page = client.post(url, {"file": good}).content.decode()
    assert "Timesheet recorded" in page and "1 new" in page
    assert TimeEntry.objects.count() == 1


@pytest.mark.parametrize("persona", ["area_leader_a", "hq", "inspector"])
def test_readers_of_the_unit_get_403(personas, recorded_case, persona) -> None:
    client = _client(getattr(personas, persona))
    url = reverse("resourcing:timesheet", args=[personas.unit_a.pk])
    assert client.get(url).status_code == 403
    upload = SimpleUploadedFile("t.csv", _csv(f"prosecutor.a,{recorded_case.urn},review,2026-05-11,6"))
    assert client.post(url, {"file": upload}).status_code == 403
    assert (
        "Check and record timesheet"
        not in client.get(reverse("resourcing:unit", args=[personas.unit_a.pk])).content.decode()
    )


@pytest.mark.parametrize("persona", ["prosecutor_a", "paralegal_a", "prosecutor_b", "police_x", "police_y", "admin"])
def test_others_get_404(personas, recorded_case, persona) -> None:
    client = _client(getattr(personas, persona))
    url = reverse("resourcing:timesheet", args=[personas.unit_a.pk])
    assert client.get(url).status_code == 404
    upload = SimpleUploadedFile("t.csv", _csv(f"prosecutor.a,{recorded_case.urn},review,2026-05-11,6"))
    assert client.post(url, {"file": upload}).status_code == 404
    assert TimeEntry.objects.count() == 0


def test_manager_a_cannot_reach_unit_b(personas) -> None:
    assert (
        _client(personas.manager_a).get(reverse("resourcing:timesheet", args=[personas.unit_b.pk])).status_code == 404
    )
