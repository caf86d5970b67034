"""The audited writes of versioned records: `versioned_update` and its batch mode, `AuditedBatch`."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.db import transaction

from casework.assurance.models import PendingRecheck
from casework.audit import services as audit_services
from casework.audit.models import AuditEvent
from casework.audit.services import ActorSnapshot
from casework.audit.versioned import AuditedBatch, audited_batch, versioned_update
from casework.cases.models import Case, CaseStageEntry, Charge, Defendant, Hearing
from casework.core import clock
from casework.core.errors import EditConflict

pytestmark = pytest.mark.django_db

IMPORTER = ActorSnapshot(actor_id=None, label="test importer", role="system", unit="")
WHEN = dt.datetime(2026, 4, 2, 10, 30, tzinfo=dt.UTC)


def stored(model, pk, *exclude):
    row = model.objects.filter(pk=pk).values().get()
    return {k: v for k, v in row.items() if k not in {"id", "created_at", "updated_at", *exclude}}


def a_case(personas, urn):
    return Case(
        urn=urn,
        unit=personas.unit_a,
        stage="charged",
        stage_changed_at=WHEN,
        operation_name="Operation Birch",
        summary="Fraud on pension savers",
        lead_force_id=personas.force_x.pk,
        accepted_on=dt.date(2026, 1, 5),
        allocated_lawyer_id=personas.prosecutor_a.pk,
        estimated_cost=Decimal("12500.50"),
        is_very_high_cost=True,
        trial_estimate_days=15,
    )


def test_the_batch_stores_exactly_what_the_orm_stores(personas):
    """The batch's own INSERT (the backend's adapters per column) against Django's create."""
    orm_case = a_case(personas, "77VB0000001")
    orm_case.created_at = orm_case.updated_at = clock.now()
    orm_case.save()
    with audited_batch(actor=IMPORTER) as batch:
        [case] = batch.create([a_case(personas, "77VB0000002")], case_of=lambda c: c.pk)
        [defendant] = batch.create(
            [Defendant(case=case, first_names="Ann", last_name="Lee", date_of_birth=dt.date(1980, 5, 1))],
            case_of=lambda d: d.case_id,
        )
        [charge] = batch.create(
            [Charge(defendant=defendant, offence="Fraud", classification="either_way", charged_on=dt.date(2026, 3, 1))],
            case_of=lambda c: c.defendant.case_id,
        )
        [hearing] = batch.create([Hearing(case=case, hearing_type="ptph", starts_at=WHEN, court="Winchester")])
    assert stored(Case, case.pk, "urn") == stored(Case, orm_case.pk, "urn")
    assert Case.objects.get(pk=case.pk).stage_changed_at == WHEN
    assert Case.objects.get(pk=case.pk).estimated_cost == Decimal("12500.50")
    orm_defendant = Defendant.objects.create(
        case=orm_case, first_names="Ann", last_name="Lee", date_of_birth=dt.date(1980, 5, 1), **_times()
    )
    assert stored(Defendant, defendant.pk, "case_id") == stored(Defendant, orm_defendant.pk, "case_id")
    assert Charge.objects.get(pk=charge.pk).defendant_id == defendant.pk
    assert Hearing.objects.get(pk=hearing.pk).starts_at == WHEN


def _times():
    now = clock.now()
    return {"created_at": now, "updated_at": now}


def test_one_collect_event_per_row_written_together_and_cases_queued_once(personas, monkeypatch):
    calls = []
    record_many = audit_services.record_many
    monkeypatch.setattr(audit_services, "record_many", lambda **kw: calls.append(kw) or record_many(**kw))
    before = AuditEvent.objects.count()
    with audited_batch(actor=IMPORTER) as batch:
        cases = batch.create([a_case(personas, f"77VB000001{n}") for n in range(3)], case_of=lambda c: c.pk)
        batch.create(
            [Defendant(case=c, first_names="A", last_name=f"B{c.pk}") for c in cases], case_of=lambda d: d.case_id
        )
        batch.add_parts([CaseStageEntry(case=c, stage=c.stage, entered_at=WHEN, reason="Imported") for c in cases])
    assert len(calls) == 1 and len(calls[0]["events"]) == 6
    events = AuditEvent.objects.filter(seq__gt=before)
    assert events.count() == 6 and set(events.values_list("action", flat=True)) == {"collect"}
    assert {(e.subject_type, e.case_id) for e in events} == {
        *(("cases.case", c.pk) for c in cases),
        *(("cases.defendant", c.pk) for c in cases),
    }
    assert events.filter(actor_label="test importer").count() == 6
    assert set(PendingRecheck.objects.values_list("case_id", flat=True)) == {c.pk for c in cases}
    assert CaseStageEntry.objects.filter(case__in=cases).count() == 3
    assert (batch.created, batch.altered, batch.unchanged) == (6, 0, 0)


def test_written_records_are_saved_records(personas):
    with audited_batch(actor=IMPORTER) as batch:
        [case] = batch.create([a_case(personas, "77VB0000020")], case_of=lambda c: c.pk)
    assert case.pk and not case._state.adding
    case.summary = "Changed through save()"
    case.save()
    assert Case.objects.filter(urn="77VB0000020").count() == 1


def test_updates_are_versioned_and_audited_and_a_stale_one_writes_nothing(personas, case_a):
    with audited_batch(actor=personas.manager_a) as batch:
        assert batch.update(case_a, expected_version=1, values={"summary": "One"}, case_id=case_a.pk)
        assert batch.update(case_a, expected_version=2, values={"summary": "One"}, case_id=case_a.pk) == {}
    assert (batch.altered, batch.unchanged) == (1, 1)
    assert Case.objects.get(pk=case_a.pk).version == 2
    stale = Case.objects.get(pk=case_a.pk)
    versioned_update(
        actor=personas.manager_a, instance=case_a, expected_version=2, values={"summary": "Two"}, case_id=case_a.pk
    )
    events = AuditEvent.objects.filter(case_id=case_a.pk, action="alter").count()
    with pytest.raises(EditConflict) as conflict:
        versioned_update(
            actor=personas.manager_a, instance=stale, expected_version=2, values={"summary": "Three"}, case_id=case_a.pk
        )
    assert conflict.value.current_version == 3 and conflict.value.changed == {"summary": ["One", "Two"]}
    assert AuditEvent.objects.filter(case_id=case_a.pk, action="alter").count() == events
    assert Case.objects.get(pk=case_a.pk).summary == "Two"


def test_a_failure_in_the_batch_leaves_nothing(personas):
    before = AuditEvent.objects.count()
    # The batch adds no savepoint of its own: the caller's transaction (here, this one) rolls back.
    with pytest.raises(RuntimeError), transaction.atomic(), audited_batch(actor=IMPORTER) as batch:
        batch.create([a_case(personas, "77VB0000030")], case_of=lambda c: c.pk)
        raise RuntimeError("the disk went away")
    assert not Case.objects.filter(urn="77VB0000030").exists()
    assert AuditEvent.objects.count() == before and not PendingRecheck.objects.exists()


def test_an_empty_batch_writes_nothing(personas):
    before = AuditEvent.objects.count()
    batch = AuditedBatch(actor=IMPORTER)
    assert batch.create([]) == []
    batch.write()
    assert AuditEvent.objects.count() == before
