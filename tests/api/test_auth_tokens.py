"""Tokens: issued for a password, stored hashed, expire, can be revoked; lockout as on the web."""

from __future__ import annotations

import hashlib
from datetime import timedelta

import pytest
import time_machine
from django.conf import settings

from casework.api import services as api_services
from casework.api.models import ApiToken
from casework.audit.models import AuditEvent
from casework.core import clock
from casework.people.models import LoginFailure
from tests.api.conftest import ApiClient, HttpsClient
from tests.factories import PASSWORD


def issue(username: str, password: str = PASSWORD, **extra):
    return HttpsClient().post(
        "/api/v1/auth/token", {"username": username, "password": password, **extra}, content_type="application/json"
    )


def test_token_is_issued_for_a_correct_password_and_works(personas):
    response = issue("prosecutor.a", name="case sync")
    assert response.status_code == 201
    body = response.json()
    assert set(body) == {"token", "expires_at"}
    me = ApiClient(body["token"]).get("/auth/me")
    assert me.status_code == 200
    assert me.json()["username"] == "prosecutor.a"
    assert me.json()["authenticated_by"] == "token"


def test_token_is_stored_only_as_a_hash(personas):
    token = issue("manager.a").json()["token"]
    record = ApiToken.objects.get(user=personas.manager_a)
    assert record.key_hash == hashlib.sha256(token.encode()).hexdigest()
    assert record.key_prefix == token[:8]
    for value in (record.key_hash, record.key_prefix, record.name):
        assert token not in value
    assert not ApiToken.objects.filter(key_hash=token).exists()


def test_token_issue_is_audited_without_the_secret(personas):
    token = issue("manager.a").json()["token"]
    record = ApiToken.objects.get(user=personas.manager_a)
    event = AuditEvent.objects.get(action="permission_change", subject_type="api.apitoken", subject_id=str(record.pk))
    assert event.actor_id == personas.manager_a.pk
    assert token not in event.changes and token not in event.subject_label and token not in event.justification


def test_token_expires_after_the_configured_lifetime(personas):
    token = issue("prosecutor.a").json()["token"]
    record = ApiToken.objects.get(user=personas.prosecutor_a)
    assert record.expires_at - record.created_at == timedelta(days=settings.API_TOKEN_LIFETIME_DAYS)
    with time_machine.travel(record.expires_at + timedelta(seconds=1)):
        assert ApiClient(token).get("/auth/me").status_code == 401
    with time_machine.travel(record.expires_at - timedelta(seconds=1)):
        assert ApiClient(token).get("/auth/me").status_code == 200


def test_revoked_token_stops_working_and_revocation_is_audited(personas):
    token = issue("prosecutor.a").json()["token"]
    client = ApiClient(token)
    response = client.post("/auth/revoke")
    assert response.status_code == 200
    assert response.json() == {"revoked": True}
    assert client.get("/auth/me").status_code == 401
    record = ApiToken.objects.get(user=personas.prosecutor_a)
    assert record.revoked_at is not None
    assert AuditEvent.objects.filter(
        action="permission_change", subject_id=str(record.pk), changes__contains="revoked"
    ).exists()


def test_token_of_a_deactivated_user_stops_working(personas):
    token = issue("prosecutor.a").json()["token"]
    personas.prosecutor_a.is_active = False
    personas.prosecutor_a.save(update_fields=["is_active"])
    assert ApiClient(token).get("/auth/me").status_code == 401


@pytest.mark.parametrize("header", ["", "Bearer", "Bearer nonsense-token", "Basic abc", "Bearer " + "x" * 5000])
def test_missing_or_bad_credentials_are_401(personas, header):
    headers = {"Authorization": header} if header else {}
    response = HttpsClient().get("/api/v1/cases", headers=headers)
    assert response.status_code == 401
    assert response["WWW-Authenticate"].startswith("Bearer")
    assert "detail" in response.json()


def test_a_token_with_a_right_prefix_but_wrong_rest_is_refused(personas):
    token = issue("prosecutor.a").json()["token"]
    forged = token[:8] + ("A" if token[8] != "A" else "B") + token[9:]
    assert ApiClient(forged).get("/auth/me").status_code == 401


def test_wrong_password_is_401_and_recorded_as_a_failed_login(personas):
    response = issue("prosecutor.a", password="wrong password")
    assert response.status_code == 401
    assert response.json()["detail"] == "The username or password is not correct."
    assert LoginFailure.objects.filter(username="prosecutor.a").count() == 1
    assert AuditEvent.objects.filter(action="login_failed", subject_label="prosecutor.a").exists()
    assert not ApiToken.objects.exists()


def test_unknown_user_gets_the_same_answer_as_a_wrong_password(personas):
    unknown = issue("nobody.here", password="wrong password")
    wrong = issue("prosecutor.a", password="wrong password")
    assert unknown.status_code == wrong.status_code == 401
    assert unknown.content == wrong.content


def test_repeated_failures_lock_token_issue_even_with_the_right_password(personas):
    for _ in range(settings.LOGIN_FAILURE_LIMIT):
        assert issue("prosecutor.a", password="wrong password").status_code == 401
    response = issue("prosecutor.a")
    assert response.status_code == 429
    assert "Too many failed sign-in attempts" in response.json()["detail"]
    assert not ApiToken.objects.exists()


def test_lockout_ends_after_the_window(personas):
    for _ in range(settings.LOGIN_FAILURE_LIMIT):
        issue("prosecutor.a", password="wrong password")
    later = clock.now() + timedelta(seconds=settings.LOGIN_FAILURE_WINDOW_SECONDS + 1)
    with time_machine.travel(later):
        assert issue("prosecutor.a").status_code == 201


def test_inactive_user_cannot_get_a_token(personas):
    personas.paralegal_a.is_active = False
    personas.paralegal_a.save(update_fields=["is_active"])
    assert issue("paralegal.a").status_code == 401


def test_administrators_get_tokens_but_see_no_cases(personas, case_a, case_b):
    # A password alone is not enough for an administrator (a second factor is required), so the
    # token comes from the signed-in API tokens page, i.e. the service.
    refused = issue(personas.admin.username)
    assert refused.status_code == 403 and "security code" in refused.json()["detail"]
    client = ApiClient(api_services.api_token_issue(actor=personas.admin, name="admin script").token)
    assert client.get("/cases").json() == {"items": [], "next_cursor": None}
    assert client.get(f"/cases/{case_a.pk}").status_code == 404


def test_a_police_token_reaches_the_partner_api_and_nothing_else(personas, case_a, case_b):
    # The same rule as the police browser session: outside the partner API every path is a 404,
    # so a force's token cannot even learn which other endpoints exist.
    response = issue(personas.police_x.username)
    assert response.status_code == 201
    client = ApiClient(response.json()["token"])
    for path in ("/cases", f"/cases/{case_a.pk}", "/tasks", "/quality/assessments", "/oversight"):
        assert client.get(path).status_code == 404, path
    assert client.get("/partners/referrals").status_code == 200
    assert client.get("/auth/me").status_code == 200


def test_revoke_needs_a_token(personas):
    client = HttpsClient()
    client.force_login(personas.prosecutor_a)
    response = client.post("/api/v1/auth/revoke", content_type="application/json")
    assert response.status_code == 400
    assert "not made with a token" in response.json()["detail"]


def test_me_reports_roles_and_unit(personas):
    client = HttpsClient()
    client.force_login(personas.manager_a)
    body = client.get("/api/v1/auth/me").json()
    assert body["roles"] == ["legal_manager"]
    assert body["unit"]["id"] == personas.unit_a.pk
    assert body["authenticated_by"] == "session"
    assert body["token_expires_at"] is None


def test_token_list_reads_the_same_statements_however_many_tokens(api_as, personas) -> None:
    """Each token reports whether its person is active: read with the tokens, not once per token."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client = api_as("hq")
    client.get("/auth/tokens")  # the token's first use is recorded once

    def statements() -> int:
        with CaptureQueriesContext(connection) as captured:
            assert client.get("/auth/tokens").status_code == 200
        return len(captured.captured_queries)

    one = statements()
    for index in range(3):
        api_services.api_token_issue(actor=personas.hq, name=f"extra {index}")
    assert statements() == one
