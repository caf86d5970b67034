"""CSV export of case lists: audited with a justification and recipient, and formula-safe."""

from __future__ import annotations

import csv
import io

import pytest
from django.urls import reverse

from casework.audit.models import AuditEvent
from casework.core import clock
from casework.core.spreadsheets import spreadsheet_safe
from tests.factories import DISCLOSURE, Personas, break_export_rows, export_post, make_case


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


def body_of(response) -> str:
    assert response.streaming, "the export is streamed, not built in memory"
    return b"".join(response.streaming_content).decode()


def test_unit_export_is_audited_and_formula_safe(client, personas: Personas) -> None:
    make_case(actor=personas.manager_a, operation_name='=HYPERLINK("http://x")')
    make_case(actor=personas.manager_a, operation_name="Operation Elm")
    client.force_login(personas.manager_a)
    response = export_post(client, reverse("cases:unit_export"))
    assert response.status_code == 200 and response["Content-Type"].startswith("text/csv")
    rows = list(csv.reader(io.StringIO(body_of(response))))
    assert rows[0][:3] == ["URN", "Operation", "Stage"]
    operations = {row[1] for row in rows[1:]}
    assert operations == {'\'=HYPERLINK("http://x")', "Operation Elm"}
    event = AuditEvent.objects.filter(action="disclose").latest("seq")
    assert event.actor_id == personas.manager_a.pk
    assert event.justification == DISCLOSURE["purpose"] and event.recipient == DISCLOSURE["recipient"]
    assert "2 cases" in event.subject_label and len(event.changes_dict["cases"][1]) == 2


def test_export_respects_filters_and_visibility(client, personas: Personas, case_a, case_b) -> None:
    client.force_login(personas.hq)
    response = export_post(client, reverse("cases:all_export"), {"unit": personas.unit_b.pk})
    body = body_of(response)
    assert case_b.urn in body and case_a.urn not in body
    event = AuditEvent.objects.filter(action="disclose").latest("seq")
    assert "unit=" in event.subject_label and event.changes_dict["cases"] == [None, [case_b.pk]]
    client.force_login(personas.prosecutor_a)
    body = body_of(export_post(client, reverse("cases:my_export")))
    assert case_a.urn in body and case_b.urn not in body


@pytest.mark.parametrize("persona", ["police_x", "admin", "prosecutor_b", "hq"])
def test_unit_export_denied_to_others(client, personas: Personas, case_a, persona: str) -> None:
    client.force_login(getattr(personas, persona))
    assert client.get(reverse("cases:unit_export")).status_code == 404
    assert export_post(client, reverse("cases:unit_export")).status_code == 404
    assert not AuditEvent.objects.filter(action="disclose").exists()


def test_export_needs_sign_in(client, db) -> None:
    assert client.get(reverse("cases:all_export")).status_code == 302


def test_export_streams_in_chunks_and_is_audited_once(client, personas: Personas, monkeypatch) -> None:
    from casework.cases import exports

    monkeypatch.setattr(exports, "CHUNK_SIZE", 2)
    cases = [make_case(actor=personas.manager_a) for _ in range(5)]
    client.force_login(personas.manager_a)
    response = export_post(client, reverse("cases:unit_export"))
    rows = list(csv.reader(io.StringIO(body_of(response))))
    assert {row[0] for row in rows[1:]} == {case.urn for case in cases}
    events = AuditEvent.objects.filter(action="disclose")
    assert events.count() == 1 and "5 cases" in events.get().subject_label


def test_export_over_the_limit_asks_to_filter(client, personas: Personas, settings) -> None:
    settings.CASE_EXPORT_MAX_ROWS = 2
    for name in ("Elm", "Oak", "Ash"):
        make_case(actor=personas.manager_a, operation_name=f"Operation {name}")
    client.force_login(personas.manager_a)
    response = export_post(client, reverse("cases:unit_export"), {"q": "Operation"})
    assert response.status_code == 302 and response["Location"] == reverse("cases:unit") + "?q=Operation"
    html = client.get(response["Location"]).content.decode()
    assert "This list has 3 cases, more than the 2 one export may hold" in html
    assert "Filter the list" in html
    assert not AuditEvent.objects.filter(action="disclose").exists()
    # Filtered down to the limit, the export goes ahead.
    response = export_post(client, reverse("cases:unit_export"), {"q": "Elm"})
    assert response.status_code == 200 and "Operation Elm" in body_of(response)
    assert "1 case (" in AuditEvent.objects.get(action="disclose").subject_label


def test_export_limit_defaults_to_100000(settings) -> None:
    from casework.cases import exports

    del settings.CASE_EXPORT_MAX_ROWS
    assert exports.max_rows() == 100_000


def test_export_sends_its_header_first_then_blocks_of_rows(client, personas: Personas, monkeypatch) -> None:
    """The download starts with the header alone (at once), then one chunk per CHUNK_SIZE rows; each
    row reads as the case list shows it: stage label, lawyer's name or blank, unit, UK time."""
    from casework.cases import exports

    monkeypatch.setattr(exports, "CHUNK_SIZE", 2)
    lawyer = personas.prosecutor_a
    allocated = make_case(actor=personas.manager_a, operation_name="-Operation Elm", allocated_lawyer_id=lawyer.pk)
    for _ in range(2):
        make_case(actor=personas.manager_a, operation_name="Operation Ash")
    client.force_login(personas.manager_a)
    response = export_post(client, reverse("cases:unit_export"))
    chunks = [chunk.decode() for chunk in response.streaming_content]
    assert chunks[0] == ",".join(exports.HEADER) + "\r\n"
    assert [chunk.count("\r\n") for chunk in chunks[1:]] == [2, 1]
    rows = {row[0]: row for row in csv.reader(io.StringIO("".join(chunks[1:])))}
    elm = rows[allocated.urn]
    assert elm[1] == "'-Operation Elm" and elm[2] == "Pre-charge advice" and elm[3] == lawyer.display_name
    assert elm[4] == personas.unit_a.name and elm[5] == clock.local(allocated.updated_at).strftime("%Y-%m-%d %H:%M")
    assert {row[3] for urn, row in rows.items() if urn != allocated.urn} == {""}


@pytest.mark.parametrize(
    ("utc", "uk"),
    [
        ("2026-03-29 00:59:59", "2026-03-29 00:59"),  # the last minute of GMT
        ("2026-03-29 01:00:00", "2026-03-29 02:00"),  # British Summer Time starts at 01:00 UTC
        ("2026-07-01 12:30:00", "2026-07-01 13:30"),
        ("2026-10-25 00:59:00", "2026-10-25 01:59"),  # the last minute of BST
        ("2026-10-25 01:00:00", "2026-10-25 01:00"),  # back to GMT
        ("2026-12-31 23:59:00", "2026-12-31 23:59"),
    ],
)
def test_export_times_are_uk_local_either_side_of_the_clock_change(
    client, personas: Personas, utc: str, uk: str
) -> None:
    """The export looks up the UK offset once per UTC hour: each side of both clock changes must
    still read as the case list shows the time."""
    import datetime as dt

    from casework.cases.models import Case

    case = make_case(actor=personas.manager_a, operation_name="Operation Yew")
    instant = dt.datetime.fromisoformat(utc).replace(tzinfo=dt.UTC)
    Case.objects.filter(pk=case.pk).update(updated_at=instant)
    assert clock.local(instant).strftime("%Y-%m-%d %H:%M") == uk
    client.force_login(personas.manager_a)
    rows = list(csv.reader(io.StringIO(body_of(export_post(client, reverse("cases:unit_export"))))))
    assert rows[1][0] == case.urn and rows[1][5] == uk


def test_a_case_added_after_the_event_was_written_does_not_leave(client, personas: Personas, monkeypatch) -> None:
    """The event names the cases before any row is read; a case made in between is not sent."""
    from casework.core import streaming

    listed = make_case(actor=personas.manager_a, operation_name="Operation Elm")
    read_ids = streaming.column
    late = []

    def ids_then_a_new_case(queryset):
        ids = read_ids(queryset)
        late.append(make_case(actor=personas.manager_a, operation_name="Operation Late"))
        return ids

    monkeypatch.setattr(streaming, "column", ids_then_a_new_case)
    client.force_login(personas.manager_a)
    body = body_of(export_post(client, reverse("cases:unit_export")))
    assert listed.urn in body and late[0].urn not in body
    assert AuditEvent.objects.get(action="disclose").changes_dict["cases"] == [None, [listed.pk]]


def test_a_failure_part_way_breaks_the_download_and_keeps_the_event(client, personas: Personas, monkeypatch) -> None:
    from django.db import DatabaseError

    make_case(actor=personas.manager_a)
    break_export_rows(monkeypatch)
    client.force_login(personas.manager_a)
    response = export_post(client, reverse("cases:unit_export"))
    assert response.streaming
    chunks = iter(response.streaming_content)
    assert next(chunks).decode().startswith("URN,")
    with pytest.raises(DatabaseError):
        next(chunks)  # the download breaks off: no file that looks whole but is not
    assert AuditEvent.objects.filter(action="disclose").count() == 1


def test_the_event_names_each_exported_case_in_order_of_id(client, personas: Personas) -> None:
    cases = [make_case(actor=personas.manager_a) for _ in range(3)]
    client.force_login(personas.manager_a)
    rows = list(csv.reader(io.StringIO(body_of(export_post(client, reverse("cases:unit_export"))))))
    assert {row[0] for row in rows[1:]} == {case.urn for case in cases}
    assert AuditEvent.objects.get(action="disclose").changes_dict["cases"][1] == sorted(case.pk for case in cases)
