"""Set-based writes of many rows: one prepared statement run with executemany.

Django's `bulk_update` builds one `CASE WHEN id = ... THEN ...` expression per field and row, and
`bulk_create` compiles every row's placeholders and values through the full SQL compiler; for tens
of thousands of rows that costs more than the writes themselves. Here the statement is built once
(`UPDATE table SET f1 = %s, ... WHERE id = %s`, or `INSERT INTO table (...) VALUES (%s, ...)`) and
run with one parameter row per object, which SQLite and PostgreSQL (psycopg pipelines it) run fast.
`upsert_values` adds `ON CONFLICT (...) DO UPDATE` for rows that may already exist.

Like `bulk_update`, these skip save(), signals and the services' audit calls: use them only where
the caller writes the audit events itself (the nightly sweeps record every change with
`record_many`).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence
from typing import Any

from django.db import connections, models, router
from django.db.backends.base.base import BaseDatabaseWrapper

#: Field types whose Python value is already what the database driver takes, when it is of the
#: type named here (anything else goes through the field's own preparation).
_PASS_THROUGH: dict[str, type | tuple[type, ...]] = {
    "CharField": str,
    "TextField": str,
    "SlugField": str,
    "EmailField": str,
    "IntegerField": int,
    "BigIntegerField": int,
    "SmallIntegerField": int,
    "PositiveIntegerField": int,
    "PositiveSmallIntegerField": int,
    "PositiveBigIntegerField": int,
    "AutoField": int,
    "BigAutoField": int,
    "ForeignKey": int,
}


#: Container types whose empty value always prepares to the same thing (JSON's {} and []).
_EMPTY_ALIKE = (dict, list)


def _plain_type(field: models.Field[Any, Any]) -> type | tuple[type, ...] | None:
    return _PASS_THROUGH.get("ForeignKey" if field.is_relation else field.get_internal_type())


def _preparer(field: models.Field[Any, Any], connection: BaseDatabaseWrapper) -> Callable[[Any], Any]:
    plain = _plain_type(field)
    prepare = field.get_db_prep_save
    # Dates and times repeat across a batch (every row's created_at is the same instant), and
    # preparing one (time zones, formatting) is the dearest part of a row: prepare each value once.
    seen: dict[tuple[type, Any], Any] = {}

    def value(raw: Any) -> Any:
        if raw is None or (plain is not None and type(raw) is plain):
            return raw
        if isinstance(raw, dt.date):  # datetimes too
            key: tuple[type, Any] = (type(raw), raw)
        elif type(raw) in _EMPTY_ALIKE and not raw:
            # An empty JSON value: "not applicable" verdicts carry empty facts (four in ten of a
            # first sweep's verdicts), encoded once here rather than once per row.
            key = (type(raw), None)
        else:
            return prepare(raw, connection)
        if key not in seen:
            seen[key] = prepare(raw, connection)
        return seen[key]

    return value


def update_rows(model: type[models.Model], objects: Sequence[models.Model], fields: Sequence[str]) -> int:
    """Write `fields` of each object (already set on it) to its row; returns the rows given."""
    if not objects:
        return 0
    connection = connections[router.db_for_write(model)]
    opts = model._meta
    columns = [opts.get_field(name) for name in fields]
    quote = connection.ops.quote_name
    concrete = [field for field in columns if isinstance(field, models.Field)]
    assert len(concrete) == len(columns), "update_rows writes concrete fields only"
    # Table and column names come from the model's own metadata, quoted; values are parameters.
    assignments = ", ".join(f"{quote(str(field.column))} = %s" for field in concrete)
    sql = f"UPDATE {quote(opts.db_table)} SET {assignments} WHERE {quote(str(opts.pk.column))} = %s"  # noqa: S608
    preparers = [_preparer(field, connection) for field in concrete]
    attnames = [field.attname for field in concrete]
    params = [
        [prepare(getattr(obj, name)) for prepare, name in zip(preparers, attnames, strict=True)] + [obj.pk]
        for obj in objects
    ]
    with connection.cursor() as cursor:
        cursor.executemany(sql, params)
    return len(params)


def insert_rows(model: type[models.Model], objects: Sequence[models.Model]) -> int:
    """Insert each object as a new row (every concrete field but an auto primary key). The objects
    do not learn their primary keys: use it where nothing refers to the new rows in the same step."""
    if not objects:
        return 0
    columns = [field.name for field in model._meta.concrete_fields if not isinstance(field, models.AutoField)]
    attnames = [model._meta.get_field(name).attname for name in columns]  # type: ignore[union-attr]
    return insert_values(model, columns, [[getattr(obj, name) for name in attnames] for obj in objects])


def insert_values(model: type[models.Model], fields: Sequence[str], rows: Sequence[Sequence[Any]]) -> int:
    """Insert one row per value sequence (in `fields` order; unnamed columns take their database
    default, so name every column that has no default there). For derived rows written by the
    tens of thousands, where building a model instance per row costs more than writing it."""
    return _write_values(model, fields, rows)


def upsert_values(
    model: type[models.Model],
    fields: Sequence[str],
    rows: Sequence[Sequence[Any]],
    *,
    unique_fields: Sequence[str],
    update_fields: Sequence[str],
) -> int:
    """`insert_values`, where a row whose `unique_fields` match an existing row updates that row's
    `update_fields` instead (INSERT ... ON CONFLICT ... DO UPDATE, on SQLite and PostgreSQL alike):
    what `bulk_create(update_conflicts=True)` does, without compiling every row's placeholders."""
    quote = connections[router.db_for_write(model)].ops.quote_name
    conflict = ", ".join(quote(_column(model, name)) for name in unique_fields)
    updates = ", ".join(f"{quote(_column(model, n))} = EXCLUDED.{quote(_column(model, n))}" for n in update_fields)
    return _write_values(model, fields, rows, suffix=f" ON CONFLICT ({conflict}) DO UPDATE SET {updates}")


def _column(model: type[models.Model], name: str) -> str:
    field = model._meta.get_field(name)
    assert isinstance(field, models.Field), "upsert_values names concrete fields only"
    return str(field.column)


def _write_values(
    model: type[models.Model], fields: Sequence[str], rows: Sequence[Sequence[Any]], suffix: str = ""
) -> int:
    if not rows:
        return 0
    connection = connections[router.db_for_write(model)]
    opts = model._meta
    columns = [opts.get_field(name) for name in fields]
    concrete = [field for field in columns if isinstance(field, models.Field)]
    assert len(concrete) == len(columns), "insert_values writes concrete fields only"
    quote = connection.ops.quote_name
    names = ", ".join(quote(str(field.column)) for field in concrete)
    marks = ", ".join(["%s"] * len(concrete))
    # Table and column names come from the model's own metadata, quoted; values are parameters.
    sql = f"INSERT INTO {quote(opts.db_table)} ({names}) VALUES ({marks}){suffix}"  # noqa: S608
    width = len(concrete)
    if any(len(row) != width for row in rows):
        raise ValueError(f"insert_values: every row needs {width} values, in {fields} order")
    # Column by column (the first sweep writes ~2 million verdict rows): a column the driver takes
    # as it is passes through whole, the others are prepared value by value.
    prepared = [
        values if _all_plain(values, field) else [prepare(value) for value in values]
        for field, prepare, values in zip(
            concrete, (_preparer(field, connection) for field in concrete), zip(*rows, strict=True), strict=True
        )
    ]
    params = list(zip(*prepared, strict=True))
    with connection.cursor() as cursor:
        cursor.executemany(sql, params)
    return len(params)


def _all_plain(values: Sequence[Any], field: models.Field[Any, Any]) -> bool:
    """Whether the driver takes every value of this column as it is (see _PASS_THROUGH); a column
    of nothing but None is passed through whatever its type, as `_preparer` passes each None."""
    plain = _plain_type(field)
    if plain is None:
        return all(value is None for value in values)
    return all(value is None or type(value) is plain for value in values)
