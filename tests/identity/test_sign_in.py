"""Sign-in (with throttling), sign-out, idle timeout, password change and the role-based home page."""

from __future__ import annotations

from unittest import mock

import pytest
import time_machine
from django.conf import settings as django_settings
from django.urls import reverse

from casework.audit.models import AuditEvent
from casework.identity.forms import LOCKED_OUT_MESSAGE
from casework.people.models import LoginFailure
from tests.factories import PASSWORD, Personas


def test_sign_in_page_renders_without_scripts_inline(client, db) -> None:
    response = client.get(reverse("login"))
    assert response.status_code == 200
    html = response.content.decode()
    assert "Sign in to Casework Assurance" in html
    assert "<script>" not in html and " style=" not in html
    assert 'type="module"' in html


def test_sign_in_success_clears_failures_and_audits(client, personas: Personas) -> None:
    LoginFailure.objects.create(username="prosecutor.a", client_address="127.0.0.1", occurred_at="2025-01-01T00:00Z")
    response = client.post(reverse("login"), {"username": "prosecutor.a", "password": PASSWORD})
    assert response.status_code == 302 and response["Location"] == reverse("home")
    assert not LoginFailure.objects.filter(username="prosecutor.a").exists()
    assert AuditEvent.objects.filter(action="login", actor=personas.prosecutor_a).exists()


def test_sign_in_failure_shows_error_and_records_it(client, personas: Personas) -> None:
    response = client.post(reverse("login"), {"username": "prosecutor.a", "password": "wrong"})
    assert response.status_code == 200
    assert "Enter a correct username and password" in response.content.decode()
    assert "govuk-error-summary" in response.content.decode()
    assert LoginFailure.objects.filter(username="prosecutor.a").count() == 1
    assert AuditEvent.objects.filter(action="login_failed", subject_label="prosecutor.a").exists()


def test_lockout_refuses_without_checking_the_password(client, personas: Personas) -> None:
    for _ in range(django_settings.LOGIN_FAILURE_LIMIT):
        client.post(reverse("login"), {"username": "prosecutor.a", "password": "wrong"})
    with mock.patch("django.contrib.auth.forms.authenticate") as authenticate:
        response = client.post(reverse("login"), {"username": "prosecutor.a", "password": PASSWORD})
    authenticate.assert_not_called()
    assert response.status_code == 200
    assert LOCKED_OUT_MESSAGE in response.content.decode()
    assert "_auth_user_id" not in client.session


def test_lockout_ends_after_the_window(client, personas: Personas) -> None:
    with time_machine.travel("2025-03-03 09:00Z", tick=False):
        for _ in range(django_settings.LOGIN_FAILURE_LIMIT):
            client.post(reverse("login"), {"username": "prosecutor.a", "password": "wrong"})
    with time_machine.travel("2025-03-03 09:16Z", tick=False):
        response = client.post(reverse("login"), {"username": "prosecutor.a", "password": PASSWORD})
    assert response.status_code == 302


def test_logout_is_post_only(client, personas: Personas) -> None:
    client.force_login(personas.prosecutor_a)
    assert client.get(reverse("logout")).status_code == 405
    assert "_auth_user_id" in client.session
    response = client.post(reverse("logout"))
    assert response.status_code == 302
    assert "_auth_user_id" not in client.session


def test_idle_session_is_signed_out(client, personas: Personas) -> None:
    with time_machine.travel("2025-03-03 09:00Z", tick=False):
        client.force_login(personas.prosecutor_a)
        assert client.get(reverse("cases:my")).status_code == 200
    later = 9 * 60 * 60 + django_settings.SESSION_IDLE_TIMEOUT_SECONDS + 60
    with time_machine.travel("2025-03-03 09:00Z", tick=False) as traveller:
        traveller.shift(later - 9 * 60 * 60)
        response = client.get(reverse("cases:my"))
    assert response.status_code == 302 and response["Location"].startswith("/login/")
    assert "_auth_user_id" not in client.session


def test_active_session_is_kept(client, personas: Personas) -> None:
    with time_machine.travel("2025-03-03 09:00Z", tick=False) as traveller:
        client.force_login(personas.prosecutor_a)
        client.get(reverse("cases:my"))
        traveller.shift(django_settings.SESSION_IDLE_TIMEOUT_SECONDS - 60)
        assert client.get(reverse("cases:my")).status_code == 200


def test_password_change_is_audited_without_the_value(client, personas: Personas) -> None:
    client.force_login(personas.prosecutor_a)
    new = "a-much-longer-new-passphrase-7"
    response = client.post(
        reverse("password_change"), {"old_password": PASSWORD, "new_password1": new, "new_password2": new}
    )
    assert response.status_code == 302
    personas.prosecutor_a.refresh_from_db()
    assert personas.prosecutor_a.check_password(new)
    event = AuditEvent.objects.filter(action="alter", subject_type="people.user").latest("seq")
    assert event.changes_dict == {"password": ["(changed)", "(changed)"]}
    assert new not in event.changes


def test_password_change_error_is_shown(client, personas: Personas) -> None:
    client.force_login(personas.prosecutor_a)
    response = client.post(
        reverse("password_change"), {"old_password": "nope", "new_password1": "x", "new_password2": "y"}
    )
    assert response.status_code == 200
    assert "govuk-error-message" in response.content.decode()


def test_password_change_needs_sign_in(client, db) -> None:
    assert client.get(reverse("password_change")).status_code == 302


@pytest.mark.parametrize(
    ("persona", "target"),
    [
        ("prosecutor_a", "/overview/"),
        ("paralegal_a", "/overview/"),
        ("manager_a", "/overview/"),
        ("unithead_a", "/overview/"),
        ("area_leader_a", "/overview/"),
        ("hq", "/overview/"),
        ("inspector", "/overview/"),
        ("admin", "/admin/"),
    ],
)
def test_home_redirects_by_role(client, personas: Personas, persona: str, target: str) -> None:
    client.force_login(getattr(personas, persona))
    response = client.get(reverse("home"))
    assert response.status_code == 302 and response["Location"] == target


def test_the_hq_policy_lead_lands_on_the_mou_template_not_a_no_role_page(client, db) -> None:
    from tests.factories import make_user

    client.force_login(make_user("policy.lead", "hq_policy"))
    response = client.get(reverse("home"), follow=True)
    assert response.redirect_chain[-1][0] == reverse("partners:templates")
    assert response.status_code == 200
    assert "has no role in this service" not in response.content.decode()


def test_police_home_has_no_case_data(client, personas: Personas, case_a) -> None:
    client.force_login(personas.police_x)
    response = client.get(reverse("home"))
    assert response.status_code == 302 and response["Location"] == reverse("workday:overview")
    html = client.get(response["Location"]).content.decode()
    assert "Police portal" in html and "Requests waiting for the CPS" in html
    assert case_a.urn not in html
    assert "My cases" not in html


def test_home_needs_sign_in(client, db) -> None:
    response = client.get(reverse("home"))
    assert response.status_code == 302 and response["Location"].startswith("/login/")


def test_navigation_reflects_role(client, personas: Personas) -> None:
    client.force_login(personas.manager_a)
    html = client.get(reverse("cases:my")).content.decode()
    assert 'href="/cases/my/"' in html and 'href="/cases/unit/"' in html and "Access reviews" in html
    assert 'href="/cases/all/"' not in html
    assert "Sign out" in html and 'action="/logout/"' in html
