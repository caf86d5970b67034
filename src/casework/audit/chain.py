"""The audit chain's canonical form and hashing. Pure Python, no Django.

This module is the contract between the writer, `casework audit verify` and the standalone
verifier (`casework_verify.py`, which copies nothing but follows the same rules):

- an event's canonical bytes are the UTF-8 JSON array of its fields in `CANONICAL_FIELDS` order,
  with no spaces (`separators=(",", ":")`) and non-ASCII characters kept as they are;
- `hash = SHA-256(prev_hash_hex + canonical_bytes)`, hex encoded; the first event's prev_hash is
  64 zeros;
- instants are UTC, written `YYYY-MM-DD HH:MM:SS.ffffff` (always six fractional digits: the
  form SQLite stores, so verification reads it without conversion); missing values are null;
  `changes` is itself a canonical JSON string (sorted keys) or "".
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from collections.abc import Iterable, Sequence
from typing import Any

GENESIS_HASH = "0" * 64

CANONICAL_FIELDS: tuple[str, ...] = (
    "seq",
    "occurred_at",
    "actor_id",
    "actor_label",
    "actor_role",
    "actor_unit",
    "action",
    "subject_type",
    "subject_id",
    "subject_label",
    "case_id",
    "changes",
    "justification",
    "recipient",
    "request_id",
    "client_address",
    "channel",
)

_encoder = json.JSONEncoder(ensure_ascii=False, separators=(",", ":"))
_sha256 = hashlib.sha256


def format_instant(instant: dt.datetime) -> str:
    if instant.tzinfo is not None:
        instant = instant.astimezone(dt.UTC).replace(tzinfo=None)
    return instant.strftime("%Y-%m-%d %H:%M:%S.%f")


def canonical_changes(changes: dict[str, Any] | None) -> str:
    """Field changes as canonical JSON: {"field": [before, after]} with sorted keys."""
    if not changes:
        return ""
    return json.dumps(changes, ensure_ascii=False, separators=(",", ":"), sort_keys=True, default=str)


def canonical_bytes(values: Sequence[Any]) -> bytes:
    return _encoder.encode(values).encode()


def event_hash(prev_hash: str, values: Sequence[Any]) -> str:
    return _sha256(prev_hash.encode() + _encoder.encode(values).encode()).hexdigest()


class ChainBreak(Exception):
    def __init__(self, seq: int, reason: str, *, checked: int = 0, last_hash: str = "") -> None:
        super().__init__(f"audit chain broken at seq {seq}: {reason}")
        self.seq = seq
        self.reason = reason
        self.checked = checked  # events found intact before the break (in this call)
        self.last_hash = last_hash  # hash of the last intact event


_BAD_LINK = "prev_hash does not match the previous event's hash"
_BAD_CONTENT = "content does not match its hash (the event was altered)"


def verify_rows(
    rows: Iterable[Sequence[Any]], *, expected_seq: int = 1, prev_hash: str = GENESIS_HASH
) -> tuple[int, str, int]:
    """Check rows of (canonical values..., prev_hash, hash) in seq order.

    Returns (next expected seq, last hash, rows checked); raises ChainBreak at the first fault:
    a gap or reordering in seq, a prev_hash that does not match the previous event's hash, or a
    hash that does not match the event's content.
    """
    checked = 0
    encode = _encoder.encode
    sha = _sha256
    for row in rows:
        seq = row[0]
        if seq != expected_seq:
            raise ChainBreak(
                expected_seq if seq > expected_seq else seq,
                f"expected seq {expected_seq}, found {seq}",
                checked=checked,
                last_hash=prev_hash,
            )
        stored_prev, stored_hash = row[-2], row[-1]
        if stored_prev != prev_hash:
            raise ChainBreak(seq, _BAD_LINK, checked=checked, last_hash=prev_hash)
        if sha(prev_hash.encode() + encode(row[:-2]).encode()).hexdigest() != stored_hash:
            raise ChainBreak(seq, _BAD_CONTENT, checked=checked, last_hash=prev_hash)
        prev_hash = stored_hash
        expected_seq += 1
        checked += 1
    return expected_seq, prev_hash, checked


def verify_hash_inputs(
    rows: Iterable[Sequence[Any]], *, expected_seq: int = 1, prev_hash: str = GENESIS_HASH
) -> tuple[int, str, int]:
    """Like verify_rows, for rows of (seq, prev_hash + canonical bytes, prev_hash, hash) whose
    canonical bytes were built by the database (services.iter_hash_inputs)."""
    checked = 0
    sha = _sha256
    for seq, hash_input, stored_prev, stored_hash in rows:
        if seq != expected_seq:
            raise ChainBreak(
                expected_seq if seq > expected_seq else seq,
                f"expected seq {expected_seq}, found {seq}",
                checked=checked,
                last_hash=prev_hash,
            )
        if stored_prev != prev_hash:
            raise ChainBreak(seq, _BAD_LINK, checked=checked, last_hash=prev_hash)
        if sha(hash_input).hexdigest() != stored_hash:
            raise ChainBreak(seq, _BAD_CONTENT, checked=checked, last_hash=prev_hash)
        prev_hash = stored_hash
        expected_seq += 1
        checked += 1
    return expected_seq, prev_hash, checked
