"""Exporting the audit trail for the Information Commissioner (DPA 2018 s.62(5)) or an inspector.

The export is JSON lines, checkable by `standalone_verify.py` without this product:

- a `header` line (format, range, when, why and for whom);
- one `event` line per event in the range, with every canonical field plus prev_hash and hash;
- one `leaf` line (seq and hash only, no content) per event outside the range that a checkpoint
  covers, so the verifier can recompute the signed Merkle roots without seeing other events;
- one `erasure` line (the full erase event) for each erasure that redacted an exported event but
  lies outside what is exported, so the verifier can check every redaction was a logged erasure;
- one `checkpoint` line per signed tree head from the external checkpoint store.

`export_directory` writes that file as events.jsonl beside inclusion proofs, copies of the
checkpoint files and the public key, optionally limited to one case's events.

Writing an export is itself a disclosure: it records a `disclose` event with the justification
and the recipient, in the same transaction as the file is written.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

from django.db import connection, transaction

from casework.audit import chain, merkle, signing
from casework.audit.checkpoints import chain_length, iter_event_hashes, packed_leaf_hashes, read_checkpoint_files
from casework.audit.choices import Action
from casework.audit.services import iter_chain_rows, record
from casework.core import clock
from casework.core.errors import ValidationFailed

EXPORT_FORMAT = "casework-audit-export/2"
DIRECTORY_FORMAT = "casework-audit-export-directory/1"


@dataclass(frozen=True)
class ExportSummary:
    path: Path
    first_seq: int
    last_seq: int
    events: int
    leaves: int
    checkpoints: int
    disclosure_seq: int


def _london_midnight(day: dt.date) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(), tzinfo=clock.LONDON).astimezone(dt.UTC)


def _seq_bound(sql_condition: str, instant: dt.datetime, aggregate: str) -> int | None:
    value: Any = chain.format_instant(instant) if connection.vendor == "sqlite" else instant
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT {aggregate}(seq) FROM audit_auditevent WHERE {sql_condition}", [value])  # noqa: S608
        row = cursor.fetchone()
    return int(row[0]) if row and row[0] is not None else None


def seq_range(*, date_from: dt.date | None, date_to: dt.date | None) -> tuple[int, int]:
    """The contiguous seq range covering events on London dates date_from..date_to inclusive."""
    head = chain_length()
    first = 1
    last = head
    if date_from is not None:
        found = _seq_bound("occurred_at >= %s", _london_midnight(date_from), "MIN")
        first = found if found is not None else head + 1
    if date_to is not None:
        found = _seq_bound("occurred_at < %s", _london_midnight(date_to + dt.timedelta(days=1)), "MAX")
        last = min(found, head) if found is not None else 0
    return first, last


def _line(handle: IO[str], document: dict[str, Any]) -> None:
    handle.write(json.dumps(document, ensure_ascii=False, separators=(",", ":")))
    handle.write("\n")


def _validate(*, justification: str, recipient: str, date_from: dt.date | None, date_to: dt.date | None) -> None:
    if not justification.strip():
        raise ValidationFailed("Give the justification for this disclosure (DPA 2018 s.62).")
    if not recipient.strip():
        raise ValidationFailed("Name the recipient of this disclosure (DPA 2018 s.62).")
    if date_from and date_to and date_from > date_to:
        raise ValidationFailed("The start date must not be after the end date.")


@transaction.atomic
def export_write(
    *,
    actor: Any,
    out: Path,
    justification: str,
    recipient: str,
    date_from: dt.date | None = None,
    date_to: dt.date | None = None,
) -> ExportSummary:
    _validate(justification=justification, recipient=recipient, date_from=date_from, date_to=date_to)
    first, last = seq_range(date_from=date_from, date_to=date_to)
    checkpoints = [document for _, document, _ in read_checkpoint_files() if document is not None]
    covered = max((int(document["tree_size"]) for document in checkpoints), default=0)
    try:
        events, leaves = _write_lines(
            out,
            first=first,
            last=last,
            covered=covered,
            checkpoints=checkpoints,
            header_extra={
                "justification": justification,
                "recipient": recipient,
                "date_from": date_from.isoformat() if date_from else None,
                "date_to": date_to.isoformat() if date_to else None,
            },
        )
        event = record(
            actor=actor,
            action=Action.DISCLOSE,
            subject_type="audit.export",
            subject_id=f"{first}-{last}",
            subject_label=f"Audit trail export of events {first} to {last} ({events} events) to {out.name}",
            justification=justification,
            recipient=recipient,
        )
    except FileExistsError:
        raise ValidationFailed(f"{out} already exists; exports are never overwritten.") from None
    except BaseException:
        out.unlink(missing_ok=True)  # no disclosure recorded, so no file left behind either
        raise
    return ExportSummary(
        path=out,
        first_seq=first,
        last_seq=last,
        events=events,
        leaves=leaves,
        checkpoints=len(checkpoints),
        disclosure_seq=event.seq,
    )


def _write_lines(
    out: Path,
    *,
    first: int,
    last: int,
    covered: int,
    checkpoints: list[dict[str, Any]],
    header_extra: dict[str, Any],
    case_id: int | None = None,
    exported_seqs: list[int] | None = None,
) -> tuple[int, int]:
    """With `case_id`, events of other cases in the range are written as leaf lines (hash only),
    so the signed roots can still be recomputed without disclosing them. The seqs written in full
    are appended to `exported_seqs`."""
    events = leaves = 0
    case_column = chain.STORED_FIELDS.index("case_id")
    erased_by_column = chain.STORED_FIELDS.index("erased_by")
    erasures: set[int] = set()
    with out.open("x", encoding="utf-8") as handle:  # never overwrite an earlier export
        _line(
            handle,
            {
                "type": "header",
                "format": EXPORT_FORMAT,
                "exported_at": chain.format_instant(clock.now()),
                "first_seq": first,
                "last_seq": last,
                "canonical_fields": list(chain.CANONICAL_FIELDS),
                "stored_fields": list(chain.STORED_FIELDS),
                **header_extra,
            },
        )
        for seq, digest in iter_event_hashes(upto=min(first - 1, covered)):
            _line(handle, {"type": "leaf", "seq": seq, "hash": digest})
            leaves += 1
        written: set[int] = set()
        if first <= last:
            for row in iter_chain_rows(start_seq=first, end_seq=last):
                if case_id is not None and row[case_column] != case_id:
                    _line(handle, {"type": "leaf", "seq": row[0], "hash": row[-1]})
                    leaves += 1
                    continue
                _line(handle, _event_line("event", row))
                written.add(row[0])
                if row[erased_by_column] is not None:
                    erasures.add(row[erased_by_column])
                events += 1
                if exported_seqs is not None:
                    exported_seqs.append(row[0])
        for seq, digest in iter_event_hashes(after=max(last, first - 1), upto=covered):
            _line(handle, {"type": "leaf", "seq": seq, "hash": digest})
            leaves += 1
        for seq in sorted(erasures - written):
            for row in iter_chain_rows(start_seq=seq, end_seq=seq):
                _line(handle, _event_line("erasure", row))
        for document in checkpoints:
            _line(handle, {"type": "checkpoint", **document})
    return events, leaves


def _event_line(kind: str, row: Any) -> dict[str, Any]:
    return {"type": kind, **dict(zip(chain.STORED_FIELDS, row[:-2], strict=True)), "prev_hash": row[-2],
            "hash": row[-1]}  # fmt: skip


# --- the directory form: events, proofs, checkpoints and public key side by side -------------

EVENTS_FILE = "events.jsonl"
PROOFS_FILE = "proofs.jsonl"
PUBLIC_KEY_FILE = "public-key.txt"
MANIFEST_FILE = "manifest.json"


@dataclass(frozen=True)
class DirectoryExportSummary:
    path: Path
    first_seq: int
    last_seq: int
    events: int
    leaves: int
    proofs: int
    checkpoints: int
    disclosure_seq: int


@transaction.atomic
def export_directory(
    *,
    actor: Any,
    out: Path,
    justification: str,
    recipient: str,
    date_from: dt.date | None = None,
    date_to: dt.date | None = None,
    case: Any = None,
) -> DirectoryExportSummary:
    """Write `out/` (which must not exist, or be empty) for an inspector or the Information
    Commissioner: events.jsonl (the single-file export, restricted to one case if given),
    proofs.jsonl (an inclusion proof of each exported event in the latest checkpoint covering
    it), checkpoints/ (copies of the signed tree heads), public-key.txt (the key(s) this
    installation trusts) and manifest.json (SHA-256 of each file). Recorded as a disclosure."""
    _validate(justification=justification, recipient=recipient, date_from=date_from, date_to=date_to)
    if out.exists() and (not out.is_dir() or any(out.iterdir())):
        raise ValidationFailed(f"{out} already exists and is not an empty directory; exports are never overwritten.")
    first, last = seq_range(date_from=date_from, date_to=date_to)
    stored = [(path, document) for path, document, _ in read_checkpoint_files() if document is not None]
    checkpoints = [document for _, document in stored]
    covered = max((int(document["tree_size"]) for document in checkpoints), default=0)
    created = not out.exists()
    out.mkdir(parents=True, exist_ok=True)
    try:
        exported: list[int] = []
        events, leaves = _write_lines(
            out / EVENTS_FILE,
            first=first,
            last=last,
            covered=covered,
            checkpoints=checkpoints,
            header_extra={
                "justification": justification,
                "recipient": recipient,
                "date_from": date_from.isoformat() if date_from else None,
                "date_to": date_to.isoformat() if date_to else None,
                "case_id": case.pk if case is not None else None,
                "case_urn": getattr(case, "urn", None),
            },
            case_id=case.pk if case is not None else None,
            exported_seqs=exported,
        )
        proofs = _write_proofs(out / PROOFS_FILE, seqs=exported, checkpoints=checkpoints)
        (out / "checkpoints").mkdir()
        for path, _ in stored:
            (out / "checkpoints" / path.name).write_bytes(path.read_bytes())
        (out / PUBLIC_KEY_FILE).write_text("".join(f"{key}\n" for key in sorted(signing.trusted_public_keys())))
        _write_manifest(out)
        scope = f" for case {case.urn}" if case is not None else ""
        event = record(
            actor=actor,
            action=Action.DISCLOSE,
            subject_type="audit.export",
            subject_id=f"{first}-{last}",
            subject_label=f"Audit trail export of events {first} to {last}{scope} ({events} events) to {out.name}/",
            case_id=case.pk if case is not None else None,
            justification=justification,
            recipient=recipient,
        )
    except BaseException:
        _remove_partial(out, remove_dir=created)  # no disclosure recorded, so nothing left behind either
        raise
    return DirectoryExportSummary(
        path=out,
        first_seq=first,
        last_seq=last,
        events=events,
        leaves=leaves,
        proofs=proofs,
        checkpoints=len(checkpoints),
        disclosure_seq=event.seq,
    )


def _write_proofs(out: Path, *, seqs: list[int], checkpoints: list[dict[str, Any]]) -> int:
    """One line per exported event covered by the latest checkpoint: its audit path to that root.
    Nothing is proved if the database no longer holds every event the checkpoint covers (the
    verifier then reports the checkpoint as failing anyway)."""
    latest = max(checkpoints, key=lambda document: int(document["tree_size"]), default=None)
    written = 0
    with out.open("x", encoding="utf-8") as handle:
        if latest is None:
            return 0
        size = int(latest["tree_size"])
        packed, present = packed_leaf_hashes(upto=size)
        if present < size:
            return 0
        tree = merkle.MerkleTree.from_leaf_hashes(packed)
        for seq in seqs:
            if seq > size:
                break
            path = [node.hex() for node in tree.inclusion_proof(seq - 1, size)]
            _line(handle, {"seq": seq, "tree_size": size, "root_hash": latest["root_hash"], "audit_path": path})
            written += 1
    return written


def _write_manifest(out: Path) -> None:
    files = sorted(path for path in out.rglob("*") if path.is_file())
    manifest = {
        "format": DIRECTORY_FORMAT,
        "files": {path.relative_to(out).as_posix(): hashlib.sha256(path.read_bytes()).hexdigest() for path in files},
    }
    (out / MANIFEST_FILE).write_text(json.dumps(manifest, indent=2, sort_keys=True) + "\n")


def _remove_partial(out: Path, *, remove_dir: bool) -> None:
    for path in sorted(out.rglob("*"), key=lambda p: len(p.parts), reverse=True):
        path.rmdir() if path.is_dir() else path.unlink()
    if remove_dir:
        out.rmdir()
