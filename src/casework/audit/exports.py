"""Exporting the audit trail for the Information Commissioner (DPA 2018 s.62(5)) or an inspector.

The export is JSON lines, checkable by `standalone_verify.py` without this product:

- a `header` line (format, range, when, why and for whom);
- one `event` line per event in the range, with every canonical field plus prev_hash and hash;
- one `leaf` line (seq and hash only, no content) per event outside the range that a checkpoint
  covers, so the verifier can recompute the signed Merkle roots without seeing other events;
- one `checkpoint` line per signed tree head from the external checkpoint store.

Writing an export is itself a disclosure: it records a `disclose` event with the justification
and the recipient, in the same transaction as the file is written.
"""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

from django.db import connection, transaction

from casework.audit import chain
from casework.audit.checkpoints import chain_length, iter_event_hashes, read_checkpoint_files
from casework.audit.choices import Action
from casework.audit.services import iter_chain_rows, record
from casework.core import clock
from casework.core.errors import ValidationFailed

EXPORT_FORMAT = "casework-audit-export/1"


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
    if not justification.strip():
        raise ValidationFailed("Give the justification for this disclosure (DPA 2018 s.62).")
    if not recipient.strip():
        raise ValidationFailed("Name the recipient of this disclosure (DPA 2018 s.62).")
    if date_from and date_to and date_from > date_to:
        raise ValidationFailed("The start date must not be after the end date.")
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
    out: Path, *, first: int, last: int, covered: int, checkpoints: list[dict[str, Any]], header_extra: dict[str, Any]
) -> tuple[int, int]:
    events = leaves = 0
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
                **header_extra,
            },
        )
        for seq, digest in iter_event_hashes(upto=min(first - 1, covered)):
            _line(handle, {"type": "leaf", "seq": seq, "hash": digest})
            leaves += 1
        if first <= last:
            for row in iter_chain_rows(start_seq=first):
                if row[0] > last:
                    break
                _line(handle, {"type": "event", **dict(zip(chain.CANONICAL_FIELDS, row[:-2], strict=True)),
                               "prev_hash": row[-2], "hash": row[-1]})  # fmt: skip
                events += 1
        for seq, digest in iter_event_hashes(after=max(last, first - 1), upto=covered):
            _line(handle, {"type": "leaf", "seq": seq, "hash": digest})
            leaves += 1
        for document in checkpoints:
            _line(handle, {"type": "checkpoint", **document})
    return events, leaves
