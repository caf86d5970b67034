"""Disposal of the other record types the schedule erases: referrals not accepted, early advice,
time records and import run reports."""

from __future__ import annotations

import datetime as dt

import time_machine

from casework.audit.models import AuditEvent
from casework.audit.verification import verify_chain
from casework.partners import services as partner_services
from casework.partners.models import Referral
from casework.records import selectors, services
from casework.records.choices import Decision, RecordType
from casework.records.models import DisposalRecord
from tests.partners.conftest import submit


def approve(actor, record_type: str, record_id: str) -> None:
    services.retention_decide(
        actor=actor,
        record_type=record_type,
        record_id=record_id,
        decision=Decision.APPROVE,
        reason="Retention period over, nothing pending",
    )


def test_a_declined_referral_loses_its_content_but_keeps_its_reference(personas, records_a):
    with time_machine.travel(dt.datetime(2021, 5, 3, 10, tzinfo=dt.UTC)):
        referral = submit(personas.police_x, kind="referral")
        partner_services.referral_decline(
            actor=personas.manager_a, referral=referral, reason="Not within the national list; suitable for the Area"
        )
    referral.refresh_from_db()
    item = selectors.retention_item(record_type=RecordType.REFERRAL_NOT_ACCEPTED, record_id=str(referral.pk))
    assert item is not None and item.state == "due"
    approve(records_a, RecordType.REFERRAL_NOT_ACCEPTED, str(referral.pk))
    assert len(services.dispose_approved().disposed) == 1
    referral = Referral.objects.get(pk=referral.pk)
    assert (referral.factual_summary, referral.officer_in_case, referral.response_text) == ("", "", "")
    assert referral.reference and referral.status == "declined"
    events = AuditEvent.objects.filter(subject_type="partners.referral", subject_id=str(referral.pk))
    assert events.filter(action="erase").count() == 1
    assert "investment fraud" not in str(list(events.values()))
    assert verify_chain().intact
    assert selectors.retention_item(record_type=RecordType.REFERRAL_NOT_ACCEPTED, record_id=str(referral.pk)) is None


def test_old_time_records_and_import_reports_are_erased(personas, records_a, case_a):
    from casework.imports.models import ImportRun, RowProblem
    from casework.resourcing.models import RemRecord, TimeEntry

    record = RemRecord.objects.create(case=case_a, created_at=case_a.created_at, updated_at=case_a.created_at)
    old, recent = dt.date(2020, 1, 6), dt.date.today() - dt.timedelta(days=7)
    for week in (old, recent):
        TimeEntry.objects.create(
            record=record,
            person=personas.prosecutor_a,
            week_starting=week,
            activity="review",
            hours=5,
            recorded_at=case_a.created_at,
        )
    run = ImportRun.objects.create(
        file_name="x.csv",
        file_digest="0" * 64,
        mapping_name="default",
        status="completed",
        started_at=case_a.created_at,
        finished_at=dt.datetime(2021, 1, 1, tzinfo=dt.UTC),
    )
    RowProblem.objects.create(
        run=run, sheet="Cases", row=3, column="Defendant", value="Ophelia Grantchester", reason="Date of birth missing"
    )
    items = {i.record_type: i for i in selectors.retention_items(states=["due", "approved"])}
    assert RecordType.TIME_RECORDS in items and RecordType.EXPORTS in items
    services.retention_decide(
        actor=records_a,
        record_type=RecordType.TIME_RECORDS,
        record_id=str(record.pk),
        decision=Decision.APPROVE,
        reason="Older than the REM history needs",
    )
    summary = services.dispose_approved()
    assert [r.record_type for r in summary.disposed] == [RecordType.TIME_RECORDS]
    assert list(TimeEntry.objects.values_list("week_starting", flat=True)) == [recent]
    assert DisposalRecord.objects.get().rows_erased == {"resourcing.TimeEntry": 1}
    # The import report belongs to no unit: a national records officer (no unit) decides it.
    from casework.people.choices import RoleCode
    from tests.factories import make_user

    national = make_user("records.national", RoleCode.RECORDS_OFFICER)
    services.retention_decide(
        actor=national,
        record_type=RecordType.EXPORTS,
        record_id=str(run.pk),
        decision=Decision.APPROVE,
        reason="Import long finished, nothing pending",
    )
    assert [r.record_type for r in services.dispose_approved().disposed] == [RecordType.EXPORTS]
    assert RowProblem.objects.get().value == ""
    assert verify_chain().intact
