"""Checking the audit trail: the chain (gap-free seq, prev_hash links, content hashes) and the
signed Merkle checkpoints held outside the database."""

from __future__ import annotations

import time
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from casework.audit import chain
from casework.audit.checkpoints import CheckpointCheck, chain_length, check_checkpoints
from casework.audit.parallel_read import database_file_for_parallel_reads, iter_hash_inputs_parallel
from casework.audit.services import iter_chain_rows, iter_hash_inputs, sqlite_hash_inputs_available


@dataclass(frozen=True)
class ChainReport:
    intact: bool
    events_checked: int
    last_seq: int
    last_hash: str
    first_broken_seq: int | None
    reason: str
    seconds: float

    @property
    def events_per_second(self) -> float:
        return self.events_checked / self.seconds if self.seconds > 0 else 0.0

    def as_dict(self) -> dict[str, Any]:
        return {**asdict(self), "events_per_second": round(self.events_per_second)}


def verify_chain(
    *, batch_size: int = 50_000, use_database_encoding: bool | None = None, parallel: bool = False
) -> ChainReport:
    """Check every event: seq gap-free from 1, each prev_hash the previous hash, each hash its content.

    On SQLite the canonical bytes are built by the database (json_array), two to three times
    faster than encoding in Python; with `parallel`, on a database file outside a transaction,
    two reader threads fetch while this one hashes (worth it only with a free second core).
    Python's encoder stays the reference: if the fast path finds a
    mismatch, verification resumes from that event in Python, so only a real fault is reported.
    """
    started = time.perf_counter()
    expected, last_hash, checked = 1, chain.GENESIS_HASH, 0
    use_database_encoding = use_database_encoding is not False and sqlite_hash_inputs_available()
    try:
        if use_database_encoding:
            database = database_file_for_parallel_reads() if parallel else None
            hash_inputs = (
                iter_hash_inputs_parallel(database=database, upto=chain_length(), chunk=batch_size)
                if database is not None
                else iter_hash_inputs(batch_size=batch_size)
            )
            try:
                expected, last_hash, checked = chain.verify_hash_inputs(hash_inputs)
            except chain.ChainBreak as doubtful:
                checked, last_hash = doubtful.checked, doubtful.last_hash or last_hash
                expected = 1 + checked
                more_expected, last_hash, more = chain.verify_rows(
                    iter_chain_rows(batch_size=batch_size, start_seq=expected),
                    expected_seq=expected,
                    prev_hash=last_hash,
                )
                expected, checked = more_expected, checked + more
        else:
            expected, last_hash, checked = chain.verify_rows(iter_chain_rows(batch_size=batch_size))
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
        )
    return ChainReport(
        intact=True,
        events_checked=checked,
        last_seq=expected - 1,
        last_hash=last_hash,
        first_broken_seq=None,
        reason="",
        seconds=time.perf_counter() - started,
    )


# --- the whole trail: chain plus the signed checkpoints kept outside the database -------------


@dataclass(frozen=True)
class FullReport:
    chain: ChainReport
    checkpoints: list[CheckpointCheck]

    @property
    def failing_checkpoint(self) -> CheckpointCheck | None:
        return next((check for check in self.checkpoints if not check.ok), None)

    @property
    def intact(self) -> bool:
        return self.chain.intact and self.failing_checkpoint is None

    @property
    def first_broken_seq(self) -> int | None:
        """The first event that cannot be trusted: the chain's first broken event, or an earlier one
        a checkpoint shows to be missing or rewritten (a truncated tail or a recomputed chain leaves
        a valid chain; an inserted event breaks the chain only at the event after it)."""
        candidates = [self.chain.first_broken_seq, *(c.first_bad_seq for c in self.checkpoints)]
        return min((seq for seq in candidates if seq is not None), default=None)

    @property
    def reason(self) -> str:
        if self.chain.reason or self.failing_checkpoint is None:
            return self.chain.reason
        return f"checkpoint {self.failing_checkpoint.file}: {self.failing_checkpoint.problem}"

    def as_dict(self) -> dict[str, Any]:
        failing = self.failing_checkpoint
        return {
            "intact": self.intact,
            "events_checked": self.chain.events_checked,
            "first_broken_seq": self.first_broken_seq,
            "chain_intact": self.chain.intact,
            "reason": self.reason,
            "events_per_second": round(self.chain.events_per_second),
            "last_seq": self.chain.last_seq,
            "last_hash": self.chain.last_hash,
            "failing_checkpoint": failing.file if failing else None,
            "checkpoints": [check.as_dict() for check in self.checkpoints],
        }


def verify_all(*, parallel: bool = False, checkpoint_dirs: Sequence[Path] = ()) -> FullReport:
    """The chain (gap-free, linked, unaltered) and every external checkpoint (signed, trusted key,
    the database's first tree_size events still give the signed root, consistent with the last),
    from the configured store and from `checkpoint_dirs` (e.g. copies kept by an inspector)."""
    return FullReport(chain=verify_chain(parallel=parallel), checkpoints=check_checkpoints(checkpoint_dirs))
