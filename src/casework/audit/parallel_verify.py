"""Verifying the audit chain on PostgreSQL in ranges, one worker process per range at a time.

On PostgreSQL the cost of `audit verify` is the Python work per event (reading the row, encoding
its canonical form, hashing), which one process does on one core. Ranges of the trail are
independent except at their edges, so worker processes each check a range from its first event's
stored prev_hash, and this process joins them: each range must start from the hash the range before
it ended with. Anything doubtful (a break, a join that does not meet) is settled by verifying
sequentially from the start, so the answer is always the one a single pass gives.

Used only outside a transaction (the workers' own connections must see every committed event).
"""

from __future__ import annotations

import multiprocessing
import os
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.db import connection

from casework.audit import chain
from casework.audit.services import iter_chain_rows, iter_read_order_rows

#: Events per range: large enough that a worker's start-up and connection are noise.
RANGE_SIZE = 100_000


@dataclass
class RangeResult:
    start: int
    end: int
    first_prev: str | None
    last_hash: str
    checked: int
    broken: tuple[int, str] | None
    redactions: chain.Redactions = field(default_factory=chain.Redactions)


def parallel_workers(requested: int | None, *, length: int) -> int:
    """How many worker processes to use: 1 (verify in this process) on SQLite, inside a
    transaction, for a trail shorter than two ranges, or where processes cannot be forked."""
    if connection.vendor != "postgresql" or connection.in_atomic_block or length < 2 * RANGE_SIZE:
        return 1
    if "fork" not in multiprocessing.get_all_start_methods():
        return 1
    wanted = requested or int(getattr(settings, "AUDIT_VERIFY_WORKERS", 0) or 0) or (os.cpu_count() or 1) + 1
    return max(1, min(wanted, -(-length // RANGE_SIZE)))


def ranges(upto: int, size: int = RANGE_SIZE) -> list[tuple[int, int]]:
    return [(start, min(upto, start + size - 1)) for start in range(1, upto + 1, size)]


#: A range to check: (first seq, last seq, rows per page, read in binary in hashing order).
Bounds = tuple[int, int, int, bool]


def sequential(
    *, binary: bool, batch_size: int, start: int, end: int | None, prev_hash: str, ledger: chain.Redactions
) -> tuple[int, str, int]:
    """Verify events start..end (or to the last) in this process: in binary in hashing order
    (PostgreSQL's fast reader) or through the reference reader."""
    if binary:
        return chain.verify_read_order_rows(
            iter_read_order_rows(batch_size=batch_size, start_seq=start, end_seq=end),
            expected_seq=start,
            prev_hash=prev_hash,
            redactions=ledger,
        )
    return chain.verify_rows(
        iter_chain_rows(batch_size=batch_size, start_seq=start, end_seq=end),
        expected_seq=start,
        prev_hash=prev_hash,
        redactions=ledger,
    )


def verify_range(bounds: Bounds) -> RangeResult:
    """Check events start..end, trusting for now the first one's stored prev_hash (the join checks it)."""
    start, end, batch_size, binary = bounds
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT prev_hash FROM audit_auditevent WHERE seq = %s", [start])
            row = cursor.fetchone()
        first_prev = row[0] if row else None
        ledger = chain.Redactions()
        try:
            expected, last_hash, checked = sequential(
                binary=binary, batch_size=batch_size, start=start, end=end, prev_hash=first_prev or "", ledger=ledger
            )
        except chain.ChainBreak as broken:
            return RangeResult(start, end, first_prev, broken.last_hash, broken.checked, (broken.seq, broken.reason))
        if expected != end + 1:
            return RangeResult(start, end, first_prev, last_hash, checked, (expected, f"expected seq {expected}"))
        return RangeResult(start, end, first_prev, last_hash, checked, None, ledger)
    finally:
        if multiprocessing.parent_process() is not None:
            connection.close()  # a forked worker exits without running Django's clean-up


Mapper = Callable[[Callable[[Bounds], RangeResult], Iterable[Bounds]], Iterator[RangeResult]]


def verify_ranges(
    *,
    upto: int,
    workers: int,
    ledger: chain.Redactions,
    batch_size: int = 20_000,
    mapper: Mapper | None = None,
    binary: bool = False,
) -> tuple[int, str, int]:
    """Verify 1..upto in ranges on `workers` processes, then any events appended meanwhile.
    Returns (next expected seq, last hash, events checked); raises ChainBreak like verify_rows."""
    work = [(start, end, batch_size, binary) for start, end in ranges(upto)]
    prev, checked = chain.GENESIS_HASH, 0
    pool: ProcessPoolExecutor | None = None
    if mapper is None:
        connection.close()  # the workers are forked: each opens its own connection
        pool = ProcessPoolExecutor(max_workers=workers, mp_context=multiprocessing.get_context("fork"))
        mapper = pool.map
    try:
        for result in mapper(verify_range, work):
            if result.broken is not None or result.first_prev != prev:
                return _settle(ledger, batch_size, binary=binary)
            ledger.extend(result.redactions)
            prev, checked = result.last_hash, checked + result.checked
    finally:
        if pool is not None:
            pool.shutdown(wait=True, cancel_futures=True)
    try:
        expected, last_hash, more = sequential(
            binary=binary, batch_size=batch_size, start=upto + 1, end=None, prev_hash=prev, ledger=ledger
        )
    except chain.ChainBreak as broken:
        broken.checked += checked
        raise
    return expected, last_hash, checked + more


def _settle(ledger: chain.Redactions, batch_size: int, *, binary: bool) -> tuple[int, str, int]:
    """A range found something: one sequential pass from the start gives the exact answer."""
    fresh = chain.Redactions()
    try:
        return sequential(
            binary=binary, batch_size=batch_size, start=1, end=None, prev_hash=chain.GENESIS_HASH, ledger=fresh
        )
    finally:
        ledger.count, ledger.legacy, ledger.seals = fresh.count, fresh.legacy, fresh.seals


__all__: list[Any] = [
    "RANGE_SIZE",
    "Bounds",
    "RangeResult",
    "parallel_workers",
    "ranges",
    "sequential",
    "verify_range",
    "verify_ranges",
]
