"""API tokens listed and revoked (pages and API), revoked with a password change or deactivation;
the administrators' account pages."""

from __future__ import annotations

import pytest
from django.test import Client

from casework.api import services as api_services
from casework.api.models import ApiToken
from casework.audit.models import AuditEvent
from casework.identity import services
from tests.api.conftest import ApiClient
from tests.factories import PASSWORD


def token_for(user, name="script"):
    return api_services.api_token_issue(actor=user, name=name)


def test_api_lists_and_revokes_your_own_tokens(personas):
    one, two = token_for(personas.prosecutor_a, "one"), token_for(personas.prosecutor_a, "two")
    token_for(personas.prosecutor_b)
    api = ApiClient(one.token)
    listed = api.get("/auth/tokens").json()
    assert [t["name"] for t in listed] == ["two", "one"] and all("token" not in t for t in listed)
    assert listed[0]["key_prefix"] == two.token[:8] and listed[0]["active"] is True
    revoked = api.post(f"/auth/tokens/{two.record.pk}/revoke", {})
    assert revoked.status_code == 200 and revoked.json()["active"] is False
    assert ApiClient(two.token).get("/auth/me").status_code == 401


def test_nobody_revokes_or_lists_someone_elses_token(personas):
    mine, theirs = token_for(personas.prosecutor_a), token_for(personas.prosecutor_b)
    api = ApiClient(mine.token)
    assert api.post(f"/auth/tokens/{theirs.record.pk}/revoke", {}).status_code == 404
    assert api.get(f"/auth/users/{personas.prosecutor_b.pk}/tokens").status_code == 404
    assert api.post(f"/auth/users/{personas.prosecutor_b.pk}/tokens/revoke", {}).status_code == 404
    assert ApiClient(theirs.token).get("/auth/me").status_code == 200


def test_an_administrator_lists_and_revokes_anyones_tokens(personas):
    victim = token_for(personas.prosecutor_b)
    admin = ApiClient(token_for(personas.admin).token)
    listed = admin.get(f"/auth/users/{personas.prosecutor_b.pk}/tokens").json()
    assert [t["id"] for t in listed] == [victim.record.pk]
    assert admin.post(f"/auth/users/{personas.prosecutor_b.pk}/tokens/revoke", {}).json() == {"revoked": 1}
    assert ApiClient(victim.token).get("/auth/me").status_code == 401
    event = AuditEvent.objects.filter(action="permission_change", subject_type="api.apitoken").latest("seq")
    assert event.actor == personas.admin and event.changes_dict["api_token"][1] == "revoked: all revoked at once"


def test_changing_your_password_revokes_your_tokens(client, personas):
    issued = token_for(personas.prosecutor_a)
    client.force_login(personas.prosecutor_a)
    new = "a-much-longer-new-passphrase-7"
    client.post("/password/", {"old_password": PASSWORD, "new_password1": new, "new_password2": new})
    assert ApiClient(issued.token).get("/auth/me").status_code == 401
    issued.record.refresh_from_db()
    assert issued.record.revoked_reason == "password changed"


def test_deactivation_revokes_tokens_through_the_accounts_page(client, personas):
    issued = token_for(personas.prosecutor_a)
    client.force_login(personas.admin)
    response = client.post(f"/accounts/{personas.prosecutor_a.pk}/deactivate/")
    assert response.status_code == 302
    issued.record.refresh_from_db()
    assert issued.record.revoked_at is not None and issued.record.revoked_reason == "account deactivated"
    other = Client()
    assert not other.login(username="prosecutor.a", password=PASSWORD)


def test_deactivation_in_the_django_admin_revokes_tokens_too(client, personas):
    issued = token_for(personas.paralegal_a)
    client.force_login(personas.admin)
    url = f"/admin/people/user/{personas.paralegal_a.pk}/change/"
    form = client.get(url).context["adminform"].form
    data = {k: v for k, v in form.initial.items() if v is not None and not isinstance(v, list | tuple)}
    data.update(
        {
            "username": "paralegal.a",
            "roles": [r.pk for r in personas.paralegal_a.roles.all()],
            "is_active": "",
            "fte": "1.00",
            "contracted_hours": "37.00",
            "working_pattern": "full_time",
            "absences-TOTAL_FORMS": "0",
            "absences-INITIAL_FORMS": "0",
            "unit": personas.unit_a.pk,
        }
    )
    data.pop("is_active")
    data.pop("date_joined", None)
    data.pop("last_login", None)
    response = client.post(url, data)
    assert response.status_code == 302, response.context["adminform"].form.errors if response.context else response
    issued.record.refresh_from_db()
    assert issued.record.revoked_reason == "account deactivated"


def test_the_tokens_page_lists_creates_and_revokes(client, personas):
    client.force_login(personas.prosecutor_a)
    created = client.post("/account/tokens/", {"name": "Nightly sync"})
    html = created.content.decode()
    assert "Token created" in html and "Nightly sync" in html
    record = ApiToken.objects.get(user=personas.prosecutor_a)
    assert client.post(f"/account/tokens/{record.pk}/revoke/").status_code == 302
    record.refresh_from_db()
    assert record.revoked_at is not None
    missing = client.post("/account/tokens/", {"name": ""})
    assert "Enter what the token is for" in missing.content.decode()
    too_long = client.post("/account/tokens/", {"name": "x" * 101}).content.decode()
    assert "What the token is for must be 100 characters or less" in too_long and "Ensure this value" not in too_long
    assert ApiToken.objects.filter(user=personas.prosecutor_a).count() == 1


def test_token_pages_of_others_are_for_administrators_only(client, personas):
    theirs = token_for(personas.prosecutor_b)
    client.force_login(personas.manager_a)
    assert client.get(f"/accounts/{personas.prosecutor_b.pk}/tokens/").status_code == 404
    assert client.post(f"/account/tokens/{theirs.record.pk}/revoke/").status_code == 404
    client.force_login(personas.admin)
    page = client.get(f"/accounts/{personas.prosecutor_b.pk}/tokens/")
    assert (
        page.status_code == 200
        and theirs.token[:8] in page.content.decode()
        and theirs.token not in page.content.decode()
    )
    assert client.post(f"/account/tokens/{theirs.record.pk}/revoke/").status_code == 302
    theirs.record.refresh_from_db()
    assert theirs.record.revoked_at is not None


@pytest.mark.parametrize(
    "persona", ["prosecutor_a", "manager_a", "unithead_a", "hq", "inspector", "police_x", "area_leader_a"]
)
def test_account_pages_are_for_administrators_only(client, personas, persona):
    client.force_login(getattr(personas, persona))
    assert client.get("/accounts/").status_code == 404
    assert client.get(f"/accounts/{personas.prosecutor_b.pk}/").status_code == 404
    for action in ("invite", "reset-authenticator", "deactivate", "reactivate"):
        assert client.post(f"/accounts/{personas.prosecutor_b.pk}/{action}/").status_code == 404
    assert personas.prosecutor_b.is_active


def test_accounts_list_filters_and_the_detail_is_logged(client, personas):
    client.force_login(personas.admin)
    listed = client.get("/accounts/?q=prosecutor&status=active&sign_in=local&sort=last_sign_in").content.decode()
    assert "prosecutor.a" in listed and "prosecutor.b" in listed and "inspector" not in listed
    detail = client.get(f"/accounts/{personas.prosecutor_a.pk}/")
    assert detail.status_code == 200 and "Send a new invitation e-mail" in detail.content.decode()
    event = AuditEvent.objects.filter(action="consult", subject_id=str(personas.prosecutor_a.pk)).latest("seq")
    assert event.actor == personas.admin and "Account administration" in event.justification


def test_an_administrator_cannot_switch_themselves_off(client, personas):
    client.force_login(personas.admin)
    assert client.post(f"/accounts/{personas.admin.pk}/deactivate/").status_code == 403
    personas.admin.refresh_from_db()
    assert personas.admin.is_active


def test_reactivation(personas):
    services.account_set_active(actor=personas.admin, user_id=personas.prosecutor_a.pk, active=False)
    user = services.account_set_active(actor=personas.admin, user_id=personas.prosecutor_a.pk, active=True)
    assert user.is_active
