"""The audit trail refuses change: in the model, the query set and the database triggers; and an
event rolls back with the change it records."""

from __future__ import annotations

import pytest
from django.db import DatabaseError, transaction

from casework.audit import services
from casework.audit.models import AppendOnlyError, AuditEvent
from tests.audit.conftest import raw


def test_raw_update_is_refused_by_the_database(make_events):
    make_events(3)
    with pytest.raises(DatabaseError), transaction.atomic():
        raw("UPDATE audit_auditevent SET subject_label = 'changed' WHERE seq = 2")
    assert AuditEvent.objects.get(seq=2).subject_label == "Case 1"


def test_raw_delete_is_refused_by_the_database(make_events):
    make_events(3)
    with pytest.raises(DatabaseError), transaction.atomic():
        raw("DELETE FROM audit_auditevent WHERE seq = 2")
    assert AuditEvent.objects.count() == 3


def test_model_save_of_an_existing_event_is_refused(make_events):
    make_events(1)
    event = AuditEvent.objects.get(seq=1)
    event.subject_label = "changed"
    with pytest.raises(AppendOnlyError):
        event.save()


def test_model_delete_is_refused(make_events):
    make_events(1)
    with pytest.raises(AppendOnlyError):
        AuditEvent.objects.get(seq=1).delete()


def test_queryset_update_and_delete_are_refused(make_events):
    make_events(2)
    with pytest.raises(AppendOnlyError):
        AuditEvent.objects.filter(seq=1).update(subject_label="changed")
    with pytest.raises(AppendOnlyError):
        AuditEvent.objects.all().delete()
    assert AuditEvent.objects.count() == 2


class Boom(Exception):
    pass


def test_an_event_rolls_back_with_its_transaction(make_events):
    make_events(2)
    with pytest.raises(Boom), transaction.atomic():
        services.record(actor=None, action="collect", subject_type="cases.case", subject_id=9)
        assert AuditEvent.objects.count() == 3
        raise Boom
    assert AuditEvent.objects.count() == 2
    # The chain continues from the last committed event, without a gap.
    ref = services.record(actor=None, action="collect", subject_type="cases.case", subject_id=9)
    assert ref.seq == 3
