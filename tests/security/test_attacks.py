"""CSRF, mass assignment, stored XSS, CSP, formula injection in exports, oversized and malformed
requests. Every answer must be a refusal or a clean error: never a 500, never a change."""

from __future__ import annotations

import csv
import io

import pytest
from django.test import Client
from django.urls import reverse

from casework.cases import services as case_services
from casework.cases.forms import CaseEditForm
from casework.cases.models import Case
from casework.core.forms import sign_loaded_values
from tests.api.conftest import HttpsClient
from tests.factories import export_post, make_case

XSS = "<script>alert(1)</script>"
FORMULA = '=HYPERLINK("http://evil.example","x")'


def _edit_data(case: Case, **changes) -> dict:
    data = {
        "operation_name": case.operation_name,
        "summary": case.summary,
        "allocated_lawyer": case.allocated_lawyer_id or "",
        "legal_manager": case.legal_manager_id or "",
        "version": case.version,
        "loaded": sign_loaded_values(case, CaseEditForm(unit=case.unit).record_attnames()),
    }
    data.update(changes)
    return data


# --- CSRF ---------------------------------------------------------------------------------


def test_session_form_post_without_csrf_token_is_refused(personas, case_a):
    client = Client(enforce_csrf_checks=True)
    client.force_login(personas.manager_a)
    response = client.post(reverse("cases:edit", args=[case_a.pk]), _edit_data(case_a, operation_name="Forged"))
    assert response.status_code == 403
    case_a.refresh_from_db()
    assert case_a.operation_name == "Operation Larch"


def test_session_api_write_without_csrf_token_is_refused(personas, case_a):
    client = HttpsClient(enforce_csrf_checks=True)
    client.force_login(personas.manager_a)
    response = client.post(
        f"/api/v1/cases/{case_a.pk}/hearings",
        {"hearing_type": "ptph", "starts_at": "2026-03-02T10:00:00+00:00", "court": "Forged"},
        content_type="application/json",
    )
    assert response.status_code == 403
    assert not case_a.hearings.exists()


# --- mass assignment -------------------------------------------------------------------------


def test_edit_form_ignores_protected_fields(client, personas, case_a):
    client.force_login(personas.manager_a)
    data = _edit_data(
        case_a,
        operation_name="Operation Oak",
        unit=personas.unit_b.pk,
        unit_id=personas.unit_b.pk,
        urn="HACKED000001",
        stage="finalised",
        created_at="2000-01-01T00:00:00Z",
        accepted_by=personas.prosecutor_b.pk,
    )
    assert client.post(reverse("cases:edit", args=[case_a.pk]), data).status_code == 302
    case_a.refresh_from_db()
    assert case_a.operation_name == "Operation Oak"  # the legitimate change went through...
    assert case_a.unit == personas.unit_a and case_a.urn != "HACKED000001"  # ...and nothing else
    assert case_a.stage == "pre_charge" and case_a.accepted_by_id is None and case_a.version == 2


def test_edit_form_with_a_forged_version_is_a_conflict_not_an_overwrite(client, personas, case_a):
    client.force_login(personas.manager_a)
    case_services.case_update(actor=personas.prosecutor_a, case=case_a, expected_version=1, summary="Theirs")
    stale = Case.objects.get(pk=case_a.pk)
    stale.version = 1
    response = client.post(reverse("cases:edit", args=[case_a.pk]), _edit_data(stale, summary="Mine", version=1))
    assert response.status_code in {200, 409}  # the form again, showing the conflict
    assert "changed this case" in response.content.decode() or "Someone else" in response.content.decode()
    case_a.refresh_from_db()
    assert case_a.summary == "Theirs"


@pytest.mark.parametrize(
    "field,value",
    [
        ("unit_id", 2),
        ("stage", "finalised"),
        ("urn", "HACKED000001"),
        ("created_at", "2000-01-01T00:00:00Z"),
        ("id", 1),
    ],
)
def test_api_patch_refuses_protected_fields(personas, case_a, field, value):
    client = HttpsClient()
    client.force_login(personas.manager_a)
    response = client.patch(
        f"/api/v1/cases/{case_a.pk}", {"version": case_a.version, field: value}, content_type="application/json"
    )
    assert response.status_code == 422
    refreshed = Case.objects.get(pk=case_a.pk)
    assert (refreshed.unit_id, refreshed.stage, refreshed.urn, refreshed.version) == (
        case_a.unit_id,
        case_a.stage,
        case_a.urn,
        case_a.version,
    )


def test_api_create_cannot_place_a_case_in_another_unit(personas):
    client = HttpsClient()
    client.force_login(personas.manager_a)
    response = client.post(
        "/api/v1/cases", {"urn": "42XX1234567", "unit_id": personas.unit_b.pk}, content_type="application/json"
    )
    assert response.status_code in {403, 404, 422}
    assert not Case.objects.filter(urn="42XX1234567").exists()


# --- stored XSS and formula injection ------------------------------------------------------


@pytest.fixture
def hostile_case(personas):
    case = make_case(
        actor=personas.manager_a,
        operation_name=XSS,
        summary=f"{XSS} {FORMULA}",
        allocated_lawyer_id=personas.prosecutor_a.pk,
    )
    case_services.hearing_add(
        actor=personas.manager_a,
        case=case,
        hearing_type="ptph",
        starts_at="2026-03-02T10:00:00+00:00",
        court="Court",
        outcome=XSS,
    )
    case_services.review_add(actor=personas.manager_a, case=case, kind="manager", reviewed_on="2026-01-05", note=XSS)
    return case


@pytest.mark.parametrize(
    "persona,url_name,with_case",
    [
        ("manager_a", "cases:detail", True),
        ("manager_a", "cases:edit", True),
        ("manager_a", "cases:my", False),
        ("manager_a", "cases:unit", False),
        ("hq", "cases:all", False),
        ("manager_a", "progression:board", False),
        ("manager_a", "assurance:dashboard", False),
        ("inspector", "audit:search", False),
    ],
)
def test_stored_script_is_escaped(client, personas, hostile_case, persona, url_name, with_case):
    client.force_login(getattr(personas, persona))
    url = reverse(url_name, args=[hostile_case.pk] if with_case else [])
    response = client.get(url)
    assert response.status_code == 200
    body = response.content.decode()
    assert XSS not in body
    assert "script-src 'self'" in response["Content-Security-Policy"]
    assert "'unsafe-inline'" not in response["Content-Security-Policy"].split("script-src")[1].split(";")[0]


def test_case_page_shows_the_payload_as_text(client, personas, hostile_case):
    client.force_login(personas.manager_a)
    body = client.get(reverse("cases:detail", args=[hostile_case.pk])).content.decode()
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in body


def test_api_returns_the_payload_as_json_data_not_html(personas, hostile_case):
    client = HttpsClient()
    client.force_login(personas.manager_a)
    response = client.get(f"/api/v1/cases/{hostile_case.pk}")
    assert response["Content-Type"].startswith("application/json")
    assert response.json()["operation_name"] == XSS


def test_csv_export_neutralises_formulas(client, personas, hostile_case):
    make_case(actor=personas.manager_a, operation_name=FORMULA)
    client.force_login(personas.manager_a)
    response = export_post(client, reverse("cases:unit_export"))
    assert response.status_code == 200
    content = b"".join(response.streaming_content) if response.streaming else response.content
    rows = list(csv.reader(io.StringIO(content.decode("utf-8-sig"))))
    cells = [cell for row in rows for cell in row]
    assert any(FORMULA in cell for cell in cells)
    assert not [cell for cell in cells if cell[:1] in {"=", "+", "@"}], "a cell a spreadsheet would run"


# --- headers ---------------------------------------------------------------------------------


@pytest.mark.parametrize("persona,url_name", [("manager_a", "home"), ("admin", "imports:home"), ("hq", "cases:all")])
def test_pages_carry_a_strict_csp(client, personas, persona, url_name):
    client.force_login(getattr(personas, persona))
    response = client.get(reverse(url_name))
    policy = response["Content-Security-Policy"]
    assert "default-src 'self'" in policy and "frame-ancestors 'none'" in policy and "unsafe-inline" not in policy
    assert response["X-Frame-Options"] == "DENY" and response["X-Content-Type-Options"] == "nosniff"


def test_sign_in_page_has_csp_signed_out(client):
    assert "default-src 'self'" in client.get(reverse("login"))["Content-Security-Policy"]


# --- oversized and malformed requests --------------------------------------------------------

ELEVEN_MB = 11 * 1024 * 1024


def test_oversized_form_post_is_400(personas, case_a):
    client = Client(raise_request_exception=False)
    client.force_login(personas.manager_a)
    response = client.post(
        reverse("cases:edit", args=[case_a.pk]),
        "operation_name=" + "x" * ELEVEN_MB,
        content_type="application/x-www-form-urlencoded",
    )
    assert response.status_code in {400, 413}
    case_a.refresh_from_db()
    assert case_a.version == 1


def test_oversized_api_body_is_refused(personas, case_a):
    client = HttpsClient(raise_request_exception=False)
    client.force_login(personas.manager_a)
    body = '{"version": 1, "summary": "' + "x" * ELEVEN_MB + '"}'
    response = client.patch(f"/api/v1/cases/{case_a.pk}", body, content_type="application/json")
    assert response.status_code in {400, 413, 422}
    case_a.refresh_from_db()
    assert case_a.version == 1


def test_too_many_fields_is_400(personas, case_a):
    client = Client(raise_request_exception=False)
    client.force_login(personas.manager_a)
    body = "&".join(f"f{n}=1" for n in range(5000))
    response = client.post(
        reverse("cases:edit", args=[case_a.pk]), body, content_type="application/x-www-form-urlencoded"
    )
    assert response.status_code == 400


@pytest.mark.parametrize(
    "body,content_type",
    [
        ("{not json", "application/json"),
        ('{"version": "one"}', "application/json"),
        ('{"version": 99999999999999999999999999}', "application/json"),
        ("[]", "application/json"),
        ('{"version": 1, "summary": "\\ud800"}', "application/json"),
        ("version=1", "application/x-www-form-urlencoded"),
        ("\x00\x01\x02", "application/octet-stream"),
    ],
)
def test_malformed_api_bodies_are_clean_errors(personas, case_a, body, content_type):
    client = HttpsClient(raise_request_exception=False)
    client.force_login(personas.manager_a)
    response = client.patch(f"/api/v1/cases/{case_a.pk}", body, content_type=content_type)
    assert 400 <= response.status_code < 500, response.content[:300]


def test_malformed_multipart_is_400(personas):
    client = Client(raise_request_exception=False)
    client.force_login(personas.admin)
    response = client.post(
        reverse("imports:home"),
        b'--broken\r\nContent-Disposition: form-data; name="files"\r\n\r\n',
        content_type="multipart/form-data; boundary=nothing-like-it",
    )
    assert 400 <= response.status_code < 500


@pytest.mark.parametrize(
    "path", ["/cases/99999999999999999999999/", "/api/v1/cases/99999999999999999999999", "/cases/%00/"]
)
def test_absurd_ids_are_404_not_500(client, personas, path):
    client.force_login(personas.manager_a)
    client.raise_request_exception = False
    assert client.get(path, secure=path.startswith("/api")).status_code in {404, 422}
