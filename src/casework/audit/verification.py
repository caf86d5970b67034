"""Checking the audit trail: the chain (gap-free seq, prev_hash links, content hashes)."""

from __future__ import annotations

import time
from dataclasses import asdict, dataclass
from typing import Any

from casework.audit import chain
from casework.audit.services import iter_chain_rows


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


def verify_chain(*, batch_size: int = 20_000) -> ChainReport:
    started = time.perf_counter()
    expected, last_hash, checked = 1, chain.GENESIS_HASH, 0
    try:
        for batch in _batched(iter_chain_rows(batch_size=batch_size), batch_size):
            expected, last_hash, n = chain.verify_rows(batch, expected_seq=expected, prev_hash=last_hash)
            checked += n
    except chain.ChainBreak as broken:
        return ChainReport(
            intact=False,
            events_checked=checked,
            last_seq=expected - 1,
            last_hash=last_hash,
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


def _batched(rows: Any, size: int) -> Any:
    batch: list[Any] = []
    for row in rows:
        batch.append(row)
        if len(batch) >= size:
            yield batch
            batch = []
    if batch:
        yield batch
