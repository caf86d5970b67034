"""The admin shows the audit trail and its checkpoints read-only, even to a superuser."""

from __future__ import annotations

import pytest
from django.urls import reverse

from casework.audit.checkpoints import checkpoint_create


@pytest.mark.parametrize("model", ["auditevent", "auditcheckpoint"])
def test_admin_lists_but_never_adds_changes_or_deletes(client, personas, make_events, model):
    make_events(3)
    checkpoint = checkpoint_create()
    client.force_login(personas.admin)
    pk = checkpoint.pk if model == "auditcheckpoint" else 1
    assert client.get(reverse(f"admin:audit_{model}_changelist")).status_code == 200
    assert client.get(reverse(f"admin:audit_{model}_add")).status_code == 403
    change = client.get(reverse(f"admin:audit_{model}_change", args=[pk]))
    assert change.status_code == 200
    assert b'type="submit" value="Save"' not in change.content
    assert client.post(reverse(f"admin:audit_{model}_delete", args=[pk]), {"post": "yes"}).status_code == 403


def test_admin_search_and_action_filter(client, personas, make_events):
    make_events(3)
    client.force_login(personas.admin)
    response = client.get(reverse("admin:audit_auditevent_changelist"), {"q": "Case 1", "action__exact": "alter"})
    assert response.status_code == 200
    assert b"Case 1" in response.content


@pytest.mark.parametrize("persona", ["prosecutor_a", "inspector", "hq", "unithead_a"])
def test_non_staff_cannot_open_the_audit_admin(client, personas, persona):
    client.force_login(getattr(personas, persona))
    response = client.get(reverse("admin:audit_auditevent_changelist"))
    assert response.status_code == 302  # to the admin sign-in page
