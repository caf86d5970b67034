"""The case's activity: audit events told as sentences."""

from __future__ import annotations

from casework.audit.models import AuditEvent
from casework.cases.activity import describe


def event(**fields) -> AuditEvent:
    return AuditEvent(**{"actor_label": "Alex Morgan (alex.morgan)", "action": "collect", **fields})


def test_a_hearing_record_sheet_is_named_by_its_kind() -> None:
    sentence = describe(event(subject_type="cases.casedocument", subject_label="Hearing record sheet: PTPH 1 May"))
    assert sentence == "Alex Morgan added a hearing record sheet: PTPH 1 May"


def test_changes_disclosures_and_the_service_itself() -> None:
    assert describe(event(action="alter", subject_type="cases.case", subject_label="01TS0000001")) == (
        "Alex Morgan changed the case"
    )
    disclosed = describe(event(action="disclose", subject_type="cases.casedocument", recipient="Defence solicitor"))
    assert disclosed == "Alex Morgan disclosed a document to Defence solicitor"
    assert describe(event(actor_label="", subject_type="progression.deadline")) == "The service added a deadline"
    assert describe(event(subject_type="other.thing")) == "Alex Morgan added a record"


def test_labels_that_may_hold_codes_are_left_out() -> None:
    deadline = event(
        actor_label="system", subject_type="progression.deadline", subject_label="01TS1 ctl.extension_notice"
    )
    assert describe(deadline) == "The service added a deadline"
    hearing = event(subject_type="cases.hearing", subject_label="Trial at Winchester")
    assert describe(hearing) == "Alex Morgan added a hearing: Trial at Winchester"
