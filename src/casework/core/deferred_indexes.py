"""Build a table's secondary indexes once, after a bulk load into it, instead of row by row.

The first nightly sweep of a register writes every derived row at once (1.9 million verdicts at
100,000 cases). Inserting them into a table with seven indexes costs one B-tree insert per row and
index; building each index afterwards from the finished table is one sort. `indexes_built_after`
drops the table's secondary indexes inside a transaction, lets the caller load, and recreates each
from its exact stored definition (SQLite: sqlite_master.sql; PostgreSQL: pg_indexes.indexdef).

Crash-safe because DDL is transactional on both backends: if the load or a rebuild fails (a
duplicate the unique index would have refused, say), the transaction rolls back and the table and
its indexes are exactly as before. Indexes that back a table constraint (the primary key, a
UNIQUE/EXCLUDE constraint) are left alone: they cannot be dropped on their own.

Only for a table that is empty at the start (`only_if_empty`): a table with rows would have its
indexes rebuilt over everything in it, and the loading code's own reads would lose their indexes.
While the transaction is open no other writer reaches the table (SQLite: the one write lock;
PostgreSQL: SHARE ROW EXCLUSIVE, then ACCESS EXCLUSIVE from the DROP, so readers of that table wait
too, for a first load only).
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import ImproperlyConfigured
from django.db import connections, models, router, transaction
from django.db.backends.base.base import BaseDatabaseWrapper


@dataclass(frozen=True)
class StoredIndex:
    """A secondary index as the database stores it: its name and the statement that creates it."""

    name: str
    definition: str


def secondary_indexes(model: type[models.Model], *, using: str | None = None) -> list[StoredIndex]:
    """The table's indexes that can be dropped and recreated, by name (not those backing a constraint)."""
    connection = connections[using or router.db_for_write(model)]
    table = model._meta.db_table
    with connection.cursor() as cursor:
        if connection.vendor == "sqlite":
            # sql is NULL for the automatic indexes of UNIQUE/PRIMARY KEY in the table definition.
            cursor.execute(
                "SELECT name, sql FROM sqlite_master WHERE type = 'index' AND tbl_name = %s AND sql IS NOT NULL"
                " ORDER BY name",
                [table],
            )
        elif connection.vendor == "postgresql":
            cursor.execute(
                "SELECT i.indexname, i.indexdef FROM pg_indexes i"
                " WHERE i.schemaname = current_schema() AND i.tablename = %s AND NOT EXISTS ("
                "  SELECT 1 FROM pg_constraint c"
                "  WHERE c.conindid = (quote_ident(i.schemaname) || '.' || quote_ident(i.indexname))::regclass)"
                " ORDER BY i.indexname",
                [table],
            )
        else:  # pragma: no cover - the project runs on SQLite and PostgreSQL only
            raise ImproperlyConfigured(
                f"Casework Assurance runs on SQLite or PostgreSQL; {connection.vendor} is not supported. "
                "Set DATABASE_URL to a PostgreSQL database, or leave it unset for SQLite."
            )
        return [StoredIndex(name, definition) for name, definition in cursor.fetchall()]


def _lock_against_writers(connection: BaseDatabaseWrapper, table: str) -> None:
    """Keep other writers out until the transaction ends (SQLite's IMMEDIATE transaction already does)."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute(f"LOCK TABLE {connection.ops.quote_name(table)} IN SHARE ROW EXCLUSIVE MODE")


def _sqlite_statistics(connection: BaseDatabaseWrapper, table: str, names: list[str]) -> list[tuple[Any, ...]]:
    """The planner statistics (sqlite_stat1, written by ANALYZE) of these indexes: dropping an index
    deletes its row, and the rebuilt index should be planned for as before."""
    if connection.vendor != "sqlite" or not names:
        return []
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'sqlite_stat1'")
        if cursor.fetchone() is None:
            return []
        marks = ", ".join(["%s"] * len(names))
        cursor.execute(f"SELECT tbl, idx, stat FROM sqlite_stat1 WHERE tbl = %s AND idx IN ({marks})", [table, *names])  # noqa: S608 (placeholders only)
        return list(cursor.fetchall())


@contextmanager
def _deferred_checks_done(connection: BaseDatabaseWrapper, table: str) -> Iterator[None]:
    """PostgreSQL will not build an index on a table with pending trigger events, and the rows just
    loaded queue one foreign-key check each (Django declares foreign keys DEFERRABLE INITIALLY
    DEFERRED). Run those checks now, as commit would, and defer the constraints again afterwards."""
    if connection.vendor != "postgresql":
        yield
        return
    quote = connection.ops.quote_name
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT conname FROM pg_constraint WHERE conrelid = %s::regclass AND condeferrable AND condeferred"
            " ORDER BY conname",
            [quote(table)],
        )
        names = ", ".join(quote(name) for (name,) in cursor.fetchall())
        if names:
            cursor.execute(f"SET CONSTRAINTS {names} IMMEDIATE")
    yield
    if names:
        with connection.cursor() as cursor:
            cursor.execute(f"SET CONSTRAINTS {names} DEFERRED")


@contextmanager
def indexes_built_after(
    model: type[models.Model], *, using: str | None = None, only_if_empty: bool = True
) -> Iterator[bool]:
    """Run the body in one transaction with the table's secondary indexes dropped, then rebuild them.

    Yields whether the indexes were dropped: with `only_if_empty` a table that has rows (another
    writer got there first) keeps its indexes, and the body still runs in the one transaction.
    """
    alias = using or router.db_for_write(model)
    connection = connections[alias]
    table = model._meta.db_table
    with transaction.atomic(using=alias):
        _lock_against_writers(connection, table)
        if only_if_empty and model._base_manager.using(alias).exists():
            yield False
            return
        indexes = secondary_indexes(model, using=alias)
        statistics = _sqlite_statistics(connection, table, [index.name for index in indexes])
        with connection.cursor() as cursor:
            for index in indexes:
                cursor.execute(f"DROP INDEX {connection.ops.quote_name(index.name)}")
        yield True
        with _deferred_checks_done(connection, table), connection.cursor() as cursor:
            for index in indexes:
                cursor.execute(index.definition)
            if statistics:
                cursor.executemany("INSERT INTO sqlite_stat1 (tbl, idx, stat) VALUES (%s, %s, %s)", statistics)
