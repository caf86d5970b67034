"""Importing through the service: idempotence, alterations, audit events, batches, resumption."""

from __future__ import annotations

import datetime as dt
import gc
import json

import pytest

from casework.audit.models import AuditEvent
from casework.cases.models import Case, Charge, Defendant, Hearing
from casework.core.errors import PermissionDenied
from casework.imports import case_services
from casework.imports.models import ImportRun, RunStatus
from casework.imports.services import import_run
from casework.imports.validation import ALREADY_RECORDED, date_value
from tests.imports.conftest import CASE_HEADINGS, HEARING_HEADINGS, case_rows, csv_bytes, standard_files, xlsx_bytes


def imported_counts() -> tuple[int, int, int, int]:
    return (
        Case.objects.filter(urn__startswith="42IM").count(),
        Defendant.objects.filter(case__urn__startswith="42IM").count(),
        Charge.objects.filter(defendant__case__urn__startswith="42IM").count(),
        Hearing.objects.filter(case__urn__startswith="42IM").count(),
    )


def test_csv_import_creates_everything_with_collect_events(personas, mapping):
    before = AuditEvent.objects.count()
    run = import_run(actor=personas.admin, files=standard_files(3), mapping=mapping, unit=personas.unit_a)
    assert run.status == RunStatus.COMPLETED
    assert imported_counts() == (3, 3, 3, 3)
    case = Case.objects.get(urn="42IM0000001")
    assert case.unit == personas.unit_a and case.stage == "charged" and case.accepted_on == dt.date(2024, 2, 1)
    assert case.lead_force == personas.force_x
    hearing = case.hearings.get()
    assert hearing.starts_at == dt.datetime(2024, 4, 2, 9, 0, tzinfo=dt.UTC)  # 10:00 BST
    events = AuditEvent.objects.filter(seq__gt=before).order_by("seq")
    assert events.count() == 12 == run.created_count
    assert {e.action for e in events} == {"collect"}
    assert {e.actor_id for e in events} == {personas.admin.pk}
    assert json.loads(events.filter(subject_type="cases.case", case_id=case.pk).get().changes)["urn"] == [
        None,
        "42IM0000001",
    ]


def test_rerun_adds_nothing_and_changed_values_become_alterations(personas, mapping):
    files = standard_files(3)
    import_run(actor=personas.admin, files=files, mapping=mapping, unit=personas.unit_a)
    before = AuditEvent.objects.count()
    again = import_run(actor=personas.admin, files=files, mapping=mapping, unit=personas.unit_a)
    assert imported_counts() == (3, 3, 3, 3)
    assert again.created_count == again.altered_count == 0 and again.unchanged_count == 12
    assert AuditEvent.objects.count() == before

    changed = case_rows(3)
    changed[1][1] = "Operation Renamed"
    files[0] = ("cases.csv", csv_bytes(CASE_HEADINGS, changed))
    third = import_run(actor=personas.manager_a, files=files, mapping=mapping, unit=personas.unit_a)
    assert third.altered_count == 1 and third.created_count == 0
    case = Case.objects.get(urn="42IM0000001")
    assert case.operation_name == "Operation Renamed" and case.version == 2
    event = AuditEvent.objects.get(seq=before + 1)
    assert event.action == "alter" and json.loads(event.changes) == {
        "operation_name": ["Operation 1", "Operation Renamed"]
    }
    assert AuditEvent.objects.count() == before + 1


def test_an_administrators_import_never_changes_a_recorded_case(personas, mapping):
    """Administrators have no case content: their import adds new cases only (a re-run of the same
    file changes nothing and passes; a changed value is refused and nothing is written)."""
    files = standard_files(3)
    import_run(actor=personas.admin, files=files, mapping=mapping, unit=personas.unit_a)
    changed = case_rows(3)
    changed[1][1] = "Operation Renamed"
    files[0] = ("cases.csv", csv_bytes(CASE_HEADINGS, changed))
    before = AuditEvent.objects.count()
    refused = import_run(actor=personas.admin, files=files, mapping=mapping, unit=personas.unit_a)
    assert refused.status == RunStatus.REJECTED
    assert {(p.row, p.reason) for p in refused.problems.filter(sheet="cases")} == {(3, ALREADY_RECORDED)}
    assert Case.objects.get(urn="42IM0000001").operation_name == "Operation 1"
    assert AuditEvent.objects.count() == before


def test_xlsx_with_sheets_imports_the_same(personas, mapping):
    rows = case_rows(2)
    data = xlsx_bytes(
        {
            "cases": (CASE_HEADINGS, rows),
            "hearings": (HEARING_HEADINGS, [[rows[0][0], "Trial", dt.datetime(2025, 1, 6, 10, 0), "Bristol", ""]]),
        }
    )
    run = import_run(actor=personas.manager_a, files=[("register.xlsx", data)], mapping=mapping, unit=personas.unit_a)
    assert run.status == RunStatus.COMPLETED
    assert imported_counts() == (2, 0, 0, 1)
    assert Hearing.objects.get().starts_at == dt.datetime(2025, 1, 6, 10, 0, tzinfo=dt.UTC)  # GMT in January


def test_dry_run_writes_nothing(personas, mapping):
    before = AuditEvent.objects.count()
    run = import_run(actor=personas.admin, files=standard_files(2), mapping=mapping, unit=personas.unit_a, dry_run=True)
    assert run.status == RunStatus.VALIDATED and run.total_rows == 8
    assert imported_counts() == (0, 0, 0, 0) and AuditEvent.objects.count() == before


def test_batches_commit_progress(personas, mapping):
    seen: list[int] = []
    run = import_run(
        actor=personas.admin,
        files=standard_files(7),
        mapping=mapping,
        unit=personas.unit_a,
        batch_size=3,
        progress=lambda r: seen.append(r.last_committed_group),
    )
    assert seen == [3, 6, 7] and run.last_committed_group == 7


class Interrupted(Exception):
    pass


def test_killed_after_batch_k_resumes_without_loss_or_duplicates(personas, mapping):
    files = standard_files(10)
    before = AuditEvent.objects.count()

    def die_after_second_batch(run: ImportRun) -> None:
        if run.last_committed_group == 4:
            raise Interrupted

    with pytest.raises(Interrupted):
        import_run(
            actor=personas.admin,
            files=files,
            mapping=mapping,
            unit=personas.unit_a,
            batch_size=2,
            progress=die_after_second_batch,
        )
    interrupted = ImportRun.objects.get()
    assert interrupted.status == RunStatus.RUNNING and interrupted.last_committed_group == 4
    assert imported_counts() == (4, 4, 4, 4)
    assert AuditEvent.objects.count() - before == 16  # exactly the committed batches' records

    resumed = import_run(actor=personas.admin, files=files, mapping=mapping, unit=personas.unit_a, batch_size=2)
    assert resumed.pk == interrupted.pk and resumed.status == RunStatus.COMPLETED
    assert imported_counts() == (10, 10, 10, 10)
    assert resumed.created_count == 40 and resumed.unchanged_count == 0
    collected = AuditEvent.objects.filter(seq__gt=before, action="collect")
    assert collected.count() == 40 == AuditEvent.objects.count() - before
    # One collect event per record, none twice.
    assert collected.values("subject_type", "subject_id").distinct().count() == 40


def test_a_failing_batch_rolls_back_whole(personas, mapping, monkeypatch):
    original = case_services.write_cases
    calls = {"n": 0}

    def fail_after_writing_the_second_batch(batch, groups):
        calls["n"] += 1
        original(batch, groups)
        if calls["n"] == 2:
            raise RuntimeError("disk went away")

    monkeypatch.setattr(case_services, "write_cases", fail_after_writing_the_second_batch)
    before = AuditEvent.objects.count()
    with pytest.raises(RuntimeError):
        import_run(actor=personas.admin, files=standard_files(4), mapping=mapping, unit=personas.unit_a, batch_size=2)
    assert imported_counts() == (2, 2, 2, 2)  # batch 1 committed, batch 2 fully rolled back
    assert AuditEvent.objects.count() - before == 8
    assert ImportRun.objects.get().last_committed_group == 2


@pytest.mark.parametrize(
    "persona", ["prosecutor_a", "paralegal_a", "prosecutor_b", "hq", "inspector", "police_x", "area_leader_a"]
)
def test_only_administrators_and_unit_managers_import(personas, mapping, persona):
    with pytest.raises(PermissionDenied):
        import_run(actor=getattr(personas, persona), files=standard_files(1), mapping=mapping, unit=personas.unit_a)
    assert imported_counts() == (0, 0, 0, 0)


def test_manager_of_another_unit_cannot_import_into_this_one(personas, mapping):
    with pytest.raises(PermissionDenied):
        import_run(actor=personas.manager_a, files=standard_files(1), mapping=mapping, unit=personas.unit_b)


@pytest.mark.parametrize(
    ("text", "read"),
    [
        ("01/02/2024", dt.date(2024, 2, 1)),
        (" 29/02/2024 ", dt.date(2024, 2, 29)),
        ("1/2/2024", dt.date(2024, 2, 1)),  # single digits: read as before
        ("2024-02-01", dt.date(2024, 2, 1)),
        ("01-02-2024", dt.date(2024, 2, 1)),
        ("31/02/2024", "31/02/2024"),  # no such day: left for the schema to refuse
        ("29/02/2023", "29/02/2023"),
        ("0a/02/2024", "0a/02/2024"),
    ],
)
def test_dates_are_read_day_first_as_written(text, read):
    assert date_value(text) == read


def test_batches_are_written_without_pauses_for_cycle_collection(personas, mapping, monkeypatch):
    """The collector is held off while a batch is checked and written, and runs again afterwards."""
    original = case_services.write_cases
    seen = []

    def noting(batch, groups):
        seen.append(gc.isenabled())
        original(batch, groups)

    monkeypatch.setattr(case_services, "write_cases", noting)
    assert gc.isenabled()
    import_run(actor=personas.admin, files=standard_files(4), mapping=mapping, unit=personas.unit_a, batch_size=2)
    assert seen == [False, False]
    assert gc.isenabled()
    with pytest.raises(RuntimeError):  # a failing batch does not leave it off
        monkeypatch.setattr(case_services, "write_cases", lambda batch, groups: (_ for _ in ()).throw(RuntimeError()))
        import_run(actor=personas.admin, files=standard_files(6), mapping=mapping, unit=personas.unit_a)
    assert gc.isenabled()
