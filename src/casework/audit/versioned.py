"""Audited writes of versioned records: the one way every app creates and changes them.

`versioned_update` applies new values to a record if nobody saved it since the version the caller
read (optimistic locking) and appends one `alter` event with each field's before and after values,
in the caller's transaction. A change to a case's data also tells the apps that keep figures
derived from cases (casework.core.case_changes), in the same transaction.

`AuditedBatch` (through `audited_batch`) is the batch mode, for the importer: new rows of a model
are written with one INSERT, their `collect` events (one per row) and the batch's `alter` events
are appended together with `record_many`, and the changed cases are notified once, so a batch of
a thousand records costs a handful of statements instead of thousands. Nothing is relaxed: each
row still gets its own event, and each update its version check.
"""

from __future__ import annotations

import datetime as dt
import functools
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, TypeVar

from django.db import connection, models, transaction
from django.db.models import F, Field

from casework.audit import services as audit
from casework.audit.choices import Action
from casework.core import clock
from casework.core.case_changes import notify_cases_changed
from casework.core.errors import EditConflict
from casework.core.models import VersionedModel

if TYPE_CHECKING:
    from casework.people.models import User

V = TypeVar("V", bound=VersionedModel)


def _before(instance: VersionedModel, keys: Sequence[str]) -> dict[str, Any]:
    """The values the caller loaded (not a second read of the row: that would hide a lost update)."""
    loaded = hasattr(instance, "_loaded_values")
    return {key: instance.loaded_value(key) if loaded else getattr(instance, key) for key in keys}


def _conflict(instance: VersionedModel, before: dict[str, Any]) -> EditConflict:
    model = type(instance)
    current = model._default_manager.get(pk=instance.pk)
    moved = {
        key: [audit._plain(value), audit._plain(getattr(current, key))]
        for key, value in before.items()
        if getattr(current, key) != value
    }
    return EditConflict(
        f"Someone else changed this {model._meta.verbose_name} after you opened it (now version "
        f"{current.version}). Your changes were not saved: review the current values and make them again.",
        current_version=current.version,
        changed=moved,
    )


# --- inserting many rows ------------------------------------------------------------------------------
# Django's bulk_create spends most of a large import in per-value field machinery (about 60 µs a
# case row), several times what the database needs for the INSERT itself. The batch writes new rows
# with the database backend's own value adapters, chosen once per column, and one multi-row
# INSERT ... RETURNING per chunk; a column of any other kind goes through the field's
# get_db_prep_save as bulk_create would. Instances end as bulk_create leaves them: with their
# primary key, saved (`_state.adding` False, as Django's own from_db documentation sets it).

_INTEGERS = frozenset(
    {
        "AutoField",
        "BigAutoField",
        "SmallAutoField",
        "IntegerField",
        "BigIntegerField",
        "SmallIntegerField",
        "PositiveIntegerField",
        "PositiveBigIntegerField",
        "PositiveSmallIntegerField",
    }
)
_TEXTS = frozenset({"CharField", "TextField", "SlugField", "EmailField", "URLField"})


def _adapter(field: Field[Any, Any]) -> Callable[[Any], Any]:
    """How one column's Python values become query parameters (the backend's own adapters)."""
    ops = connection.ops
    kind = field.get_internal_type()
    if field.is_relation:
        kind = field.target_field.get_internal_type()  # type: ignore[attr-defined]

    def through_field(value: Any) -> Any:
        return field.get_db_prep_save(value, connection)

    if kind in _INTEGERS:
        return lambda value: value if value is None or type(value) is int else through_field(value)
    if kind in _TEXTS:
        return lambda value: value if value is None or type(value) is str else through_field(value)
    if kind == "BooleanField":
        return lambda value: value if value is None or type(value) is bool else through_field(value)
    if kind == "DateTimeField":
        return lambda value: (
            ops.adapt_datetimefield_value(value)
            if value is None or isinstance(value, dt.datetime)
            else through_field(value)
        )
    if kind == "DateField":
        return lambda value: (
            ops.adapt_datefield_value(value) if value is None or type(value) is dt.date else through_field(value)
        )
    return through_field


@functools.cache
def _insert_plan(model: type[models.Model], vendor: str) -> tuple[list[Field[Any, Any]], list[Callable[[Any], Any]]]:
    fields = [field for field in model._meta.concrete_fields if not field.primary_key]
    if any(getattr(field, "auto_now", False) or getattr(field, "auto_now_add", False) for field in fields):
        raise ValueError(f"{model.__name__} has auto_now fields: write it with bulk_create")
    return fields, [_adapter(field) for field in fields]


def _insert(instances: Sequence[models.Model]) -> None:
    """Insert these new records of one model; each gets its primary key."""
    model = type(instances[0])
    fields, adapters = _insert_plan(model, connection.vendor)
    for instance in instances:  # a parent written after the child was made: take its new id
        for column in fields:
            if column.is_relation and getattr(instance, column.attname) is None:
                parent = getattr(instance, column.name, None)
                if parent is not None:
                    setattr(instance, column.attname, parent.pk)
    quote = connection.ops.quote_name
    columns = ", ".join(quote(str(column.column)) for column in fields)
    row_marks = "(" + ", ".join(["%s"] * len(fields)) + ")"
    per_statement = max(1, (connection.features.max_query_params or 65_535) // len(fields))
    table, pk = quote(model._meta.db_table), quote(str(model._meta.pk.column))
    with connection.cursor() as cursor:
        for start in range(0, len(instances), per_statement):
            chunk = instances[start : start + per_statement]
            params = [
                adapt(getattr(instance, column.attname))
                for instance in chunk
                for column, adapt in zip(fields, adapters, strict=True)
            ]
            marks = ", ".join([row_marks] * len(chunk))
            cursor.execute(f"INSERT INTO {table} ({columns}) VALUES {marks} RETURNING {pk}", params)  # noqa: S608
            for instance, (key,) in zip(chunk, cursor.fetchall(), strict=True):
                instance.pk = key
                instance._state.adding = False
                instance._state.db = connection.alias


def _event(action: str, instance: VersionedModel, case_id: int | None, changes: dict[str, Any]) -> audit.PendingEvent:
    return audit.PendingEvent(
        action=action,
        subject_type=instance._meta.label_lower,
        subject_id=str(instance.pk),
        subject_label=str(instance)[:250],
        case_id=case_id,
        changes=changes,
    )


@dataclass
class AuditedBatch:
    """Audited writes by one actor, held until `write()` appends their events together."""

    actor: User | audit.ActorSnapshot | None
    events: list[audit.PendingEvent] = field(default_factory=list)
    changed_cases: set[int] = field(default_factory=set)
    created: int = 0
    altered: int = 0
    unchanged: int = 0

    def create(self, instances: Sequence[V], *, case_of: Callable[[V], int | None] | None = None) -> list[V]:
        """Insert new records of one model in one statement, each with its `collect` event.
        `case_of` gives a written record's case (its own id for a case; default: none). Write
        parents before their children: a child's foreign key needs the parent's id."""
        if not instances:
            return []
        now = clock.now()
        for instance in instances:
            instance.created_at = instance.updated_at = now
        _insert(instances)
        written = list(instances)
        for instance in written:
            case_id = case_of(instance) if case_of is not None else None
            instance.remember_loaded_state()
            self.events.append(_event(Action.COLLECT, instance, case_id, audit.diff({}, instance.snapshot())))
            if case_id is not None:
                self.changed_cases.add(case_id)
        self.created += len(written)
        return written

    def add_parts(self, instances: Sequence[models.Model]) -> None:
        """Insert rows that belong to a record this batch audits and carry no event of their own
        (a new case's first stage entry: the case's `collect` event records its stage, as
        case_create does)."""
        if instances:
            _insert(instances)

    def update(
        self, instance: VersionedModel, *, expected_version: int, values: dict[str, Any], case_id: int | None
    ) -> dict[str, list[Any]]:
        """Apply `values` if nobody saved since `expected_version`. Returns the audited changes
        ({} when nothing differs); raises EditConflict, and writes nothing, on a stale version."""
        before = _before(instance, list(values))
        changes = audit.diff(before, values)
        if not changes:
            self.unchanged += 1
            return {}
        now = clock.now()
        model = type(instance)
        updated = model._default_manager.filter(pk=instance.pk, version=expected_version).update(
            **values, version=F("version") + 1, updated_at=now
        )
        if updated != 1:
            raise _conflict(instance, before)
        for key, value in values.items():
            setattr(instance, key, value)
        instance.version = expected_version + 1
        instance.updated_at = now
        instance.remember_loaded_state()
        self.events.append(_event(Action.ALTER, instance, case_id, changes))
        if case_id is not None:
            self.changed_cases.add(case_id)
        self.altered += 1
        return changes

    def write(self) -> None:
        """Append the held events in one statement batch and notify the changed cases; call inside
        the transaction of the writes (`audited_batch` does)."""
        if self.events:
            audit.record_many(actor=self.actor, events=self.events)
        notify_cases_changed(self.changed_cases)
        self.events = []
        self.changed_cases = set()


@contextmanager
def audited_batch(*, actor: User | audit.ActorSnapshot | None) -> Iterator[AuditedBatch]:
    """Audited writes in one transaction: everything in it, events included, commits or rolls back
    together. Inside the caller's transaction it adds no savepoint: an error fails the caller's write."""
    with transaction.atomic(savepoint=False):
        batch = AuditedBatch(actor=actor)
        yield batch
        batch.write()


def versioned_update(
    *,
    actor: User | audit.ActorSnapshot | None,
    instance: VersionedModel,
    expected_version: int,
    values: dict[str, Any],
    case_id: int | None,
) -> dict[str, list[Any]]:
    """Apply `values` if nobody saved since `expected_version`; audit the field changes. `case_id`
    is the case the record belongs to (None for records outside a case, e.g. an agreement).

    The change and its event are one savepoint: a stale version (EditConflict) leaves the caller's
    transaction usable, so it can read the current record to report the conflict."""
    batch = AuditedBatch(actor=actor)
    with transaction.atomic():
        changes = batch.update(instance, expected_version=expected_version, values=values, case_id=case_id)
        batch.write()
    return changes
