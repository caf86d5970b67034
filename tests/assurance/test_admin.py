"""Admin: rule and checkpoint versions are read-only; a new rule version is published through the
service (validated JSON); exemptions, waivers and sign-offs are read-only; only administrators."""

from __future__ import annotations

import json

import pytest
from django.urls import reverse

from casework.assurance.models import AssuranceRule, Checkpoint
from casework.audit.models import AuditEvent

pytestmark = pytest.mark.django_db


def _rule():
    return AssuranceRule.objects.get(code="review.current", version=1)


def _form(rule, **changes):
    data = {
        "effective_from": "2030-01-01",
        "title": rule.title,
        "statement": rule.statement,
        "source": rule.source,
        "scope": rule.scope,
        "severity": rule.severity,
        "evaluator": rule.evaluator,
        "stages": json.dumps(rule.stages),
        "categories": json.dumps(rule.categories),
        "parameters": json.dumps(rule.parameters),
    }
    data.update(changes)
    return data


@pytest.mark.parametrize("model", ["assurancerule", "checkpoint"])
def test_lists_are_visible_and_nothing_can_be_added(client_as, model):
    client = client_as("admin")
    assert client.get(reverse(f"admin:assurance_{model}_changelist")).status_code == 200
    assert client.get(reverse(f"admin:assurance_{model}_add")).status_code == 403


def test_existing_versions_cannot_be_changed_or_deleted(client_as):
    client = client_as("admin")
    rule, checkpoint = _rule(), Checkpoint.objects.first()
    page = client.get(reverse("admin:assurance_assurancerule_change", args=[rule.pk])).content.decode()
    assert 'name="title"' not in page  # read-only view
    response = client.post(reverse("admin:assurance_assurancerule_change", args=[rule.pk]), {"title": "Rewritten"})
    assert response.status_code == 403
    assert (
        client.post(reverse("admin:assurance_assurancerule_delete", args=[rule.pk]), {"post": "yes"}).status_code == 403
    )
    assert (
        client.post(reverse("admin:assurance_checkpoint_delete", args=[checkpoint.pk]), {"post": "yes"}).status_code
        == 403
    )
    assert _rule().title != "Rewritten"


def test_publish_a_new_version(client_as):
    client = client_as("admin")
    rule = _rule()
    url = reverse("admin:assurance_assurancerule_publish", args=[rule.pk])
    assert client.get(url).status_code == 200
    response = client.post(url, _form(rule, parameters=json.dumps({"max_days_between_reviews": 60})))
    assert response.status_code == 302
    new = AssuranceRule.objects.get(code="review.current", version=2)
    assert new.parameters == {"max_days_between_reviews": 60} and str(new.effective_from) == "2030-01-01"
    old = _rule()
    assert old.parameters == {"max_days_between_reviews": 90} and str(old.effective_to) == "2030-01-01"
    assert AuditEvent.objects.order_by("-seq").first().action == "config_change"


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"parameters": "{not json"}, "Not valid JSON"),
        ({"stages": '{"a": 1}'}, "Enter a JSON list"),
        ({"parameters": "[1, 2]"}, "Enter a JSON object"),
        ({}, "Nothing changed"),
        ({"title": "Changed", "effective_from": "2000-01-01"}, "Choose a date after"),
    ],
)
def test_publish_refuses_bad_input(client_as, changes, message):
    rule = _rule()
    response = client_as("admin").post(
        reverse("admin:assurance_assurancerule_publish", args=[rule.pk]), _form(rule, **changes)
    )
    assert response.status_code == 200 and message in response.content.decode()
    assert AssuranceRule.objects.filter(code="review.current").count() == 1


@pytest.mark.parametrize("persona", ["manager_a", "unithead_a", "hq", "inspector", "prosecutor_a", "police_x"])
def test_admin_is_closed_to_everyone_else(client_as, persona):
    rule = _rule()
    response = client_as(persona).get(reverse("admin:assurance_assurancerule_publish", args=[rule.pk]))
    if persona == "police_x":  # police reach only the police portal: everything else is a 404
        assert response.status_code == 404
        return
    assert response.status_code == 302 and "/login/" in response["Location"]
