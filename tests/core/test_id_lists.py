"""Ids as one SQL parameter and plain rows read the same rows and values as Django's own queries
(run on SQLite and, with scripts/with-postgres.sh, on PostgreSQL)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db import connection

from casework.assurance import selectors
from casework.core import clock
from casework.core.id_lists import among, json_value, local_date, plain_date, plain_rows
from casework.core.row_updates import insert_values
from casework.progression.models import Notice
from tests.factories import Personas

# Around the UK clock changes of 2026 (29 March and 25 October, at 01:00 UTC) and midnight.
INSTANTS = [
    dt.datetime(2026, 3, 28, 23, 30, tzinfo=dt.UTC),  # GMT: still the 28th
    dt.datetime(2026, 3, 29, 0, 59, tzinfo=dt.UTC),
    dt.datetime(2026, 3, 29, 23, 15, tzinfo=dt.UTC),  # BST: already the 30th
    dt.datetime(2026, 7, 1, 23, 0, tzinfo=dt.UTC),
    dt.datetime(2026, 7, 1, 22, 59, 59, 999999, tzinfo=dt.UTC),
    dt.datetime(2026, 10, 24, 23, 0, tzinfo=dt.UTC),  # BST: the 25th
    dt.datetime(2026, 10, 25, 0, 30, tzinfo=dt.UTC),  # BST until 01:00 UTC
    dt.datetime(2026, 10, 25, 23, 30, tzinfo=dt.UTC),  # GMT again: the 25th
]


def _notices(personas: Personas, case_id: int) -> list[int]:
    insert_values(
        Notice,
        ["user", "case", "key", "event", "text", "due_on", "subjects", "created_at"],
        [
            [personas.manager_a.pk, case_id, f"k{n}", "", "t", instant.date(), [{"n": n}], instant]
            for n, instant in enumerate(INSTANTS)
        ],
    )
    return list(Notice.objects.order_by("pk").values_list("pk", flat=True))


def test_among_selects_exactly_the_ids_given(personas: Personas, case_a) -> None:
    pks = _notices(personas, case_a.pk)
    chosen = [*pks[1::2], 10**9]  # one that does not exist
    assert sorted(Notice.objects.filter(pk__in=among(chosen)).values_list("pk", flat=True)) == sorted(pks[1::2])
    assert not Notice.objects.filter(pk__in=among([])).exists()
    assert Notice.objects.filter(case_id__in=among([case_a.pk]), key="k0").count() == 1


def test_among_sends_the_ids_as_one_parameter_whatever_their_number(personas: Personas, case_a) -> None:
    _notices(personas, case_a.pk)
    params: list[int] = []

    def count(execute: Any, sql: str, sent: Any, many: bool, context: Any) -> Any:
        params.append(len(sent or ()))
        return execute(sql, sent, many, context)

    with connection.execute_wrapper(count):
        list(Notice.objects.filter(pk__in=among(range(1, 3))))
        list(Notice.objects.filter(pk__in=among(range(1, 5001))))
    assert params == [1, 1]


def test_plain_rows_give_the_same_dates_and_json_as_django(personas: Personas, case_a) -> None:
    _notices(personas, case_a.pk)
    query = Notice.objects.filter(case_id__in=among([case_a.pk])).order_by("pk")
    expected = [
        (clock.local(created_at).date(), due_on, subjects)
        for created_at, due_on, subjects in query.values_list("created_at", "due_on", "subjects")
    ]
    plain = [
        (local_date(created_at), plain_date(due_on), json_value(subjects))
        for created_at, due_on, subjects in plain_rows(query.values_list("created_at", "due_on", "subjects"))
    ]
    assert plain == expected
    assert [row[0] for row in plain][:3] == [dt.date(2026, 3, 28), dt.date(2026, 3, 29), dt.date(2026, 3, 30)]


def test_local_date_reads_every_form_a_driver_returns() -> None:
    for instant in INSTANTS:
        want = clock.local(instant).date()
        naive = instant.replace(tzinfo=None)
        assert local_date(instant) == want  # PostgreSQL
        assert local_date(naive) == want  # SQLite's column-type converter (naive UTC)
        assert local_date(naive.isoformat(sep=" ")) == want  # text
        assert local_date(instant.astimezone(clock.LONDON)) == want
    assert plain_date("2026-03-29") == dt.date(2026, 3, 29) and json_value('{"a": [1]}') == {"a": [1]}


def test_facts_for_cases_reads_a_long_id_list_with_one_parameter_per_query(case_a) -> None:
    sizes: list[list[int]] = []
    for ids in ([case_a.pk], [case_a.pk, *range(10**8, 10**8 + 600)]):
        params: list[int] = []

        def count(execute: Any, sql: str, sent: Any, many: bool, context: Any, params: list[int] = params) -> Any:
            params.append(len(sent or ()))
            return execute(sql, sent, many, context)

        with connection.execute_wrapper(count):
            facts = selectors.facts_for_cases(ids, dt.date(2026, 3, 2))
        assert list(facts) == [case_a.pk]
        sizes.append(params)
    assert sizes[0] == sizes[1]  # the same statements with the same number of parameters
    assert max(sizes[1]) < 10
