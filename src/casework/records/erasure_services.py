"""Erasing one record's personal data, everywhere the service keeps it.

Each eraser runs inside the caller's transaction (services.dispose_record), so a record is erased
completely or not at all, and writes one `erase` event for the record through
casework.audit.erasure, which also blanks the personal values of the record's earlier audit events.

What is kept, on purpose, is what statistics and the inspectorate still need and what is not
personal data: a case keeps its URN, unit, stage, outcome, offence category and dates (a tombstone
that says it existed and was disposed of); verdicts keep their rule, outcome and period (the
unit's compliance history) but lose their reasons and facts; a referral keeps its reference,
force, unit, dates and status. Everything that names or describes a person goes: defendants,
charges, hearings, documents and their versions, reviews, notes, logs, tasks, notices, the
free text of verdicts, exemptions, waivers, sign-offs and panels, counsel's name, inspectors' notes.

Records are erased here rather than by each app's services because disposal is one act across the
whole case file; each model is named explicitly so a new model holding case data shows up in review
(docs/records.md lists them).
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from django.db import connection
from django.db.models import F, QuerySet

from casework.assurance.models import (
    Exemption,
    PanelMeeting,
    PanelRegistration,
    SignOffRequest,
    VerdictPeriod,
    Waiver,
)
from casework.audit.erasure import ErasureResult, erase_case_events, erase_record_events
from casework.cases.models import (
    Case,
    CaseAccessGrant,
    CaseDocument,
    CaseRestriction,
    CaseReview,
    CaseStageEntry,
    Defendant,
    Hearing,
    RestrictedReading,
)
from casework.core import clock
from casework.core.errors import ValidationFailed
from casework.imports.models import ImportRun, RowProblem
from casework.oversight.models import FileAnswer
from casework.partners.models import ActionPlan, Disagreement, Escalation, Referral
from casework.people.models import User
from casework.progression.models import CtlLogEntry, CustodyClock, Deadline, Notice, Task
from casework.resourcing.models import RemRecord, TimeEntry


@dataclass
class Erased:
    rows: Counter[str] = field(default_factory=Counter)
    audit: list[ErasureResult] = field(default_factory=list)

    @property
    def erase_event_seq(self) -> int:
        return self.audit[0].erase_seq

    @property
    def audit_events_redacted(self) -> int:
        return sum(result.redacted for result in self.audit)


def secure_delete_on() -> None:
    """SQLite: overwrite erased content with zeros in the database file, not merely unlink it."""
    if connection.vendor == "sqlite":
        with connection.cursor() as cursor:
            cursor.execute("PRAGMA secure_delete = ON")


def checkpoint_write_ahead_log() -> None:
    """SQLite: copy the WAL into the database file and empty it, so erased values do not linger in
    old WAL frames. Outside a transaction only (a no-op otherwise)."""
    if connection.vendor == "sqlite" and not connection.in_atomic_block:
        with connection.cursor() as cursor:
            cursor.execute("PRAGMA wal_checkpoint(TRUNCATE)")


def _delete(erased: Erased, queryset: QuerySet[Any]) -> None:
    _, per_model = queryset.delete()
    erased.rows.update({label: count for label, count in per_model.items() if count})


def _blank(erased: Erased, queryset: QuerySet[Any], label: str, **values: Any) -> None:
    count = queryset.update(**values)
    if count:
        erased.rows[label] += count


# --- case files ------------------------------------------------------------------------------------


def erase_case_file(*, actor: User | None, case_id: int, justification: str) -> Erased:
    case = Case.objects.select_for_update().filter(pk=case_id).first()
    if case is None or case.disposed_at is not None:
        raise ValidationFailed(f"Case {case_id} does not exist or has already been disposed of.")
    erased = Erased()
    of_case = {"case_id": case.pk}
    # The audit trail first: it checks every event it blanks against its hash before anything goes.
    erased.audit.append(
        erase_case_events(
            actor=actor, case_id=case.pk, subject_label=f"Case file {case.urn}", justification=justification
        )
    )
    for referral_id, reference in Referral.objects.filter(case=case).values_list("pk", "reference"):
        erased.audit.append(
            _erase_referral(
                erased,
                actor=actor,
                referral_id=referral_id,
                reference=reference,
                justification=f"Part of case file {case.urn}: {justification}",
            )
        )
    _delete(erased, CustodyClock.objects.filter(**of_case))
    for model in (
        Defendant,
        Hearing,
        CaseDocument,
        CaseReview,
        CaseStageEntry,
        CaseAccessGrant,
        CaseRestriction,
        RestrictedReading,
        CtlLogEntry,
        Deadline,
        Task,
        Notice,
        Exemption,
        Waiver,
        SignOffRequest,
        PanelRegistration,
        PanelMeeting,
    ):
        _delete(erased, model._default_manager.filter(**of_case))
    _blank(erased, VerdictPeriod.objects.filter(**of_case), "assurance.VerdictPeriod", reason="", remedy="", facts={})
    _blank(
        erased, RemRecord.objects.filter(**of_case).exclude(counsel_name=""), "resourcing.RemRecord", counsel_name=""
    )
    _blank(
        erased,
        FileAnswer.objects.filter(sampled_file__case_id=case.pk).exclude(note=""),
        "oversight.FileAnswer",
        note="",
    )
    now = clock.now()
    _blank(
        erased,
        Case.objects.filter(pk=case.pk),
        "cases.Case",
        operation_name="",
        summary="",
        ccp_direction_reason="",
        restricted_at=None,
        disposed_at=now,
        updated_at=now,
        version=F("version") + 1,
    )
    return erased


# --- police referrals and early advice ------------------------------------------------------------


def _erase_referral(
    erased: Erased, *, actor: User | None, referral_id: int, reference: str, justification: str
) -> ErasureResult:
    result = erase_record_events(
        actor=actor,
        subject_type="partners.referral",
        subject_id=referral_id,
        subject_label=f"Referral {reference}",
        justification=justification,
    )
    _blank(erased, ActionPlan.objects.filter(referral_id=referral_id), "partners.ActionPlan", actions="", answer="")
    _blank(erased, Escalation.objects.filter(referral_id=referral_id), "partners.Escalation", reason="", outcome="")
    _blank(
        erased,
        Disagreement.objects.filter(referral_id=referral_id),
        "partners.Disagreement",
        subject="",
        cps_position="",
        police_position="",
        outcome_note="",
    )
    _blank(
        erased,
        Referral.objects.filter(pk=referral_id),
        "partners.Referral",
        officer_in_case="",
        police_reference="",
        factual_summary="",
        lines_of_enquiry="",
        expected_results="",
        issues_identified="",
        specific_questions="",
        key_evidence="",
        disclosable_material="",
        response_text="",
    )
    return result


def erase_referral(*, actor: User | None, referral_id: int, justification: str) -> Erased:
    referral = Referral.objects.filter(pk=referral_id).first()
    if referral is None:
        raise ValidationFailed(f"Referral {referral_id} does not exist.")
    erased = Erased()
    erased.audit.append(
        _erase_referral(
            erased, actor=actor, referral_id=referral.pk, reference=referral.reference, justification=justification
        )
    )
    return erased


# --- time records and import reports --------------------------------------------------------------


def erase_time_records(*, actor: User | None, rem_record_id: int, before: dt.date, justification: str) -> Erased:
    """The time entries of one case's REM record for weeks starting on or before `before`, under one
    erase event. The entries' own audit events keep their values: they log the work of named staff
    and stay for the audit trail's own retention (docs/records.md)."""
    record = RemRecord.objects.select_related("case").filter(pk=rem_record_id).first()
    if record is None:
        raise ValidationFailed(f"REM record {rem_record_id} does not exist.")
    erased = Erased()
    entries = TimeEntry.objects.filter(record=record, week_starting__lte=before)
    erased.audit.append(
        erase_record_events(
            actor=actor,
            subject_type="resourcing.remrecord.time",
            subject_id=f"{rem_record_id}:{before.isoformat()}",
            subject_label=f"Time records of {record.case.urn} up to the week of {before:%d %B %Y}",
            justification=justification,
        )
    )
    _delete(erased, entries)
    return erased


def erase_import_report(*, actor: User | None, run_id: int, justification: str) -> Erased:
    if not ImportRun.objects.filter(pk=run_id).exists():
        raise ValidationFailed(f"Import run {run_id} does not exist.")
    erased = Erased()
    erased.audit.append(
        erase_record_events(
            actor=actor,
            subject_type="imports.importrun",
            subject_id=run_id,
            subject_label=f"Import run {run_id} report",
            justification=justification,
        )
    )
    _blank(erased, RowProblem.objects.filter(run_id=run_id).exclude(value=""), "imports.RowProblem", value="")
    return erased
