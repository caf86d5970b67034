"""Importing a validated file: batches of case groups, each batch in one transaction with its
audit events (collect for new records, alter for changed values) and the run's progress, so an
interruption loses nothing and a re-run neither duplicates nor skips.

Records are matched on natural keys: a case by URN; a defendant by case, names and date of birth;
a charge by defendant and offence; a hearing by case, type and start. Bulk-style writes
(QuerySet.update) live here because this module writes their audit events itself.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.db import transaction
from django.db.models import F

from casework.audit import services as audit
from casework.audit.choices import Action
from casework.audit.services import ActorSnapshot, PendingEvent
from casework.cases.models import Case, CaseStageEntry, Charge, Defendant, Hearing
from casework.cases.services import notify_case_changed
from casework.core import clock
from casework.core.errors import PermissionDenied
from casework.core.models import VersionedModel
from casework.imports.mapping import Mapping
from casework.imports.models import ImportRun, RowProblem, RunStatus
from casework.imports.readers import read_files
from casework.imports.validation import CaseGroup, check, defendant_key
from casework.people.choices import UNIT_MANAGER_ROLES, RoleCode
from casework.people.models import Unit

DEFAULT_BATCH_SIZE = 500
COMMAND_ACTOR = ActorSnapshot(actor_id=None, label="casework import command", role="system", unit="")

Progress = Callable[[ImportRun], None]


def require_may_import(*, actor: Any, unit: Unit) -> None:
    """Administrators import for any unit; legal managers and unit heads for their own unit."""
    if actor is None:
        return  # the command line: whoever can run it already holds the server
    roles = actor.role_codes
    if RoleCode.ADMINISTRATOR in roles or (roles & UNIT_MANAGER_ROLES and actor.unit_id == unit.pk):
        return
    raise PermissionDenied("Only an administrator, or a manager of this unit, can import cases into it.")


def file_digest(files: list[tuple[str, bytes]]) -> str:
    digest = hashlib.sha256()
    for name, data in sorted(files):
        digest.update(name.encode() + b"\0" + hashlib.sha256(data).digest())
    return digest.hexdigest()


@dataclass
class _Batch:
    actor: Any
    unit: Unit
    events: list[PendingEvent]
    created: int = 0
    altered: int = 0
    unchanged: int = 0

    def collect(self, instance: VersionedModel, case_id: int) -> None:
        self.created += 1
        self.events.append(
            PendingEvent(
                action=Action.COLLECT,
                subject_type=instance._meta.label_lower,
                subject_id=str(instance.pk),
                subject_label=str(instance)[:250],
                case_id=case_id,
                changes=audit.diff({}, instance.snapshot()),
            )
        )

    def alter(self, instance: VersionedModel, case_id: int, values: dict[str, Any]) -> bool:
        """Apply the values that differ; audit them. Returns whether anything changed."""
        changes = audit.diff({key: getattr(instance, key) for key in values}, values)
        if not changes:
            self.unchanged += 1
            return False
        now = clock.now()
        changed = {key: values[key] for key in changes}
        type(instance)._default_manager.filter(pk=instance.pk).update(
            **changed, version=F("version") + 1, updated_at=now
        )
        for key, value in changed.items():
            setattr(instance, key, value)
        self.altered += 1
        self.events.append(
            PendingEvent(
                action=Action.ALTER,
                subject_type=instance._meta.label_lower,
                subject_id=str(instance.pk),
                subject_label=str(instance)[:250],
                case_id=case_id,
                changes=changes,
            )
        )
        return True


def _create(model: type[VersionedModel], **values: Any) -> Any:
    now = clock.now()
    return model._default_manager.create(**values, created_at=now, updated_at=now)


def _write_group(batch: _Batch, group: CaseGroup, case: Case | None) -> None:
    touched = False
    if case is None:
        assert group.case is not None  # validation only lets through part rows of known cases
        values = dict(group.case)
        urn, stage = values.pop("urn"), values.pop("stage")
        case = _create(Case, urn=urn, unit=batch.unit, stage=stage, stage_changed_at=clock.now(), **values)
        CaseStageEntry.objects.create(
            case=case, stage=stage, entered_at=case.created_at, entered_by=batch.actor, reason="Imported"
        )
        batch.collect(case, case.pk)
        touched = True
    elif group.case is not None:
        # The stage of a recorded case moves only through its transition rules, never by import.
        values = {k: v for k, v in group.case.items() if k not in {"urn", "stage"}}
        touched = batch.alter(case, case.pk, values)

    defendants = {
        defendant_key(case.urn, d.first_names, d.last_name, d.date_of_birth): d for d in case.defendants.all()
    }
    for row in group.defendants:
        key = defendant_key(case.urn, row["first_names"], row["last_name"], row["date_of_birth"])
        found = defendants.get(key)
        if found is None:
            defendants[key] = found = _create(Defendant, case=case, **row)
            batch.collect(found, case.pk)
            touched = True
        else:
            touched |= batch.alter(found, case.pk, {"custody_status": row["custody_status"]})

    charges = {(c.defendant_id, c.offence.casefold()): c for c in Charge.objects.filter(defendant__case=case)}
    for key, row in group.charges:
        defendant = defendants[key]
        found = charges.get((defendant.pk, row["offence"].casefold()))
        if found is None:
            charges[(defendant.pk, row["offence"].casefold())] = found = _create(Charge, defendant=defendant, **row)
            batch.collect(found, case.pk)
            touched = True
        else:
            touched |= batch.alter(
                found, case.pk, {"classification": row["classification"], "charged_on": row["charged_on"]}
            )

    hearings = {(h.hearing_type, h.starts_at): h for h in case.hearings.all()}
    for row in group.hearings:
        found = hearings.get((row["hearing_type"], row["starts_at"]))
        if found is None:
            found = _create(Hearing, case=case, **row)
            hearings[(row["hearing_type"], row["starts_at"])] = found
            batch.collect(found, case.pk)
            touched = True
        else:
            touched |= batch.alter(found, case.pk, {"court": row["court"], "outcome": row["outcome"]})
    if touched:
        notify_case_changed(case.pk)


@transaction.atomic
def _commit_batch(*, run: ImportRun, actor: Any, unit: Unit, groups: list[CaseGroup], end: int) -> None:
    batch = _Batch(actor=actor, unit=unit, events=[])
    existing = {c.urn: c for c in Case.objects.filter(urn__in=[g.urn for g in groups], unit=unit)}
    for group in groups:
        _write_group(batch, group, existing.get(group.urn))
    if batch.events:
        audit.record_many(actor=actor if actor is not None else COMMAND_ACTOR, events=batch.events)
    ImportRun.objects.filter(pk=run.pk).update(
        last_committed_group=end,
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


def import_run(
    *,
    actor: Any,
    files: list[tuple[str, bytes]],
    mapping: Mapping,
    unit: Unit,
    dry_run: bool = False,
    batch_size: int = DEFAULT_BATCH_SIZE,
    progress: Progress | None = None,
) -> ImportRun:
    """Validate the whole file, then (unless a trial run, or any row is refused) write it in
    batches. Re-running a file whose earlier run was interrupted continues from its last batch.

    File-level problems (encoding, missing columns, unknown sheets, size) raise ValidationFailed
    before anything is stored. `actor` None means the command line, recorded as such in the audit.
    """
    require_may_import(actor=actor, unit=unit)
    source = read_files(files, mapping)
    checked = check(source, mapping, unit_id=unit.pk)
    digest = file_digest(files)
    names = ", ".join(name for name, _ in files)[:250]
    now = clock.now()
    common = {"file_name": names, "file_digest": digest, "mapping_name": mapping.name, "unit": unit, "actor": actor}
    if checked.problems or dry_run:
        status = RunStatus.REJECTED if checked.problems else RunStatus.VALIDATED
        with transaction.atomic():
            run = ImportRun.objects.create(
                **common,
                status=status,
                total_groups=len(checked.groups),
                total_rows=checked.total_rows,
                error_count=len(checked.problems),
                started_at=now,
                finished_at=now,
            )
            _save_problems(run, checked.problems)
        return run

    unfinished = (
        ImportRun.objects.filter(file_digest=digest, mapping_name=mapping.name, unit=unit, status=RunStatus.RUNNING)
        .order_by("-started_at")
        .first()
    )
    run = unfinished or ImportRun.objects.create(
        **common,
        status=RunStatus.RUNNING,
        total_groups=len(checked.groups),
        total_rows=checked.total_rows,
        started_at=now,
    )
    for start in range(run.last_committed_group, len(checked.groups), batch_size):
        end = min(start + batch_size, len(checked.groups))
        _commit_batch(run=run, actor=actor, unit=unit, groups=checked.groups[start:end], end=end)
        if progress is not None:
            progress(run)
    ImportRun.objects.filter(pk=run.pk).update(status=RunStatus.COMPLETED, finished_at=clock.now())
    run.refresh_from_db()
    return run
