"""Time-based one-time codes for administrators (and everyone with LOCAL_MFA=1), recovery codes,
and one sign-in path with the same lockout everywhere (including /admin/login/)."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.conf import settings as django_settings
from django_otp.plugins.otp_totp.models import TOTPDevice

from casework.audit.models import AuditEvent
from casework.identity import services
from casework.identity.forms import LOCKED_OUT_MESSAGE
from tests.factories import PASSWORD
from tests.identity.conftest import code_for


@pytest.fixture(autouse=True)
def _frozen(time_machine):
    time_machine.move_to(dt.datetime(2026, 5, 1, 9, 0, tzinfo=dt.UTC), tick=False)


def password_step(client, username):
    return client.post("/login/", {"username": username, "password": PASSWORD})


def enrol(client, username):
    """Password, then set up the app; returns (device, recovery codes)."""
    assert password_step(client, username)["Location"] == "/login/set-up-authenticator/"
    page = client.get("/login/set-up-authenticator/").content.decode()
    assert 'src="data:image/svg+xml' in page and "authenticator-key" in page
    device = TOTPDevice.objects.get(user__username=username, confirmed=False)
    response = client.post("/login/set-up-authenticator/", {"code": code_for(device)})
    assert response.status_code == 200
    codes = re.findall(r"<li><code>([0-9a-f]{6}-[0-9a-f]{6})</code></li>", response.content.decode())
    return TOTPDevice.objects.get(pk=device.pk), codes


def test_an_administrator_must_set_up_an_authenticator_before_signing_in(client, personas):
    response = password_step(client, "admin")
    assert response.status_code == 302 and "_auth_user_id" not in client.session
    assert client.get("/admin/").status_code == 302  # not signed in yet
    device, codes = enrol(client, "admin")
    assert device.confirmed and len(codes) == django_settings.MFA_RECOVERY_CODES
    assert client.session["_auth_user_id"] == str(personas.admin.pk)
    assert client.get("/admin/").status_code == 200
    event = AuditEvent.objects.filter(action="permission_change", subject_id=str(personas.admin.pk)).latest("seq")
    assert event.changes_dict["second_factor"] == [None, "authenticator app"]
    assert not any(code in event.changes for code in codes)


def test_the_code_is_asked_at_every_sign_in_and_a_used_code_is_refused(client, personas, time_machine):
    device, _ = enrol(client, "admin")
    client.post("/logout/")
    time_machine.shift(60)
    assert password_step(client, "admin")["Location"] == "/login/code/"
    assert "_auth_user_id" not in client.session
    wrong = client.post("/login/code/", {"code": "000000" if code_for(device) != "000000" else "111111"})
    assert wrong.status_code == 200 and "not correct" in wrong.content.decode()
    time_machine.shift(2)  # django-otp also slows guessing: a wrong code holds the device a moment
    good = code_for(device)
    assert client.post("/login/code/", {"code": good})["Location"] == "/"
    client.post("/logout/")
    password_step(client, "admin")
    again = client.post("/login/code/", {"code": good})  # the same code a second time
    assert again.status_code == 200 and "_auth_user_id" not in client.session


def test_a_recovery_code_works_once(client, personas, time_machine):
    _, codes = enrol(client, "admin")
    client.post("/logout/")
    password_step(client, "admin")
    assert client.post("/login/code/", {"code": codes[0]}).status_code == 302
    assert services.recovery_codes_left(personas.admin) == len(codes) - 1
    client.post("/logout/")
    password_step(client, "admin")
    assert client.post("/login/code/", {"code": codes[0]}).status_code == 200
    assert "_auth_user_id" not in client.session


def test_wrong_codes_lock_the_account_even_after_a_correct_password(client, personas, time_machine):
    device, _ = enrol(client, "admin")
    client.post("/logout/")
    for _ in range(django_settings.LOGIN_FAILURE_LIMIT):
        password_step(client, "admin")  # a right password must not reset the count of wrong codes
        client.post("/login/code/", {"code": "12345"})
    password_step(client, "admin")
    client.post("/login/code/", {"code": code_for(device)})
    assert "_auth_user_id" not in client.session


def test_local_mfa_applies_to_every_local_account(client, personas, settings):
    settings.LOCAL_MFA = True
    assert password_step(client, "prosecutor.a")["Location"] == "/login/set-up-authenticator/"
    settings.LOCAL_MFA = False
    client2 = type(client)()
    assert password_step(client2, "prosecutor.a")["Location"] == "/"


def test_the_pending_step_expires(client, personas, time_machine):
    password_step(client, "admin")
    time_machine.shift(django_settings.MFA_PENDING_SECONDS + 1)
    assert client.get("/login/set-up-authenticator/")["Location"] == "/login/"


def test_an_administrator_resets_a_lost_authenticator(client, personas):
    from casework.people.choices import RoleCode
    from tests.factories import make_user

    enrol(client, "admin")
    second = make_user("admin.two", RoleCode.ADMINISTRATOR, is_staff=True)
    services.second_factor_reset(actor=second, user_id=personas.admin.pk)
    assert services.authenticator_for(personas.admin) is None and services.recovery_codes_left(personas.admin) == 0
    with pytest.raises(Exception, match="another administrator"):
        services.second_factor_reset(actor=personas.admin, user_id=personas.admin.pk)


def test_new_recovery_codes_replace_the_old(client, personas):
    _, codes = enrol(client, "admin")
    response = client.post("/account/recovery-codes/")
    fresh = re.findall(r"<li><code>([0-9a-f]{6}-[0-9a-f]{6})</code></li>", response.content.decode())
    assert len(fresh) == len(codes) and not set(fresh) & set(codes)


# --- one sign-in path: /admin/login/ -------------------------------------------------------------


def test_admin_login_page_sends_people_to_the_service_sign_in(client, personas):
    response = client.get("/admin/login/?next=/admin/people/user/")
    assert response.status_code == 302 and response["Location"] == "/login/?next=%2Fadmin%2Fpeople%2Fuser%2F"
    posted = client.post("/admin/login/", {"username": "admin", "password": PASSWORD})
    assert posted.status_code == 302 and posted["Location"].startswith("/login/")
    assert "_auth_user_id" not in client.session  # no password is ever checked there


def test_a_locked_account_is_refused_everywhere(client, personas):
    for _ in range(django_settings.LOGIN_FAILURE_LIMIT):
        client.post("/login/", {"username": "admin", "password": "wrong"})
    # The sign-in page
    page = client.post("/login/", {"username": "admin", "password": PASSWORD})
    assert LOCKED_OUT_MESSAGE in page.content.decode() and "_auth_user_id" not in client.session
    # The admin's own sign-in address
    client.post("/admin/login/", {"username": "admin", "password": PASSWORD, "next": "/admin/"})
    assert "_auth_user_id" not in client.session and client.get("/admin/").status_code == 302
    # The API's password exchange
    api = client.post(
        "/api/v1/auth/token", {"username": "admin", "password": PASSWORD}, content_type="application/json", secure=True
    )
    assert api.status_code == 429
    # The second step cannot be reached without the password step
    assert client.get("/login/code/")["Location"] == "/login/"


def test_a_locked_address_is_refused_for_every_username(client, personas):
    for n in range(django_settings.LOGIN_FAILURE_LIMIT * 4):
        client.post("/login/", {"username": f"nobody{n}", "password": "wrong"})
    page = client.post("/login/", {"username": "prosecutor.a", "password": PASSWORD})
    assert LOCKED_OUT_MESSAGE in page.content.decode()
    api = client.post(
        "/api/v1/auth/token",
        {"username": "prosecutor.a", "password": PASSWORD},
        content_type="application/json",
        secure=True,
    )
    assert api.status_code == 429
