"""Open vacancies reach the unit's CSV/XLSX export (a sheet with their effect on capacity) and the
unit API; the timesheet upload uses the GOV.UK file upload component."""

from __future__ import annotations

import csv
import datetime as dt
import io
from decimal import Decimal

from django.test import Client
from django.urls import reverse
from openpyxl import load_workbook

from casework.core import clock
from casework.people.models import Grade
from casework.resourcing import services
from tests.factories import PASSWORD

SCP = "senior-crown-prosecutor"


def _client(user) -> Client:
    client = Client()
    assert client.login(username=user.username, password=PASSWORD)
    return client


def _vacancy(personas, fte: str = "1"):
    return services.vacancy_record(
        actor=personas.manager_a,
        unit=personas.unit_a,
        grade=Grade.objects.get(code=SCP),
        fte=Decimal(fte),
        since=clock.today() - dt.timedelta(days=20),
        reason='=HYPERLINK("x") retirement',
    )


def test_unit_exports_have_a_vacancies_sheet(personas, case_a) -> None:
    _vacancy(personas)
    client = _client(personas.manager_a)
    book = load_workbook(io.BytesIO(client.get(reverse("resourcing:unit_xlsx", args=[personas.unit_a.pk])).content))
    assert "Vacancies" in book.sheetnames
    rows = [[c.value for c in row] for row in book["Vacancies"].iter_rows()]
    assert rows[0] == ["Grade", "FTE", "Vacant since", "Reason", "Status"]
    assert rows[1][:2] == ["Senior Crown Prosecutor", 1.0] and rows[1][3].startswith("'=")  # formula neutralised
    assert rows[2][:2] == ["All open vacancies", 1.0] and rows[2][4] == "120.00 points if filled"
    now, filled = rows[3][4], rows[4][4]
    assert isinstance(now, int) and isinstance(filled, int) and filled < now

    text = client.get(reverse("resourcing:unit_csv", args=[personas.unit_a.pk])).content.decode()
    lines = list(csv.reader(io.StringIO(text)))
    assert ["Vacancies"] in lines and any(r and r[0] == "Senior Crown Prosecutor" and r[4] == "Open" for r in lines)


def test_unit_export_without_vacancies_says_so(personas, case_a) -> None:
    text = _client(personas.hq).get(reverse("resourcing:unit_csv", args=[personas.unit_a.pk])).content.decode()
    lines = list(csv.reader(io.StringIO(text)))
    start = lines.index(["Vacancies"])
    assert lines[start + 2][:2] == ["All open vacancies", "0.0"]


def test_unit_api_lists_vacancies_and_their_effect(personas, case_a, api_as) -> None:
    vacancy = _vacancy(personas, fte="0.5")
    body = api_as("manager_a").get(f"/resourcing/units/{personas.unit_a.pk}").json()
    assert body["vacancies"] == [
        {
            "vacancy_id": vacancy.pk,
            "grade": SCP,
            "grade_name": "Senior Crown Prosecutor",
            "fte": 0.5,
            "since": (clock.today() - dt.timedelta(days=20)).isoformat(),
            "reason": vacancy.reason,
        }
    ]
    effect = body["vacancy_effect"]
    assert effect["vacant_fte"] == 0.5 and effect["points_if_filled"] == 60.0
    assert effect["capacity_percent_now"] == body["total"]["capacity_percent"]
    # Unit B's API shows none of unit A's vacancies, and outsiders still get 404.
    assert api_as("prosecutor_b").get(f"/resourcing/units/{personas.unit_a.pk}").status_code == 404
    assert api_as("police_x").get(f"/resourcing/units/{personas.unit_a.pk}").status_code == 404


def test_timesheet_upload_uses_the_govuk_file_upload_component(personas) -> None:
    client = _client(personas.manager_a)
    page = client.get(reverse("resourcing:timesheet", args=[personas.unit_a.pk])).content.decode()
    assert 'class="govuk-file-upload"' in page and 'type="file"' in page
    assert 'class="govuk-label govuk-label--s" for="id_file"' in page
    assert 'id="id_file-hint" class="govuk-hint"' in page and 'aria-describedby="id_file-hint"' in page

    bad = io.BytesIO(b"username,case_urn,activity,week_starting,hours\nnobody,NOPE,review,2026-05-04,3\n")
    bad.name = "time.csv"
    response = client.post(reverse("resourcing:timesheet", args=[personas.unit_a.pk]), {"file": bad})
    html = response.content.decode()
    assert "govuk-form-group--error" in html and "govuk-file-upload govuk-file-upload--error" in html
    assert 'id="id_file-error" class="govuk-error-message"' in html
    assert 'aria-describedby="id_file-hint id_file-error"' in html

    unit_page = client.get(reverse("resourcing:unit", args=[personas.unit_a.pk])).content.decode()
    assert 'class="govuk-file-upload"' in unit_page
