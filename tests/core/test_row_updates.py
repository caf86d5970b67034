"""Set-based row writes (one prepared statement, executemany) store exactly what save() would."""

from __future__ import annotations

import datetime as dt

import pytest

from casework.core.row_updates import insert_rows, insert_values, update_rows
from casework.progression.choices import NoticeEvent
from casework.progression.models import Deadline, Notice
from tests.factories import Personas

NOW = dt.datetime(2026, 3, 2, 2, 0, tzinfo=dt.UTC)


def _deadline(case, key: str, due: dt.date, **extra) -> Deadline:
    return Deadline(case_id=case.pk, key=key, title=f"Title {key}", due_on=due, created_at=NOW, updated_at=NOW, **extra)


def _stored(case) -> list[tuple]:
    return list(
        Deadline.objects.filter(case=case)
        .order_by("key")
        .values_list(
            "key", "title", "due_on", "proposed_due_on", "status", "met_on", "owner_id", "version", "created_at"
        )
    )


def test_inserted_rows_match_saved_ones(personas: Personas, case_a, case_b) -> None:
    rows = [
        _deadline(case_a, "stage.1", dt.date(2026, 4, 1), proposed_due_on=dt.date(2026, 4, 1)),
        _deadline(
            case_a,
            "stage.2",
            dt.date(2026, 5, 1),
            owner_id=personas.prosecutor_a.pk,
            status="met",
            met_on=dt.date(2026, 3, 1),
        ),
    ]
    assert insert_rows(Deadline, rows) == 2
    for row in rows:  # the same objects saved one by one on another case
        Deadline(
            **{f.attname: getattr(row, f.attname) for f in Deadline._meta.concrete_fields if f.attname != "id"}
            | {"case_id": case_b.pk}
        ).save()
    assert _stored(case_a) == _stored(case_b)
    assert _stored(case_a)[0][8] == NOW


def test_updated_rows_take_the_new_values_including_none(personas: Personas, case_a) -> None:
    insert_rows(Deadline, [_deadline(case_a, "a", dt.date(2026, 4, 1), met_on=dt.date(2026, 3, 1), status="met")])
    insert_rows(Deadline, [_deadline(case_a, "b", dt.date(2026, 4, 2))])
    first, second = Deadline.objects.filter(case=case_a).order_by("key")
    first.met_on, first.status, first.version = None, "open", 2
    second.due_on, second.owner_id = dt.date(2026, 6, 30), personas.manager_a.pk
    assert update_rows(Deadline, [first, second], ["due_on", "status", "met_on", "owner", "version"]) == 2
    first.refresh_from_db()
    second.refresh_from_db()
    assert (first.met_on, first.status, first.version, first.due_on) == (None, "open", 2, dt.date(2026, 4, 1))
    assert (second.due_on, second.owner_id, second.title) == (dt.date(2026, 6, 30), personas.manager_a.pk, "Title b")


def test_values_rows_store_json(personas: Personas, case_a) -> None:
    subjects = [{"defendant": "Alex MERCER", "charges": ["Robbery"]}]
    insert_values(
        Notice,
        ["user", "case", "key", "event", "text", "due_on", "subjects", "created_at"],
        [[personas.manager_a.pk, case_a.pk, "k", "ctl_warning", "t", dt.date(2026, 3, 16), subjects, NOW]],
    )
    notice = Notice.objects.get(key="k")
    assert notice.subjects == subjects and notice.due_on == dt.date(2026, 3, 16) and notice.read_at is None
    assert insert_values(Notice, ["key"], []) == 0 and update_rows(Notice, [], ["key"]) == 0


def test_values_rows_prepare_a_column_only_where_a_value_needs_it(personas: Personas, case_a) -> None:
    """Column by column: plain values pass through, others (a choices member, a date) are prepared."""
    rows = [
        [personas.manager_a.pk, case_a.pk, "k1", NoticeEvent.choices[0][0], "plain", None, [], NOW],
        [personas.manager_a.pk, case_a.pk, "k2", NoticeEvent(NoticeEvent.choices[0][0]), "member", None, {"a": 1}, NOW],
    ]
    assert (
        insert_values(Notice, ["user", "case", "key", "event", "text", "due_on", "subjects", "created_at"], rows) == 2
    )
    stored = list(Notice.objects.order_by("key").values_list("event", "subjects", "created_at"))
    assert stored == [(NoticeEvent.choices[0][0], [], NOW), (NoticeEvent.choices[0][0], {"a": 1}, NOW)]


def test_values_rows_of_the_wrong_width_are_refused_before_writing(personas: Personas, case_a) -> None:
    with pytest.raises(ValueError, match="every row needs 3 values"):
        insert_values(
            Notice, ["user", "key", "text"], [[personas.manager_a.pk, "k", "t"], [personas.manager_a.pk, "k"]]
        )
    assert not Notice.objects.exists()


def test_empty_json_values_are_prepared_once_and_stored_as_what_they_were(
    personas: Personas, case_a, monkeypatch
) -> None:
    """An empty {} or [] (most "not applicable" verdicts' facts) is encoded once per column, and a
    {} is not stored as [] nor the other way about; a non-empty value is encoded every time."""
    field = Notice._meta.get_field("subjects")
    prepared: list[object] = []
    original = type(field).get_db_prep_save

    def counting(self, value, connection):
        prepared.append(value)
        return original(self, value, connection)

    monkeypatch.setattr(type(field), "get_db_prep_save", counting)
    values = [{}, [], {}, [], {"a": 1}, {}, [{"b": 2}], []]
    rows = [
        [personas.manager_a.pk, case_a.pk, f"k{n}", NoticeEvent.choices[0][0], "t", None, value, NOW]
        for n, value in enumerate(values)
    ]
    insert_values(Notice, ["user", "case", "key", "event", "text", "due_on", "subjects", "created_at"], rows)
    stored = dict(Notice.objects.values_list("key", "subjects"))
    assert [stored[f"k{n}"] for n in range(len(values))] == values
    assert [type(v) for v in (stored["k0"], stored["k1"])] == [dict, list]
    assert sorted(map(repr, prepared)) == sorted(map(repr, [{}, [], {"a": 1}, [{"b": 2}]]))


def test_upsert_updates_the_named_columns_of_a_matching_row_and_inserts_the_rest(case_a, case_b) -> None:
    from casework.cases.models import CaseSweepMark
    from casework.core.row_updates import upsert_values

    CaseSweepMark.objects.filter(sweep="progression").delete()  # whatever creating the cases marked
    CaseSweepMark.objects.create(sweep="progression", case=case_a, generation=7, swept_generation=3, rules_key="old")
    columns = ("sweep", "case", "generation", "swept_generation", "swept_on", "rules_key", "next_check_on")
    day, later = dt.date(2026, 3, 2), dt.date(2026, 3, 9)
    rows = [("progression", case_a.pk, 1, 7, day, "new", later), ("progression", case_b.pk, 1, 1, day, "new", None)]
    assert (
        upsert_values(
            CaseSweepMark,
            columns,
            rows,
            unique_fields=["sweep", "case"],
            update_fields=["swept_generation", "swept_on", "rules_key", "next_check_on"],
        )
        == 2
    )
    stored = {
        m.case_id: (m.generation, m.swept_generation, m.swept_on, m.rules_key, m.next_check_on)
        for m in CaseSweepMark.objects.filter(sweep="progression")
    }
    # The existing row keeps its change count (not an update field) and takes the rest.
    assert stored == {case_a.pk: (7, 7, day, "new", later), case_b.pk: (1, 1, day, "new", None)}


def test_a_column_of_nothing_but_none_is_stored_as_null(personas: Personas, case_a) -> None:
    """Passed through whole (no value by value preparation), it still stores SQL NULL, as a None
    beside other values does: a JSON column too."""
    rows = [[personas.manager_a.pk, case_a.pk, f"k{n}", NoticeEvent.choices[0][0], "t", None, [], NOW] for n in (1, 2)]
    insert_values(Notice, ["user", "case", "key", "event", "text", "due_on", "subjects", "created_at"], rows)
    assert list(Notice.objects.order_by("key").values_list("due_on", "read_at")) == [(None, None), (None, None)]
