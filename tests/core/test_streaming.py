"""The streamed-CSV helpers every large export shares: UK times from UTC text, names read once,
the header first, and rows kept to the cases a disclosure event names."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest

from casework.cases.models import Case
from casework.core import clock, streaming
from casework.people import selectors as people
from tests.factories import Personas, make_case


@pytest.mark.parametrize(
    ("utc", "uk"),
    [
        ("2026-03-29 00:59:59", "2026-03-29 00:59"),
        ("2026-03-29 01:00:00.123456", "2026-03-29 02:00"),  # BST starts at 01:00 UTC
        ("2026-10-25 00:59:00", "2026-10-25 01:59"),
        ("2026-10-25 01:00:00+00", "2026-10-25 01:00"),  # PostgreSQL's text carries "+00"
        ("2026-12-31 23:59:00", "2026-12-31 23:59"),
        ("2027-06-30 23:30:00", "2027-07-01 00:30"),  # the local date moves on too
    ],
)
def test_local_minutes_reads_uk_time_from_utc_text(utc: str, uk: str) -> None:
    convert = streaming.local_minutes()
    assert convert(utc) == uk
    assert convert(utc) == uk  # the second time from the hour table


def test_local_minutes_converts_row_by_row_where_the_offset_is_not_whole_hours(monkeypatch) -> None:
    monkeypatch.setattr(clock, "LONDON", ZoneInfo("Asia/Kolkata"))  # +05:30
    convert = streaming.local_minutes()
    assert convert("2026-01-01 20:45:00") == "2026-01-02 02:15"
    assert convert("2026-01-01 20:10:00") == "2026-01-02 01:40"


def test_utc_text_reads_the_stored_instant_in_utc(personas: Personas) -> None:
    case = make_case(actor=personas.manager_a)
    instant = dt.datetime(2026, 7, 1, 12, 30, 15, tzinfo=dt.UTC)
    Case.objects.filter(pk=case.pk).update(updated_at=instant)
    rows = Case.objects.filter(pk=case.pk).annotate(text=streaming.utc_text("updated_at")).values_list("text")
    [[text]] = [row for block in streaming.cursor_blocks(rows) for row in block]
    assert text.startswith("2026-07-01 12:30")
    assert streaming.local_minutes()(text) == clock.local(instant).strftime("%Y-%m-%d %H:%M")


def test_name_tables_are_formula_safe_and_read_a_newcomer_alone(personas: Personas, django_assert_num_queries) -> None:
    from casework.people.models import User

    lawyers = people.lawyer_names()
    assert lawyers[personas.prosecutor_a.pk] == personas.prosecutor_a.display_name and lawyers[None] == ""
    newcomer = User.objects.create(username="newcomer", first_name="=Ada", last_name="Lovelace")
    with django_assert_num_queries(1):
        assert lawyers[newcomer.pk] == "'=Ada Lovelace"
    with django_assert_num_queries(0):
        assert lawyers[newcomer.pk] == "'=Ada Lovelace"
    assert lawyers[10**9] == ""  # gone: blank, as a case without a lawyer
    assert people.unit_names()[personas.unit_a.pk] == personas.unit_a.name


def test_csv_lines_send_the_header_alone_then_a_chunk_per_block() -> None:
    chunks = list(streaming.csv_lines(["A", "B"], [[("1", "x,y")], [], [("2", "z"), ("3", "")]]))
    assert chunks == ["A,B\r\n", '1,"x,y"\r\n', "2,z\r\n3,\r\n"]


def test_only_disclosed_keeps_the_rows_the_event_names() -> None:
    blocks = [[(1, "a"), (2, "b")], [(3, "c")]]
    assert list(streaming.only_disclosed(blocks, {1, 3})) == [[(1, "a")], [(3, "c")]]
