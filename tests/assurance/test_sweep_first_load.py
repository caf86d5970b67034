"""The first sweep of a register (no verdict stored yet) writes every verdict in one transaction that
builds the verdict indexes once at the end; it stores what a batch-by-batch sweep would, and a
failure part way stores nothing and leaves the indexes as they were. Later sweeps keep the indexes."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection

from casework.assurance import services, sweep
from casework.assurance.models import VerdictPeriod
from casework.assurance.sweep import assurance_sweep
from casework.cases.models import Case, CaseSweepMark
from casework.core.deferred_indexes import secondary_indexes
from tests.assurance.test_sweep_incremental import evaluated_afresh, stored

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
    with connection.execute_wrapper(statements):
        report = assurance_sweep(today=DAY)
    ids = list(Case.objects.values_list("pk", flat=True))
    assert report.cases == len(ids) >= 2
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
