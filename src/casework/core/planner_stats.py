"""Planner statistics after a bulk load.

PostgreSQL chooses its plans from statistics that autovacuum gathers some time after rows are
committed, and never from rows a transaction has not yet committed. A bulk load that then reads
back what it wrote (the demo loader's sweeps and stored figures) is otherwise planned as if every
table were empty: nested loops over whole tables, seconds or minutes on a few hundred rows.
`ANALYZE` inside the loading transaction samples that transaction's own rows, so what follows is
planned for what is there (PostgreSQL's own advice after a bulk load).

SQLite is left alone: its statistics are kept by `deferred_indexes` and its plans were measured
without fresh ones.
"""

from __future__ import annotations

from django.db import connections


def analyse_after_bulk_load(using: str = "default") -> bool:
    """Refresh the planner's statistics of every table on PostgreSQL; True when it did."""
    connection = connections[using]
    if connection.vendor != "postgresql":
        return False
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    return True
