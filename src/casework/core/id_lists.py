"""Reading many rows by id cheaply: the ids as ONE SQL parameter, rows without Django's converters.

Why: the nightly assurance sweep reads each batch's facts with ~25 queries of 500 ids each.
`filter(case_id__in=[...500 ids])` makes Django prepare and quote every id of every query (about
1.5 ms a query), and `values_list` runs a converter on every datetime and JSON value; together
these cost five times the SQL itself. `among(ids)` sends the list as one parameter (SQLite: a JSON
array read by `json_each`; PostgreSQL: a bigint array), so the query is built the same way
whatever the batch size. `plain_rows(qs)` runs a queryset's own SQL and returns the database's
rows as they come (SQLite: naive UTC datetimes; PostgreSQL: aware ones); `local_date` and
`plain_date` turn those values into dates on either backend.
"""

from __future__ import annotations

import datetime as dt
import functools
import json
from collections.abc import Iterable
from typing import Any

from django.db import connections
from django.db.models import QuerySet
from django.db.models.expressions import RawSQL

from casework.core.clock import LONDON


def among(ids: Iterable[int], *, using: str = "default") -> RawSQL:
    """The ids as a one-parameter subquery, for `filter(case_id__in=among(ids))`."""
    values = [int(pk) for pk in ids]
    if connections[using].vendor == "postgresql":
        return RawSQL("SELECT unnest(%s::bigint[])", (values,))
    return RawSQL("SELECT value FROM json_each(%s)", (json.dumps(values),))


def plain_rows(queryset: QuerySet[Any]) -> list[tuple[Any, ...]]:
    """The rows of a `values_list` queryset as the database driver returns them (no converters).

    Only for plain columns: SQLite gives naive UTC datetimes (its column-type converters), PostgreSQL
    aware ones; JSON comes as text on both. Read them with `local_date`, `plain_date`, `json_value`."""
    sql, params = queryset.query.sql_with_params()
    with connections[queryset.db].cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchall()


@functools.lru_cache(maxsize=8192)
def _local_date_at_utc(day: dt.date, hour: int) -> dt.date:
    # UK offsets from UTC are whole hours and change on the hour, so the UTC day and hour fix the date.
    return dt.datetime(day.year, day.month, day.day, hour, tzinfo=dt.UTC).astimezone(LONDON).date()


def local_date(value: str | dt.datetime) -> dt.date:
    """The UK calendar date of a stored instant: an aware datetime (PostgreSQL), or naive UTC as
    Django stores it on SQLite (a datetime from the driver's column-type converter, or text)."""
    if isinstance(value, str):
        value = dt.datetime.fromisoformat(value)
    if value.tzinfo is not None:
        return value.astimezone(LONDON).date()
    return _local_date_at_utc(value.date(), value.hour)


def plain_date(value: str | dt.date) -> dt.date:
    """A stored calendar date (a date from either driver, or ISO text)."""
    if isinstance(value, dt.date):
        return value
    return dt.date.fromisoformat(value)


def json_value(value: Any) -> Any:
    """A stored JSON value (text from the driver on both backends; already decoded if not)."""
    return json.loads(value) if isinstance(value, str | bytes) else value
