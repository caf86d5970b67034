"""The admin shows the audit trail and its checkpoints read-only, even to a superuser."""

from __future__ import annotations

import pytest
from django.urls import reverse

from casework.audit import services
from casework.audit.checkpoints import checkpoint_create
from casework.audit.models import AuditEvent
from casework.audit.services import SYSTEM_ACTOR, PendingEvent


@pytest.fixture
def make_events(db):
    """Configuration changes: the events an administrator may read."""

    def make(count: int) -> None:
        events = [
            PendingEvent(
                action="config_change", subject_type="people.unit", subject_id=str(i), subject_label=f"Unit {i}"
            )
            for i in range(count)
        ]
        services.record_many(actor=SYSTEM_ACTOR, events=events)

    return make


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
    response = client.get(
        reverse("admin:audit_auditevent_changelist"), {"q": "Unit 1", "action__exact": "config_change"}
    )
    assert response.status_code == 200
    assert b"Unit 1" in response.content


@pytest.mark.parametrize("persona", ["prosecutor_a", "inspector", "hq", "unithead_a"])
def test_non_staff_cannot_open_the_audit_admin(client, personas, persona):
    client.force_login(getattr(personas, persona))
    response = client.get(reverse("admin:audit_auditevent_changelist"))
    assert response.status_code == 302  # to the admin sign-in page


def test_administrators_read_security_events_never_case_content(client, personas):
    """Case and referral events (even those with no case id yet) are not for administrators."""
    services.record_many(
        actor=SYSTEM_ACTOR,
        events=[
            PendingEvent(action="alter", subject_type="cases.case", subject_label="Operation Secret", case_id=1),
            PendingEvent(action="collect", subject_type="partners.referral", subject_label="Referral Hidden"),
            PendingEvent(action="consult", subject_type="people.user", subject_label="Person Read", justification="x"),
            PendingEvent(action="login", subject_type="people.user", subject_label="Signed In"),
            PendingEvent(action="permission_change", subject_type="partners.referral", subject_label="Odd Referral"),
        ],
    )
    visible = set(AuditEvent.objects.visible_to(personas.admin).values_list("subject_label", flat=True))
    assert "Signed In" in visible
    assert not visible & {"Operation Secret", "Referral Hidden", "Person Read", "Odd Referral"}
    client.force_login(personas.admin)
    body = client.get(reverse("admin:audit_auditevent_changelist")).content.decode()
    assert "Signed In" in body and "Referral Hidden" not in body and "Operation Secret" not in body


def test_what_an_administrator_reads_in_the_admin_is_logged(client, personas):
    client.force_login(personas.admin)
    before = AuditEvent.objects.count()
    assert client.get(reverse("admin:people_user_change", args=[personas.prosecutor_a.pk])).status_code == 200
    event = AuditEvent.objects.filter(seq__gt=before, action="consult").get()
    assert (event.actor_id, event.subject_type, event.subject_id) == (
        personas.admin.pk,
        "people.user",
        str(personas.prosecutor_a.pk),
    )
    assert event.justification.startswith("System administration")
    client.get(reverse("admin:audit_auditevent_changelist"), {"action__exact": "login"})
    listed = AuditEvent.objects.filter(action="consult", subject_type="audit.auditevent").latest("seq")
    assert "action__exact=login" in listed.justification
