"""The audit chain's canonical forms and hashing. Pure Python, no Django.

This module is the contract between the writer, `casework audit verify` and the standalone
verifier (`standalone_verify.py`, which copies nothing but follows the same rules).

Common to both event formats:

- canonical bytes are the UTF-8 JSON array of values, with no spaces (`separators=(",", ":")`)
  and non-ASCII characters kept as they are;
- `hash = SHA-256(prev_hash_hex + canonical_bytes)`, hex encoded; the first event's prev_hash is
  64 zeros;
- instants are UTC, written `YYYY-MM-DD HH:MM:SS.ffffff` (always six fractional digits: the
  form SQLite stores, so verification reads it without conversion); missing values are null;
  `changes` is itself a canonical JSON string (sorted keys) or "".

Format 1 (events written before erasure existed; `format` is null): the array is the values of
`CANONICAL_FIELDS`. The personal values (subject label, changes, justification) are hashed as
they are, so they cannot be removed without the event failing its own hash.

Format 2 (every event written since): the personal values are hashed through a *commitment*:
`commitment = SHA-256(salt_hex + JSON[subject_label, changes, justification])` with a random
16-byte salt per event, and the array is `["casework-audit/2", <V2_HASHED_FIELDS values>]`, which
holds the commitment instead of the values. Erasure blanks the values and the salt and keeps the
commitment, so the event still hashes to what the chain and the signed checkpoints hold; with the
salt gone, the commitment cannot be tested against guesses (a date of birth, a name).

A redacted format-1 event cannot be re-hashed (its values are gone), so the erasure that redacts
one first checks its content against its hash, then records a *seal* in the erase event: SHA-256
over the digests (`legacy_digest`) of what remains of each such event, in seq order. The erase
event is itself hashed and checkpointed, so what remains of a redacted format-1 event still
cannot be changed unnoticed.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import secrets
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

import orjson

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
#: Personal values: hashed as they are in format 1, through a salted commitment in format 2.
PERSONAL_FIELDS: tuple[str, ...] = ("subject_label", "changes", "justification")
#: Columns beside the canonical fields: the format, the commitment and its salt, the seal an
#: erase event keeps of redacted format-1 events, and (not hashed) the erase event that redacted it.
FORMAT_FIELDS: tuple[str, ...] = ("format", "salt", "commitment", "erasure_seal", "erased_by")
#: What a chain row or an export line carries, before prev_hash and hash.
STORED_FIELDS: tuple[str, ...] = CANONICAL_FIELDS + FORMAT_FIELDS

FORMAT_2 = 2
V2_MARK = "casework-audit/2"
_KEPT_FIELDS = tuple(name for name in CANONICAL_FIELDS if name not in PERSONAL_FIELDS)
V2_HASHED_FIELDS: tuple[str, ...] = (*_KEPT_FIELDS, "commitment", "erasure_seal")
#: What remains of a redacted format-1 event, digested into its erase event's seal.
SEAL_FIELDS: tuple[str, ...] = (*_KEPT_FIELDS, "prev_hash", "hash")

_encoder = json.JSONEncoder(ensure_ascii=False, separators=(",", ":"))
#: json.dumps(changes, ensure_ascii=False, separators=(",", ":"), sort_keys=True, default=str),
#: with the encoder made once rather than per event.
_changes_encoder = json.JSONEncoder(ensure_ascii=False, separators=(",", ":"), sort_keys=True, default=str)
_sha256 = hashlib.sha256
# orjson writes the same bytes as the reference encoder for every value the trail holds, about
# five times faster; any disagreement is re-checked with the reference before it is reported.
_fast_dumps = orjson.dumps

_INDEX = {name: position for position, name in enumerate((*STORED_FIELDS, "prev_hash", "hash"))}
_V1 = slice(0, len(CANONICAL_FIELDS))
_PERSONAL = tuple(_INDEX[name] for name in PERSONAL_FIELDS)
_V2 = tuple(_INDEX[name] for name in V2_HASHED_FIELDS)
_SEAL = tuple(_INDEX[name] for name in SEAL_FIELDS)
_SEQ, _FORMAT, _SALT, _COMMITMENT = _INDEX["seq"], _INDEX["format"], _INDEX["salt"], _INDEX["commitment"]
_ERASURE_SEAL, _ERASED_BY, _ACTION = _INDEX["erasure_seal"], _INDEX["erased_by"], _INDEX["action"]


def format_instant(instant: dt.datetime) -> str:
    if instant.tzinfo is not None:
        instant = instant.astimezone(dt.UTC).replace(tzinfo=None)
    return instant.strftime("%Y-%m-%d %H:%M:%S.%f")


def canonical_changes(changes: dict[str, Any] | None) -> str:
    """Field changes as canonical JSON: {"field": [before, after]} with sorted keys."""
    if not changes:
        return ""
    return _changes_encoder.encode(changes)


def canonical_bytes(values: Sequence[Any]) -> bytes:
    return _encoder.encode(values).encode()


def event_hash(prev_hash: str, values: Sequence[Any]) -> str:
    return _sha256(prev_hash.encode() + _encoder.encode(values).encode()).hexdigest()


def new_salt() -> str:
    return secrets.token_hex(16)


def new_salts(count: int) -> list[str]:
    """`count` salts as new_salt makes them, drawn from the system's random source in one call."""
    drawn = secrets.token_hex(16 * count)
    return [drawn[start : start + 32] for start in range(0, 32 * count, 32)]


def commitment(salt: str, subject_label: Any, changes: Any, justification: Any) -> str:
    """The salted digest that stands for an event's personal values in its format-2 hash."""
    return _sha256(salt.encode() + _encoder.encode([subject_label, changes, justification]).encode()).hexdigest()


#: Where each field sits in the array v2_values builds.
V2_POSITION = {name: position for position, name in enumerate(V2_HASHED_FIELDS, start=1)}
#: The hashed fields that differ between the events of one batch (the rest are the instant, the
#: actor and the request, shared by the batch).
V2_PER_EVENT = ("seq", "action", "subject_type", "subject_id", "case_id", "recipient", "commitment", "erasure_seal")


def v2_values(values: dict[str, Any]) -> list[Any]:
    """The array a format-2 event hashes, from its stored values (commitment included)."""
    return [V2_MARK, *(values[name] for name in V2_HASHED_FIELDS)]


def legacy_digest(values: dict[str, Any]) -> str:
    """What remains of a redacted format-1 event, as its erase event's seal digests it."""
    return _sha256(_encoder.encode([values[name] for name in SEAL_FIELDS]).encode()).hexdigest()


def seal(digests: Iterable[str]) -> str:
    """An erase event's seal over the legacy digests of the format-1 events it redacts, in seq order."""
    running = _sha256()
    for digest in digests:
        running.update(digest.encode())
    return running.hexdigest()


class ChainBreak(Exception):
    def __init__(self, seq: int, reason: str, *, checked: int = 0, last_hash: str = "") -> None:
        super().__init__(f"audit chain broken at seq {seq}: {reason}")
        self.seq = seq
        self.reason = reason
        self.checked = checked  # events found intact before the break (in this call)
        self.last_hash = last_hash  # hash of the last intact event


BAD_LINK = "prev_hash does not match the previous event's hash"
BAD_CONTENT = "content does not match its hash (the event was altered)"
_BAD_LINK, _BAD_CONTENT = BAD_LINK, BAD_CONTENT


@dataclass
class Redactions:
    """Redacted events met while verifying, checked against their erase events at the end.

    A redacted format-2 event needs nothing more (its commitment is in its hash); which erase
    event redacted it, and whether that erasure covered it, is checked in SQL by the caller. For
    redacted format-1 events the digests are kept, per erase event, to be compared with the seal
    that erase event holds. (Picklable: ranges verified in other processes send theirs back.)"""

    count: int = 0
    legacy: dict[int, list[tuple[int, str]]] = field(default_factory=dict)  # erase seq -> [(seq, digest)]
    seals: dict[int, str | None] = field(default_factory=dict)  # seq of an erase event -> its seal

    def add_legacy(self, erased_by: int, seq: int, digest: str) -> None:
        self.legacy.setdefault(erased_by, []).append((seq, digest))

    def extend(self, later: Redactions) -> None:
        """Fold in the redactions of the range that follows this one."""
        self.count += later.count
        self.seals.update(later.seals)
        for erased_by, digests in later.legacy.items():
            self.legacy.setdefault(erased_by, []).extend(digests)

    def first_bad_seal(self) -> tuple[int, str] | None:
        """(first redacted seq, reason) of a redacted format-1 event no erase event's seal accounts for."""
        for erased_by, digests in sorted(self.legacy.items(), key=lambda item: item[1][0][0]):
            first = digests[0][0]
            if erased_by not in self.seals:
                return first, f"redacted by event {erased_by}, which is not an erase event of this trail"
            if self.seals[erased_by] != seal(digest for _, digest in digests):
                return first, f"what remains of it does not match the seal kept by erase event {erased_by}"
        return None


def _reference_hash(row: Sequence[Any], prev_hash: str) -> str | None:
    """The reference encoder's verdict on one stored row: the hash its content gives, or None
    for a redacted format-1 row. Raises ChainBreak for a commitment that does not match."""
    fmt = row[_FORMAT]
    if fmt is None or fmt == 1:
        if row[_ERASED_BY] is not None:
            return None
        return _sha256(prev_hash.encode() + _encoder.encode(list(row[_V1])).encode()).hexdigest()
    if fmt != FORMAT_2:
        raise ChainBreak(row[_SEQ], f"unknown event format {fmt!r}")
    if row[_ERASED_BY] is None:
        personal = [row[i] for i in _PERSONAL]
        salt = row[_SALT] if isinstance(row[_SALT], str) else ""
        if commitment(salt, *personal) != row[_COMMITMENT]:
            raise ChainBreak(row[_SEQ], BAD_CONTENT)
    values = [V2_MARK, *(row[i] for i in _V2)]
    return _sha256(prev_hash.encode() + _encoder.encode(values).encode()).hexdigest()


def stored_row_hash(prev_hash: str, row: Sequence[Any]) -> str | None:
    """The reference hash of a stored row (STORED_FIELDS values, ...) given the hash before it:
    what the chain must hold for it, or None for a redacted format-1 event."""
    return _reference_hash(row, prev_hash)


def _fast_hash(row: Sequence[Any], prev: bytes) -> str | None:
    fmt = row[_FORMAT]
    if fmt is None or fmt == 1:
        if row[_ERASED_BY] is not None:
            return None
        return _sha256(prev + _fast_dumps(row[_V1])).hexdigest()
    if fmt == FORMAT_2:
        if row[_ERASED_BY] is None:
            salt = row[_SALT]
            personal = [row[i] for i in _PERSONAL]
            if (
                not isinstance(salt, str)
                or _sha256(salt.encode() + _fast_dumps(personal)).hexdigest() != row[_COMMITMENT]
            ):
                return ""  # decided by the reference encoder
        return _sha256(prev + _fast_dumps([V2_MARK, *(row[i] for i in _V2)])).hexdigest()
    return ""


def _describe_type_fault(row: Sequence[Any]) -> str:
    names = (*STORED_FIELDS, "prev_hash", "hash")
    for name, value in zip(names, row, strict=False):
        if value is not None and not isinstance(value, str | int):
            return f"the {name} column holds a {type(value).__name__} value, which the product never writes"
    return "the event could not be read as the product writes it"


def _check_link(
    seq: int, stored_prev: str, *, expected_seq: int, prev_hash: str, before_prev: str, checked: int
) -> None:
    """The seq is the next one and the event links to the one before it; an event that links to
    the one two places back (`before_prev`, "" when unknown) means the one in between was
    inserted, and that one is named."""
    if seq != expected_seq:
        raise ChainBreak(
            expected_seq if seq > expected_seq else seq,
            f"expected seq {expected_seq}, found {seq}",
            checked=checked,
            last_hash=prev_hash,
        )
    if stored_prev != prev_hash:
        if before_prev and stored_prev == before_prev:
            raise ChainBreak(
                seq - 1,
                f"event {seq - 1} was inserted: event {seq} links to event {seq - 2}",
                checked=checked - 1,
                last_hash=before_prev,
            )
        raise ChainBreak(seq, BAD_LINK, checked=checked, last_hash=prev_hash)


def verify_rows(
    rows: Iterable[Sequence[Any]],
    *,
    expected_seq: int = 1,
    prev_hash: str = GENESIS_HASH,
    redactions: Redactions | None = None,
    before_prev: str = "",
) -> tuple[int, str, int]:
    """Check stored rows (STORED_FIELDS values, prev_hash, hash) in seq order.

    Returns (next expected seq, last hash, rows checked); raises ChainBreak at the first fault:
    a gap or reordering in seq, a prev_hash that does not match the previous event's hash (an
    event that links past the one before it names that one as inserted), a hash or commitment
    that does not match the event's content, or a value of a type the product never writes.
    `before_prev` is the prev_hash of the event before `expected_seq`, when a caller knows it.
    """
    checked = 0
    ledger = redactions if redactions is not None else Redactions()
    for row in rows:
        seq = row[0]
        if not isinstance(seq, int) or isinstance(seq, bool):
            raise ChainBreak(
                expected_seq,
                "the seq column holds a value that is not a whole number",
                checked=checked,
                last_hash=prev_hash,
            )
        stored_prev, stored_hash = row[-2], row[-1]
        _check_link(
            seq, stored_prev, expected_seq=expected_seq, prev_hash=prev_hash, before_prev=before_prev, checked=checked
        )
        try:
            digest = _fast_hash(row, prev_hash.encode())
            if digest is not None and digest != stored_hash:
                digest = _reference_hash(row, prev_hash)
        except ChainBreak as broken:
            raise ChainBreak(seq, broken.reason, checked=checked, last_hash=prev_hash) from None
        except (TypeError, ValueError, AttributeError, orjson.JSONEncodeError):
            raise ChainBreak(seq, _describe_type_fault(row), checked=checked, last_hash=prev_hash) from None
        if digest is None:
            ledger.add_legacy(row[_ERASED_BY], seq, legacy_digest(dict(zip(_INDEX, row, strict=False))))
        elif digest != stored_hash:
            raise ChainBreak(seq, BAD_CONTENT, checked=checked, last_hash=prev_hash)
        if row[_ERASED_BY] is not None:
            ledger.count += 1
        if row[_ACTION] == "erase":
            ledger.seals[seq] = row[_ERASURE_SEAL]
        before_prev, prev_hash = prev_hash, stored_hash
        expected_seq += 1
        checked += 1
    return expected_seq, prev_hash, checked


#: What the database-built fast path yields per event (services.iter_hash_inputs).
HashInput = tuple[int, bytes | None, bytes | None, str | None, str, str, int | None, bytes | None, str | None, str]


def verify_hash_inputs(
    rows: Iterable[Sequence[Any]],
    *,
    expected_seq: int = 1,
    prev_hash: str = GENESIS_HASH,
    redactions: Redactions | None = None,
) -> tuple[int, str, int]:
    """Like verify_rows, for rows whose canonical bytes were built by the database:
    (seq, prev_hash + canonical bytes or None for a redacted format-1 event, salt + personal
    bytes or None, commitment, prev_hash, hash, erased_by, legacy seal input or None,
    erasure_seal, action)."""
    checked = 0
    before_prev = ""
    sha = _sha256
    ledger = redactions if redactions is not None else Redactions()
    for (
        seq,
        hash_input,
        personal_input,
        kept_commitment,
        stored_prev,
        stored_hash,
        erased_by,
        seal_input,
        erasure_seal,
        action,
    ) in rows:
        _check_link(
            seq, stored_prev, expected_seq=expected_seq, prev_hash=prev_hash, before_prev=before_prev, checked=checked
        )
        if personal_input is not None and sha(personal_input).hexdigest() != kept_commitment:
            raise ChainBreak(seq, BAD_CONTENT, checked=checked, last_hash=prev_hash)
        if hash_input is None:
            if erased_by is None or seal_input is None:
                raise ChainBreak(seq, BAD_CONTENT, checked=checked, last_hash=prev_hash)
            ledger.add_legacy(erased_by, seq, sha(seal_input).hexdigest())
        elif sha(hash_input).hexdigest() != stored_hash:
            raise ChainBreak(seq, BAD_CONTENT, checked=checked, last_hash=prev_hash)
        if erased_by is not None:
            ledger.count += 1
        if action == "erase":
            ledger.seals[seq] = erasure_seal
        before_prev, prev_hash = prev_hash, stored_hash
        expected_seq += 1
        checked += 1
    return expected_seq, prev_hash, checked


# --- rows read in hashing order (PostgreSQL's binary reader, services.read_order_sql) ---------

#: The column order of the binary reader: the format-2 hash array is row[:17] (the mark is a
#: constant column), the personal values are row[18:21], so a row's canonical bytes are one
#: slice and one orjson call, without building a list or a dict.
READ_ORDER: tuple[str, ...] = (
    "v2_mark",
    *V2_HASHED_FIELDS,
    "salt",
    *PERSONAL_FIELDS,
    "format",
    "erased_by",
    "prev_hash",
    "hash",
)
_R = {name: position for position, name in enumerate(READ_ORDER)}
_R_HASHED = slice(0, 1 + len(V2_HASHED_FIELDS))
_R_PERSONAL = slice(_R[PERSONAL_FIELDS[0]], _R[PERSONAL_FIELDS[-1]] + 1)
_R_SEQ, _R_SALT, _R_COMMITMENT, _R_SEAL = _R["seq"], _R["salt"], _R["commitment"], _R["erasure_seal"]
_R_FORMAT, _R_ERASED_BY, _R_ACTION = _R["format"], _R["erased_by"], _R["action"]
_R_PREV, _R_HASH = _R["prev_hash"], _R["hash"]
_R_TO_STORED = tuple(_R[name] for name in (*STORED_FIELDS, "prev_hash", "hash"))


def stored_row(row: Sequence[Any]) -> tuple[Any, ...]:
    """A row in READ_ORDER as the stored row verify_rows takes (STORED_FIELDS, prev_hash, hash)."""
    return tuple(row[i] for i in _R_TO_STORED)


def verify_read_order_rows(
    rows: Iterable[Sequence[Any]],
    *,
    expected_seq: int = 1,
    prev_hash: str = GENESIS_HASH,
    redactions: Redactions | None = None,
) -> tuple[int, str, int]:
    """verify_rows for rows in READ_ORDER, with the least work per event on the common case (an
    unerased format-2 event): two slices, two orjson encodings, two SHA-256. Every other row,
    and any row the fast test does not pass, is checked by verify_rows itself, so the answer
    (the fault found, the seq named, the redactions kept) is the reference's."""
    checked = 0
    before_prev = ""
    ledger = redactions if redactions is not None else Redactions()
    sha, dumps, mark = _sha256, _fast_dumps, V2_MARK
    for row in rows:
        try:
            fast = (
                row[_R_SEQ] == expected_seq
                and row[_R_PREV] == prev_hash
                and row[_R_FORMAT] == FORMAT_2
                and row[_R_ERASED_BY] is None
                and row[0] == mark
                and sha(row[_R_SALT].encode() + dumps(row[_R_PERSONAL])).hexdigest() == row[_R_COMMITMENT]
                and sha(prev_hash.encode() + dumps(row[_R_HASHED])).hexdigest() == row[_R_HASH]
            )
        except (TypeError, AttributeError, orjson.JSONEncodeError):
            fast = False
        if fast:
            if row[_R_ACTION] == "erase":
                ledger.seals[expected_seq] = row[_R_SEAL]
        else:
            try:
                verify_rows(
                    (stored_row(row),),
                    expected_seq=expected_seq,
                    prev_hash=prev_hash,
                    redactions=ledger,
                    before_prev=before_prev,
                )
            except ChainBreak as broken:
                broken.checked += checked
                raise
        before_prev, prev_hash = prev_hash, row[_R_HASH]
        expected_seq += 1
        checked += 1
    return expected_seq, prev_hash, checked
