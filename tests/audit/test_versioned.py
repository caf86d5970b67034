"""The audited writes of versioned records: `versioned_update` and its batch mode, `AuditedBatch`."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.db import transaction

from casework.assurance.models import PendingRecheck
from casework.audit import chain
from casework.audit import services as audit_services
from casework.audit.models import AuditEvent
from casework.audit.services import ActorSnapshot
from casework.audit.versioned import AuditedBatch, _insert, audited_batch, new_record, versioned_update
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


# --- the batch's fast paths: each must give what the plain ORM way gives ---------------------------


def test_new_record_makes_what_the_model_constructor_makes(personas, django_assert_num_queries):
    values = {
        "urn": "77VB0000010",
        "unit": personas.unit_a,
        "stage": "charged",
        "stage_changed_at": WHEN,
        "operation_name": "Operation Birch",
        "lead_force_id": personas.force_x.pk,
        "accepted_on": dt.date(2026, 1, 5),
    }
    made, constructed = new_record(Case, values), Case(**values)
    for field in Case._meta.concrete_fields:
        assert getattr(made, field.attname) == getattr(constructed, field.attname), field.attname
    assert made._state.adding
    with django_assert_num_queries(0):  # the relation given as an object is kept, as assigning it keeps it
        assert made.unit is personas.unit_a
    defendant = new_record(Defendant, {"case": made, "first_names": "Ann", "last_name": "Lee"})
    assert defendant.case is made and defendant.case_id is None  # the case is not saved yet
    with audited_batch(actor=IMPORTER) as batch:
        batch.create([made], case_of=lambda c: c.pk)
        batch.create([defendant], case_of=lambda d: d.case_id)
    assert Defendant.objects.get(pk=defendant.pk).case_id == made.pk


def test_new_record_refuses_a_field_the_model_does_not_have():
    with pytest.raises(TypeError, match="no field 'colour'"):
        new_record(Defendant, {"first_names": "Ann", "colour": "blue"})


def test_the_batch_adapts_each_shared_value_once_and_keeps_instants_exact(personas, monkeypatch):
    from django.db import connection

    adapted = []
    adapt = connection.ops.adapt_datetimefield_value

    def counting(value):
        adapted.append(value)
        return adapt(value)

    monkeypatch.setattr(connection.ops, "adapt_datetimefield_value", counting)
    london = dt.timezone(dt.timedelta(hours=1))
    same_instant = [WHEN, WHEN.astimezone(london), WHEN]  # one instant, written in two zones
    cases = [a_case(personas, f"77VB000002{n}") for n in range(3)]
    for case, instant in zip(cases, same_instant, strict=True):
        case.stage_changed_at = instant
    now = clock.now()
    for case in cases:
        case.created_at = case.updated_at = now
    with transaction.atomic():
        _insert(cases)
    # created_at and updated_at hold one instant each; stage_changed_at one instant in two zones
    assert len(adapted) <= 1 + 1 + 2
    for case in cases:
        assert Case.objects.get(pk=case.pk).stage_changed_at == WHEN


def test_new_salts_are_fresh_salts_of_the_usual_form():
    salts = chain.new_salts(50)
    assert len(salts) == 50 and len(set(salts)) == 50
    assert all(len(salt) == len(chain.new_salt()) == 32 and int(salt, 16) >= 0 for salt in salts)
    assert chain.new_salts(0) == []


def test_a_batch_of_varied_events_chains_and_verifies(personas, case_a):
    """record_many fills in each event's own values over the batch's shared ones: every field an
    event may vary ends up in its hash, so the whole trail still verifies."""
    from casework.audit.verification import verify_chain

    events = [
        audit_services.PendingEvent(
            action=action,
            subject_type=subject_type,
            subject_id=str(n),
            subject_label=f"Label {n}",
            case_id=case_id,
            changes={"field": [None, n]},
            recipient=recipient,
            justification="Needed for the review" if action == "disclose" else "",
        )
        for n, (action, subject_type, case_id, recipient) in enumerate(
            [
                ("collect", "cases.case", case_a.pk, ""),
                ("alter", "cases.defendant", None, ""),
                ("disclose", "cases.case", case_a.pk, "Defence solicitor"),
            ]
        )
    ]
    refs = audit_services.record_many(actor=IMPORTER, events=events)
    stored_events = list(AuditEvent.objects.filter(seq__in=[ref.seq for ref in refs]).order_by("seq"))
    assert [e.recipient for e in stored_events] == ["", "", "Defence solicitor"]
    assert [e.hash for e in stored_events] == [ref.hash for ref in refs]
    report = verify_chain()
    assert report.intact, report
