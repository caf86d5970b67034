"""CSV export of case lists: audited with a justification and recipient, and formula-safe."""

from __future__ import annotations

import csv
import io

import pytest
from django.urls import reverse

from casework.audit.models import AuditEvent
from casework.cases.exports import spreadsheet_safe
from tests.factories import Personas, make_case


@pytest.fixture(autouse=True)
def _plain_http(settings) -> None:
    settings.SECURE_SSL_REDIRECT = False
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("=SUM(A1)", "'=SUM(A1)"),
        ("+1", "'+1"),
        ("-2", "'-2"),
        ("@x", "'@x"),
        ("\tx", "'\tx"),
        ("\rx", "'\rx"),
        ("Op Oak", "Op Oak"),
        ("", ""),
        (None, ""),
    ],
)
def test_spreadsheet_safe(value, expected) -> None:
    assert spreadsheet_safe(value) == expected


def test_unit_export_is_audited_and_formula_safe(client, personas: Personas) -> None:
    make_case(actor=personas.manager_a, operation_name='=HYPERLINK("http://x")')
    make_case(actor=personas.manager_a, operation_name="Operation Elm")
    client.force_login(personas.manager_a)
    response = client.get(reverse("cases:unit"), {"format": "csv", "q": ""})
    assert response.status_code == 200 and response["Content-Type"].startswith("text/csv")
    rows = list(csv.reader(io.StringIO(response.content.decode())))
    assert rows[0][:3] == ["URN", "Operation", "Stage"]
    operations = {row[1] for row in rows[1:]}
    assert operations == {'\'=HYPERLINK("http://x")', "Operation Elm"}
    event = AuditEvent.objects.filter(action="export").latest("seq")
    assert event.actor_id == personas.manager_a.pk
    assert event.justification == "Legal manager: Unit case list export"
    assert event.recipient == "Manager Persona (manager.a)"
    assert "2 cases" in event.subject_label


def test_export_respects_filters_and_visibility(client, personas: Personas, case_a, case_b) -> None:
    client.force_login(personas.hq)
    response = client.get(reverse("cases:all_export"), {"unit": personas.unit_b.pk})
    body = response.content.decode()
    assert case_b.urn in body and case_a.urn not in body
    assert "unit=" in AuditEvent.objects.filter(action="export").latest("seq").subject_label
    client.force_login(personas.prosecutor_a)
    body = client.get(reverse("cases:my_export")).content.decode()
    assert case_a.urn in body and case_b.urn not in body


@pytest.mark.parametrize("persona", ["police_x", "admin", "prosecutor_b", "hq"])
def test_unit_export_denied_to_others(client, personas: Personas, case_a, persona: str) -> None:
    client.force_login(getattr(personas, persona))
    assert client.get(reverse("cases:unit_export")).status_code == 404
    assert not AuditEvent.objects.filter(action="export").exists()


def test_export_needs_sign_in(client, db) -> None:
    assert client.get(reverse("cases:all_export")).status_code == 302
