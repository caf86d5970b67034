"""The red team's low findings: break-glass reasons, re-reviews, read-only rechecks, off-site
redirects, forged request ids. (MoU publishing: tests/partners; /healthz: tests/core/test_health.)"""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse

from casework.assurance.models import VerdictPeriod
from casework.audit.models import AuditEvent
from casework.cases import rules, services
from casework.cases.models import CaseAccessGrant, CaseAccessGrantReview
from casework.core import clock
from casework.core.errors import ValidationFailed
from casework.progression import services as progression_services
from tests.factories import make_case

# --- break-glass reasons ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    "reason",
    ["aaaaaaaaaa", "aaaaaaaaaaaaaaaaaaaaaaaaa", "test test test test", "x y z", "asdf", "need it", "ab ab ab ab ab ab"],
)
def test_meaningless_break_glass_reasons_are_refused(reason):
    assert rules.justification_problem(reason) == rules.JUSTIFICATION_MESSAGE


@pytest.mark.parametrize(
    "reason", ["Covering a hearing", "Covering the PTPH tomorrow for Sam", "Checking the CTL expiry for the duty rota"]
)
def test_real_reasons_pass(reason):
    assert rules.justification_problem(reason) is None


def test_break_glass_with_aaaaaaaaaa_opens_nothing(client: Client, personas, case_a):
    client.force_login(personas.paralegal_a)
    response = client.post(reverse("cases:find"), {"urn": case_a.urn, "justification": "aaaaaaaaaa"})
    assert response.status_code == 200 and "Explain in a few words" in response.content.decode()
    assert not CaseAccessGrant.objects.exists()
    with pytest.raises(ValidationFailed):
        services.case_break_glass(actor=personas.paralegal_a, urn=case_a.urn, justification="a" * 40)


# --- re-reviews append ---------------------------------------------------------------------------


def test_a_second_review_is_added_and_the_first_kept(client: Client, personas, case_a):
    services.case_break_glass(actor=personas.paralegal_a, urn=case_a.urn, justification="Covering a hearing today")
    grant = CaseAccessGrant.objects.get()
    services.access_grant_review(actor=personas.manager_a, grant_id=grant.pk, note="Agreed: covering leave")
    services.access_grant_review(actor=personas.unithead_a, grant_id=grant.pk, note="Rewritten later")
    notes = list(CaseAccessGrantReview.objects.filter(grant=grant).values_list("reviewer_id", "note"))
    assert notes == [(personas.manager_a.pk, "Agreed: covering leave"), (personas.unithead_a.pk, "Rewritten later")]
    grant.refresh_from_db()
    assert grant.review_note == "Agreed: covering leave" and grant.reviewed_by_id == personas.unithead_a.pk
    client.force_login(personas.manager_a)
    page = client.get(reverse("cases:access_grants")).content.decode()
    assert "Agreed: covering leave" in page and "Rewritten later" in page
    events = AuditEvent.objects.filter(subject_type="cases.caseaccessgrantreview")
    assert [e.changes_dict["note"][1] for e in events.order_by("seq")] == ["Agreed: covering leave", "Rewritten later"]


# --- read-only roles write nothing ---------------------------------------------------------------


@pytest.mark.parametrize("persona", ["hq", "inspector", "area_leader_a"])
def test_read_only_roles_cannot_trigger_a_recheck(client: Client, personas, case_a, persona):
    client.force_login(getattr(personas, persona))
    before = VerdictPeriod.objects.count()
    response = client.post(reverse("assurance:recheck", args=[case_a.pk]))
    assert response.status_code == 403
    assert VerdictPeriod.objects.count() == before
    page = client.get(reverse("cases:detail", args=[case_a.pk])).content.decode()
    assert "Re-check now" not in page


def test_those_who_change_the_case_may_recheck(client: Client, personas, case_a):
    client.force_login(personas.prosecutor_a)
    assert client.post(reverse("assurance:recheck", args=[case_a.pk])).status_code == 302


# --- next goes nowhere but here ------------------------------------------------------------------


@pytest.mark.parametrize(
    "target", ["https://evil.example/login", "//evil.example/", "/\\evil.example", "http:/evil.example", "javascript:x"]
)
def test_task_complete_never_redirects_off_site(client: Client, personas, target):
    task = progression_services.task_create(
        actor=personas.prosecutor_a, title="Call the OIC", due_on=clock.today(), assignee_id=personas.prosecutor_a.pk
    )
    client.force_login(personas.prosecutor_a)
    response = client.post(reverse("progression:task_complete", args=[task.pk]), {"version": "x", "next": target})
    assert response.status_code == 302 and response["Location"] == reverse("progression:tasks")


def test_task_complete_keeps_a_same_site_next(client: Client, personas):
    task = progression_services.task_create(
        actor=personas.prosecutor_a, title="Call the OIC", due_on=clock.today(), assignee_id=personas.prosecutor_a.pk
    )
    client.force_login(personas.prosecutor_a)
    response = client.post(reverse("progression:task_complete", args=[task.pk]), {"version": "x", "next": "/cases/my/"})
    assert response["Location"] == "/cases/my/"


# --- X-Request-Id ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "sent,kept",
    [
        ("abc-123_DEF.4:5", True),
        ("<script>alert(1)</script>", False),
        ("line\r\nInjected: yes", False),
        ("a" * 65, False),
        ("réq", False),
        ("", False),
    ],
)
def test_request_ids_are_validated_before_they_are_stored(client: Client, personas, case_a, sent, kept):
    client.force_login(personas.prosecutor_a)
    response = client.get(reverse("cases:detail", args=[case_a.pk]), headers={"X-Request-Id": sent} if sent else {})
    stored = AuditEvent.objects.filter(action="consult").latest("seq").request_id
    assert (stored == sent) is kept and response["X-Request-Id"] == stored
    assert len(stored) <= 64 and stored.replace("-", "").replace("_", "").replace(".", "").replace(":", "").isalnum()


def test_huge_ids_and_pages_are_not_server_errors(client: Client, personas):
    make_case(actor=personas.manager_a)
    client.force_login(personas.hq)
    for url, params in [
        (reverse("cases:all"), {"page": "9" * 40, "unit": "9" * 40}),
        (reverse("progression:board"), {"unit": "9" * 40}),
        (reverse("assurance:dashboard"), {"unit": "9" * 30}),
        (reverse("oversight:drill", args=["open"]), {"page": "9" * 30, "unit": "9" * 30}),
        (reverse("partners:coverage"), {"area": "9" * 30}),
    ]:
        assert client.get(url, params).status_code < 500, url
