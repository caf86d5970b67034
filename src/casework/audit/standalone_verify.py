#!/usr/bin/env python3
"""Verify a Casework Assurance audit export with nothing but Python 3.11+.

    python3 standalone_verify.py EXPORT_DIR_OR_FILE.jsonl [--public-key HEX ...] [--json]

EXPORT_DIR is what `casework audit export --out DIR` writes: events.jsonl, proofs.jsonl,
checkpoints/*.json, public-key.txt. A single .jsonl file (the older form) works too.

Checks, without the product or its database:
1. the hash chain of the exported events: consecutive seq numbers, each prev_hash equal to the
   previous event's hash (or to the leaf line just before the range), each hash equal to
   SHA-256(prev_hash + canonical JSON of the event's fields) (format 2: the personal values through
   their salted commitment, recomputed wherever they were not erased);
   every event whose personal values were erased must point at a logged erase event that covers it,
   and erased format-1 events must match the seal their erase event keeps;
2. every signed checkpoint: the Ed25519 signature over its tree head, and (when the export holds
   every event or leaf hash the checkpoint covers) the RFC 6962 Merkle root recomputed from them;
   an export missing hashes a checkpoint covers fails (events were deleted or withheld);
3. every inclusion proof in proofs.jsonl: the event's hash leads along its audit path to the
   signed root.

The first bad event is named: the chain's first broken seq, else the first seq missing under a
checkpoint, else the first seq after the last checkpoint whose root still matches (a signed root
cannot say which of its events changed, so that answer is as fine as the checkpoints are frequent).

Pass the publisher's public key with --public-key (obtained separately, e.g. by letter) to pin
it; otherwise the key printed in the checkpoints is reported but not trusted.

Exit status: 0 verified, 1 the export is broken or tampered with, 2 the file could not be read.
This file deliberately repeats the canonical rules of casework/audit/chain.py and merkle.py so
it can be handed over on its own. Ed25519 uses the `cryptography` package if installed, and a
small pure-Python implementation of RFC 8032 verification otherwise.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import sys
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

GENESIS_HASH = "0" * 64
CANONICAL_FIELDS = (
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
# Format 2 (events written since erasure was introduced): the personal values are hashed through a
# salted commitment, so an erasure can blank them and keep the commitment.
PERSONAL_FIELDS = ("subject_label", "changes", "justification")
V2_MARK = "casework-audit/2"
_KEPT = tuple(name for name in CANONICAL_FIELDS if name not in PERSONAL_FIELDS)
V2_HASHED_FIELDS = (*_KEPT, "commitment", "erasure_seal")
SEAL_FIELDS = (*_KEPT, "prev_hash", "hash")
_encoder = json.JSONEncoder(ensure_ascii=False, separators=(",", ":"))


# --- Ed25519 verification (RFC 8032 §5.1.7) --------------------------------------------------

_P = 2**255 - 19
_L = 2**252 + 27742317777372353535851937790883648493
_D = -121665 * pow(121666, _P - 2, _P) % _P
_SQRT_M1 = pow(2, (_P - 1) // 4, _P)

Point = tuple[int, int, int, int]  # extended coordinates (X, Y, Z, T)


def _point_add(a: Point, b: Point) -> Point:
    pa = (a[1] - a[0]) * (b[1] - b[0]) % _P
    pb = (a[1] + a[0]) * (b[1] + b[0]) % _P
    pc = 2 * a[3] * b[3] * _D % _P
    pd = 2 * a[2] * b[2] % _P
    e, f, g, h = pb - pa, pd - pc, pd + pc, pb + pa
    return (e * f % _P, g * h % _P, f * g % _P, e * h % _P)


def _point_mul(scalar: int, point: Point) -> Point:
    result: Point = (0, 1, 1, 0)
    while scalar > 0:
        if scalar & 1:
            result = _point_add(result, point)
        point = _point_add(point, point)
        scalar >>= 1
    return result


def _points_equal(a: Point, b: Point) -> bool:
    return (a[0] * b[2] - b[0] * a[2]) % _P == 0 and (a[1] * b[2] - b[1] * a[2]) % _P == 0


def _recover_x(y: int, sign: int) -> int | None:
    if y >= _P:
        return None
    x2 = (y * y - 1) * pow(_D * y * y + 1, _P - 2, _P) % _P
    if x2 == 0:
        return None if sign else 0
    x = pow(x2, (_P + 3) // 8, _P)
    if (x * x - x2) % _P:
        x = x * _SQRT_M1 % _P
    if (x * x - x2) % _P:
        return None
    if (x & 1) != sign:
        x = _P - x
    return x


def _decompress(raw: bytes) -> Point | None:
    if len(raw) != 32:
        return None
    y = int.from_bytes(raw, "little")
    sign = y >> 255
    y &= (1 << 255) - 1
    x = _recover_x(y, sign)
    return None if x is None else (x, y, 1, x * y % _P)


_GY = 4 * pow(5, _P - 2, _P) % _P
_GX = _recover_x(_GY, 0) or 0
_BASE: Point = (_GX, _GY, 1, _GX * _GY % _P)


def ed25519_verify_pure(public_key: bytes, message: bytes, signature: bytes) -> bool:
    if len(public_key) != 32 or len(signature) != 64:
        return False
    a_point = _decompress(public_key)
    r_point = _decompress(signature[:32])
    if a_point is None or r_point is None:
        return False
    s = int.from_bytes(signature[32:], "little")
    if s >= _L:
        return False
    h = int.from_bytes(hashlib.sha512(signature[:32] + public_key + message).digest(), "little") % _L
    return _points_equal(_point_mul(s, _BASE), _point_add(r_point, _point_mul(h, a_point)))


def ed25519_verify(public_key: bytes, message: bytes, signature: bytes) -> bool:
    try:
        from cryptography.exceptions import InvalidSignature
        from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
    except ImportError:
        return ed25519_verify_pure(public_key, message, signature)
    try:
        Ed25519PublicKey.from_public_bytes(public_key).verify(signature, message)
    except (InvalidSignature, ValueError):
        return False
    return True


# --- the chain and the Merkle tree -----------------------------------------------------------


def event_hash(prev_hash: str, values: Sequence[Any]) -> str:
    return hashlib.sha256(prev_hash.encode() + _encoder.encode(list(values)).encode()).hexdigest()


def _sha(data: str) -> str:
    return hashlib.sha256(data.encode()).hexdigest()


def commitment(salt: str, event: dict[str, Any]) -> str:
    return _sha(salt + _encoder.encode([event[name] for name in PERSONAL_FIELDS]))


def expected_hash(prev_hash: str, event: dict[str, Any]) -> str | None:
    """The hash an exported event's content gives, or None for a redacted format-1 event (its
    personal values are gone; its erase event's seal vouches for what remains). Raises ValueError
    when a format-2 event's personal values do not match its commitment."""
    fmt = event.get("format")
    if fmt in (None, 1):
        if event.get("erased_by") is not None:
            return None
        return event_hash(prev_hash, [event[name] for name in CANONICAL_FIELDS])
    if fmt != 2:
        raise ValueError(f"unknown event format {fmt!r}")
    if event.get("erased_by") is None and commitment(str(event.get("salt") or ""), event) != event.get("commitment"):
        raise ValueError("personal values do not match the event's commitment")
    return event_hash(prev_hash, [V2_MARK, *(event[name] for name in V2_HASHED_FIELDS)])


def legacy_digest(event: dict[str, Any]) -> str:
    return _sha(_encoder.encode([event[name] for name in SEAL_FIELDS]))


def merkle_root(leaf_data: Iterable[bytes]) -> bytes:
    """RFC 6962 MTH: leaves SHA-256(0x00||d), nodes SHA-256(0x01||l||r), split at a power of two."""
    stack: list[tuple[int, bytes]] = []
    for data in leaf_data:
        size, digest = 1, hashlib.sha256(b"\x00" + data).digest()
        while stack and stack[-1][0] == size:
            digest = hashlib.sha256(b"\x01" + stack.pop()[1] + digest).digest()
            size *= 2
        stack.append((size, digest))
    if not stack:
        return hashlib.sha256(b"").digest()
    digest = stack[-1][1]
    for _, left in reversed(stack[:-1]):
        digest = hashlib.sha256(b"\x01" + left + digest).digest()
    return digest


def verify_inclusion(leaf_data: bytes, index: int, size: int, proof: Sequence[bytes], root_hash: bytes) -> bool:
    """RFC 9162 §2.1.3.2: does the audit path lead from leaf `index` to `root_hash`?"""
    if not 0 <= index < size:
        return False
    fn, sn = index, size - 1
    digest = hashlib.sha256(b"\x00" + leaf_data).digest()
    for sibling in proof:
        if sn == 0:
            return False
        if fn & 1 or fn == sn:
            digest = hashlib.sha256(b"\x01" + sibling + digest).digest()
            if not fn & 1:
                while not (fn & 1 or fn == 0):
                    fn >>= 1
                    sn >>= 1
        else:
            digest = hashlib.sha256(b"\x01" + digest + sibling).digest()
        fn >>= 1
        sn >>= 1
    return sn == 0 and digest == root_hash


def signed_head_bytes(tree_size: int, root_hash: str, created_at: str) -> bytes:
    head = {"created_at": created_at, "root_hash": root_hash, "tree_size": tree_size}
    return json.dumps(head, separators=(",", ":"), sort_keys=True).encode()


class ExportError(Exception):
    pass


def read_export(
    path: str, erasures: dict[int, dict[str, Any]] | None = None
) -> tuple[dict[str, Any], list[dict[str, Any]], dict[int, str], list[dict[str, Any]]]:
    """Header, events, leaf hashes and checkpoints; the erase events carried beside the range
    (those that redacted exported events) go into `erasures` if given."""
    header: dict[str, Any] | None = None
    events: list[dict[str, Any]] = []
    leaves: dict[int, str] = {}
    checkpoints: list[dict[str, Any]] = []
    try:
        with open(path, encoding="utf-8") as handle:
            for number, line in enumerate(handle, start=1):
                if not line.strip():
                    continue
                try:
                    document = json.loads(line)
                    kind = document["type"]
                except (ValueError, KeyError, TypeError) as exc:
                    raise ExportError(f"line {number} is not a valid export line") from exc
                if kind == "header":
                    header = document
                elif kind == "event":
                    events.append(document)
                elif kind == "leaf":
                    leaves[int(document["seq"])] = str(document["hash"])
                elif kind == "checkpoint":
                    checkpoints.append(document)
                elif kind == "erasure" and erasures is not None:
                    erasures[int(document["seq"])] = document
    except OSError as exc:
        raise ExportError(f"cannot read {path}: {exc}") from exc
    if header is None:
        raise ExportError("the file has no header line; is it an audit export?")
    if list(header.get("canonical_fields", [])) != list(CANONICAL_FIELDS):
        raise ExportError("the export uses a canonical form this verifier does not know")
    return header, events, leaves, checkpoints


def verify_chain(events: list[dict[str, Any]], leaves: dict[int, str]) -> tuple[int | None, str, dict[int, str]]:
    """(first broken seq or None, reason, seq -> hash of every checked event)."""
    hashes: dict[int, str] = {}
    if not events:
        return None, "", hashes
    first_seq = int(events[0]["seq"])
    prev_hash = GENESIS_HASH if first_seq == 1 else leaves.get(first_seq - 1, events[0]["prev_hash"])
    expected = first_seq
    before_prev = ""
    for event in events:
        seq = event.get("seq")
        if isinstance(seq, int) and seq > expected and all(s in leaves for s in range(expected, seq)):
            prev_hash, expected = leaves[seq - 1], seq  # events of other cases, exported as hashes only
            before_prev = leaves.get(seq - 2, "")
        if seq != expected:
            return (expected if isinstance(seq, int) and seq > expected else seq), f"expected seq {expected}", hashes
        if event.get("prev_hash") != prev_hash:
            if before_prev and event.get("prev_hash") == before_prev:
                return seq - 1, f"event {seq - 1} was inserted: event {seq} links to event {seq - 2}", hashes
            return seq, "prev_hash does not match the previous event's hash", hashes
        try:
            digest = expected_hash(prev_hash, event)
        except KeyError as exc:
            return seq, f"field {exc} is missing", hashes
        except (ValueError, TypeError):
            return seq, "content does not match its hash (the event was altered)", hashes
        if digest is not None and digest != event.get("hash"):
            return seq, "content does not match its hash (the event was altered)", hashes
        before_prev, prev_hash = prev_hash, event["hash"]
        hashes[seq] = prev_hash
        expected += 1
    return None, "", hashes


def check_redactions(
    events: list[dict[str, Any]], erasures: dict[int, dict[str, Any]], all_hashes: dict[int, str]
) -> tuple[int | None, str, int]:
    """(first badly redacted seq or None, reason, redacted events). Every redacted event must point
    at an erase event (in the export, or carried beside it) that is itself intact, comes after it and
    covers its case or subject; redacted format-1 events must match that erase event's seal."""
    known = {int(e["seq"]): e for e in events if isinstance(e.get("seq"), int)}
    legacy: dict[int, list[str]] = {}
    redacted = 0
    for event in events:
        erased_by = event.get("erased_by")
        if erased_by is None:
            continue
        redacted += 1
        seq = event["seq"]
        erase = known.get(erased_by) or erasures.get(erased_by)
        if erase is None:
            return seq, f"redacted by event {erased_by}, which the export does not include", redacted
        if erased_by not in known:
            try:
                digest = expected_hash(str(erase.get("prev_hash")), erase)
            except (KeyError, ValueError, TypeError):
                digest = None
            if digest is None or digest != erase.get("hash") or all_hashes.get(erased_by, digest) != digest:
                return seq, f"erase event {erased_by} carried with the export does not match its hash", redacted
        covers = (erase.get("case_id") is not None and erase.get("case_id") == event.get("case_id")) or (
            erase.get("subject_type") == event.get("subject_type")
            and erase.get("subject_id") == event.get("subject_id")
        )
        if erase.get("action") != "erase" or erased_by <= seq or not covers:
            return (
                seq,
                f"its personal values were blanked, but event {erased_by} is not an erasure that covers it",
                redacted,
            )
        if event.get("format") in (None, 1):
            legacy.setdefault(erased_by, []).append(legacy_digest(event))
    for erased_by, digests in legacy.items():
        erase = known.get(erased_by) or erasures[erased_by]
        running = hashlib.sha256()
        for digest in digests:
            running.update(digest.encode())
        if running.hexdigest() != erase.get("erasure_seal"):
            first = min(e["seq"] for e in events if e.get("erased_by") == erased_by)
            return first, f"what remains of it does not match the seal kept by erase event {erased_by}", redacted
    return None, "", redacted


def check_checkpoint(checkpoint: dict[str, Any], all_hashes: dict[int, str], pinned: set[str]) -> dict[str, Any]:
    result: dict[str, Any] = {"tree_size": checkpoint.get("tree_size"), "root_hash": checkpoint.get("root_hash")}
    try:
        size = int(checkpoint["tree_size"])
        message = signed_head_bytes(size, checkpoint["root_hash"], checkpoint["created_at"])
        public_key = str(checkpoint["public_key"]).lower()
        signature_ok = ed25519_verify(bytes.fromhex(public_key), message, bytes.fromhex(checkpoint["signature"]))
    except (KeyError, ValueError, TypeError):
        return {**result, "ok": False, "problem": "malformed checkpoint"}
    result.update(public_key=public_key, signature_valid=signature_ok, key_pinned=public_key in pinned)
    if not signature_ok:
        return {**result, "ok": False, "problem": "signature is not valid for this tree head"}
    if pinned and public_key not in pinned:
        return {**result, "ok": False, "problem": "signed by a key other than the one(s) given with --public-key"}
    missing = next((seq for seq in range(1, size + 1) if seq not in all_hashes), None)
    if missing is not None:
        problem = f"the export lacks event {missing}, which this checkpoint covers (deleted or withheld)"
        return {**result, "ok": False, "root_checked": False, "problem": problem, "first_bad_seq": missing}
    root = merkle_root(all_hashes[seq].encode() for seq in range(1, size + 1))
    if root.hex() != checkpoint["root_hash"]:
        return {**result, "ok": False, "root_checked": True, "problem": "events do not match the signed root"}
    return {**result, "ok": True, "root_checked": True, "problem": ""}


def read_directory(directory: Path) -> tuple[list[dict[str, Any]], set[str], list[dict[str, Any]]]:
    """Checkpoint files, public keys and inclusion proofs kept beside events.jsonl."""
    checkpoints: list[dict[str, Any]] = []
    for path in sorted((directory / "checkpoints").glob("checkpoint-*.json")):
        try:
            checkpoints.append(json.loads(path.read_text(encoding="utf-8")))
        except (OSError, ValueError) as exc:
            raise ExportError(f"{path.name} is not a readable checkpoint") from exc
    keys_file = directory / "public-key.txt"
    lines = keys_file.read_text().splitlines() if keys_file.exists() else []
    keys = {line.strip().lower() for line in lines if line.strip()}
    proofs: list[dict[str, Any]] = []
    proofs_file = directory / "proofs.jsonl"
    if proofs_file.exists():
        proofs = [json.loads(line) for line in proofs_file.read_text(encoding="utf-8").splitlines() if line.strip()]
    return checkpoints, keys, proofs


def check_proofs(proofs: list[dict[str, Any]], hashes: dict[int, str], good_roots: dict[int, str]) -> int | None:
    """The seq of the first proof that does not lead from its event to a good signed root, or None."""
    for proof in proofs:
        try:
            seq, size = int(proof["seq"]), int(proof["tree_size"])
            path = [bytes.fromhex(node) for node in proof["audit_path"]]
        except (KeyError, ValueError, TypeError):
            return int(proof.get("seq", 0) or 0)
        root = good_roots.get(size)
        digest = hashes.get(seq)
        if root is None or digest is None or proof.get("root_hash") != root:
            return seq
        if not verify_inclusion(digest.encode(), seq - 1, size, path, bytes.fromhex(root)):
            return seq
    return None


def verify_export(path: str, pinned: set[str]) -> dict[str, Any]:
    location = Path(path)
    proofs: list[dict[str, Any]] = []
    key_source = "command line" if pinned else "none"
    erasures: dict[int, dict[str, Any]] = {}
    if location.is_dir():
        header, events, leaves, checkpoints = read_export(str(location / "events.jsonl"), erasures)
        stored, keys, proofs = read_directory(location)
        known = {json.dumps(c, sort_keys=True) for c in checkpoints}
        checkpoints += [c for c in stored if json.dumps({"type": "checkpoint", **c}, sort_keys=True) not in known]
        if not pinned and keys:
            pinned, key_source = keys, "public-key.txt in the export"
    else:
        header, events, leaves, checkpoints = read_export(path, erasures)
    broken_seq, reason, event_hashes = verify_chain(events, leaves)
    # The stored hashes, checked or not: the signed roots judge them whatever the chain says.
    all_hashes = {**leaves, **{e["seq"]: str(e.get("hash")) for e in events if isinstance(e.get("seq"), int)}}
    bad_redaction, redaction_reason, redacted = check_redactions(events, erasures, all_hashes)
    if broken_seq is None and bad_redaction is not None:
        broken_seq, reason = bad_redaction, redaction_reason
    checkpoints.sort(key=lambda c: int(c.get("tree_size", 0)) if str(c.get("tree_size", "")).isdigit() else 0)
    checks, good_size = [], 0
    for checkpoint in checkpoints:
        check = check_checkpoint(checkpoint, all_hashes, pinned)
        if check.get("root_checked") and check["ok"]:
            good_size = max(good_size, int(check["tree_size"]))
        elif check.get("root_checked"):
            check["first_bad_seq"] = good_size + 1  # the root of 1..good_size still matched
        checks.append(check)
    failing = next((check for check in checks if not check["ok"]), None)
    good_roots = {int(c["tree_size"]): c["root_hash"] for c in checks if c["ok"] and c.get("root_checked")}
    bad_proof = check_proofs(proofs, event_hashes, good_roots)
    checkpoint_bad = min((c["first_bad_seq"] for c in checks if c.get("first_bad_seq")), default=None)
    if checkpoint_bad is not None and (broken_seq is None or checkpoint_bad < broken_seq) and failing is not None:
        broken_seq, reason = checkpoint_bad, f"checkpoint at {failing['tree_size']} events: {failing['problem']}"
    if broken_seq is None and bad_proof is not None:
        broken_seq, reason = bad_proof, "its inclusion proof does not lead to a good signed root"
    return {
        "intact": broken_seq is None and failing is None and bad_proof is None,
        "events_checked": len(event_hashes),
        "redacted_events": redacted,
        "first_seq": header.get("first_seq"),
        "last_seq": header.get("last_seq"),
        "first_broken_seq": broken_seq,
        "reason": reason,
        "checkpoints": checks,
        "failing_checkpoint": failing["tree_size"] if failing else None,
        "proofs_checked": len(proofs),
        "first_bad_proof": bad_proof,
        "key_source": key_source,
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Verify a Casework Assurance audit export.")
    parser.add_argument("export", help="the export directory, or a single .jsonl export file")
    parser.add_argument("--public-key", action="append", default=[], help="trusted Ed25519 public key (hex)")
    parser.add_argument("--json", action="store_true", help="print the report as JSON")
    options = parser.parse_args(argv)
    try:
        report = verify_export(options.export, {key.lower() for key in options.public_key})
    except ExportError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    if options.json:
        print(json.dumps(report, indent=2))
    else:
        _print_text(report, pinned=bool(options.public_key))
    return 0 if report["intact"] else 1


def _print_text(report: dict[str, Any], *, pinned: bool) -> None:
    if report["first_broken_seq"] is not None:
        print(f"BROKEN: the first bad event is {report['first_broken_seq']}: {report['reason']}")
    else:
        print(f"Chain intact: {report['events_checked']} events ({report['first_seq']}..{report['last_seq']}).")
    for check in report["checkpoints"]:
        state = "ok" if check["ok"] else f"FAILED: {check['problem']}"
        root = "root recomputed" if check.get("root_checked") else "root not recomputable from this export"
        print(f"Checkpoint at {check['tree_size']} events: {state} ({root})")
    if report["proofs_checked"]:
        state = "all lead to a signed root" if report["first_bad_proof"] is None else "FAILED"
        print(f"Inclusion proofs: {report['proofs_checked']} checked, {state}")
    if not pinned and report["key_source"] != "none":
        print(f"Signing key taken from {report['key_source']}; compare it with the one the publisher gave you.")
    elif not pinned and report["checkpoints"]:
        keys = sorted({check.get("public_key", "?") for check in report["checkpoints"]})
        print("Note: no --public-key given; signatures were checked against the key(s) in the file: " + ", ".join(keys))
    print("VERIFIED" if report["intact"] else "NOT VERIFIED")


if __name__ == "__main__":
    sys.exit(main())
