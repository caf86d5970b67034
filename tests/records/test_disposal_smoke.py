from __future__ import annotations

from casework.records import selectors, services
from casework.records.choices import Decision, RecordType
from tests.records.conftest import make_old_case


def test_smoke(personas, records_a):
    old = make_old_case(personas)
    items = selectors.review_list(user=records_a)
    assert [i.label for i in items] == [old.case.urn], [i.as_dict() for i in items]
    services.retention_decide(
        actor=records_a,
        record_type=RecordType.CASE_FILE,
        record_id=str(old.case.pk),
        decision=Decision.APPROVE,
        reason="Retention period over, nothing pending",
    )
    summary = services.dispose_approved()
    assert len(summary.disposed) == 1, summary.skipped
