"""A bulk load into an empty table builds the table's secondary indexes once at the end: they are
gone during the load, come back with exactly their stored definitions, and a failure part way
leaves the table and its indexes as they were (transactional DDL, on SQLite and PostgreSQL)."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import IntegrityError, connection

from casework.assurance.models import AssuranceRule, VerdictPeriod
from casework.core.deferred_indexes import indexes_built_after, secondary_indexes

pytestmark = pytest.mark.django_db

NOW = dt.datetime(2026, 3, 2, 2, 0, tzinfo=dt.UTC)


class Boom(Exception):
    pass


def _verdict(case, rule, **values) -> VerdictPeriod:
    return VerdictPeriod.objects.create(
        case=case,
        rule=rule,
        rule_code=values.pop("rule_code", rule.code),
        outcome=values.pop("outcome", "met"),
        reason="Reason",
        valid_from=NOW,
        **values,
    )


@pytest.fixture
def rule() -> AssuranceRule:
    return AssuranceRule.objects.order_by("pk").first()


def test_the_verdict_table_has_secondary_indexes_to_defer(db) -> None:
    names = {index.name for index in secondary_indexes(VerdictPeriod)}
    # The model's named indexes and its partial unique constraint (an index on both backends).
    assert {"verdict_case_current", "verdict_rule_outcome", "verdict_one_current_per_rule"} <= names
    assert not any(name.endswith("_pkey") or name.startswith("sqlite_autoindex") for name in names)


def test_the_indexes_are_gone_during_the_load_and_rebuilt_with_their_exact_definitions(case_a, rule) -> None:
    VerdictPeriod.objects.all().delete()
    before = secondary_indexes(VerdictPeriod)
    with indexes_built_after(VerdictPeriod) as deferred:
        assert deferred is True
        assert secondary_indexes(VerdictPeriod) == []
        _verdict(case_a, rule)
    assert secondary_indexes(VerdictPeriod) == before
    assert VerdictPeriod.objects.filter(case=case_a).count() == 1


def test_a_failure_part_way_leaves_the_indexes_and_the_table_as_they_were(case_a, rule) -> None:
    VerdictPeriod.objects.all().delete()
    before = secondary_indexes(VerdictPeriod)
    with pytest.raises(Boom), indexes_built_after(VerdictPeriod):
        _verdict(case_a, rule)
        raise Boom
    assert secondary_indexes(VerdictPeriod) == before
    assert not VerdictPeriod.objects.exists()


def test_a_row_the_unique_index_would_refuse_fails_the_rebuild_and_rolls_the_load_back(case_a, rule) -> None:
    VerdictPeriod.objects.all().delete()
    before = secondary_indexes(VerdictPeriod)
    with pytest.raises(IntegrityError), indexes_built_after(VerdictPeriod):
        _verdict(case_a, rule)
        _verdict(case_a, rule)  # a second current verdict of the same rule: nothing refuses it yet
    assert secondary_indexes(VerdictPeriod) == before
    assert not VerdictPeriod.objects.exists()


def test_a_table_with_rows_keeps_its_indexes(case_a, rule) -> None:
    _verdict(case_a, rule)
    before = secondary_indexes(VerdictPeriod)
    with indexes_built_after(VerdictPeriod, only_if_empty=True) as deferred:
        assert deferred is False
        assert secondary_indexes(VerdictPeriod) == before


@pytest.mark.skipif(connection.vendor != "sqlite", reason="SQLite keeps planner statistics in sqlite_stat1")
def test_sqlite_planner_statistics_of_the_rebuilt_indexes_are_kept(case_a, rule) -> None:
    VerdictPeriod.objects.all().delete()
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
        cursor.execute(
            "INSERT INTO sqlite_stat1 (tbl, idx, stat) VALUES (%s, %s, %s)",
            [VerdictPeriod._meta.db_table, "verdict_rule_outcome", "1000 50 10 1"],
        )
    with indexes_built_after(VerdictPeriod):
        _verdict(case_a, rule)
    with connection.cursor() as cursor:
        cursor.execute("SELECT stat FROM sqlite_stat1 WHERE idx = 'verdict_rule_outcome'")
        assert cursor.fetchall() == [("1000 50 10 1",)]
