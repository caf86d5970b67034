from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from casework.audit.models import AuditEvent
from casework.cases.models import Case
from casework.imports.models import ImportRun
from casework.imports.tasks import import_execute_task
from tests.imports.conftest import CASE_HEADINGS, case_rows, csv_bytes, standard_files

NOT_ADMINS = [
    "prosecutor_a",
    "paralegal_a",
    "manager_a",
    "unithead_a",
    "prosecutor_b",
    "area_leader_a",
    "hq",
    "inspector",
    "police_x",
    "police_y",
]


def upload(client, files, **extra):
    data = {
        "upload": [SimpleUploadedFile(name, content) for name, content in files],
        "unit": "ccu-wessex",
        "kind": "cases",
        **extra,
    }
    return client.post(reverse("imports:home"), data)


def test_admin_checks_then_imports_in_the_background(client, personas):
    client.force_login(personas.admin)
    assert client.get(reverse("imports:home")).status_code == 200
    response = upload(client, standard_files(2))
    run = ImportRun.objects.get()
    assert response.status_code == 302 and response["Location"] == reverse("imports:run", args=[run.pk])
    page = client.get(response["Location"])
    assert page.status_code == 200 and b"Start import" in page.content and not Case.objects.exists()
    client.post(reverse("imports:start", args=[run.pk]))
    import_execute_task.call(run.pk)
    assert b"Completed" in client.get(response["Location"]).content
    assert Case.objects.filter(urn__startswith="42IM").count() == 2
    assert AuditEvent.objects.filter(action="collect", actor_id=personas.admin.pk).count() == 8


def test_admin_sees_row_problems_escaped(client, personas):
    client.force_login(personas.admin)
    rows = case_rows(1)
    rows[0][0] = "<script>alert(1)</script>"
    response = upload(client, [("cases.csv", csv_bytes(CASE_HEADINGS, rows))])
    page = client.get(response["Location"])
    assert b"&lt;script&gt;alert(1)&lt;/script&gt;" in page.content and b"<script>alert(1)" not in page.content
    assert not Case.objects.exists()


def test_bad_file_is_a_form_error(client, personas):
    client.force_login(personas.admin)
    response = upload(client, [("cases.csv", "URN\n42IMé\n".encode("latin-1"))])
    assert response.status_code == 400 and b"not UTF-8" in response.content
    assert not ImportRun.objects.exists()


def test_csrf_is_enforced(personas):
    from django.test import Client

    client = Client(enforce_csrf_checks=True)
    client.force_login(personas.admin)
    assert upload(client, standard_files(1)).status_code == 403
    assert not Case.objects.exists()


@pytest.mark.parametrize("persona", NOT_ADMINS)
def test_import_pages_are_404_for_everyone_else(client, personas, persona):
    run = ImportRun.objects.create(
        file_name="x.csv",
        file_digest="0" * 64,
        mapping_name="default",
        unit=personas.unit_a,
        status="completed",
        started_at="2026-01-01T00:00:00Z",
    )
    client.force_login(getattr(personas, persona))
    assert client.get(reverse("imports:home")).status_code == 404
    assert client.get(reverse("imports:run", args=[run.pk])).status_code == 404
    assert upload(client, standard_files(1)).status_code == 404
    assert not Case.objects.filter(urn__startswith="42IM").exists()


def test_anonymous_is_sent_to_sign_in(client):
    assert client.get(reverse("imports:home")).status_code == 302
