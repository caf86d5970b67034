"""The first sweep of a register (no verdict stored yet) writes every verdict in one transaction that
builds the verdict indexes once at the end; it stores what a batch-by-batch sweep would, and a
failure part way stores nothing and leaves the indexes as they were. Later sweeps keep the indexes."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection

from casework.assurance import services, sweep, tallies
from casework.assurance.models import DashboardTally, DashboardTallyUnit, VerdictPeriod
from casework.assurance.sweep import assurance_sweep
from casework.cases.models import Case, CaseSweepMark
from casework.core import clock
from casework.core.deferred_indexes import secondary_indexes
from casework.people.models import Unit
from tests.assurance.test_dashboard import known  # noqa: F401 - the fixture is used by name
from tests.assurance.test_sweep_incremental import evaluated_afresh, stored
from tests.assurance.test_tallies import hidden  # noqa: F401 - the fixture is used by name

pytestmark = pytest.mark.django_db

DAY = dt.date(2026, 6, 1)


class Boom(Exception):
    pass


class Statements:
    def __init__(self) -> None:
        self.sql: list[str] = []

    def __call__(self, execute, sql, params, many, context):
        self.sql.append(sql)
        return execute(sql, params, many, context)

    def dropped_indexes(self) -> int:
        return sum(sql.startswith("DROP INDEX") for sql in self.sql)


def test_the_first_sweep_builds_the_indexes_once_and_stores_what_a_fresh_evaluation_gives(
    personas, case_a, case_b, monkeypatch
) -> None:
    monkeypatch.setattr(sweep, "BATCH_SIZE", 1)  # several batches inside the one transaction
    VerdictPeriod.objects.all().delete()
    before = secondary_indexes(VerdictPeriod)
    statements = Statements()
    messages: list[str] = []
    with connection.execute_wrapper(statements):
        report = assurance_sweep(today=DAY, progress=messages.append)
    ids = list(Case.objects.values_list("pk", flat=True))
    assert report.cases == len(ids) >= 2
    assert messages[-1].startswith("building the verdict indexes")  # the last long step says so
    assert statements.dropped_indexes() == len(before) > 0
    assert secondary_indexes(VerdictPeriod) == before
    assert stored(ids) == evaluated_afresh(ids, DAY)
    assert report.opened == VerdictPeriod.objects.count() and report.closed == 0


def test_a_later_sweep_keeps_the_indexes_and_closes_changed_verdicts(personas, case_a, case_b) -> None:
    assurance_sweep(today=DAY)
    later = DAY + dt.timedelta(days=400)  # time passing changes some verdicts
    statements = Statements()
    with connection.execute_wrapper(statements):
        report = assurance_sweep(today=later)
    assert statements.dropped_indexes() == 0
    ids = list(Case.objects.values_list("pk", flat=True))
    assert stored(ids) == evaluated_afresh(ids, later)
    assert report.closed == VerdictPeriod.objects.filter(valid_to__isnull=False).count() > 0


def test_a_failure_part_way_through_the_first_sweep_stores_nothing(personas, case_a, case_b, monkeypatch) -> None:
    monkeypatch.setattr(sweep, "BATCH_SIZE", 1)
    VerdictPeriod.objects.all().delete()
    CaseSweepMark.objects.all().delete()
    before = secondary_indexes(VerdictPeriod)
    calls = []
    real = services.store_verdicts

    def fail_second_batch(**kwargs):
        calls.append(1)
        if len(calls) == 2:
            raise Boom
        return real(**kwargs)

    monkeypatch.setattr(sweep, "store_verdicts", fail_second_batch)
    with pytest.raises(Boom):
        assurance_sweep(today=DAY)
    assert not VerdictPeriod.objects.exists()
    assert not CaseSweepMark.objects.exists()  # so the next sweep evaluates every case again
    assert secondary_indexes(VerdictPeriod) == before


def test_the_first_sweeps_stored_figures_equal_a_live_count(personas, known, case_b, hidden, monkeypatch) -> None:  # noqa: F811
    """Counted as the verdicts are written, not read back: the same figures as the grouped queries,
    restricted and disposed cases left out, waivers counted, and the trend bucketed by when each
    batch's verdicts began (here the batches straddle the end of May, a trend point)."""
    monkeypatch.setattr(sweep, "BATCH_SIZE", 1)
    VerdictPeriod.objects.all().delete()
    steps = iter(range(1000))
    start = dt.datetime(2026, 5, 31, 22, 10, tzinfo=dt.UTC)  # the end of May is 23:00 UTC (BST)
    monkeypatch.setattr(clock, "now", lambda: start + dt.timedelta(minutes=20 * next(steps)))
    live_counts = tallies.live_counts

    def not_read_back(**kwargs):
        raise AssertionError("the first sweep reads its figures back")

    monkeypatch.setattr(tallies, "live_counts", not_read_back)
    assurance_sweep(today=dt.date(2026, 5, 31))
    as_of = {mark.as_of for mark in DashboardTallyUnit.objects.all()}
    assert len(as_of) == 1 and DashboardTallyUnit.objects.count() == Unit.objects.count()
    (now,) = as_of
    stored_rows = sorted(DashboardTally.objects.values_list("unit_id", "metric", "key", "value"))
    units = list(Unit.objects.values_list("pk", flat=True))
    assert stored_rows == live_counts(unit_ids=units, today=clock.local(now).date(), now=now)
    may, june = (
        sum(value for _unit, metric, key, value in stored_rows if (metric, key) == ("trend_applicable", label))
        for label in ("May 2026", "Jun 2026 (to date)")
    )
    assert 0 < may < june
    assert any(metric == "rule_waivers" for _unit, metric, _key, _value in stored_rows)
