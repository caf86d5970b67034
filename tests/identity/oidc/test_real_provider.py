"""OpenID Connect sign-in against a real provider (npm oidc-provider) started by the tests."""

from __future__ import annotations

from urllib.parse import parse_qs, urlsplit

import pytest
import requests

from casework.audit.models import AuditEvent
from casework.identity.models import ExternalIdentity
from casework.people.models import Role, User
from tests.factories import PASSWORD, make_user
from tests.identity.oidc.conftest import CLIENT_ID, sign_in

pytestmark = pytest.mark.django_db


def signed_in_user(client) -> User | None:
    user_id = client.session.get("_auth_user_id")
    return User.objects.get(pk=user_id) if user_id else None


def test_sign_in_page_links_to_the_provider_with_pkce_state_and_nonce(client, providers_configured):
    cps = providers_configured["organisation"]
    page = client.get("/login/").content.decode()
    assert "Sign in with your organisation account" in page and 'href="/login/oidc/organisation/"' in page
    assert "Sign in with Hampshire Constabulary" in page
    start = client.get("/login/oidc/organisation/")
    assert start.status_code == 302
    target = urlsplit(start["Location"])
    discovery = requests.get(f"{cps.url}/.well-known/openid-configuration", timeout=5).json()
    assert f"{target.scheme}://{target.netloc}{target.path}" == discovery["authorization_endpoint"]
    query = {key: values[0] for key, values in parse_qs(target.query).items()}
    assert query["client_id"] == CLIENT_ID and query["response_type"] == "code"
    assert "openid" in query["scope"].split()
    assert len(query["state"]) >= 20 and len(query["nonce"]) >= 20
    assert len(query["code_challenge"]) >= 43 and query["code_challenge_method"] == "S256"
    assert query["redirect_uri"] == "http://testserver/login/oidc/organisation/callback/"


def test_first_sign_in_creates_the_person_with_the_mapped_role(client, personas, providers_configured):
    flow = sign_in(client, providers_configured["organisation"], "alice", next_url="/cases/my/")
    assert flow.response.status_code == 302 and flow.response["Location"] == "/cases/my/"
    user = signed_in_user(client)
    assert user is not None and user.username == "alice.archer" and user.email == "alice.archer@cps.example"
    assert user.role_codes == {"prosecutor"} and user.unit.code == "ccu-wessex" and user.police_force is None
    assert not user.has_usable_password()
    assert ExternalIdentity.objects.get(user=user).issuer == providers_configured["organisation"].url
    grant = AuditEvent.objects.filter(action="permission_change", subject_id=str(user.pk)).latest("seq")
    assert grant.changes_dict["roles"] == [[], ["prosecutor"]]
    assert AuditEvent.objects.filter(action="login", actor=user).exists()
    assert client.get("/cases/my/").status_code == 200


def test_second_sign_in_matches_the_same_person(client, personas, providers_configured):
    cps = providers_configured["organisation"]
    sign_in(client, cps, "alice")
    first = signed_in_user(client)
    client.post("/logout/")
    sign_in(client, cps, "alice")
    assert signed_in_user(client) == first
    assert User.objects.filter(email="alice.archer@cps.example").count() == 1


@pytest.mark.parametrize(
    ("fault", "because"),
    [("aud", ("aud", "azp")), ("expired", ("expired",)), ("tamper", ("signature",))],
)
def test_a_bad_id_token_is_refused(client, personas, providers_configured, fault, because):
    flow = sign_in(client, providers_configured["organisation"], "alice", fault=fault)
    assert flow.response.status_code == 400
    assert "We could not confirm your sign-in" in flow.response.content.decode()
    assert signed_in_user(client) is None
    assert not User.objects.filter(email="alice.archer@cps.example").exists()
    refusal = AuditEvent.objects.filter(action="login_failed").latest("seq")
    assert refusal.subject_label.startswith("organisation:")
    assert any(word in refusal.changes_dict["reason"][1] for word in because)


def test_a_replayed_id_token_fails_the_nonce_check(client, personas, providers_configured):
    cps = providers_configured["organisation"]
    sign_in(client, cps, "alice")
    client.post("/logout/")
    # The provider sends the earlier sign-in's token response again: right signature, stale nonce.
    flow = sign_in(client, cps, "alice", fault="replay")
    assert flow.response.status_code == 400
    assert signed_in_user(client) is None
    assert "nonce" in AuditEvent.objects.filter(action="login_failed").latest("seq").changes_dict["reason"][1]


def test_a_replayed_callback_is_refused(client, personas, providers_configured):
    flow = sign_in(client, providers_configured["organisation"], "alice")
    client.post("/logout/")
    parts = urlsplit(flow.callback_url)
    again = client.get(f"{parts.path}?{parts.query}")
    assert again.status_code == 400 and signed_in_user(client) is None


def test_an_unmapped_person_is_refused_with_a_clear_page_and_no_role(client, personas, providers_configured):
    flow = sign_in(client, providers_configured["organisation"], "nobody")
    assert flow.response.status_code == 403
    html = flow.response.content.decode()
    assert "not set up for Casework Assurance" in html and "none of your groups gives you a role" in html
    assert signed_in_user(client) is None
    assert not User.objects.filter(email="nobody@cps.example").exists()
    event = AuditEvent.objects.filter(action="login_failed").latest("seq")
    assert event.changes_dict["reason"] == [None, "unmapped"]


def test_a_group_removed_at_the_provider_removes_the_role(client, personas, providers_configured):
    cps = providers_configured["organisation"]
    sign_in(client, cps, "mona")
    mona = signed_in_user(client)
    assert mona.role_codes == {"legal_manager", "administrator"}
    client.post("/logout/")
    cps.control("accounts", {**cps.accounts, "mona": {**cps.accounts["mona"], "groups": ["ccu-wessex-managers"]}})
    sign_in(client, cps, "mona")
    mona = User.objects.get(pk=mona.pk)
    assert mona.role_codes == {"legal_manager"}
    event = AuditEvent.objects.filter(action="permission_change", subject_id=str(mona.pk)).latest("seq")
    assert event.changes_dict["roles"] == [["administrator", "legal_manager"], ["legal_manager"]]


def test_every_group_removed_refuses_and_takes_every_role_away(client, personas, providers_configured):
    cps = providers_configured["organisation"]
    sign_in(client, cps, "alice")
    alice = signed_in_user(client)
    client.post("/logout/")
    cps.control("accounts", {**cps.accounts, "alice": {**cps.accounts["alice"], "groups": ["all-staff"]}})
    flow = sign_in(client, cps, "alice")
    assert flow.response.status_code == 403 and signed_in_user(client) is None
    assert User.objects.get(pk=alice.pk).role_codes == frozenset()
    removal = AuditEvent.objects.filter(action="permission_change", subject_id=str(alice.pk)).latest("seq")
    assert removal.changes_dict["roles"] == [["prosecutor"], []]


def test_a_force_provider_makes_only_its_own_liaison_officers(client, personas, providers_configured):
    force = providers_configured["hampshire"]
    flow = sign_in(client, force, "pc-hale")
    assert flow.response.status_code == 302
    officer = signed_in_user(client)
    assert officer.role_codes == {"police_liaison"} and officer.police_force.code == "hampshire"
    assert officer.unit is None
    assert client.get("/").headers["Location"] == "/overview/"  # the force's overview


def test_a_force_provider_cannot_mint_a_cps_role(client, personas, providers_configured):
    force = providers_configured["hampshire"]
    # Groups named like the CPS groups mean nothing through the force's provider.
    sign_in(client, force, "pc-greedy")
    greedy = signed_in_user(client)
    assert greedy.role_codes == {"police_liaison"} and greedy.unit is None and greedy.police_force.code == "hampshire"
    client.post("/logout/")
    flow = sign_in(client, force, "pc-other")
    assert flow.response.status_code == 403 and signed_in_user(client) is None


def test_a_force_provider_cannot_take_over_a_cps_account_by_email(client, personas, providers_configured, settings):
    # Even where the force's provider is trusted for a domain, an existing CPS account is never linked to it.
    make_user("prosecutor.hale", "prosecutor", unit=personas.unit_a, email="pc.hale@hampshire.police.example")
    settings.OIDC_ENVIRONMENT = {
        **settings.OIDC_ENVIRONMENT,
        "OIDC_HAMPSHIRE_EMAIL_DOMAINS": "hampshire.police.example",
    }
    flow = sign_in(client, providers_configured["hampshire"], "pc-hale")
    assert flow.response.status_code == 403 and signed_in_user(client) is None
    assert User.objects.get(username="prosecutor.hale").role_codes == {"prosecutor"}


def test_an_existing_local_account_is_linked_by_its_organisation_address(client, personas, providers_configured):
    existing = make_user("a.archer", "paralegal", unit=personas.unit_a, email="Alice.Archer@cps.example")
    sign_in(client, providers_configured["organisation"], "alice")
    assert signed_in_user(client) == existing
    linked = User.objects.get(pk=existing.pk)
    assert linked.role_codes == {"prosecutor"}  # the map decides, not the old account
    # The old password no longer signs in: it would outlive a group removed at the provider.
    assert not linked.has_usable_password()
    client.post("/logout/")
    assert client.post("/login/", {"username": "a.archer", "password": PASSWORD}).status_code == 200


def test_a_switched_off_account_is_refused(client, personas, providers_configured):
    cps = providers_configured["organisation"]
    sign_in(client, cps, "alice")
    alice = signed_in_user(client)
    client.post("/logout/")
    User.objects.filter(pk=alice.pk).update(is_active=False)
    flow = sign_in(client, cps, "alice")
    assert flow.response.status_code == 403 and "switched off" in flow.response.content.decode()


def test_sign_out_offers_the_providers_end_session_page(client, personas, providers_configured):
    cps = providers_configured["organisation"]
    sign_in(client, cps, "alice")
    response = client.post("/logout/")
    assert response.status_code == 200 and signed_in_user(client) is None
    html = response.content.decode()
    discovery = requests.get(f"{cps.url}/.well-known/openid-configuration", timeout=5).json()
    assert f'href="{discovery["end_session_endpoint"]}?' in html.replace("&amp;", "&")
    assert "id_token_hint=" in html and "post_logout_redirect_uri=" in html
    assert "Sign out of your organisation account" in html


def test_the_provider_is_unreachable(client, personas, providers_configured, settings):
    settings.OIDC_ENVIRONMENT = {**settings.OIDC_ENVIRONMENT, "OIDC_ISSUER": "http://127.0.0.1:9"}
    response = client.get("/login/oidc/organisation/")
    assert response.status_code == 503 and "not answering" in response.content.decode()


def test_roles_exist_for_every_mapped_code(db):
    assert {"prosecutor", "legal_manager", "administrator", "police_liaison"} <= set(
        Role.objects.values_list("code", flat=True)
    )
