"""Checking the audit trail: the chain (gap-free seq, prev_hash links, content hashes and
commitments, redactions covered by logged erasures) and the signed Merkle checkpoints held outside
the database."""

from __future__ import annotations

import sqlite3
import time
from collections.abc import Iterable, Sequence
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from django.db import DatabaseError, connection

from casework.audit import chain
from casework.audit.checkpoints import CheckpointCheck, chain_length, check_checkpoints, missing_checkpoint_files
from casework.audit.parallel_read import database_file_for_parallel_reads, iter_hash_inputs_parallel
from casework.audit.parallel_verify import parallel_workers, sequential, verify_ranges
from casework.audit.services import (
    binary_reads_available,
    iter_chain_rows,
    iter_hash_inputs,
    sqlite_hash_inputs_available,
)


@dataclass(frozen=True)
class ChainReport:
    intact: bool
    events_checked: int
    last_seq: int
    last_hash: str
    first_broken_seq: int | None
    reason: str
    seconds: float
    redacted_events: int = 0
    path: str = ""

    @property
    def events_per_second(self) -> float:
        return self.events_checked / self.seconds if self.seconds > 0 else 0.0

    def as_dict(self) -> dict[str, Any]:
        return {**asdict(self), "events_per_second": round(self.events_per_second)}


# Redactions are allowed only by an erase event logged after the event, about its case or subject.
_UNAUTHORISED_REDACTION_SQL = """
SELECT r.seq, r.erased_by FROM audit_auditevent r LEFT JOIN audit_auditevent e ON e.seq = r.erased_by
WHERE r.erased_by IS NOT NULL AND (
    e.seq IS NULL OR e.action <> 'erase' OR e.seq <= r.seq
    OR NOT (COALESCE(e.case_id = r.case_id, FALSE)
            OR COALESCE(e.subject_type = r.subject_type AND e.subject_id = r.subject_id, FALSE)))
ORDER BY r.seq LIMIT 1
"""


def first_unauthorised_redaction() -> tuple[int, str] | None:
    with connection.cursor() as cursor:
        cursor.execute(_UNAUTHORISED_REDACTION_SQL)
        row = cursor.fetchone()
    if row is None:
        return None
    return row[0], f"its personal values were blanked, but event {row[1]} is not an erasure that covers it"


def _sequential(
    rows: Iterable[Sequence[Any]], *, start: int, prev_hash: str, ledger: chain.Redactions
) -> tuple[int, str, int]:
    return chain.verify_rows(rows, expected_seq=start, prev_hash=prev_hash, redactions=ledger)


def _python_from(start: int, prev_hash: str, ledger: chain.Redactions, batch_size: int) -> tuple[int, str, int]:
    return _sequential(
        iter_chain_rows(batch_size=batch_size, start_seq=start), start=start, prev_hash=prev_hash, ledger=ledger
    )


def _sqlite_fast(ledger: chain.Redactions, *, batch_size: int, parallel: bool) -> tuple[int, str, int]:
    """Canonical bytes built by SQLite; a doubtful result, or a value SQLite cannot encode (a BLOB
    written into a text column), is settled by the Python reference path from that event on."""
    database = database_file_for_parallel_reads() if parallel else None
    hash_inputs = (
        iter_hash_inputs_parallel(database=database, upto=chain_length(), chunk=batch_size)
        if database is not None
        else iter_hash_inputs(batch_size=batch_size)
    )
    checked, last_hash = 0, chain.GENESIS_HASH
    try:
        return chain.verify_hash_inputs(_guarded(hash_inputs, ledger), redactions=ledger)
    except (chain.ChainBreak, _FastPathFailed) as doubtful:
        checked, last_hash = doubtful.checked, doubtful.last_hash or last_hash
    try:
        more_expected, last_hash, more = _python_from(1 + checked, last_hash, ledger, batch_size)
    except chain.ChainBreak as broken:
        broken.checked += checked
        raise
    return more_expected, last_hash, checked + more


class _FastPathFailed(Exception):
    def __init__(self, checked: int, last_hash: str) -> None:
        super().__init__("the database could not build an event's canonical form")
        self.checked, self.last_hash = checked, last_hash


def _guarded(rows: Iterable[Any], ledger: chain.Redactions) -> Iterable[Any]:
    """Pass the fast path's rows through, turning a database error into a hand-over to Python."""
    seen, last = 0, chain.GENESIS_HASH
    iterator = iter(rows)
    while True:
        try:
            row = next(iterator)
        except StopIteration:
            return
        except (DatabaseError, sqlite3.Error) as error:
            raise _FastPathFailed(seen, last) from error
        yield row
        seen, last = seen + 1, row[5]


def verify_chain(
    *,
    batch_size: int = 50_000,
    use_database_encoding: bool | None = None,
    parallel: bool | None = None,
    workers: int | None = None,
) -> ChainReport:
    """Check every event: seq gap-free from 1, each prev_hash the previous hash, each hash its
    content (format 2: through its commitment, recomputed wherever the values remain), and every
    redaction made by a logged erasure that covers the event.

    On SQLite the canonical bytes are built by the database (json_array), two to three times
    faster than encoding in Python; with `parallel`, on a database file outside a transaction,
    two reader threads fetch while this one hashes. On PostgreSQL the rows are read in binary in
    the order the hash takes them (chain.READ_ORDER), and, outside a transaction, ranges of the
    trail are verified in parallel worker processes (`workers`, default from the CPU count) and
    joined at their boundaries. Python's reference encoder decides every doubtful case, so only a
    real fault is reported. `use_database_encoding=False` takes the reference path throughout.
    """
    started = time.perf_counter()
    ledger = chain.Redactions()
    path = "python"
    expected, last_hash, checked = 1, chain.GENESIS_HASH, 0
    try:
        if use_database_encoding is not False and sqlite_hash_inputs_available():
            path = "sqlite-json" + ("-parallel" if parallel else "")
            expected, last_hash, checked = _sqlite_fast(ledger, batch_size=batch_size, parallel=bool(parallel))
        elif parallel is not False and (count := parallel_workers(workers, length=chain_length())) > 1:
            binary = use_database_encoding is not False and binary_reads_available()
            path = f"{'binary-' if binary else ''}ranges-{count}-processes"
            expected, last_hash, checked = verify_ranges(
                upto=chain_length(), workers=count, ledger=ledger, batch_size=batch_size, binary=binary
            )
        elif use_database_encoding is not False and binary_reads_available():
            path = "binary"
            expected, last_hash, checked = sequential(
                binary=True, batch_size=batch_size, start=1, end=None, prev_hash=chain.GENESIS_HASH, ledger=ledger
            )
        else:
            expected, last_hash, checked = _python_from(1, chain.GENESIS_HASH, ledger, batch_size)
    except chain.ChainBreak as broken:
        checked += broken.checked
        return ChainReport(
            intact=False,
            events_checked=checked,
            last_seq=checked,
            last_hash=broken.last_hash or last_hash,
            first_broken_seq=broken.seq,
            reason=broken.reason,
            seconds=time.perf_counter() - started,
            redacted_events=ledger.count,
            path=path,
        )
    problem = _redaction_problem(ledger, path=path, batch_size=batch_size)
    return ChainReport(
        intact=problem is None,
        events_checked=checked,
        last_seq=expected - 1,
        last_hash=last_hash,
        first_broken_seq=problem[0] if problem else None,
        reason=problem[1] if problem else "",
        seconds=time.perf_counter() - started,
        redacted_events=ledger.count,
        path=path,
    )


def _redaction_problem(ledger: chain.Redactions, *, path: str, batch_size: int) -> tuple[int, str] | None:
    found = [problem for problem in (ledger.first_bad_seal(), first_unauthorised_redaction()) if problem]
    if found and ledger.legacy and path != "python":
        # A seal is compared with digests the fast path built: the reference encoder decides.
        reference = chain.Redactions()
        _python_from(1, chain.GENESIS_HASH, reference, batch_size)
        found = [problem for problem in (reference.first_bad_seal(), first_unauthorised_redaction()) if problem]
    return min(found) if found else None


# --- the whole trail: chain plus the signed checkpoints kept outside the database -------------


@dataclass(frozen=True)
class FullReport:
    chain: ChainReport
    checkpoints: list[CheckpointCheck]
    missing_files: list[dict[str, Any]]
    last_sealed: int

    @property
    def failing_checkpoint(self) -> CheckpointCheck | None:
        return next((check for check in self.checkpoints if not check.ok), None)

    @property
    def intact(self) -> bool:
        return self.chain.intact and self.failing_checkpoint is None and not self.missing_files

    @property
    def unsealed_events(self) -> int:
        """Events after the last checkpoint that verified: protected by the chain alone until the next."""
        return max(0, self.chain.last_seq - self.last_sealed) if self.chain.intact else 0

    @property
    def first_broken_seq(self) -> int | None:
        """The first event that cannot be trusted. A broken chain names it exactly (an inserted
        event by its own seq); otherwise a checkpoint shows events missing or rewritten (a truncated
        tail or a recomputed chain leaves a valid chain), as finely as the checkpoints allow."""
        bounds = [c.first_bad_seq for c in self.checkpoints if c.first_bad_seq is not None]
        if self.chain.first_broken_seq is not None:
            # A checkpoint with no good one before it can only say "from seq 1": the chain is finer.
            return min([self.chain.first_broken_seq, *(seq for seq in bounds if seq > 1)])
        return min(bounds, default=None)

    @property
    def reason(self) -> str:
        if self.chain.reason:
            return self.chain.reason
        failing = self.failing_checkpoint
        if failing is not None:
            return f"checkpoint {failing.file}: {failing.problem}"
        if self.missing_files:
            first = self.missing_files[0]
            return f"checkpoint file {first['file']} is missing from the checkpoint store"
        return ""

    def as_dict(self) -> dict[str, Any]:
        failing = self.failing_checkpoint
        return {
            "intact": self.intact,
            "events_checked": self.chain.events_checked,
            "first_broken_seq": self.first_broken_seq,
            "chain_intact": self.chain.intact,
            "reason": self.reason,
            "events_per_second": round(self.chain.events_per_second),
            "seconds": round(self.chain.seconds, 3),
            "verification_path": self.chain.path,
            "last_seq": self.chain.last_seq,
            "last_hash": self.chain.last_hash,
            "redacted_events": self.chain.redacted_events,
            "last_sealed_seq": self.last_sealed,
            "unsealed_events": self.unsealed_events,
            "failing_checkpoint": failing.file if failing else None,
            "missing_checkpoint_files": self.missing_files,
            "checkpoints": [check.as_dict() for check in self.checkpoints],
        }


def verify_all(
    *, parallel: bool | None = None, checkpoint_dirs: Sequence[Path] = (), workers: int | None = None
) -> FullReport:
    """The chain (gap-free, linked, unaltered, redactions logged) and every external checkpoint
    (signed, trusted key, the database's first tree_size events still give the signed root,
    consistent with the last), from the configured store and from `checkpoint_dirs` (e.g. copies
    kept by an inspector); plus the checkpoints the database lists whose file is in none of them."""
    checks = check_checkpoints(checkpoint_dirs)
    sealed = max((c.tree_size or 0 for c in checks if c.ok), default=0)
    return FullReport(
        chain=verify_chain(parallel=parallel, workers=workers),
        checkpoints=checks,
        missing_files=missing_checkpoint_files(checkpoint_dirs),
        last_sealed=sealed,
    )
