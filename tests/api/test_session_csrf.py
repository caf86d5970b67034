"""The browser may use its session, but a write must carry the CSRF token like a form does."""

from __future__ import annotations

from django.middleware.csrf import _get_new_csrf_string

from tests.api.conftest import HttpsClient


def test_session_reads_work_without_csrf(personas, case_a):
    client = HttpsClient(enforce_csrf_checks=True)
    client.force_login(personas.manager_a)
    assert client.get(f"/api/v1/cases/{case_a.pk}").status_code == 200


def test_session_write_without_csrf_token_is_refused(personas, case_a):
    client = HttpsClient(enforce_csrf_checks=True)
    client.force_login(personas.manager_a)
    response = client.patch(
        f"/api/v1/cases/{case_a.pk}", {"version": case_a.version, "summary": "x"}, content_type="application/json"
    )
    assert response.status_code == 403
    assert "CSRF" in response.json()["detail"]
    case_a.refresh_from_db()
    assert case_a.summary == ""


def test_session_write_with_csrf_token_is_accepted(personas, case_a):
    client = HttpsClient(enforce_csrf_checks=True)
    client.force_login(personas.manager_a)
    # What a page does: read the token Django put in the csrftoken cookie and send it back.
    secret = _get_new_csrf_string()
    client.cookies["csrftoken"] = secret
    response = client.patch(
        f"/api/v1/cases/{case_a.pk}",
        {"version": case_a.version, "summary": "Updated from the browser"},
        content_type="application/json",
        headers={"X-CSRFToken": secret, "Origin": "https://testserver"},
    )
    assert response.status_code == 200, response.content
    case_a.refresh_from_db()
    assert case_a.summary == "Updated from the browser"


def test_token_client_without_cookies_needs_no_csrf(personas, case_a, api_as):
    response = api_as("manager_a").patch(f"/cases/{case_a.pk}", {"version": case_a.version, "summary": "By token"})
    assert response.status_code == 200
