"""The failing-rule export (the drill-down's CSV and XLSX): streamed, its disclosure written before
any row leaves, its rows as the drill-down shows them, and a failure part way handled as the case
list export handles it."""

from __future__ import annotations

import csv
import datetime as dt
import io

import pytest
from django.db import DatabaseError
from django.urls import reverse
from openpyxl import load_workbook

from casework.assurance import exports
from casework.audit.models import AuditEvent
from casework.core import clock, streaming
from tests.factories import break_export_rows, export_post, make_case, make_failing_verdict

pytestmark = pytest.mark.django_db

RULE = "acceptance.basis"


def _failing(case, **kwargs):
    return make_failing_verdict(case, rule_code=RULE, **kwargs)


@pytest.fixture
def failing(personas):
    lawyer = personas.prosecutor_a
    first = make_case(actor=personas.manager_a, operation_name="Operation Elm", allocated_lawyer_id=lawyer.pk)
    second = make_case(actor=personas.manager_a, operation_name="@Operation Ash")
    return [_failing(first, start=clock.now() - dt.timedelta(days=9)), _failing(second, reason="=1+1")]


def _url(fmt: str = "csv") -> str:
    return reverse("assurance:rule_failing_export", args=[RULE, fmt])


def test_the_csv_is_streamed_header_first_with_the_drill_downs_rows(client_as, personas, failing) -> None:
    response = export_post(client_as("manager_a"), _url())
    assert response.status_code == 200 and response.streaming
    assert response["Content-Disposition"] == f'attachment; filename="assurance-{RULE}.csv"'
    chunks = [chunk.decode() for chunk in response.streaming_content]
    assert chunks[0] == ",".join(exports.FAILING_HEADER) + "\r\n"
    rows = list(csv.reader(io.StringIO("".join(chunks[1:]))))
    # The longest failing first, every column as the drill-down shows it, formula-safe.
    elm, ash = (verdict.case for verdict in failing)
    assert rows == [
        [
            elm.urn,
            "Operation Elm",
            personas.unit_a.name,
            elm.get_stage_display(),
            personas.prosecutor_a.display_name,
            "No acceptance basis is recorded.",
            "'+Record the basis",
            f"{RULE}@v1",
            clock.local(failing[0].valid_from).strftime("%Y-%m-%d %H:%M"),
        ],
        [
            ash.urn,
            "'@Operation Ash",
            personas.unit_a.name,
            ash.get_stage_display(),
            "",
            "'=1+1",
            "'+Record the basis",
            f"{RULE}@v1",
            clock.local(failing[1].valid_from).strftime("%Y-%m-%d %H:%M"),
        ],
    ]


def _text(response) -> str:
    """The download's cells as text: the CSV itself, or every cell of the workbook's sheet."""
    body = b"".join(response.streaming_content)
    if response["Content-Type"].startswith("text/csv"):
        return body.decode()
    sheet = load_workbook(io.BytesIO(body), read_only=True).active
    return "\n".join(",".join(str(cell) for cell in row) for row in sheet.iter_rows(values_only=True))


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_the_disclosure_is_written_before_the_first_row_leaves(client_as, personas, failing, fmt) -> None:
    response = export_post(client_as("manager_a"), _url(fmt))
    assert response.streaming
    event = AuditEvent.objects.get(action="disclose")  # before any of the body is read
    assert event.changes_dict["cases"] == [None, sorted(v.case_id for v in failing)]
    assert event.subject_label.endswith(f"({fmt.upper()}, 2 rows)") and RULE in event.subject_label
    next(iter(response.streaming_content))  # only the header (and for the XLSX, the workbook's parts)


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_a_case_failing_after_the_event_was_written_does_not_leave(
    client_as, personas, failing, monkeypatch, fmt
) -> None:
    read_ids = streaming.column
    late = make_case(actor=personas.manager_a, operation_name="Operation Late")

    def ids_then_a_new_failure(queryset):
        ids = read_ids(queryset)
        _failing(late)  # lands between the event and the read of the rows
        return ids

    monkeypatch.setattr(streaming, "column", ids_then_a_new_failure)
    body = _text(export_post(client_as("manager_a"), _url(fmt)))
    assert late.urn not in body and all(v.case.urn in body for v in failing)
    assert late.pk not in AuditEvent.objects.get(action="disclose").changes_dict["cases"][1]


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_a_failure_part_way_breaks_the_download_and_keeps_the_event(
    client_as, personas, failing, monkeypatch, fmt
) -> None:
    break_export_rows(monkeypatch)
    response = export_post(client_as("manager_a"), _url(fmt))
    chunks = iter(response.streaming_content)
    assert next(chunks).startswith(b"URN," if fmt == "csv" else b"PK\x03\x04")
    with pytest.raises(DatabaseError):
        next(chunks)  # the download breaks off: no file that looks whole but is not
    assert AuditEvent.objects.filter(action="disclose").count() == 1  # the header and event stand


def test_the_xlsx_holds_the_same_rows_and_its_event(client_as, personas, failing) -> None:
    client = client_as("manager_a")
    csv_rows = list(csv.reader(io.StringIO(b"".join(export_post(client, _url()).streaming_content).decode())))
    response = export_post(client, _url("xlsx"))
    assert response.streaming and response["Content-Type"].startswith("application/vnd.openxmlformats")
    assert response["Content-Disposition"] == f'attachment; filename="assurance-{RULE}.xlsx"'
    sheet = load_workbook(io.BytesIO(b"".join(response.streaming_content))).active
    assert sheet.title == f"Not met {RULE}"
    # An empty cell reads back as None.
    assert [["" if cell is None else cell for cell in row] for row in sheet.iter_rows(values_only=True)] == csv_rows
    event = AuditEvent.objects.filter(action="disclose").latest("seq")
    assert event.subject_label.endswith("(XLSX, 2 rows)") and len(event.changes_dict["cases"][1]) == 2


def test_the_export_keeps_to_the_readers_scope(client_as, personas, failing, case_b) -> None:
    _failing(case_b)
    body = b"".join(export_post(client_as("manager_a"), _url()).streaming_content).decode()
    assert case_b.urn not in body
    hq_body = b"".join(export_post(client_as("hq"), _url()).streaming_content).decode()
    assert case_b.urn in hq_body and all(v.case.urn in hq_body for v in failing)
