"""The records review reads what it lists from indexes, not by walking the nation's cases: at
100,000 cases the dashboard took 290 ms for HQ, most of it two statements that read every case."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from casework.records import selectors
from casework.records.choices import RecordType
from casework.resourcing.models import RemRecord, TimeEntry
from tests.factories import make_case

from .conftest import make_old_case


def _entries(case, person, *weeks: dt.date) -> RemRecord:
    record = RemRecord.objects.create(case=case, created_at=case.created_at, updated_at=case.created_at)
    for week in weeks:
        TimeEntry.objects.create(
            record=record, person=person, week_starting=week, activity="review", hours=3, recorded_at=case.created_at
        )
    return record


def test_old_time_records_are_listed_per_record_with_their_weeks_and_unit(personas):
    case_a = make_case(actor=personas.manager_a)
    case_b = make_case(actor=personas.prosecutor_b)
    recent = dt.date.today() - dt.timedelta(days=7)
    old_a = _entries(case_a, personas.prosecutor_a, dt.date(2019, 1, 7), dt.date(2019, 1, 14), recent)
    old_b = _entries(case_b, personas.prosecutor_b, dt.date(2018, 6, 4))
    _entries(make_case(actor=personas.manager_a), personas.prosecutor_a, recent)  # nothing old enough

    everything = {i.record_id: i for i in selectors.retention_items(record_type=RecordType.TIME_RECORDS)}
    assert set(everything) == {str(old_a.pk), str(old_b.pk)}
    item = everything[str(old_a.pk)]
    assert item.label == f"Time records of {case_a.urn} (2 weeks)"
    assert item.unit_id == personas.unit_a.pk
    # The period runs from the end of the latest old week: 14 January 2019 is a Monday.
    assert item.trigger_date == dt.date(2019, 1, 20)
    unit_b_only = selectors.retention_items(record_type=RecordType.TIME_RECORDS, unit_id=personas.unit_b.pk)
    assert [i.record_id for i in unit_b_only] == [str(old_b.pk)]
    one = selectors.retention_items(record_type=RecordType.TIME_RECORDS, record_id=str(old_b.pk))
    assert [i.record_id for i in one] == [str(old_b.pk)]


def _plans(captured) -> list[str]:
    plans = []
    with connection.cursor() as cursor:
        for query in captured.captured_queries:
            if not query["sql"].startswith("SELECT"):
                continue
            cursor.execute("EXPLAIN QUERY PLAN " + query["sql"])
            plans.append(query["sql"] + " => " + " | ".join(str(row[-1]) for row in cursor.fetchall()))
    return plans


def test_the_national_review_reads_closed_cases_and_old_weeks_by_index(personas):
    if connection.vendor != "sqlite":
        pytest.skip("the plan asserted is SQLite's (PostgreSQL plans by its own statistics)")
    make_old_case(personas)
    _entries(make_case(actor=personas.manager_a), personas.prosecutor_a, dt.date(2019, 1, 7))
    with CaptureQueriesContext(connection) as captured:
        items = selectors.retention_items(states=["due", "approved", "held", "kept"])
    assert {i.record_type for i in items} >= {RecordType.CASE_FILE, RecordType.TIME_RECORDS}
    plans = _plans(captured)
    case_reads = [p for p in plans if 'FROM "cases_case"' in p]
    assert case_reads and all("case_undisposed_stage" in p for p in case_reads), case_reads
    week_reads = [p for p in plans if 'FROM "resourcing_timeentry"' in p]
    assert week_reads and all("rem_time_week" in p for p in week_reads), week_reads
    assert not [p for p in case_reads + week_reads if "SCAN cases_case" in p or "SCAN resourcing_timeentry" in p]
