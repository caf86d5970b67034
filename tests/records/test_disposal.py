"""Disposal of finalised case files: nothing personal left in any table (audit events and verdict
facts included), the trail still verifies against checkpoints signed before, one erase event per
record, legal holds and extensions respected, and a crash part way leaves nothing half-erased."""

from __future__ import annotations

import datetime as dt
import json
from io import StringIO

import pytest
import time_machine
from django.core.management import CommandError, call_command
from django.db import connection

from casework.assurance.models import VerdictPeriod
from casework.audit.checkpoints import checkpoint_create
from casework.audit.models import AuditEvent
from casework.audit.verification import verify_all
from casework.cases.models import Case, Defendant
from casework.core.errors import ValidationFailed
from casework.records import erasure_services, selectors, services
from casework.records.choices import Decision, RecordType, RetentionState, RunStatus
from casework.records.models import DisposalRecord, DisposalRun
from tests.records.conftest import PERSONAL, make_old_case


@pytest.fixture(autouse=True)
def audit_paths(settings, tmp_path):
    settings.AUDIT_CHECKPOINT_DIR = tmp_path / "checkpoints"
    settings.AUDIT_SIGNING_KEY_FILE = tmp_path / "keys" / "audit-signing-key.pem"
    return tmp_path


def database_text() -> str:
    """Every row of every table, as text: what a SELECT on the whole database returns."""
    chunks = []
    with connection.cursor() as cursor:
        for table in connection.introspection.table_names(cursor):
            cursor.execute(f'SELECT * FROM "{table}"')
            chunks.extend(repr(row) for row in cursor.fetchall())
    return "\n".join(chunks)


def approve(actor, case: Case, reason: str = "Retention period over, nothing pending") -> None:
    services.retention_decide(
        actor=actor, record_type=RecordType.CASE_FILE, record_id=str(case.pk), decision=Decision.APPROVE, reason=reason
    )


def test_a_disposed_case_leaves_no_personal_value_in_any_table(personas, records_a):
    old = make_old_case(personas)
    kept = make_old_case(
        personas,
        names=("Wilhelmina", "Stroudwater"),
        operation="Operation Hawthorn",
        born=dt.date(1975, 2, 3),
        summary="Stroudwater mill arson",
    )
    checkpoint_create()
    text = database_text()
    assert all(value in text for value in PERSONAL)  # the scan can find them
    approve(records_a, old.case)
    summary = services.dispose_approved()
    assert [record.label for record in summary.disposed] == [old.case.urn]
    text = database_text()
    assert [value for value in PERSONAL if value in text] == []
    assert "Stroudwater" in text and "Operation Hawthorn" in text  # the other case is untouched
    case = Case.objects.get(pk=old.case.pk)
    assert (case.urn, case.stage, case.outcome, case.operation_name, case.summary) == (
        old.case.urn,
        "finalised",
        "convicted_all",
        "",
        "",
    )
    assert case.disposed_at is not None
    assert not Defendant.objects.filter(case=case).exists()
    assert Case.objects.visible_to(personas.inspector).filter(pk=case.pk).count() == 0
    erase = AuditEvent.objects.get(action="erase", case_id=case.pk, subject_type="cases.case")
    assert erase.changes == ""
    assert "case-file-convicted-all v1" in erase.justification and "records.a" in erase.justification
    record = DisposalRecord.objects.get(record_id=str(case.pk))
    assert (record.erase_event_seq, record.approved_by) == (erase.seq, records_a)
    assert record.audit_events_redacted > 5 and record.rows_erased["cases.Defendant"] == 1
    checkpoint_create()
    report = verify_all()
    assert report.intact, report.as_dict()
    assert report.chain.redacted_events == record.audit_events_redacted
    assert Case.objects.filter(pk=kept.case.pk, disposed_at__isnull=True).exists()


def test_verdict_facts_keep_their_outcome_but_lose_their_reasons(personas, records_a):
    from casework.assurance.sweep import assurance_sweep

    old = make_old_case(personas)
    assurance_sweep(today=dt.date.today())
    assert VerdictPeriod.objects.filter(case=old.case).exists()
    approve(records_a, old.case)
    services.dispose_approved()
    periods = VerdictPeriod.objects.filter(case=old.case)
    assert periods.exists()
    assert {(p.reason, p.remedy, json.dumps(p.facts)) for p in periods} == {("", "", "{}")}


def test_a_legal_hold_blocks_approval_and_disposal(personas, records_a):
    old = make_old_case(personas)
    approve(records_a, old.case)
    services.hold_place(
        actor=personas.unithead_a,
        record_type=RecordType.CASE_FILE,
        record_id=str(old.case.pk),
        reason="Appeal lodged out of time",
    )
    item = selectors.retention_item(record_type=RecordType.CASE_FILE, record_id=str(old.case.pk))
    assert item.verdict.state == RetentionState.HELD
    with pytest.raises(ValidationFailed, match="legal hold"):
        approve(records_a, old.case)
    assert services.dispose_approved().disposed == []
    with pytest.raises(ValidationFailed, match="legal hold"):
        services.dispose_record(actor=None, item=item)  # even when asked for directly
    assert Defendant.objects.filter(case=old.case).exists()
    hold = selectors.holds_for(user=records_a).get()
    services.hold_lift(actor=records_a, hold_id=hold.pk, reason="Appeal dismissed; nothing pending")
    approve(records_a, old.case)
    assert len(services.dispose_approved().disposed) == 1


def test_a_hold_until_a_date_ends_on_its_own(personas, records_a):
    old = make_old_case(personas)
    services.hold_place(
        actor=records_a,
        record_type=RecordType.CASE_FILE,
        record_id=str(old.case.pk),
        reason="Civil claim limitation period",
        until=dt.date.today() + dt.timedelta(days=10),
    )
    assert selectors.retention_item(record_type=RecordType.CASE_FILE, record_id=str(old.case.pk)).state == "held"
    with time_machine.travel(dt.datetime.now(dt.UTC) + dt.timedelta(days=11)):
        assert selectors.retention_item(record_type=RecordType.CASE_FILE, record_id=str(old.case.pk)).state == "due"


def test_keeping_a_record_longer_defers_it_and_it_falls_due_again(personas, records_a):
    old = make_old_case(personas)
    keep_until = dt.date.today() + dt.timedelta(days=90)
    services.retention_decide(
        actor=records_a,
        record_type=RecordType.CASE_FILE,
        record_id=str(old.case.pk),
        decision=Decision.EXTEND,
        reason="Complaint to the Inspectorate open",
        keep_until=keep_until,
    )
    item = selectors.retention_item(record_type=RecordType.CASE_FILE, record_id=str(old.case.pk))
    assert (item.state, item.verdict.due_on) == (RetentionState.EXTENDED, keep_until)
    assert services.dispose_approved().planned == []
    with pytest.raises(ValidationFailed, match="not due yet"):
        approve(records_a, old.case)
    with time_machine.travel(dt.datetime.combine(keep_until, dt.time(12), tzinfo=dt.UTC)):
        assert selectors.retention_item(record_type=RecordType.CASE_FILE, record_id=str(old.case.pk)).state == "due"
    with pytest.raises(ValidationFailed, match="date to keep it until"):
        services.retention_decide(
            actor=records_a,
            record_type=RecordType.CASE_FILE,
            record_id=str(old.case.pk),
            decision=Decision.EXTEND,
            reason="Complaint to the Inspectorate open",
            keep_until=dt.date.today(),
        )


def test_only_a_records_officer_of_the_unit_decides(personas, records_a):
    from casework.core.errors import NotFound, PermissionDenied

    old = make_old_case(personas)
    with pytest.raises(PermissionDenied):
        approve(personas.unithead_a, old.case)
    for outsider in (personas.prosecutor_a, personas.prosecutor_b, personas.police_x, personas.admin):
        with pytest.raises(NotFound):
            approve(outsider, old.case)


def test_a_crash_in_the_middle_of_a_batch_leaves_nothing_half_erased_and_a_rerun_finishes(
    personas, records_a, monkeypatch
):
    cases = [
        make_old_case(personas, names=(f"Firstname{i}", f"Lastname{i}"), operation=f"Operation {i}") for i in range(3)
    ]
    for old in cases:
        approve(records_a, old.case)
    checkpoint_create()
    calls = {"n": 0}
    real_delete = erasure_services._delete

    def crashing_delete(erased, queryset):
        real_delete(erased, queryset)
        calls["n"] += 1
        if calls["n"] == 25:  # part way through the second case: its defendants are already deleted
            raise RuntimeError("power cut")

    monkeypatch.setattr(erasure_services, "_delete", crashing_delete)
    with pytest.raises(RuntimeError, match="power cut"):
        services.dispose_approved(batch_size=2)
    first, second, third = (old.case for old in cases)
    assert DisposalRecord.objects.filter(record_id=str(first.pk)).exists()
    for untouched in (second, third):
        assert not DisposalRecord.objects.filter(record_id=str(untouched.pk)).exists()
        assert Defendant.objects.filter(case=untouched).count() == 1
        assert Case.objects.get(pk=untouched.pk).disposed_at is None
        events = AuditEvent.objects.filter(case_id=untouched.pk)
        assert not events.filter(action="erase").exists()
        assert not events.filter(erased_by__isnull=False).exists()
        assert events.filter(subject_label__icontains="Lastname").exists()
    run = DisposalRun.objects.get()
    assert (run.status, run.disposed) == (RunStatus.FAILED, 0) or run.status == RunStatus.FAILED
    assert "power cut" in run.failure
    assert verify_all().intact
    monkeypatch.setattr(erasure_services, "_delete", real_delete)
    rerun = services.dispose_approved()
    assert sorted(r.label for r in rerun.disposed) == sorted([second.urn, third.urn])
    assert DisposalRecord.objects.count() == 3
    assert AuditEvent.objects.filter(action="erase", subject_type="cases.case").count() == 3
    checkpoint_create()
    assert verify_all().intact


def test_an_interrupted_run_is_marked_and_the_next_one_finishes(personas, records_a):
    old = make_old_case(personas)
    approve(records_a, old.case)
    DisposalRun.objects.create(planned=1, started_at=old.case.created_at)  # a run killed part way
    services.dispose_approved()
    assert list(DisposalRun.objects.order_by("pk").values_list("status", flat=True)) == [
        RunStatus.FAILED,
        RunStatus.COMPLETED,
    ]


def test_a_restricted_case_is_not_disposed_of(personas, records_a):
    from casework.cases import services as case_services

    old = make_old_case(personas)
    approve(records_a, old.case)
    case_services.case_restrict(actor=records_a, case_id=old.case.pk, reason="Must be kept as evidence for an inquiry")
    summary = services.dispose_approved()
    assert summary.disposed == []
    assert "restricted" in summary.skipped[0][1]


# --- the commands -----------------------------------------------------------------------------------


def run(*args: str) -> str:
    out = StringIO()
    call_command(*args, stdout=out)
    return out.getvalue()


def test_retention_review_lists_what_is_due_as_text_and_json(personas, records_a):
    old = make_old_case(personas)
    recent = make_old_case(personas, closed_on=dt.date.today() - dt.timedelta(days=30), names=("Recent", "Person"))
    report = json.loads(run("retention", "review", "--json"))
    labels = {row["label"]: row for row in report["records"]}
    assert labels[old.case.urn]["state"] == "due"
    assert labels[old.case.urn]["rule"] == "case-file-convicted-all v1"
    assert labels[old.case.urn]["due_on"] == "2023-03-14"
    assert recent.case.urn not in labels
    assert old.case.urn in run("retention", "review", "--unit", "ccu-wessex")
    assert "Nothing is due" in run("retention", "review", "--unit", "ccu-north-east")


def test_retention_dispose_dry_run_changes_nothing(personas, records_a):
    old = make_old_case(personas)
    approve(records_a, old.case)
    out = run("retention", "dispose", "--dry-run")
    assert "Dry run: 1 approved" in out and old.case.urn in out
    assert not DisposalRecord.objects.exists()
    assert Defendant.objects.filter(case=old.case).exists()
    assert "Disposed of 1 of 1" in run("retention", "dispose", "--unit", "ccu-wessex")


def test_retention_dispose_one_case_by_a_records_officer(personas, records_a):
    old = make_old_case(personas)
    out = run(
        "retention",
        "dispose",
        "--case",
        str(old.case.pk),
        "--approved-by",
        "records.a",
        "--reason",
        "Subject asked for erasure (s.47); nothing pending",
    )
    assert f"Disposed of {old.case.urn}" in out
    assert AuditEvent.objects.filter(action="erase", case_id=old.case.pk).exists()
    assert [v for v in PERSONAL if v in database_text()] == []


def test_retention_dispose_one_case_refusals(personas, records_a):
    from tests.factories import make_case

    old = make_old_case(personas)
    open_case = make_case(actor=personas.manager_a, operation_name="Operation Open")
    reason = ["--reason", "Subject asked for erasure; nothing pending"]
    with pytest.raises(CommandError, match="not finalised"):
        run("retention", "dispose", "--case", str(open_case.pk), "--approved-by", "records.a", *reason)
    with pytest.raises(CommandError, match="records officer role"):
        run("retention", "dispose", "--case", str(old.case.pk), "--approved-by", "unithead.a", *reason)
    services.hold_place(
        actor=records_a,
        record_type=RecordType.CASE_FILE,
        record_id=str(old.case.pk),
        reason="Judicial review of the decision",
    )
    with pytest.raises(CommandError, match="legal hold"):
        run("retention", "dispose", "--case", str(old.case.pk), "--approved-by", "records.a", *reason)
    with pytest.raises(CommandError, match="--approved-by"):
        run("retention", "dispose", "--case", str(old.case.pk))
    assert Defendant.objects.filter(case=old.case).exists()
    assert not AuditEvent.objects.filter(action="erase").exists()


def test_the_daily_task_disposes_of_approved_records_and_counts_what_is_due(personas, records_a):
    from casework.core.schedule import SCHEDULE
    from casework.records.tasks import retention_task

    old = make_old_case(personas)
    make_old_case(personas, names=("Second", "Person"))
    approve(records_a, old.case)
    result = retention_task.call()
    # The other case file is due, and so is the audit trail's archiving (its oldest events are years old).
    assert (result["disposed"], result["due_for_review"]) == (1, 2)
    assert "casework.records.tasks.retention_task" in {entry.task_path for entry in SCHEDULE}
