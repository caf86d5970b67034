"""Invitations and password resets by e-mail: one-time, expiring links; all audited."""

from __future__ import annotations

import datetime as dt

import time_machine
from django.conf import settings

from casework.api import services as api_services
from casework.audit.models import AuditEvent
from casework.identity import services
from casework.identity.models import AccountLink, ExternalIdentity
from casework.notifications.models import OutboundEmail
from casework.people.models import User
from tests.factories import make_user
from tests.identity.conftest import link_in

NEW_PASSWORD = "a-new-and-long-passphrase-42"


def invite(admin, person):
    client_admin = services.invitation_send(actor=admin, user_id=person.pk)
    return client_admin


def test_invitation_email_link_sets_the_password_once(client, addressed):
    newcomer = make_user("new.starter", "prosecutor", unit=addressed.unit_a, email="new.starter@example.test")
    newcomer.set_unusable_password()
    newcomer.save()
    invite(addressed.admin, newcomer)
    email = OutboundEmail.objects.get(kind="invitation")
    assert email.to_email == "new.starter@example.test" and email.personalisation["username"] == "new.starter"
    path = link_in("invitation", "new.starter@example.test")
    page = client.get(path)
    assert page.status_code == 200 and "Create your password" in page.content.decode()
    response = client.post(path, {"new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD})
    assert response.status_code == 302 and response["Location"] == "/login/"
    assert User.objects.get(pk=newcomer.pk).check_password(NEW_PASSWORD)
    assert client.get(path).status_code == 404  # used once
    events = AuditEvent.objects.filter(action="permission_change", subject_id=str(newcomer.pk)).order_by("seq")
    assert [set(e.changes_dict) for e in events][-2:] == [{"invitation"}, {"password", "invitation"}]
    assert NEW_PASSWORD not in str([e.changes for e in events])


def test_an_invitation_expires(client, addressed):
    with time_machine.travel(dt.datetime(2026, 5, 1, 9, tzinfo=dt.UTC), tick=False):
        invite(addressed.admin, addressed.prosecutor_a)
    path = link_in("invitation", "prosecutor.a@example.test")
    hours = settings.INVITATION_LIFETIME_HOURS
    with time_machine.travel(
        dt.datetime(2026, 5, 1, 9, tzinfo=dt.UTC) + dt.timedelta(hours=hours, minutes=1), tick=False
    ):
        response = client.get(path)
    assert response.status_code == 404 and "expired or has already been used" in response.content.decode()


def test_a_new_invitation_cancels_the_old_link(client, addressed):
    invite(addressed.admin, addressed.prosecutor_a)
    old = link_in("invitation", "prosecutor.a@example.test")
    invite(addressed.admin, addressed.prosecutor_a)
    assert client.get(old).status_code == 404
    assert client.get(link_in("invitation", "prosecutor.a@example.test")).status_code == 200


def test_only_administrators_invite_and_only_people_with_an_address(addressed, personas):
    import pytest

    from casework.core.errors import PermissionDenied, ValidationFailed

    with pytest.raises(PermissionDenied):
        services.invitation_send(actor=addressed.manager_a, user_id=addressed.prosecutor_a.pk)
    nameless = make_user("no.mail", "prosecutor", unit=addressed.unit_a)
    with pytest.raises(ValidationFailed, match="no e-mail address"):
        services.invitation_send(actor=addressed.admin, user_id=nameless.pk)


def test_password_reset_by_email(client, addressed):
    response = client.post("/password-reset/", {"email": "Prosecutor.A@example.test"})
    assert response.status_code == 200 and "Check your email" in response.content.decode()
    path = link_in("password_reset", "prosecutor.a@example.test")
    client.post(path, {"new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD})
    assert client.post("/login/", {"username": "prosecutor.a", "password": NEW_PASSWORD}).status_code == 302
    assert client.get(path).status_code == 404


def test_reset_says_the_same_for_an_unknown_address_and_sends_nothing(client, addressed):
    response = client.post("/password-reset/", {"email": "stranger@example.test"})
    assert response.status_code == 200 and "Check your email" in response.content.decode()
    assert not OutboundEmail.objects.exists()


def test_reset_form_errors_follow_the_pattern(client, db):
    response = client.post("/password-reset/", {"email": "not an address"})
    html = response.content.decode()
    assert "Error: Reset your password" in html and "Enter an email address in the correct format" in html


def test_reset_is_not_offered_to_organisation_accounts_and_is_rate_limited(addressed):
    ExternalIdentity.objects.create(
        user=addressed.hq,
        provider="organisation",
        issuer="https://idp",
        subject="x",
        created_at=dt.datetime(2026, 1, 1, tzinfo=dt.UTC),
    )
    services.password_reset_request(email="hq.analyst@example.test")
    assert not OutboundEmail.objects.filter(to_email="hq.analyst@example.test").exists()
    for _ in range(5):
        services.password_reset_request(email="prosecutor.a@example.test")
    assert OutboundEmail.objects.filter(kind="password_reset").count() == services.RESETS_PER_HOUR


def test_a_weak_password_is_refused_and_the_link_still_works(client, addressed):
    services.password_reset_request(email="prosecutor.a@example.test")
    path = link_in("password_reset", "prosecutor.a@example.test")
    response = client.post(path, {"new_password1": "password", "new_password2": "password"})
    assert response.status_code == 200 and "govuk-error-summary" in response.content.decode()
    assert AccountLink.objects.get().used_at is None


def test_setting_a_password_revokes_api_tokens(client, addressed):
    issued = api_services.api_token_issue(actor=addressed.prosecutor_a, name="sync")
    services.password_reset_request(email="prosecutor.a@example.test")
    client.post(
        link_in("password_reset", "prosecutor.a@example.test"),
        {"new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD},
    )
    issued.record.refresh_from_db()
    assert issued.record.revoked_at is not None and "reset" in issued.record.revoked_reason


def test_local_login_off_switches_off_passwords_everywhere(client, addressed, settings):
    settings.LOCAL_LOGIN = False
    page = client.get("/login/").content.decode()
    assert 'name="password"' not in page and "Sign-in is not set up yet" in page
    refused = client.post("/login/", {"username": "prosecutor.a", "password": "correct-horse-battery-staple"})
    assert refused.status_code == 200 and "_auth_user_id" not in client.session
    assert client.get("/password-reset/").status_code == 404
    token = client.post(
        "/api/v1/auth/token",
        {"username": "prosecutor.a", "password": "correct-horse-battery-staple"},
        content_type="application/json",
        secure=True,
    )
    assert token.status_code == 403
