"""Requesting, preparing, downloading and removing exports made in the background.

A user asks for a large export (the national case list, the cases failing a rule) and gets a page
that follows the worker's progress instead of a request held open. The job records who asked, for
which list and filters, and to whom and why the file goes. The worker works the rows out again with
the requester's access as it is when it runs (a user disabled, or who lost the role, gets no file),
writes them a block at a time into a file under settings.EXPORTS_DIR (a write-only workbook for
XLSX: memory stays bounded), and records its progress after every block in its own short
transaction.

Audit: asking writes an `export` event; the `disclose` event naming every case in the file is
written when the file is made, in the transaction that makes it available, so no file can be
downloaded without it (a file made and never fetched is still recorded); and each download writes
another `disclose` event naming the same cases, pointing at the first. Both moments are recorded:
the safe reading of "when the file is produced or downloaded".
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import logging
import secrets
from collections.abc import Callable, Iterable, Iterator, Sequence
from pathlib import Path
from typing import Any

from django.conf import settings
from django.db import IntegrityError, transaction
from django.http import Http404, QueryDict

from casework.audit import services as audit
from casework.audit.choices import Action
from casework.core import clock, streaming
from casework.core.errors import CaseworkError, NotFound, PermissionDenied, ValidationFailed
from casework.core.xlsx_stream import write_sheet_xlsx
from casework.exports import kinds
from casework.exports.models import ACTIVE_STATES, ExportFormat, ExportJob, ExportState
from casework.exports.tasks import export_task

logger = logging.getLogger("casework.exports")

#: An active job with no block written for this long has lost its worker: it is marked failed, and
#: asking again starts a new one.
STALE_AFTER = dt.timedelta(minutes=30)
SUBJECT_TYPE = "exports.exportjob"

Progress = Callable[[int], None]


class ExportRefused(CaseworkError):
    """The requester may no longer have this list: the job fails with this message."""


def exports_dir() -> Path:
    directory = Path(settings.EXPORTS_DIR)
    directory.mkdir(parents=True, exist_ok=True, mode=0o700)
    return directory


def file_path(job: ExportJob) -> Path | None:
    """The finished file of a job, or None when there is none to serve."""
    if job.state != ExportState.DONE or not job.file_name:
        return None
    if job.expires_at is not None and job.expires_at <= clock.now():
        return None  # housekeeping removes it on its next run
    path = exports_dir() / job.file_name
    return path if path.is_file() else None


def _request_key(kind: str, parameters: dict[str, Any], fmt: str, recipient: str, purpose: str) -> str:
    canonical = json.dumps([kind, parameters, fmt, recipient, purpose], sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(canonical.encode()).hexdigest()


def _is_stale(job: ExportJob, now: dt.datetime) -> bool:
    last_sign = job.progressed_at or job.started_at or job.requested_at
    return job.is_active and now - last_sign > STALE_AFTER


def _fail(job_id: int, message: str) -> None:
    ExportJob.objects.filter(pk=job_id).update(state=ExportState.FAILED, failure=message[:500], finished_at=clock.now())


def request_export(
    *, user: Any, kind: str, query: QueryDict, fmt: str, recipient: str, purpose: str
) -> tuple[ExportJob, bool]:
    """Queue an export for the worker; (job, whether it is new). The same request while an
    earlier one is still queued or running returns that one. Raises Http404/NotFound where the
    user may not have the list (as its page does)."""
    export_kind = kinds.kind(kind)
    if fmt not in ExportFormat.values:
        raise ValidationFailed("Choose CSV or Excel (XLSX).", field_errors={"fmt": ["Choose CSV or Excel (XLSX)."]})
    asked = export_kind.request(user, query)
    key = _request_key(kind, asked.parameters, fmt, recipient, purpose)
    now = clock.now()
    active = ExportJob.objects.visible_to(user).filter(request_key=key, state__in=ACTIVE_STATES).first()
    if active is not None and not _is_stale(active, now):
        return active, False
    if active is not None:
        _fail(active.pk, "The worker stopped before the file was finished. Ask for the export again.")
    try:
        with transaction.atomic():
            job = ExportJob.objects.create(
                requester=user,
                kind=kind,
                title=asked.title[:250],
                parameters=asked.parameters,
                fmt=fmt,
                recipient=recipient,
                purpose=purpose,
                request_key=key,
                requested_at=now,
            )
            audit.record(
                actor=user,
                action=Action.EXPORT,
                subject_type=SUBJECT_TYPE,
                subject_id=job.pk,
                subject_label=f"Background export requested: {job.title} ({job.get_fmt_display()})"[:250],
                justification=purpose,
                recipient=recipient,
            )
            # The task row is written in this transaction: queued exactly when the job says so.
            job.task_id = str(export_task.enqueue(job.pk).id)
            job.save(update_fields=["task_id"])
    except IntegrityError:
        # Another request for the same export won the race (the partial unique constraint).
        return ExportJob.objects.visible_to(user).get(request_key=key, state__in=ACTIVE_STATES), False
    return job, True


def _counted(blocks: Iterable[Sequence[Sequence[Any]]], progress: Progress) -> Iterator[Sequence[Sequence[Any]]]:
    """The blocks unchanged; after each is written, the running row count goes to `progress`."""
    written = 0
    for block in blocks:
        yield block
        written += len(block)
        progress(written)


def _write_file(path: Path, fmt: str, rows: kinds.ExportRows, progress: Progress) -> None:
    blocks = _counted(rows.blocks, progress)
    if fmt == ExportFormat.CSV:
        with path.open("w", encoding="utf-8", newline="") as out:
            out.writelines(streaming.csv_lines(rows.header, blocks))
    else:
        write_sheet_xlsx(path, rows.sheet_title, rows.header, (row for block in blocks for row in block))


def _rows_for_requester(job: ExportJob) -> kinds.ExportRows:
    """The rows with the requester's access as it is now, or ExportRefused."""
    user = job.requester
    if not user.is_active:
        raise ExportRefused("Your account is no longer active, so the file was not made.")
    try:
        return kinds.kind(job.kind).rows(user, job.parameters)
    except (Http404, NotFound, PermissionDenied):
        raise ExportRefused(
            "You no longer have access to this list, so the file was not made. "
            "If you still need it, ask your manager to check your role."
        ) from None


def run_export(*, job_id: int) -> ExportJob:
    """The worker's part: claim the job, write the file, record the disclosure, make it available.

    Any failure marks the job failed with a message saying what to do and removes the partial
    file; only a finished file, renamed into place in the transaction that records its
    disclosure, is ever served."""
    now = clock.now()
    claimed = ExportJob.objects.filter(pk=job_id, state=ExportState.QUEUED).update(
        state=ExportState.RUNNING, started_at=now, progressed_at=now
    )
    job = ExportJob.objects.select_related("requester").get(pk=job_id)
    if not claimed:
        return job  # a second delivery of the task, or a job already finished
    final = exports_dir() / f"{job.pk}-{secrets.token_hex(12)}.{job.fmt}"
    partial = final.with_name(final.name + ".part")
    try:
        rows = _rows_for_requester(job)
        ExportJob.objects.filter(pk=job.pk).update(rows_total=len(rows.case_ids))

        def progress(written: int) -> None:
            ExportJob.objects.filter(pk=job.pk).update(rows_written=written, progressed_at=clock.now())

        _write_file(partial, job.fmt, rows, progress)
        _publish(job, rows, partial, final)
    except CaseworkError as refusal:
        # No longer allowed, or the list is now larger than one export may hold: the message
        # says what to do.
        partial.unlink(missing_ok=True)
        _fail(job.pk, refusal.message)
    except Exception:
        partial.unlink(missing_ok=True)
        final.unlink(missing_ok=True)
        _fail(
            job.pk,
            f"The file could not be made because of a fault in the service. Ask for the export again; if it "
            f"fails again, tell the service desk, quoting export {job.pk}.",
        )
        raise
    job.refresh_from_db()
    return job


@transaction.atomic
def _publish(job: ExportJob, rows: kinds.ExportRows, partial: Path, final: Path) -> None:
    written = ExportJob.objects.values_list("rows_written", flat=True).get(pk=job.pk)
    case_ids = sorted(set(rows.case_ids))
    event = audit.record(
        actor=job.requester,
        action=Action.DISCLOSE,
        subject_type=rows.subject_type,
        subject_label=rows.label(job.fmt, len(rows.case_ids)),
        changes={"cases": [None, case_ids]},
        justification=job.purpose,
        recipient=job.recipient,
    )
    now = clock.now()
    ExportJob.objects.filter(pk=job.pk).update(
        state=ExportState.DONE,
        rows_total=written,
        finished_at=now,
        progressed_at=now,
        expires_at=now + dt.timedelta(hours=settings.EXPORT_FILE_HOURS),
        file_name=final.name,
        file_size=partial.stat().st_size,
        disclosure_seq=event.seq,
        failure="",
    )
    # Last: if the rename fails the transaction rolls back, and the job fails with no file.
    partial.replace(final)


def _disclosed_cases(job: ExportJob) -> list[int]:
    """The cases the file holds, as its `disclose` event named them when it was made."""
    from casework.audit.models import AuditEvent

    if job.disclosure_seq is None:
        return []
    event = AuditEvent.objects.filter(seq=job.disclosure_seq).only("changes").first()
    listed = event.changes_dict.get("cases") if event is not None else None
    return list(listed[1] or []) if listed else []


def downloaded(*, user: Any, job: ExportJob) -> None:
    """Record a download of a finished file by its requester: a `disclose` event naming the same
    cases to the same recipient, pointing at the event written when the file was made."""
    audit.record(
        actor=user,
        action=Action.DISCLOSE,
        subject_type=SUBJECT_TYPE,
        subject_id=job.pk,
        subject_label=f"Background export downloaded: {job.title} ({job.get_fmt_display()}, {job.rows_written} rows)"[
            :250
        ],
        changes={"cases": [None, _disclosed_cases(job)], "disclosure_event": [None, job.disclosure_seq]},
        justification=job.purpose,
        recipient=job.recipient,
    )


def remove_expired_files(*, now: dt.datetime) -> int:
    """Housekeeping: remove finished files past their expiry (the job stays, marked expired, as
    the record of what was made), fail jobs whose worker went away, and delete partial files no
    running job is writing. Returns the number of files removed."""
    removed = 0
    directory = Path(settings.EXPORTS_DIR)  # not created here: no directory, no files
    for job in ExportJob.objects.filter(state=ExportState.DONE, expires_at__lte=now):
        if job.file_name:
            (directory / job.file_name).unlink(missing_ok=True)
            removed += 1
        ExportJob.objects.filter(pk=job.pk, state=ExportState.DONE).update(state=ExportState.EXPIRED, file_name="")
    for job in ExportJob.objects.filter(state__in=ACTIVE_STATES):
        if _is_stale(job, now):
            _fail(job.pk, "The worker stopped before the file was finished. Ask for the export again.")
    running = {str(pk) for pk in ExportJob.objects.filter(state=ExportState.RUNNING).values_list("pk", flat=True)}
    for partial in directory.glob("*.part") if directory.is_dir() else []:
        if partial.name.split("-", 1)[0] not in running:
            partial.unlink(missing_ok=True)
            removed += 1
    return removed
