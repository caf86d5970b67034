"""The dashboard's "By lawyer" table past reads.LAWYER_TABLE_LIMIT lawyers: the page shows those with
the lowest compliance (the same rows, in the same order, from stored figures and counted live), the
export has every lawyer and starts before their names are read, and the statements a page or export
issues do not grow with the number of lawyers."""

from __future__ import annotations

import csv
import datetime as dt
import io
import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from openpyxl import load_workbook

from casework.assurance import dashboard as reads
from casework.assurance import tallies
from casework.audit.models import AuditEvent
from casework.core import clock
from casework.people.choices import RoleCode
from tests.assurance.test_dashboard import _period, known  # noqa: F401 - the fixture is used by name
from tests.factories import make_case, make_user

pytestmark = pytest.mark.django_db

LIMIT = reads.LAWYER_TABLE_LIMIT
#: Lawyers always at 100%, beyond the four below them: the table's last places are cut from these, by name.
MET = LIMIT + 1


def _lawyer(personas, last_name: str, first_name: str = "Ann"):
    username = f"{first_name}.{last_name}".lower()
    return make_user(username, RoleCode.PROSECUTOR, unit=personas.unit_a, first_name=first_name, last_name=last_name)


def _case(personas, lawyer, *outcomes: str):
    """A unit A case of the lawyer with current verdicts of acceptance.basis and psd.present."""
    case = make_case(actor=personas.manager_a, operation_name=lawyer.last_name, allocated_lawyer_id=lawyer.pk)
    start = clock.now() - dt.timedelta(minutes=1)
    for code, outcome in zip(("acceptance.basis", "psd.present"), outcomes, strict=True):
        _period(case, code, outcome, start=start)
    return case


@pytest.fixture
def lawyers(personas):
    """LIMIT + 5 lawyers in unit A, by compliance:

    Bravo, Alpha: 0% (2 not met each)        -> first, by name
    Charlie: 50%, 2 not met (two cases)      -> then, most not met first
    Delta: 50%, 1 not met
    Met00 ... Met25: 100%                    -> the rest of the places, by name
    """
    for name in ("Bravo", "Alpha"):
        _case(personas, _lawyer(personas, name), "not_met", "not_met")
    charlie = _lawyer(personas, "Charlie")
    _case(personas, charlie, "not_met", "met")
    _case(personas, charlie, "met", "not_met")
    _case(personas, _lawyer(personas, "Delta"), "met", "not_met")
    # Made in reverse name order, so neither ids nor insertion order give the name order.
    for index in reversed(range(MET)):
        _case(personas, _lawyer(personas, f"Met{index:02d}"), "met", "exempt")
    return 4 + MET


EXPECTED_SHOWN = ["Ann Alpha", "Ann Bravo", "Ann Charlie", "Ann Delta"] + [
    f"Ann Met{index:02d}" for index in range(LIMIT - 4)
]
EVERY_LAWYER_BY_NAME = ["Ann Alpha", "Ann Bravo", "Ann Charlie", "Ann Delta"] + [
    f"Ann Met{index:02d}" for index in range(MET)
]


def _both(user, unit_id=None) -> tuple[reads.Dashboard, reads.Dashboard]:
    scope = reads.dashboard_scope(user=user, unit_id=unit_id)
    tallies.refresh()
    stored, live = reads.dashboard(user=user, scope=scope), reads.dashboard(user=user, scope=scope, live=True)
    assert stored.stored and not live.stored
    return stored, live


@pytest.mark.parametrize("persona", ["manager_a", "hq"])
def test_past_the_limit_the_lowest_compliance_is_shown_first(personas, lawyers, persona):
    for data in _both(getattr(personas, persona)):
        assert data.lawyers_total == lawyers and data.lawyers_trimmed
        assert [row["label"] for row in data.by_lawyer] == EXPECTED_SHOWN
        charlie, delta = data.by_lawyer[2], data.by_lawyer[3]
        assert (charlie["percent"], charlie["not_met"], delta["percent"], delta["not_met"]) == (50, 2, 50, 1)
    stored, live = _both(getattr(personas, persona))
    assert stored.by_lawyer == live.by_lawyer


def test_the_page_captions_the_cut_and_links_to_every_lawyer(client_as, personas, lawyers):
    tallies.refresh()
    page = client_as("manager_a").get(reverse("assurance:dashboard")).content.decode()
    table = page[page.index('id="by-lawyer"') : page.index("</table>", page.index('id="by-lawyer"'))]
    assert f"By prosecutor: the {LIMIT} lawyers with the lowest compliance, of {lawyers}</caption>" in table
    assert re.findall(r'<th scope="row" class="govuk-table__header">([^<]*)</th>', table) == EXPECTED_SHOWN
    # Sorted by compliance now, not by name: the header says so to assistive technology.
    assert re.search(r'aria-sort="ascending">Compliance</th>', table)
    assert 'aria-sort="ascending">Lawyer' not in table
    note = page[page.index('id="by-lawyer-note"') : page.index('id="by-lawyer"')]
    assert f"There are {lawyers} lawyers in this view" in note
    assert reverse("assurance:dashboard_export", args=["csv"]) in note
    assert reverse("assurance:dashboard_export", args=["xlsx"]) in note


def test_the_count_in_the_caption_is_grouped_in_thousands(client_as, personas, known, monkeypatch):  # noqa: F811
    monkeypatch.setattr(reads.Dashboard, "lawyers_total", property(lambda self: 15716))
    page = client_as("manager_a").get(reverse("assurance:dashboard")).content.decode()
    assert "lowest compliance, of 15,716</caption>" in page


def test_below_the_limit_every_lawyer_is_shown_by_name(client_as, personas, known):  # noqa: F811
    for data in _both(personas.manager_a):
        assert not data.lawyers_trimmed and data.lawyers_total == 2
        assert [row["label"] for row in data.by_lawyer] == ["Unassigned", "Prosecutor Persona"]
    page = client_as("manager_a").get(reverse("assurance:dashboard")).content.decode()
    assert '<caption class="govuk-table__caption govuk-table__caption--m">By prosecutor</caption>' in page
    assert 'aria-sort="ascending">Lawyer</th>' in page and 'id="by-lawyer-note"' not in page


def _lawyers_of_csv(body: str) -> list[str]:
    rows = list(csv.reader(io.StringIO(body)))
    start = rows.index(["By lawyer"]) + 2  # the title, then the header
    end = rows.index([], start)
    return [row[0] for row in rows[start:end]]


def test_the_csv_export_streams_every_lawyer_by_name(client_as, personas, lawyers):
    tallies.refresh()
    response = client_as("manager_a").get(reverse("assurance:dashboard_export", args=["csv"]))
    assert response.status_code == 200 and response.streaming
    chunks = iter(response.streaming_content)
    with CaptureQueriesContext(connection) as before_names:
        first = next(chunks).decode()
    # The figures before the lawyers' table (and its header) leave before any lawyer is named.
    assert before_names.captured_queries == [] and "By rule" in first and "Prosecutor,Cases" in first
    body = first + b"".join(chunks).decode()
    assert _lawyers_of_csv(body) == EVERY_LAWYER_BY_NAME
    data = reads.dashboard(user=personas.manager_a, scope=reads.dashboard_scope(user=personas.manager_a, unit_id=None))
    rows = len(data.by_rule) + lawyers + len(data.by_stage) + len(data.trend)
    event = AuditEvent.objects.filter(action="export").order_by("-seq").first()
    assert f"(CSV, {rows} rows)" in event.subject_label


def test_the_xlsx_export_streams_every_lawyer_by_name(client_as, personas, lawyers):
    tallies.refresh()
    response = client_as("hq").get(reverse("assurance:dashboard_export", args=["xlsx"]))
    assert response.status_code == 200 and response.streaming
    assert response["Content-Disposition"] == 'attachment; filename="assurance-dashboard.xlsx"'
    event = AuditEvent.objects.filter(action="export").order_by("-seq").first()  # before the body is read
    assert event is not None and "Assurance dashboard" in event.subject_label and "(XLSX, " in event.subject_label
    chunks = iter(response.streaming_content)
    with CaptureQueriesContext(connection) as before_names:
        first = next(chunks)  # the workbook's parts and the start of the "By rule" sheet
        second = next(chunks)  # the rest of it, and the start of the lawyers' sheet
    # The figures before the lawyers' sheet leave before any lawyer is named.
    assert before_names.captured_queries == [] and first.startswith(b"PK\x03\x04")
    assert b"xl/worksheets/sheet1.xml" in first and b"xl/worksheets/sheet2.xml" in second
    workbook = load_workbook(io.BytesIO(first + second + b"".join(chunks)))
    assert workbook.sheetnames == ["By rule", "By lawyer", "By stage", "Trend"]
    names = [row[0] for row in workbook["By lawyer"].iter_rows(min_row=2, values_only=True)]
    assert names == EVERY_LAWYER_BY_NAME
    rows = sum(sheet.max_row - 1 for sheet in workbook.worksheets)
    assert f"(XLSX, {rows} rows)" in event.subject_label


def _statements(client, url: str) -> int:
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url)
        assert response.status_code == 200
        if response.streaming:
            b"".join(response.streaming_content)
    return len(captured.captured_queries)


@pytest.mark.parametrize("persona", ["manager_a", "hq"])
def test_statements_do_not_grow_with_the_number_of_lawyers(client_as, personas, lawyers, persona):
    client = client_as(persona)
    urls = [reverse("assurance:dashboard")] + [
        reverse("assurance:dashboard_export", args=[fmt]) for fmt in ("csv", "xlsx")
    ]
    tallies.refresh()
    before = [_statements(client, url) for url in urls]
    # More lawyers, some of them now among the lowest (so the shown rows change too).
    for index in range(10):
        _case(personas, _lawyer(personas, f"Late{index:02d}"), "not_met", "met" if index % 2 else "not_met")
    tallies.refresh()
    assert [_statements(client, url) for url in urls] == before


def test_counted_live_statements_do_not_grow_with_the_number_of_lawyers(personas, lawyers):
    scope = reads.dashboard_scope(user=personas.hq, unit_id=None)

    def counted() -> int:
        with CaptureQueriesContext(connection) as captured:
            data = reads.dashboard(user=personas.hq, scope=scope, live=True)
            assert data.by_lawyer
        return len(captured.captured_queries)

    before = counted()
    for index in range(10):
        _case(personas, _lawyer(personas, f"Late{index:02d}"), "not_met", "not_met")
    assert counted() == before


def _counts(applicable: int, not_met: int) -> dict[str, int]:
    return {"cases": 1, "applicable": applicable, "not_met": not_met, "waived": 0, "exempt": 0}


def test_ties_at_the_cut_go_by_name_and_unassigned_first(personas):
    zed, amy, bob = (_lawyer(personas, last) for last in ("Zed", "Amy", "Bob"))
    counts = {
        zed.pk: _counts(2, 1),  # 50%, 1 not met: tied with Amy, Bob and the unassigned cases
        amy.pk: _counts(2, 1),
        None: _counts(2, 1),
        bob.pk: _counts(2, 1),
        personas.prosecutor_a.pk: _counts(1, 1),  # 0%: first
        personas.prosecutor_b.pk: _counts(0, 0),  # no applicable check: last of all
    }
    labels = lambda limit: [row["label"] for row in reads.lawyer_table(counts, limit)]  # noqa: E731
    assert labels(1) == ["Prosecutor Persona"]
    assert labels(2) == ["Prosecutor Persona", "Unassigned"]
    assert labels(4) == ["Prosecutor Persona", "Unassigned", "Ann Amy", "Ann Bob"]
    assert labels(5) == ["Prosecutor Persona", "Unassigned", "Ann Amy", "Ann Bob", "Ann Zed"]
    # Up to the limit: every lawyer, by name (unassigned first), as the table always was.
    assert labels(6) == ["Unassigned", "Ann Amy", "Ann Bob", "Prosecutor Persona", "Prosecutor Persona", "Ann Zed"]
    assert labels(0) == []
    # Every row is the same row the full table has.
    full = {row["lawyer_id"]: row for row in reads.lawyer_table(counts, 6)}
    assert all(full[row["lawyer_id"]] == row for row in reads.lawyer_table(counts, 3))
