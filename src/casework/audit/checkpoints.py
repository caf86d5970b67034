"""Signed Merkle checkpoints: tree heads over events 1..N, stored in the database and, more
importantly, as files in settings.AUDIT_CHECKPOINT_DIR (outside the database), plus inclusion
proofs for single events.

A database administrator can recompute the whole hash chain after editing a row; they cannot
make the Merkle root of the edited history match a head signed earlier with a key they do not hold.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
from collections.abc import Iterator, Sequence
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from django.conf import settings
from django.db import IntegrityError, connection, transaction

from casework.audit import chain, merkle, signing
from casework.audit.models import AuditCheckpoint
from casework.core import clock
from casework.core.errors import NotFound, ValidationFailed

logger = logging.getLogger(__name__)

FILE_FORMAT = "casework-audit-checkpoint/1"
_HASH_BATCH = 50_000


# --- reading the leaves ------------------------------------------------------------------------


def chain_length() -> int:
    """Events committed so far. Seqs are assigned under the append lock, so the committed events
    are always exactly 1..N."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT MAX(seq) FROM audit_auditevent")
        row = cursor.fetchone()
    return int(row[0] or 0) if row else 0


def iter_event_hashes(*, upto: int, after: int = 0, batch_size: int = _HASH_BATCH) -> Iterator[tuple[int, str]]:
    """(seq, hash) for events after+1..upto in seq order, reading two narrow columns in batches."""
    sql = "SELECT seq, hash FROM audit_auditevent WHERE seq > %s AND seq <= %s ORDER BY seq LIMIT %s"
    last = after
    with connection.cursor() as cursor:
        while last < upto:
            cursor.execute(sql, [last, upto, batch_size])
            rows = cursor.fetchall()
            if not rows:
                return
            yield from rows
            last = rows[-1][0]


def packed_leaf_hashes(*, upto: int) -> tuple[bytes, int]:
    """Leaf hashes of events 1..upto packed end to end, and how many leading events were present
    in unbroken seq order (fewer than `upto` if rows are missing)."""
    sha = hashlib.sha256
    packed = bytearray()
    expected = 1
    for seq, digest in iter_event_hashes(upto=upto):
        if seq != expected:
            break
        packed += sha(b"\x00" + digest.encode()).digest()
        expected += 1
    return bytes(packed), expected - 1


def root_over(size: int) -> str:
    """Merkle root (hex) over the stored hashes of events 1..size, in O(log n) memory."""
    builder = merkle.StreamingRoot()
    sha = hashlib.sha256
    expected = 1
    for seq, digest in iter_event_hashes(upto=size):
        if seq != expected:
            raise ValidationFailed(f"Audit event {expected} is missing; the trail cannot be checkpointed.")
        builder.append_leaf_hash(sha(b"\x00" + digest.encode()).digest())
        expected += 1
    if builder.size != size:
        raise ValidationFailed(f"Only {builder.size} of {size} audit events could be read.")
    return builder.root().hex()


# --- the external store ----------------------------------------------------------------------


def checkpoint_dir() -> Path:
    return Path(settings.AUDIT_CHECKPOINT_DIR)


def checkpoint_file_name(tree_size: int) -> str:
    return f"checkpoint-{tree_size:015d}.json"


def checkpoint_document(checkpoint: AuditCheckpoint) -> dict[str, Any]:
    return {
        "format": FILE_FORMAT,
        "tree_size": checkpoint.tree_size,
        "root_hash": checkpoint.root_hash,
        "created_at": chain.format_instant(checkpoint.created_at),
        "signature": checkpoint.signature,
        "public_key": checkpoint.public_key,
    }


def _write_once(path: Path, content: bytes) -> None:
    """Create `path` with `content`; never replace a different existing file."""
    path.parent.mkdir(parents=True, exist_ok=True)
    if path.exists():
        if path.read_bytes() == content:
            return
        raise FileExistsError(f"{path} already exists with different content; checkpoints are never overwritten")
    temporary = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    temporary.write_bytes(content)
    try:
        os.link(temporary, path)  # atomic, and fails if another writer got there first
    finally:
        temporary.unlink()


def write_checkpoint_file(checkpoint: AuditCheckpoint) -> Path:
    path = checkpoint_dir() / checkpoint_file_name(checkpoint.tree_size)
    content = (json.dumps(checkpoint_document(checkpoint), indent=2, sort_keys=True) + "\n").encode()
    _write_once(path, content)
    return path


# --- creating a checkpoint -------------------------------------------------------------------


def checkpoint_create(*, actor: Any = None) -> AuditCheckpoint:
    """Sign the tree head over every committed event and store it in the database and outside it.

    Returns the existing checkpoint if nothing was appended since the last one. The root is
    computed outside any transaction (committed events never change) so writers are not held up.
    No audit event is written for a checkpoint: it would fall outside the head it signs; the
    checkpoint row and file are themselves the record.
    """
    size = chain_length()
    if size == 0:
        raise ValidationFailed("There are no audit events to checkpoint yet.")
    existing = AuditCheckpoint.objects.filter(tree_size=size).first()
    if existing is not None:
        write_checkpoint_file(existing)  # restores a lost file; never changes an existing one
        restore_checkpoint_files()
        return existing
    restore_checkpoint_files()
    root_hash = root_over(size)
    key = signing.load_or_create_private_key()
    created_at = clock.now()
    message = signing.signed_head_bytes(
        tree_size=size, root_hash=root_hash, created_at=chain.format_instant(created_at)
    )
    checkpoint = AuditCheckpoint(
        tree_size=size,
        root_hash=root_hash,
        created_at=created_at,
        signature=signing.sign(key, message),
        public_key=signing.public_key_hex(key),
    )
    try:
        with transaction.atomic():
            checkpoint.save()
            path = write_checkpoint_file(checkpoint)
    except IntegrityError:
        return AuditCheckpoint.objects.get(tree_size=size)  # a concurrent run signed the same head
    who = getattr(actor, "username", None) or "system"
    logger.info("Audit checkpoint at %s events signed by %s, written to %s", size, who, path)
    return checkpoint


def _signed_by_trusted_key(checkpoint: AuditCheckpoint, trusted: frozenset[str]) -> bool:
    message = signing.signed_head_bytes(
        tree_size=checkpoint.tree_size,
        root_hash=checkpoint.root_hash,
        created_at=chain.format_instant(checkpoint.created_at),
    )
    return checkpoint.public_key.lower() in trusted and signing.verify(
        public_key=checkpoint.public_key, signature=checkpoint.signature, message=message
    )


def restore_checkpoint_files() -> list[Path]:
    """Write back any checkpoint file missing from the store, for heads the database lists whose
    signature by a trusted key still verifies (a forged row cannot become a file). Never changes
    an existing file."""
    store = checkpoint_dir()
    trusted = signing.trusted_public_keys()
    restored = []
    for checkpoint in AuditCheckpoint.objects.order_by("tree_size"):
        path = store / checkpoint_file_name(checkpoint.tree_size)
        if not path.exists() and _signed_by_trusted_key(checkpoint, trusted):
            restored.append(write_checkpoint_file(checkpoint))
            logger.warning("Restored the missing audit checkpoint file %s from the database's signed copy", path)
    return restored


def missing_checkpoint_files(extra_dirs: Sequence[Path] = ()) -> list[dict[str, Any]]:
    """Checkpoints the database lists that are in no checkpoint file read (the store and
    `extra_dirs`): a lost or deleted witness. `casework audit checkpoint` restores the file when
    the database's copy is still validly signed."""
    found = {
        (int(document["tree_size"]), str(document["root_hash"]))
        for _, document, _ in read_checkpoint_files(extra_dirs)
        if document is not None
    }
    return [
        {
            "file": checkpoint_file_name(checkpoint.tree_size),
            "tree_size": checkpoint.tree_size,
            "created_at": chain.format_instant(checkpoint.created_at),
        }
        for checkpoint in AuditCheckpoint.objects.order_by("tree_size")
        if (checkpoint.tree_size, checkpoint.root_hash) not in found
    ]


# --- checking the external store -------------------------------------------------------------


@dataclass
class CheckpointCheck:
    file: str
    tree_size: int | None = None
    root_hash: str = ""
    created_at: str = ""
    public_key: str = ""
    signature_valid: bool = False
    key_trusted: bool = False
    root_matches: bool = False
    consistent_with_previous: bool | None = None
    problem: str = ""
    # The first event this checkpoint shows to be wrong: the first missing one if events were
    # deleted, else the first one after the last checkpoint that still matches (a signed root
    # cannot say which of the events it covers changed, so the answer is as fine as the checkpoints).
    first_bad_seq: int | None = None

    @property
    def ok(self) -> bool:
        return not self.problem

    def as_dict(self) -> dict[str, Any]:
        return {**asdict(self), "ok": self.ok}


def checkpoint_files_in(directory: Path) -> list[Path]:
    """Checkpoint files in `directory`, or in its `checkpoints/` folder (the layout of an export)."""
    if not directory.is_dir():
        return []
    found = sorted(directory.glob("checkpoint-*.json"))
    return found or sorted((directory / "checkpoints").glob("checkpoint-*.json"))


def read_checkpoint_files(extra_dirs: Sequence[Path] = ()) -> list[tuple[Path, dict[str, Any] | None, str]]:
    """(path, parsed document or None, problem) for every checkpoint file in the store and in
    `extra_dirs`, smallest tree first. A file identical to one already read is read once."""
    paths = [*checkpoint_files_in(checkpoint_dir()), *(p for d in extra_dirs for p in checkpoint_files_in(Path(d)))]
    seen: set[bytes] = set()
    found: list[tuple[int, Path, dict[str, Any] | None, str]] = []
    for path in paths:
        try:
            content = path.read_bytes()
        except OSError:
            content = b""
        if content and content in seen:
            continue  # the same signed head copied to a second place (e.g. an export) is one checkpoint
        seen.add(content)
        try:
            document = json.loads(content)
            size = int(document["tree_size"])
            for field in ("root_hash", "created_at", "signature", "public_key"):
                if not isinstance(document[field], str):
                    raise TypeError(field)
        except (OSError, ValueError, KeyError, TypeError) as exc:
            found.append((-1, path, None, f"unreadable checkpoint file ({exc.__class__.__name__})"))
            continue
        found.append((size, path, document, ""))
    found.sort(key=lambda item: (item[0], item[1].name))
    return [(path, document, problem) for _, path, document, problem in found]


def check_checkpoints(extra_dirs: Sequence[Path] = ()) -> list[CheckpointCheck]:
    """Every external checkpoint (the store and `extra_dirs`): signature, trusted key, the
    database's root over its first tree_size events, and consistency with the previous good checkpoint."""
    files = read_checkpoint_files(extra_dirs)
    if not files:
        return []
    largest = max((int(doc["tree_size"]) for _, doc, _ in files if doc is not None), default=0)
    packed, present = packed_leaf_hashes(upto=largest)
    tree = merkle.MerkleTree.from_leaf_hashes(packed)
    trusted = signing.trusted_public_keys()
    store = checkpoint_dir()
    checks: list[CheckpointCheck] = []
    previous: CheckpointCheck | None = None
    for path, document, problem in files:
        shown = path.name if path.parent == store else str(path)
        check = CheckpointCheck(file=shown, problem=problem)
        checks.append(check)
        if document is None:
            continue
        _check_one(check, document, tree=tree, present=present, trusted=trusted)
        if check.root_matches and check.signature_valid:
            if previous is not None:
                check.consistent_with_previous = _consistent(tree, previous, check)
                if not check.consistent_with_previous and not check.problem:
                    check.problem = f"not consistent with the checkpoint at {previous.tree_size} events"
            if check.ok:
                previous = check
        if check.problem and check.tree_size is not None:
            if check.tree_size > present:
                check.first_bad_seq = present + 1
            elif check.signature_valid and check.key_trusted and not check.root_matches:
                check.first_bad_seq = (previous.tree_size or 0) + 1 if previous is not None else 1
    return checks


def _check_one(
    check: CheckpointCheck, document: dict[str, Any], *, tree: merkle.MerkleTree, present: int, trusted: frozenset[str]
) -> None:
    check.tree_size = size = int(document["tree_size"])
    check.root_hash = document["root_hash"]
    check.created_at = document["created_at"]
    check.public_key = document["public_key"]
    message = signing.signed_head_bytes(tree_size=size, root_hash=check.root_hash, created_at=check.created_at)
    check.signature_valid = signing.verify(
        public_key=check.public_key, signature=document["signature"], message=message
    )
    check.key_trusted = check.public_key.lower() in trusted
    if size > present:
        check.problem = (
            f"the database holds only events 1..{present} in order, but this checkpoint covers {size} "
            "(events were deleted)"
        )
        return
    check.root_matches = size > 0 and tree.root(size).hex() == check.root_hash
    if not check.signature_valid:
        check.problem = "signature is not valid for this tree head"
    elif not check.key_trusted:
        check.problem = "signed by a key this installation does not trust"
    elif not check.root_matches:
        check.problem = f"the database's events 1..{size} do not match the signed root (history was rewritten)"


def _consistent(tree: merkle.MerkleTree, old: CheckpointCheck, new: CheckpointCheck) -> bool:
    assert old.tree_size is not None and new.tree_size is not None
    proof = tree.consistency_proof(old.tree_size, new.tree_size) if old.tree_size != new.tree_size else []
    return merkle.verify_consistency(
        old_size=old.tree_size,
        new_size=new.tree_size,
        old_root=bytes.fromhex(old.root_hash),
        new_root=bytes.fromhex(new.root_hash),
        proof=proof,
    )


# --- inclusion proofs --------------------------------------------------------------------------


@dataclass(frozen=True)
class InclusionProof:
    seq: int
    event_hash: str
    leaf_index: int
    tree_size: int
    root_hash: str
    created_at: str
    signature: str
    public_key: str
    audit_path: list[str]
    signature_valid: bool
    verified: bool

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def prove(seq: int) -> InclusionProof:
    """The audit path from event `seq` to the root signed by the latest checkpoint.

    `verified` means the path leads to that root and the root's signature is valid and made with
    a trusted key (the database's checkpoint row alone could have been forged)."""
    latest = AuditCheckpoint.objects.order_by("-tree_size").first()
    if latest is None:
        raise NotFound("There is no checkpoint yet; create one with `casework audit checkpoint`.")
    if not 1 <= seq <= latest.tree_size:
        raise NotFound(
            f"Event {seq} is not covered by the latest checkpoint ({latest.tree_size} events); "
            "create a newer checkpoint first."
        )
    packed, present = packed_leaf_hashes(upto=latest.tree_size)
    if present < latest.tree_size:
        raise ValidationFailed(f"Audit event {present + 1} is missing; run `casework audit verify`.")
    tree = merkle.MerkleTree.from_leaf_hashes(packed)
    with connection.cursor() as cursor:
        cursor.execute("SELECT hash FROM audit_auditevent WHERE seq = %s", [seq])
        event_hash = cursor.fetchone()[0]
    path = tree.inclusion_proof(seq - 1, latest.tree_size)
    included = merkle.verify_inclusion(
        leaf_data=event_hash.encode(),
        index=seq - 1,
        size=latest.tree_size,
        proof=path,
        root_hash=bytes.fromhex(latest.root_hash),
    )
    created_at = chain.format_instant(latest.created_at)
    message = signing.signed_head_bytes(tree_size=latest.tree_size, root_hash=latest.root_hash, created_at=created_at)
    signature_valid = signing.verify(public_key=latest.public_key, signature=latest.signature, message=message) and (
        latest.public_key.lower() in signing.trusted_public_keys()
    )
    return InclusionProof(
        seq=seq,
        event_hash=event_hash,
        leaf_index=seq - 1,
        tree_size=latest.tree_size,
        root_hash=latest.root_hash,
        created_at=created_at,
        signature=latest.signature,
        public_key=latest.public_key,
        audit_path=[node.hex() for node in path],
        signature_valid=signature_valid,
        verified=included and signature_valid,
    )
