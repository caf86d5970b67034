"""s.62 exports: audit roles only, filters by person, case and period, streamed, audited and
formula-safe."""

from __future__ import annotations

import csv
import io
import json

import pytest
from django.urls import reverse

from casework.audit.models import AuditEvent
from casework.cases import services as case_services
from casework.core import clock
from tests.oversight.conftest import FORMULA

pytestmark = pytest.mark.django_db

WHY = {"justification": "Complaint investigation 2026/14"}


def _body(response) -> str:
    return b"".join(response.streaming_content).decode()


def test_case_export_lists_only_s62_events_of_that_case_and_is_audited(client_as, personas, known):
    two = known["two"]
    case_services.case_open(actor=personas.manager_a, case_id=two.pk, justification=FORMULA)
    before = AuditEvent.objects.count()
    response = client_as("inspector").post(reverse("oversight:s62"), {**WHY, "case_urn": two.urn, "fmt": "csv"})
    assert response.status_code == 200 and response.streaming
    rows = list(csv.DictReader(io.StringIO(_body(response))))
    assert rows and {row["case_id"] for row in rows} == {str(two.pk)}
    assert {row["action"] for row in rows} <= {"collect", "alter", "consult", "disclose", "combine", "erase"}
    reasons = {row["justification"] for row in rows}
    assert "'" + FORMULA in reasons and FORMULA not in reasons  # formula-safe
    export = AuditEvent.objects.filter(seq__gt=before, action="export").get()
    assert export.justification == WHY["justification"] and two.urn in export.subject_label


def test_person_and_period_filters_as_json_lines(client_as, personas, known):
    today = clock.today().isoformat()
    response = client_as("hq").post(
        reverse("oversight:s62"),
        {**WHY, "person": "manager.a", "date_from": today, "date_to": today, "fmt": "json"},
    )
    lines = [json.loads(line) for line in _body(response).splitlines()]
    assert lines and {line["actor_id"] for line in lines} == {personas.manager_a.pk}
    assert all(line["occurred_at"].startswith(today) or line["occurred_at"][:10] <= today for line in lines)


def test_unit_head_sees_only_their_units_events(client_as, personas, known):
    ok = client_as("unithead_a").post(reverse("oversight:s62"), {**WHY, "case_urn": known["one"].urn, "fmt": "csv"})
    assert ok.status_code == 200 and ok.streaming
    refused = client_as("unithead_a").post(reverse("oversight:s62"), {**WHY, "case_urn": known["b"].urn, "fmt": "csv"})
    assert not getattr(refused, "streaming", False) and b"Not found." in refused.content


def test_a_filter_and_a_justification_are_required(client_as, known):
    response = client_as("inspector").post(reverse("oversight:s62"), {**WHY, "fmt": "csv"})
    assert b"Choose a person, a case or a period" in response.content
    response = client_as("inspector").post(reverse("oversight:s62"), {"case_urn": known["one"].urn, "fmt": "csv"})
    assert not getattr(response, "streaming", False)
    assert not AuditEvent.objects.filter(action="export").exists()


@pytest.mark.parametrize(
    "persona",
    ["prosecutor_a", "paralegal_a", "manager_a", "area_leader_a", "prosecutor_b", "police_x", "police_y", "admin"],
)
def test_s62_export_is_404_for_non_audit_roles(client_as, known, persona):
    client = client_as(persona)
    assert client.get(reverse("oversight:s62")).status_code == 404
    assert client.post(reverse("oversight:s62"), {**WHY, "case_urn": known["one"].urn, "fmt": "csv"}).status_code == 404
