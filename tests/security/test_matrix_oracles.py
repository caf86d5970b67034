"""The matrix's oracles work: the markers do appear where they are allowed, so their absence
elsewhere means something; and the Django admin (covered by rule, not by name) is staff only."""

from __future__ import annotations

from django.test import Client
from django.urls import reverse

from tests.security.urls import all_routes
from tests.security.world import PERSONA_NAMES


def test_markers_show_to_readers(client, world):
    client.force_login(world.personas.hq)
    body = client.get(reverse("cases:detail", args=[world.case_b.pk])).content.decode()
    assert all(marker in body for marker in world.markers)
    client.force_login(world.personas.police_y)
    body = client.get(reverse("partners:portal")).content.decode()
    assert any(marker in body for marker in world.force_markers)


#: Admin pages with a known finding (none open: the audit list once leaked; see the test below).
KNOWN_LEAKS: set[str] = set()


def test_admin_site_is_staff_only(world):
    pages = [
        r
        for r in all_routes()
        if r.name.startswith("admin:") and not r.kwargs and not r.defaults and r.name not in KNOWN_LEAKS
    ]
    assert len(pages) > 10
    for persona in PERSONA_NAMES:
        client = Client(raise_request_exception=False)
        client.force_login(getattr(world.personas, persona))
        for route in pages:
            response = client.get(reverse(route.name))
            assert response.status_code < 500, f"{route.name} as {persona}"
            if persona != "admin" and route.name != "admin:login":  # the sign-in form is for anyone
                assert response.status_code in {302, 404}, f"{route.name} as {persona}: {response.status_code}"
            body = response.content.decode("utf-8", "replace")
            leaked = [m for m in world.markers if m in body]
            assert leaked == [], f"{route.name} as {persona} shows {leaked}"


def test_admin_audit_list_hides_case_content_from_administrators(client, world):
    client.force_login(world.personas.admin)
    body = client.get(reverse("admin:audit_auditevent_changelist")).content.decode()
    assert [m for m in world.markers if m in body] == []
