"""What other apps read about custody clocks goes through progression's selectors (the domain
models contract in pyproject.toml): running clocks per case, the CTL log's dates, expiries."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from casework.cases.models import Case
from casework.core import clock
from casework.progression import selectors
from casework.progression.models import CtlLogEntry
from tests.factories import Personas
from tests.oversight.conftest import custody_clock


@pytest.mark.django_db
def test_clock_reads_count_only_running_clocks_and_keep_expiries_in_range(
    personas: Personas, case_a: Case, case_b: Case
) -> None:
    custody_clock(case_a, "running", dt.date(2026, 3, 10))
    custody_clock(case_a, "running", dt.date(2026, 5, 1))
    custody_clock(case_a, "ended", dt.date(2026, 3, 12))
    custody_clock(case_b, "paused", dt.date(2026, 3, 11))

    assert selectors.running_clock_counts([case_a.pk, case_b.pk]) == {case_a.pk: 2}
    in_march = selectors.running_clock_expiries(
        Case.objects.values("pk"), start=dt.date(2026, 3, 1), end=dt.date(2026, 3, 31)
    )
    assert in_march == [(case_a.pk, dt.date(2026, 3, 10))]


@pytest.mark.django_db
def test_ctl_log_dates_come_newest_first_per_case(personas: Personas, case_a: Case, case_b: Case) -> None:
    for day in (dt.date(2026, 1, 5), dt.date(2026, 2, 9), dt.date(2026, 1, 20)):
        CtlLogEntry.objects.create(case=case_a, entry_on=day, note="Reviewed", created_at=clock.now())

    found = selectors.ctl_log_dates([case_a.pk, case_b.pk])

    assert found[case_a.pk] == [dt.date(2026, 2, 9), dt.date(2026, 1, 20), dt.date(2026, 1, 5)]
    assert case_b.pk not in found


@pytest.mark.django_db
def test_running_clock_counts_of_a_sweep_batch_read_by_case_not_every_running_clock(
    personas: Personas, case_a: Case
) -> None:
    """The assurance sweep asks for 500 cases at a time. Without an index on (case, status), SQLite
    answered from the (status, expiry) index: every running clock in the register, once per batch,
    which made the first sweep grow faster than the register."""
    if connection.vendor != "sqlite":
        pytest.skip("the plan asserted is SQLite's (PostgreSQL plans by its own statistics)")
    custody_clock(case_a, "running", dt.date(2026, 3, 10))
    batch = [case_a.pk, *range(10_000_000, 10_000_499)]
    with CaptureQueriesContext(connection) as captured:
        assert selectors.running_clock_counts(batch) == {case_a.pk: 1}
    with connection.cursor() as cursor:
        cursor.execute("EXPLAIN QUERY PLAN " + captured.captured_queries[-1]["sql"])
        plan = " ".join(str(row[-1]) for row in cursor.fetchall())
    assert "clock_case_status" in plan, plan
