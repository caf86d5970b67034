"""Importing a validated file: batches of groups (a case with its parts, a person, a time record),
each batch in one transaction with its audit events (collect for new records, alter for changed
values) and the run's progress, so an interruption loses nothing and a re-run neither duplicates
nor skips.

Records are matched on natural keys: a case by URN; a defendant by case, names and date of birth;
a charge by defendant and offence; a hearing by case, type and start; a person by staff number; a
time record by person, case, week and activity. Bulk-style writes (QuerySet.update) live here
because this module writes their audit events itself.

Two ways in: `import_run` (the command line: check and write in-process, printing progress) and,
for the upload page, `import_prepare` (check and keep the files), `import_start` (enqueue) and
`import_execute` (the background task), with `import_resume` for a run a worker left unfinished.
"""

from __future__ import annotations

import datetime as dt
import gc
import hashlib
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any, NamedTuple

from django.db import transaction
from django.db.models import F

from casework.audit.services import ActorSnapshot
from casework.core import clock
from casework.core.errors import PermissionDenied, TransitionRefused, ValidationFailed
from casework.imports import case_services, staff, staff_services, time_records, time_services
from casework.imports.case_services import ImportBatch
from casework.imports.mapping import Mapping, mapping_from_data
from casework.imports.models import ImportFile, ImportKind, ImportRun, RowProblem, RunStatus
from casework.imports.readers import read_files
from casework.imports.tasks import import_check_task, import_execute_task
from casework.imports.validation import Checked, check
from casework.people.choices import UNIT_MANAGER_ROLES, RoleCode
from casework.people.models import Unit, User

DEFAULT_BATCH_SIZE = 500
#: Uploads up to this size are checked while the administrator waits; larger ones by the worker.
SYNC_CHECK_BYTES = 2 * 1024 * 1024
#: A running import with no batch committed for this long has lost its worker and may be resumed.
STALE_AFTER = dt.timedelta(minutes=10)
COMMAND_ACTOR = ActorSnapshot(actor_id=None, label="casework import command", role="system", unit="")

Progress = Callable[[ImportRun], None]


def require_may_import(*, actor: User | None, unit: Unit | None, kind: str = ImportKind.CASES) -> None:
    """Administrators import anything; legal managers and unit heads import cases and time for
    their own unit. Staff lists grant roles, so only administrators import them."""
    if unit is None and kind != ImportKind.STAFF:
        raise ValidationFailed("Choose the unit the records belong to.", field_errors={"unit": ["Choose a unit."]})
    if actor is None:
        return  # the command line: whoever can run it already holds the server
    roles = actor.role_codes
    if RoleCode.ADMINISTRATOR in roles:
        return
    if kind != ImportKind.STAFF and unit is not None and roles & UNIT_MANAGER_ROLES and actor.unit_id == unit.pk:
        return
    if kind == ImportKind.STAFF:
        raise PermissionDenied("Only an administrator can import staff.")
    raise PermissionDenied("Only an administrator, or a manager of this unit, can import records into it.")


def file_digest(files: list[tuple[str, bytes]]) -> str:
    digest = hashlib.sha256()
    for name, data in sorted(files):
        digest.update(name.encode() + b"\0" + hashlib.sha256(data).digest())
    return digest.hexdigest()


class _Kind(NamedTuple):
    check: Callable[[Any, Mapping, Unit | None, Any], Checked]
    write: Callable[[ImportBatch, list[Any]], None]
    noun: str


def adds_only(actor: User | None, unit: Unit) -> bool:
    """An administrator's case import only adds new cases: administrators never change (or read)
    recorded case content. The unit's legal managers and unit heads may also update their cases."""
    if actor is None:
        return False  # the command line: whoever can run it already holds the server
    return not (actor.role_codes & UNIT_MANAGER_ROLES and actor.unit_id == unit.pk)


def _check_cases(source: Any, mapping: Mapping, unit: Unit | None, actor: User | None) -> Checked:
    assert unit is not None  # require_may_import refuses a case import without a unit
    return check(source, mapping, unit_id=unit.pk, adds_only=adds_only(actor, unit))


def _check_time(source: Any, mapping: Mapping, unit: Unit | None, actor: User | None) -> Checked:
    assert unit is not None  # as for cases
    return time_records.check(source, mapping, unit=unit)


def _check_staff(source: Any, mapping: Mapping, unit: Unit | None, actor: User | None) -> Checked:
    return staff.check(source, mapping, unit=unit)


KINDS: dict[str, _Kind] = {
    # Looked up at call time, so a test can replace the writer.
    ImportKind.CASES: _Kind(_check_cases, lambda batch, groups: case_services.write_cases(batch, groups), "cases"),
    ImportKind.STAFF: _Kind(_check_staff, staff_services.write_staff, "people"),
    ImportKind.TIME: _Kind(_check_time, time_services.write_time, "time records"),
}


def kind_noun(kind: str) -> str:
    """What a group of this kind is called in progress messages."""
    return KINDS[kind].noun


@contextmanager
def _no_cycle_collection() -> Iterator[None]:
    """Hold off Python's cycle collector while a batch is checked or written. A batch makes tens of
    thousands of short-lived objects (rows, records, events) that reference counting frees; each
    pass of the collector over the whole process (about 100,000 long-lived objects: 20-40 ms on
    these machines) finds nothing among them. Collection resumes after the batch, so memory stays
    bounded by one batch."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


@transaction.atomic
def _commit_batch(*, run: ImportRun, actor: User | None, unit: Unit | None, groups: list[Any], end: int) -> None:
    batch = ImportBatch(actor=actor if actor is not None else COMMAND_ACTOR, unit=unit, user=actor)
    KINDS[run.kind].write(batch, groups)
    batch.write()  # the batch's audit events, and its changed cases queued for re-checking
    ImportRun.objects.filter(pk=run.pk).update(
        last_committed_group=end,
        rows_committed=F("rows_committed") + sum(group.rows for group in groups),
        batches_committed=F("batches_committed") + 1,
        progressed_at=clock.now(),
        created_count=F("created_count") + batch.created,
        altered_count=F("altered_count") + batch.altered,
        unchanged_count=F("unchanged_count") + batch.unchanged,
    )
    run.refresh_from_db()


def _save_problems(run: ImportRun, problems: list[Any]) -> None:
    RowProblem.objects.bulk_create(
        RowProblem(
            run=run, sheet=p.sheet[:60], row=p.row, column=p.column[:120], value=p.value[:250], reason=p.reason[:500]
        )
        for p in problems
    )


def _check_files(files: list[tuple[str, bytes]], mapping: Mapping, unit: Unit | None, actor: User | None) -> Checked:
    """Every row of every sheet; file-level problems raise ValidationFailed."""
    with _no_cycle_collection():
        return KINDS[mapping.kind].check(read_files(files, mapping), mapping, unit, actor)


def _record_check(run: ImportRun, checked: Checked, *, passed: RunStatus) -> None:
    """Store a check's outcome on the run: rejected with its problems, or `passed`."""
    now = clock.now()
    run.status = RunStatus.REJECTED if checked.problems else passed
    run.total_groups = len(checked.groups)
    run.total_rows = checked.total_rows
    run.error_count = len(checked.problems)
    if checked.problems or passed == RunStatus.VALIDATED:
        run.finished_at = now
    run.save()
    _save_problems(run, checked.problems)
    if checked.problems:
        run.files.all().delete()  # a refused file is not kept


def _write_batches(
    run: ImportRun, actor: User | None, unit: Unit | None, checked: Checked, batch_size: int, progress: Progress | None
) -> ImportRun:
    for start in range(run.last_committed_group, len(checked.groups), batch_size):
        end = min(start + batch_size, len(checked.groups))
        with _no_cycle_collection():
            _commit_batch(run=run, actor=actor, unit=unit, groups=checked.groups[start:end], end=end)
        if progress is not None:
            progress(run)
    with transaction.atomic():
        ImportRun.objects.filter(pk=run.pk).update(status=RunStatus.COMPLETED, finished_at=clock.now(), failure="")
        run.files.all().delete()  # the records and the audit trail are the lasting copy
    run.refresh_from_db()
    return run


def _run_fields(
    actor: User | None, files: list[tuple[str, bytes]], mapping: Mapping, unit: Unit | None
) -> dict[str, Any]:
    return {
        "kind": mapping.kind,
        "file_name": ", ".join(name for name, _ in files)[:250],
        "file_digest": file_digest(files),
        "mapping_name": mapping.name,
        "mapping_data": mapping.model_dump(mode="json"),
        "unit": unit,
        "actor": actor,
    }


def import_run(
    *,
    actor: User | None,
    files: list[tuple[str, bytes]],
    mapping: Mapping,
    unit: Unit | None,
    dry_run: bool = False,
    batch_size: int = DEFAULT_BATCH_SIZE,
    progress: Progress | None = None,
) -> ImportRun:
    """Validate the whole file, then (unless a trial run, or any row is refused) write it in
    batches in this process. Re-running a file whose earlier run was interrupted (or stopped by an
    error) continues from its last committed batch.

    File-level problems (encoding, missing columns, unknown sheets, size) raise ValidationFailed
    before anything is stored. `actor` None means the command line, recorded as such in the audit.
    """
    require_may_import(actor=actor, unit=unit, kind=mapping.kind)
    checked = _check_files(files, mapping, unit, actor)
    fields = _run_fields(actor, files, mapping, unit)
    now = clock.now()
    if checked.problems or dry_run:
        with transaction.atomic():
            run = ImportRun(**fields, started_at=now)
            _record_check(run, checked, passed=RunStatus.VALIDATED)
        return run

    unfinished = (
        ImportRun.objects.filter(
            kind=mapping.kind,
            file_digest=fields["file_digest"],
            mapping_name=mapping.name,
            unit=unit,
            status__in=[RunStatus.RUNNING, RunStatus.FAILED],
        )
        .order_by("-started_at")
        .first()
    )
    if unfinished is not None:
        ImportRun.objects.filter(pk=unfinished.pk).update(status=RunStatus.RUNNING)
        unfinished.refresh_from_db()
    run = unfinished or ImportRun.objects.create(
        **fields,
        status=RunStatus.RUNNING,
        total_groups=len(checked.groups),
        total_rows=checked.total_rows,
        started_at=now,
    )
    return _write_batches(run, actor, unit, checked, batch_size, progress)


# --- the upload page: check, then write in the background ------------------------------------------


def import_prepare(
    *, actor: User | None, files: list[tuple[str, bytes]], mapping: Mapping, unit: Unit | None
) -> ImportRun:
    """Check an upload and keep its files for a later `import_start`. Small files are checked
    now; larger ones by the worker (the run shows "Being checked" until then). Nothing is written
    to the records either way. File-level problems of a small file raise ValidationFailed."""
    require_may_import(actor=actor, unit=unit, kind=mapping.kind)
    fields = _run_fields(actor, files, mapping, unit)
    size = sum(len(data) for _, data in files)
    checked = _check_files(files, mapping, unit, actor) if size <= SYNC_CHECK_BYTES else None
    with transaction.atomic():
        run = ImportRun(**fields, status=RunStatus.CHECKING, started_at=clock.now())
        run.save()
        if checked is None or not checked.problems:
            ImportFile.objects.bulk_create(ImportFile(run=run, name=name, content=data) for name, data in files)
        if checked is not None:
            _record_check(run, checked, passed=RunStatus.VALIDATED)
        else:
            run.task_id = str(import_check_task.enqueue(run.pk).id)
            run.save(update_fields=["task_id"])
    return run


def _stored(run: ImportRun) -> tuple[list[tuple[str, bytes]], Mapping]:
    files = [(f.name, bytes(f.content)) for f in run.files.all()]
    if not files:
        raise ValidationFailed("The uploaded files are no longer held: upload the file again.")
    return files, mapping_from_data(run.mapping_data)


def import_check_stored(*, run_id: int) -> ImportRun:
    """The worker's check of a large upload (see import_prepare)."""
    run = ImportRun.objects.select_related("unit", "actor").get(pk=run_id)
    if run.status != RunStatus.CHECKING:
        return run
    files, mapping = _stored(run)
    try:
        checked = _check_files(files, mapping, run.unit, run.actor)
    except ValidationFailed as error:
        with transaction.atomic():
            ImportRun.objects.filter(pk=run.pk).update(
                status=RunStatus.REJECTED, failure=error.message[:500], finished_at=clock.now()
            )
            run.files.all().delete()
        run.refresh_from_db()
        return run
    with transaction.atomic():
        _record_check(run, checked, passed=RunStatus.VALIDATED)
    return run


def may_resume(run: ImportRun) -> bool:
    """Whether the page offers to resume: stopped by an error, or no batch committed for a while."""
    if run.status == RunStatus.FAILED:
        return True
    last_sign = run.progressed_at or run.started_at
    return run.status in {RunStatus.RUNNING, RunStatus.QUEUED} and clock.now() - last_sign > STALE_AFTER


def _enqueue(*, actor: User | None, run_id: int, allowed: Callable[[ImportRun], bool], refusal: str) -> ImportRun:
    with transaction.atomic():
        run = ImportRun.objects.select_for_update().get(pk=run_id)  # no join: PostgreSQL locks no outer join
        require_may_import(actor=actor, unit=run.unit, kind=run.kind)
        if not allowed(run):
            raise TransitionRefused(refusal)
        # The task row is written in this transaction: queued exactly when the status says so.
        run.task_id = str(import_execute_task.enqueue(run.pk).id)
        run.status = RunStatus.QUEUED
        run.progressed_at = clock.now()
        run.failure = ""
        run.save(update_fields=["task_id", "status", "progressed_at", "failure"])
    return run


def import_start(*, actor: User | None, run_id: int) -> ImportRun:
    """Queue a checked upload for the worker to write."""
    return _enqueue(
        actor=actor,
        run_id=run_id,
        allowed=lambda run: run.status == RunStatus.VALIDATED,
        refusal="Only a checked file that is not yet imported can be started.",
    )


def import_resume(*, actor: User | None, run_id: int) -> ImportRun:
    """Queue again a run that stopped (an error, or a worker that went away); it continues after
    its last committed batch."""
    return _enqueue(
        actor=actor, run_id=run_id, allowed=may_resume, refusal="This import is not stopped: it cannot be resumed."
    )


def import_execute(*, run_id: int, batch_size: int = DEFAULT_BATCH_SIZE, progress: Progress | None = None) -> ImportRun:
    """The worker's import of a queued run. Rows are checked again first (the records may have
    changed since the trial run); writing continues after the last committed batch. An error
    stops the run as "failed" (committed batches stay), ready for `import_resume`."""
    # Claim the run: only one worker moves it from queued to running, so a second delivery of
    # the task (or a second worker) does nothing.
    claimed = ImportRun.objects.filter(pk=run_id, status=RunStatus.QUEUED).update(
        status=RunStatus.RUNNING, progressed_at=clock.now()
    )
    run = ImportRun.objects.select_related("unit", "actor").get(pk=run_id)
    if not claimed:
        return run
    actor: User | None = run.actor
    try:
        require_may_import(actor=actor, unit=run.unit, kind=run.kind)
        files, mapping = _stored(run)
        checked = _check_files(files, mapping, run.unit, actor)
        if checked.problems:
            with transaction.atomic():
                RowProblem.objects.filter(run=run).delete()
                _record_check(run, checked, passed=RunStatus.RUNNING)
            return run
        ImportRun.objects.filter(pk=run.pk).update(total_groups=len(checked.groups), total_rows=checked.total_rows)
        run.refresh_from_db()
        return _write_batches(run, actor, run.unit, checked, batch_size, progress)
    except Exception as error:
        message = error.message if isinstance(error, ValidationFailed | PermissionDenied) else repr(error)
        ImportRun.objects.filter(pk=run.pk).update(status=RunStatus.FAILED, failure=message[:500])
        raise
