"""Planner statistics after a bulk load (casework.core.planner_stats): on PostgreSQL the loading
transaction's own rows are counted before what follows is planned; SQLite is left alone."""

from __future__ import annotations

import pytest
from django.db import connection

from casework.core.planner_stats import analyse_after_bulk_load
from casework.people.models import Unit

pytestmark = pytest.mark.django_db


def _estimated_rows(table: str) -> float:
    with connection.cursor() as cursor:
        cursor.execute("SELECT reltuples FROM pg_class WHERE relname = %s", [table])
        return float(cursor.fetchone()[0])


@pytest.mark.skipif(connection.vendor != "postgresql", reason="PostgreSQL's statistics")
def test_rows_not_yet_committed_are_counted_for_the_plans_that_follow() -> None:
    Unit.objects.bulk_create(Unit(code=f"bulk-{n}", name=f"Bulk unit {n}") for n in range(500))
    before = _estimated_rows(Unit._meta.db_table)
    assert analyse_after_bulk_load() is True
    after = _estimated_rows(Unit._meta.db_table)
    # Nothing is committed yet, so autovacuum cannot have seen these rows; ANALYZE in the
    # same transaction does.
    assert before < 500 <= after


def _sqlite_statistics() -> list[tuple]:
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM sqlite_master WHERE name = 'sqlite_stat1'")
        if not cursor.fetchone()[0]:
            return []
        cursor.execute("SELECT tbl, idx, stat FROM sqlite_stat1 ORDER BY tbl, idx")
        return [("present",), *cursor.fetchall()]


@pytest.mark.skipif(connection.vendor == "postgresql", reason="SQLite keeps its own statistics")
def test_sqlite_is_left_alone() -> None:
    Unit.objects.bulk_create(Unit(code=f"bulk-{n}", name=f"Bulk unit {n}") for n in range(50))
    before = _sqlite_statistics()
    assert analyse_after_bulk_load() is False
    assert _sqlite_statistics() == before
