"""XLSX and CSV exports of the oversight dashboard: the figures of the page, an audited `export`
with why and to whom, neutralised formulas, and a 404 for anyone without the dashboard."""

from __future__ import annotations

import io

import pytest
from django.urls import reverse
from openpyxl import load_workbook

from casework.audit.models import AuditEvent
from casework.core.spreadsheets import CONTENT_TYPES
from tests.oversight.conftest import DASHBOARD_ROLES, FORMULA, NO_DASHBOARD

pytestmark = pytest.mark.django_db

REASON = {"justification": "Quarterly assurance report", "recipient": "Chief Executive's office"}


def _sheets(body: bytes) -> dict[str, list[tuple]]:
    workbook = load_workbook(io.BytesIO(body))
    return {sheet.title: list(sheet.iter_rows(values_only=True)) for sheet in workbook.worksheets}


def test_xlsx_holds_the_dashboard_tables_and_is_audited(personas, known, client_as):
    before = AuditEvent.objects.filter(action="export").count()
    response = client_as("hq").post(reverse("oversight:dashboard_export", args=["xlsx"]), REASON)
    assert response.status_code == 200
    assert response["Content-Type"] == CONTENT_TYPES["xlsx"]
    assert "attachment" in response["Content-Disposition"]
    sheets = _sheets(response.content)
    assert {"Units", "Areas", "By rule", "Trend", "Case mix"} <= set(sheets)
    units = {row[0]: row for row in sheets["Units"][1:]}
    header = sheets["Units"][0]
    a = dict(zip(header, units[personas.unit_a.name], strict=True))
    assert (a["Open cases"], a["Deadlines met"], a["Deadlines missed"], a["Not met"]) == (3, 1, 2, 2)
    assert units["Total"][header.index("Open cases")] == 4
    rules = {row[0]: row for row in sheets["By rule"][1:]}
    assert rules["acceptance.basis"][3:5] == (4, 3)
    assert len(sheets["Trend"]) == 1 + 12
    event = AuditEvent.objects.filter(action="export").order_by("-seq").first()
    assert AuditEvent.objects.filter(action="export").count() == before + 1
    assert event.subject_type == "oversight.dashboard"
    assert (event.justification, event.recipient) == (REASON["justification"], REASON["recipient"])


def test_csv_export_of_one_unit_neutralises_formulas(personas, known, client_as):
    personas.unit_a.name = FORMULA
    personas.unit_a.save(update_fields=["name"])
    url = reverse("oversight:dashboard_export", args=["csv"]) + f"?unit={personas.unit_a.pk}"
    response = client_as("manager_a").post(url, REASON)
    assert response.status_code == 200
    assert response["Content-Type"] == CONTENT_TYPES["csv"]
    text = response.content.decode()
    assert f"'{FORMULA}".replace('"', '""') in text
    assert "\n=" not in text and not text.startswith("=")
    assert "North East" not in text  # unit B is outside a unit A manager's scope


def test_xlsx_cells_that_would_run_as_formulas_are_text(personas, known, client_as):
    personas.unit_a.name = FORMULA
    personas.unit_a.save(update_fields=["name"])
    response = client_as("hq").post(reverse("oversight:dashboard_export", args=["xlsx"]), REASON)
    names = [row[0] for row in _sheets(response.content)["Units"][1:]]
    assert f"'{FORMULA}" in names
    assert not any(isinstance(name, str) and name.startswith("=") for name in names)


def test_export_needs_a_justification_and_a_recipient(personas, known, client_as):
    before = AuditEvent.objects.filter(action="export").count()
    response = client_as("hq").post(reverse("oversight:dashboard_export", args=["xlsx"]), {"justification": ""})
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/html")
    assert "Error:" in response.content.decode()
    assert AuditEvent.objects.filter(action="export").count() == before


@pytest.mark.parametrize("persona", DASHBOARD_ROLES)
def test_dashboard_roles_get_the_export_form(personas, known, client_as, persona):
    response = client_as(persona).get(reverse("oversight:dashboard_export", args=["xlsx"]))
    assert response.status_code == 200
    assert "Export the oversight dashboard (XLSX)" in response.content.decode()


@pytest.mark.parametrize("persona", NO_DASHBOARD)
def test_roles_without_the_dashboard_get_404_and_nothing_is_audited(personas, known, client_as, persona):
    before = AuditEvent.objects.filter(action="export").count()
    url = reverse("oversight:dashboard_export", args=["xlsx"])
    assert client_as(persona).get(url).status_code == 404
    assert client_as(persona).post(url, REASON).status_code == 404
    assert AuditEvent.objects.filter(action="export").count() == before


def test_unknown_format_and_foreign_unit_are_404(personas, known, client_as):
    assert client_as("hq").get(reverse("oversight:dashboard_export", args=["pdf"])).status_code == 404
    url = reverse("oversight:dashboard_export", args=["csv"]) + f"?unit={personas.unit_b.pk}"
    assert client_as("manager_a").post(url, REASON).status_code == 404
