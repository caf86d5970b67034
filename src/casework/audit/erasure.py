"""Erasing personal values from the audit trail without breaking it (DPA 2018 s.47 and s.62).

`erase_record_events` writes one `erase` event for one record (who, when, why; never the erased
content) and blanks the personal values (subject label, changes, justification) and the salt of
every earlier event about that record's case or subject, pointing each at the erase event. The
database's trigger allows exactly that change and nothing else (migration 0005).

Format-2 events keep their commitment, so they still hash to what the chain and the signed
checkpoints hold. A format-1 event cannot be re-hashed once its values are gone, so before blanking
one the erasure checks its content against its hash and seals what will remain of it into the erase
event (chain.seal). An event whose content does not match its hash is evidence of tampering: the
erasure stops rather than destroy it.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from django.db import connection, transaction

from casework.audit import chain
from casework.audit.choices import Action
from casework.audit.services import PendingEvent, chain_row_sql, lock_chain, record_many
from casework.core.errors import ValidationFailed


@dataclass(frozen=True)
class ErasureResult:
    erase_seq: int
    redacted: int
    legacy_redacted: int


_COVERED = "(case_id = %s OR (subject_type = %s AND subject_id = %s)) AND erased_by IS NULL"


def _covered_rows(*, case_id: int | None, subject_type: str, subject_id: str) -> list[Sequence[Any]]:
    sql = chain_row_sql(f"{_COVERED} ORDER BY seq")
    with connection.cursor() as cursor:
        cursor.execute(sql, [case_id, subject_type, subject_id])
        rows: list[Sequence[Any]] = cursor.fetchall()
        return rows


def _check_intact(rows: Sequence[Sequence[Any]]) -> list[str]:
    """Each event's content against its own hash; returns the legacy digests of format-1 events."""
    at = {name: i for i, name in enumerate((*chain.STORED_FIELDS, "prev_hash", "hash"))}
    digests = []
    for row in rows:
        try:
            intact = chain.stored_row_hash(row[-2], row) == row[-1]
        except chain.ChainBreak:
            intact = False
        if not intact:
            raise ValidationFailed(
                f"Audit event {row[0]} does not match its hash, so nothing was erased: the evidence of tampering "
                "is kept. Run `casework audit verify` and report it."
            )
        if row[at["format"]] in (None, 1):
            digests.append(chain.legacy_digest(dict(zip(at, row, strict=True))))
    return digests


def erase_record_events(
    *,
    actor: Any,
    subject_type: str,
    subject_id: str | int,
    subject_label: str,
    justification: str,
    case_id: int | None = None,
) -> ErasureResult:
    """Log the erasure of one record and blank the personal values of every earlier audit event
    about it (its case, when `case_id` is given, or its subject). Call inside the transaction that
    erases the record itself, so both happen or neither. `subject_label` names the record without
    personal data (a URN or a reference), for the erasure log."""
    if not justification.strip():
        raise ValidationFailed("Give the justification for this erasure (DPA 2018 s.62).")
    with transaction.atomic():
        lock_chain()  # nothing is appended between reading the events and redacting them
        rows = _covered_rows(case_id=case_id, subject_type=subject_type, subject_id=str(subject_id))
        digests = _check_intact(rows)
        erase = record_many(
            actor=actor,
            events=[
                PendingEvent(
                    action=Action.ERASE,
                    subject_type=subject_type,
                    subject_id=str(subject_id),
                    subject_label=subject_label,
                    case_id=case_id,
                    justification=justification,
                    erasure_seal=chain.seal(digests) if digests else None,
                )
            ],
        )[0]
        seqs = [row[0] for row in rows]
        with connection.cursor() as cursor:
            for start in range(0, len(seqs), 500):
                chunk = seqs[start : start + 500]
                cursor.execute(
                    "UPDATE audit_auditevent SET subject_label = '', changes = '', justification = '', salt = NULL,"  # noqa: S608
                    f" erased_by = %s WHERE seq IN ({', '.join(['%s'] * len(chunk))})",
                    [erase.seq, *chunk],
                )
    return ErasureResult(erase_seq=erase.seq, redacted=len(seqs), legacy_redacted=len(digests))


def erase_case_events(*, actor: Any, case_id: int, subject_label: str, justification: str) -> ErasureResult:
    """The erasure of a case file: every event rolled up to the case."""
    return erase_record_events(
        actor=actor,
        subject_type="cases.case",
        subject_id=case_id,
        subject_label=subject_label,
        justification=justification,
        case_id=case_id,
    )
